package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"fieldcheck/photos/bomb"
)

// Decompression bombs under the pixel limit are refused from their header
// with a reason a person can act on (issue 12).
func TestPhotoBombsAreRefusedWithAReason(t *testing.T) {
	env := newTestEnv(t)
	for name, c := range map[string]struct {
		body  []byte
		ctype string
	}{
		"progressive 7000×7000 jpeg": {bomb.ProgressiveJPEG(7000, 7000), "image/jpeg"},
		"16-bit 7000×7000 png":       {bomb.PNGHeader(7000, 7000, 16, 6), "image/png"},
	} {
		t.Run(name, func(t *testing.T) {
			res := env.putPhoto(t, "tech1", c.body, c.ctype)
			if res.Status != 422 || res.ErrorCode() != "decode_too_large" {
				t.Fatalf("%d %s, want 422 decode_too_large", res.Status, res.Body)
			}
			if msg, _ := res.JSON()["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "内存") {
				t.Errorf("zh message does not say why: %q", msg)
			}
		})
	}
}

// holdUpload starts a photo PUT by token on a real connection, sends part of
// a large body and keeps the rest back; the server is then receiving it.
func holdUpload(t *testing.T, addr, token string) {
	t.Helper()
	conn := dial(t, addr)
	fmt.Fprintf(conn, "PUT /api/v1/photos/%s HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer %s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
		strings.Repeat("ef", 32), token, 4<<20)
	conn.Write(bytes.Repeat([]byte{0xFF}, 64<<10))
}

// waitInFlight waits (bounded) until the server is receiving n uploads.
func waitInFlight(t *testing.T, env *testEnv, n int) {
	t.Helper()
	deadline := time.Now().Add(liveness)
	for env.srv.Photos.UploadsInFlight() != n {
		if time.Now().After(deadline) {
			t.Fatalf("uploads in flight: %d, want %d", env.srv.Photos.UploadsInFlight(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Uploads in flight are capped per user and in all: past a cap the upload
// is refused at once with 429 and Retry-After, its unread body closes the
// connection, and other users and requests are served meanwhile.
func TestPhotoUploadsInFlightAreCapped(t *testing.T) {
	env := newTestEnvWith(t, func(c *Config) { c.PhotoUploads, c.PhotoUploadsPerUser = 2, 1 })
	tech1, tech2, tech3 := env.token(t, "tech1"), env.token(t, "tech2"), env.token(t, "tech3")
	addr := env.listen(t)
	client := &http.Client{Timeout: liveness}
	put := func(token string, body []byte) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("PUT", "http://"+addr+"/api/v1/photos/"+hexSHA(body), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "image/jpeg")
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("put: %v", err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return res, b.String()
	}

	holdUpload(t, addr, tech1)
	waitInFlight(t, env, 1)

	t.Run("same user, large body: 429 and the connection closes", func(t *testing.T) {
		conn := dial(t, addr)
		go func() {
			fmt.Fprintf(conn, "PUT /api/v1/photos/%s HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer %s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
				strings.Repeat("ab", 32), tech1, 1<<20)
			conn.Write(smuggledBody(1 << 20))
		}()
		br := bufio.NewReader(conn)
		res, body := readResponse(t, br)
		if res.StatusCode != 429 || !strings.Contains(string(body), "uploads_busy") || res.Header.Get("Retry-After") != "5" {
			t.Fatalf("%d %s (Retry-After %q), want 429 uploads_busy, Retry-After 5", res.StatusCode, body, res.Header.Get("Retry-After"))
		}
		if !res.Close {
			t.Fatal("the unread body kept the connection open")
		}
		expectClosed(t, br)
	})
	t.Run("another user is served", func(t *testing.T) {
		if res, body := put(tech2, phoneJPEG(t, 21)); res.StatusCode != 201 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})
	holdUpload(t, addr, tech3)
	waitInFlight(t, env, 2)
	t.Run("over the global cap: 429", func(t *testing.T) {
		res, body := put(tech2, phoneJPEG(t, 22))
		if res.StatusCode != 429 || !strings.Contains(body, "uploads_busy") || res.Header.Get("Retry-After") == "" {
			t.Fatalf("%d %s, want 429 uploads_busy with Retry-After", res.StatusCode, body)
		}
	})
	t.Run("other requests are served", func(t *testing.T) {
		res, err := client.Get("http://" + addr + "/healthz")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", res, err)
		}
		res.Body.Close()
	})
}

// A photo body streams to disk while it is hashed: a refused 20 MB upload
// costs the server buffers, not 20 MB.
func TestPhotoBodyIsNotHeldInMemory(t *testing.T) {
	env := newTestEnv(t)
	tech := env.token(t, "tech1")
	addr := env.listen(t)
	body := bytes.Repeat([]byte{0xFF, 0xD8, 0xFF, 0}, 5<<20) // 20 MB, made before measuring
	head := fmt.Sprintf("PUT /api/v1/photos/%s HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer %s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
		hexSHA([]byte("other bytes")), tech, len(body))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conn := dial(t, addr)
	go func() { conn.Write([]byte(head)); conn.Write(body) }()
	res, data := readResponse(t, bufio.NewReader(conn))
	runtime.ReadMemStats(&after)
	if res.StatusCode != 400 || !strings.Contains(string(data), "hash_mismatch") {
		t.Fatalf("%d %s, want 400 hash_mismatch", res.StatusCode, data)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("a %d MB body allocated %d MB on the server", len(body)>>20, n>>20)
	}
}

// A chunked photo upload read to its end keeps its keep-alive connection:
// the next request on it is answered.
func TestChunkedPhotoUploadKeepsTheConnection(t *testing.T) {
	env := newTestEnv(t)
	tech := env.token(t, "tech1")
	addr := env.listen(t)
	photo := phoneJPEG(t, 23)
	conn := dial(t, addr)
	go func() {
		fmt.Fprintf(conn, "PUT /api/v1/photos/%s HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer %s\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n", hexSHA(photo), tech)
		for rest := photo; len(rest) > 0; {
			n := min(len(rest), 16<<10)
			fmt.Fprintf(conn, "%x\r\n", n)
			conn.Write(rest[:n])
			conn.Write([]byte("\r\n"))
			rest = rest[n:]
		}
		conn.Write([]byte("0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"))
	}()
	br := bufio.NewReader(conn)
	res, body := readResponse(t, br)
	if res.StatusCode != 201 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	if res.Close {
		t.Fatal("a chunked body read to its end closed the connection")
	}
	if res2, body2 := readResponse(t, br); res2.StatusCode != 200 {
		t.Fatalf("next request: %d %s", res2.StatusCode, body2)
	}
}
