package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fieldcheck/internal/s3test"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// testJPEG is a small distinct photo.
func testJPEG(t *testing.T, seed int) ([]byte, string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x*seed + y), uint8(y * 3), uint8(seed * 37), 255})
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:])
}

func (r *running) do(t *testing.T, method, path, token string, body []byte, ct string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+r.addr+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	res, err := (&http.Client{Timeout: 40 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

func withEnv(t *testing.T, env []string) {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func noPhotoFiles(t *testing.T, data string) {
	t.Helper()
	filepath.Walk(filepath.Join(data, "photos"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			t.Errorf("a photo file in the data dir: %s", p)
		}
		return nil
	})
}

// TestPhotosInTheBucketAndTheBucketGoingAway: with FIELDCHECK_S3_URL the
// server keeps photos in the bucket (none in the data dir); with the bucket
// down, uploads and reads answer 503 with Retry-After within 15 s, /readyz
// names the bucket while /healthz stays 200, and service resumes by itself.
func TestPhotosInTheBucketAndTheBucketGoingAway(t *testing.T) {
	s3 := s3test.Start(t)
	withEnv(t, s3.Env())
	data := t.TempDir()
	r := startServer(t, data)
	admin := r.login(t, "admin")
	body, sha := testJPEG(t, 1)
	if res, b := r.do(t, "PUT", "/api/v1/photos/"+sha, admin, body, "image/jpeg"); res.StatusCode != 201 {
		t.Fatalf("PUT: %d %s", res.StatusCode, b)
	}
	for _, size := range []string{"full", "medium", "thumb"} {
		if res, b := r.do(t, "GET", "/api/v1/photos/"+sha+"?size="+size, admin, nil, ""); res.StatusCode != 200 || len(b) == 0 {
			t.Fatalf("GET %s: %d", size, res.StatusCode)
		} else if size == "full" && !bytes.Equal(b, body) {
			t.Fatal("the original read back differs")
		}
	}
	noPhotoFiles(t, data)
	if files := s3.Files("photos"); len(files) != 1 {
		t.Fatalf("bucket originals: %v", files)
	}

	// Load while the bucket dies and comes back: uploads from three phones
	// never get a 500 or hang past 15 s, and whatever got 201 reads back.
	stopLoad := make(chan struct{})
	var loadWG sync.WaitGroup
	var loadMu sync.Mutex
	accepted := map[string][]byte{}
	codes := map[int]int{}
	// (three: one user may have four uploads in flight, the test's own is the fourth)
	for w := 0; w < 3; w++ {
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			for i := 0; ; i++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				b, sh := testJPEG(t, 100+w*1000+i)
				start := time.Now()
				req, _ := http.NewRequest("PUT", "http://"+r.addr+"/api/v1/photos/"+sh, bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+admin)
				req.Header.Set("Content-Type", "image/jpeg")
				res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
				if err != nil {
					t.Errorf("upload under load: %v", err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if d := time.Since(start); d > 15*time.Second {
					t.Errorf("an upload took %v", d)
				}
				loadMu.Lock()
				codes[res.StatusCode]++
				if res.StatusCode == 201 {
					accepted[sh] = b
				}
				loadMu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	defer func() {
		select {
		case <-stopLoad:
		default:
			close(stopLoad)
		}
		loadWG.Wait()
	}()
	time.Sleep(time.Second)

	s3.Stop()
	body2, sha2 := testJPEG(t, 2)
	start := time.Now()
	res, b := r.do(t, "PUT", "/api/v1/photos/"+sha2, admin, body2, "image/jpeg")
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || time.Since(start) > 15*time.Second {
		t.Fatalf("PUT with the bucket down: %d %s after %v", res.StatusCode, b, time.Since(start))
	}
	start = time.Now()
	if res, _ := r.do(t, "GET", "/api/v1/photos/"+sha+"?size=thumb", admin, nil, ""); res.StatusCode != 503 || time.Since(start) > 15*time.Second {
		t.Fatalf("GET with the bucket down: %d after %v", res.StatusCode, time.Since(start))
	}
	if res, b := r.do(t, "GET", "/readyz", "", nil, ""); res.StatusCode != 503 || !strings.Contains(string(b), "bucket fieldcheck") {
		t.Fatalf("readyz with the bucket down: %d %s", res.StatusCode, b)
	}
	if res, _ := r.do(t, "GET", "/healthz", "", nil, ""); res.StatusCode != 200 {
		t.Fatalf("healthz: %d", res.StatusCode)
	}
	// Everything else is served meanwhile.
	if res, _ := r.do(t, "GET", "/api/v1/me", admin, nil, ""); res.StatusCode != 200 {
		t.Fatalf("me while the bucket is down: %d", res.StatusCode)
	}
	s3.Restart()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, _ := r.do(t, "GET", "/readyz", "", nil, "")
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready 30 s after the bucket came back")
		}
		time.Sleep(500 * time.Millisecond)
	}
	if res, b := r.do(t, "PUT", "/api/v1/photos/"+sha2, admin, body2, "image/jpeg"); res.StatusCode != 201 {
		t.Fatalf("PUT after the bucket came back: %d %s", res.StatusCode, b)
	}
	time.Sleep(time.Second)
	close(stopLoad)
	loadWG.Wait()
	for code := range codes {
		if code != 200 && code != 201 && code != 503 { // 200: bytes already held
			t.Fatalf("uploads under load answered %v", codes)
		}
	}
	if codes[503] == 0 || codes[201] == 0 {
		t.Fatalf("the load saw no outage or no success: %v", codes)
	}
	for sh, b := range accepted {
		if res, got := r.do(t, "GET", "/api/v1/photos/"+sh, admin, nil, ""); res.StatusCode != 200 || !bytes.Equal(got, b) {
			t.Fatalf("accepted under load, %s reads back %d", sh[:12], res.StatusCode)
		}
	}
	t.Logf("uploads under load through the outage: %v", codes)
}

// TestSIGKILLMidUploadLeavesNoRecordWithoutItsBytes: uploads stream while
// the server is killed; after a restart every photo the server says it
// holds reads back whole from the bucket, and the sweep clears staging.
func TestSIGKILLMidUploadLeavesNoRecordWithoutItsBytes(t *testing.T) {
	s3 := s3test.Start(t)
	withEnv(t, append(s3.Env(), "FIELDCHECK_S3_STAGING_MAX_AGE=1s"))
	data := t.TempDir()
	r := startServer(t, data)
	admin := r.login(t, "admin")
	type photo struct {
		body []byte
		sha  string
	}
	var all []photo
	for i := 0; i < 24; i++ {
		b, s := testJPEG(t, 10+i)
		all = append(all, photo{b, s})
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(all); i += 4 {
				req, _ := http.NewRequest("PUT", "http://"+r.addr+"/api/v1/photos/"+all[i].sha, bytes.NewReader(all[i].body))
				req.Header.Set("Authorization", "Bearer "+admin)
				req.Header.Set("Content-Type", "image/jpeg")
				if res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req); err == nil {
					res.Body.Close()
				} else {
					return // the server died under us
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	r.cmd.Process.Signal(syscall.SIGKILL)
	wg.Wait()
	r.cmd.Wait()

	// Every photo the store recorded has its bytes at its content address.
	db, err := bolt.Open(filepath.Join(data, store.FileName), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketPhotos).ForEach(func(k, _ []byte) error {
			recorded = append(recorded, string(k))
			return nil
		})
	})
	db.Close()
	inBucket := map[string]bool{}
	for _, f := range s3.Files("photos") {
		inBucket[f] = true
	}
	for _, sha := range recorded {
		if !inBucket["photos/"+sha[:2]+"/"+sha[2:4]+"/"+sha] {
			t.Fatalf("photo %s is recorded but its bytes are not in the bucket", sha[:12])
		}
	}

	adminLogin := r.logins["admin"]
	r = startServer(t, data)
	r.logins["admin"] = adminLogin
	admin = r.login(t, "admin")
	held := 0
	for _, p := range all {
		res, b := r.do(t, "GET", "/api/v1/photos/"+p.sha, admin, nil, "")
		switch res.StatusCode {
		case 200:
			held++
			if !bytes.Equal(b, p.body) {
				t.Fatalf("%s: recorded, but its bytes differ", p.sha[:12])
			}
		case 404:
		default:
			t.Fatalf("%s: %d %s", p.sha[:12], res.StatusCode, b)
		}
	}
	t.Logf("%d of %d photos recorded before the kill, every one with its bytes", held, len(all))
	deadline := time.Now().Add(20 * time.Second)
	for len(s3.Files("staging")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("staged uploads left after the sweep: %v", s3.Files("staging"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	noPhotoFiles(t, data)
}

// TestMigrateThePhotosThenShipABackupAndRestoreIt: a data dir made without
// a bucket is migrated into it (resumable, verified); a server on the bucket
// ships a backup; a new data dir restored from the bucket serves the same
// logins and photos.
func TestMigrateThePhotosThenShipABackupAndRestoreIt(t *testing.T) {
	s3 := s3test.Start(t)
	data := t.TempDir()
	r := startServer(t, data)
	admin := r.login(t, "admin")
	adminPW := r.logins["admin"][1]
	var shas []string
	bodies := map[string][]byte{}
	for i := 0; i < 5; i++ {
		b, s := testJPEG(t, 40+i)
		if res, out := r.do(t, "PUT", "/api/v1/photos/"+s, admin, b, "image/jpeg"); res.StatusCode != 201 {
			t.Fatalf("PUT: %d %s", res.StatusCode, out)
		}
		shas = append(shas, s)
		bodies[s] = b
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()

	withEnv(t, s3.Env())
	out, err := run(t, "", "photos", "migrate", "--to", "s3", "--data", data)
	if err != nil || !strings.Contains(out, "5 uploaded") || !strings.Contains(out, "migrated 5/5") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	noPhotoFiles(t, data)
	// Run again: nothing left to move.
	if out, err := run(t, "", "photos", "migrate", "--to", "s3", "--data", data); err != nil || !strings.Contains(out, "0 uploaded") {
		t.Fatalf("second migrate: %v\n%s", err, out)
	}

	t.Setenv("FIELDCHECK_BACKUP_EVERY", "1h") // ships one at start
	r = startServer(t, data)
	r.logins["admin"] = [2]string{"admin", adminPW}
	deadline := time.Now().Add(30 * time.Second)
	for len(s3.Files("backups")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no backup shipped:\n%s", r.err.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	admin = r.login(t, "admin")
	for _, s := range shas {
		if res, b := r.do(t, "GET", "/api/v1/photos/"+s, admin, nil, ""); res.StatusCode != 200 || !bytes.Equal(b, bodies[s]) {
			t.Fatalf("after migrating, %s: %d", s[:12], res.StatusCode)
		}
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
	t.Setenv("FIELDCHECK_BACKUP_EVERY", "")

	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := run(t, "", "restore", "--data", restored, "--from-s3", "latest"); err != nil || !strings.Contains(out, "restored fieldcheck-") {
		t.Fatalf("restore --from-s3: %v\n%s", err, out)
	}
	r = startServer(t, restored)
	r.logins["admin"] = [2]string{"admin", adminPW}
	admin = r.login(t, "admin")
	for _, s := range shas {
		if res, b := r.do(t, "GET", "/api/v1/photos/"+s+"?size=thumb", admin, nil, ""); res.StatusCode != 200 || len(b) == 0 {
			t.Fatalf("restored server, %s thumb: %d", s[:12], res.StatusCode)
		}
	}
	if out, err := run(t, "", "restore", "--data", filepath.Join(t.TempDir(), "x"), "--from-s3", "no-such.tar"); err == nil || !strings.Contains(out, "no such backup") {
		t.Fatalf("restore of a missing name: %v\n%s", err, out)
	}
}
