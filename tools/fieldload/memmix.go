package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fieldcheck/photos/bomb"
)

// memmix measures the server's peak resident memory on a normal day of
// photo uploads and then under a hostile mix sent all at once, each sender
// retrying on 429 like a phone — 40
// progressive 7000×7000 JPEGs, 10 16-bit 7000×7000 PNGs, 12 genuine 50 MP
// photos and 100 concurrent 20 MB bodies — while one normal technician keeps
// syncing and uploading. It fails when the mix's peak passes the bound or the
// normal technician is not served.
//
// The peak is the kernel's high-water mark (VmHWM in /proc/<pid>/status),
// reset between phases through /proc/<pid>/clear_refs, so a spike between
// two samples is not missed.
func memmix(bin string, boundBytes int64) error {
	tmp, err := os.MkdirTemp("", "fieldload-memmix")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := startProc(bin, filepath.Join(tmp, "data"), nil)
	if err != nil {
		return err
	}
	defer p.stop()
	pid := p.cmd.Process.Pid
	admin := newClient(p.base(), "admin", p.logins["admin"][1])
	if err := admin.login(); err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	const nTechs = 31 // 30 in the mix, the last one the normal technician
	o, err := setupOrg(admin, "m", nTechs, 1, 0, 0)
	if err != nil {
		return err
	}
	techs := make([]*client, nTechs)
	for i, name := range o.techs {
		techs[i] = newClient(p.base(), name, o.pass)
		techs[i].http.Timeout = 120 * time.Second
		if err := techs[i].login(); err != nil {
			return fmt.Errorf("login %s: %w", name, err)
		}
	}
	normal := techs[nTechs-1]

	fmt.Fprintln(os.Stderr, "making the photos and bombs…")
	phone := photoJPEG(4000, 3000, 1) // 12 MP, a phone's photo
	big := photoJPEG(8160, 6120, 2)   // 50 MP, the largest the pixel limit takes
	prog := bomb.ProgressiveJPEG(7000, 7000)
	var png16 bytes.Buffer
	if err := bomb.PNG16(&png16, 7000, 7000); err != nil {
		return err
	}
	junk := make([]byte, 20<<20)
	chacha := rand.NewChaCha8([32]byte{3})
	chacha.Read(junk)
	var seq int
	unique := func(body []byte) []byte { seq++; return withJPEGComment(body, seq) }

	rss0 := hwm(pid)
	fmt.Printf("server started with demo data: RSS %d MB\n", rss0>>20)

	// A normal day: ten technicians each upload three 12 MP photos (a
	// phone uploads one at a time) and pull their sync feed.
	resetHWM(pid)
	start := time.Now()
	day := newTally()
	var wg sync.WaitGroup
	for _, c := range techs[:10] {
		bodies := [][]byte{unique(phone), unique(phone), unique(phone)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range bodies {
				day.add("12 MP photo", putRetry(c, b, "image/jpeg", "", time.Now().Add(2*time.Minute)))
				st, _ := c.do("GET", "/api/v1/sync/pull", nil, "", nil)
				day.add("sync pull", st)
			}
		}()
	}
	wg.Wait()
	dayPeak := hwm(pid)
	fmt.Printf("normal day:  %s in %.1fs; peak RSS %d MB\n", day, time.Since(start).Seconds(), dayPeak>>20)

	// The hostile mix, all at once, from thirty technicians.
	resetHWM(pid)
	start = time.Now()
	mix := newTally()
	type job struct {
		kind, ctype string
		body        []byte
		sha         string // "" is the body's own
	}
	var jobs []job
	for range 40 {
		jobs = append(jobs, job{"progressive 7000×7000 JPEG", "image/jpeg", withJPEGComment(prog, seq+1), ""})
		seq++
	}
	for range 10 {
		jobs = append(jobs, job{"16-bit 7000×7000 PNG", "image/png", withPNGText(png16.Bytes(), seq+1), ""})
		seq++
	}
	for range 12 {
		jobs = append(jobs, job{"50 MP photo", "image/jpeg", unique(big), ""})
	}
	for i := range 100 {
		sha := strings.Repeat(strconv.Itoa(i%10), 64) // never the body's hash
		jobs = append(jobs, job{"20 MB body", "image/jpeg", junk, sha})
	}
	rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
	stop := make(chan struct{})
	served := newTally()
	var lat []time.Duration
	var normalWG sync.WaitGroup
	normalWG.Add(1)
	go func() { // the normal technician, meanwhile
		defer normalWG.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			t0 := time.Now()
			st, _ := normal.do("GET", "/api/v1/sync/pull", nil, "", nil)
			lat = append(lat, time.Since(t0))
			served.add("sync pull", st)
			if i%4 == 0 {
				served.add("12 MP photo", putRetry(normal, unique(phone), "image/jpeg", "", time.Now().Add(time.Minute)))
			}
		}
	}()
	// Every attacker retries like a phone until it gets a definite answer,
	// so the pressure lasts until each job has been through the checks.
	deadline := time.Now().Add(2 * time.Minute)
	for i, j := range jobs {
		c := techs[i%(nTechs-1)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			mix.add(j.kind, putRetry(c, j.body, j.ctype, j.sha, deadline))
		}()
	}
	wg.Wait()
	close(stop)
	normalWG.Wait()
	mixPeak := hwm(pid)
	fmt.Printf("hostile mix: %s in %.1fs; peak RSS %d MB (bound %d MB)\n", mix, time.Since(start).Seconds(), mixPeak>>20, boundBytes>>20)
	slices.Sort(lat)
	var p50, worst time.Duration
	if len(lat) > 0 {
		p50, worst = lat[len(lat)/2], lat[len(lat)-1]
	}
	fmt.Printf("meanwhile, a normal technician: %s; sync pull p50 %v, max %v\n", served, p50.Round(time.Millisecond), worst.Round(time.Millisecond))
	fmt.Printf("\npeak RSS: normal day %d MB, hostile mix %d MB\n", dayPeak>>20, mixPeak>>20)

	if mixPeak > boundBytes {
		return fmt.Errorf("the hostile mix took the server to %d MB, over %d MB", mixPeak>>20, boundBytes>>20)
	}
	if !served.allOK() || len(lat) == 0 {
		return fmt.Errorf("the normal technician was not served: %s", served)
	}
	if !day.allOK() {
		return fmt.Errorf("the normal day had failures: %s", day)
	}
	return nil
}

// putOnce sends one photo PUT and answers its status (0: no answer, e.g.
// the server closed the connection on a refused body still being sent).
func putOnce(c *client, body []byte, ctype, sha string) int {
	if sha == "" {
		s := sha256.Sum256(body)
		sha = hex.EncodeToString(s[:])
	}
	req, err := http.NewRequest("PUT", c.base+"/api/v1/photos/"+sha, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.http.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// putRetry is a phone's upload: on 429, or when the connection was cut
// (a refused upload's body is left unread and its connection closed), it
// waits a little and tries again, until deadline. It answers the last
// status.
func putRetry(c *client, body []byte, ctype, sha string, deadline time.Time) int {
	for n := 0; ; n++ {
		st := putOnce(c, body, ctype, sha)
		if (st != http.StatusTooManyRequests && st != 0) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(time.Second + time.Duration(rand.IntN(1000))*time.Millisecond)
	}
}

// tally counts answers by kind and status.
type tally struct {
	mu sync.Mutex
	n  map[string]map[int]int
}

func newTally() *tally { return &tally{n: map[string]map[int]int{}} }

func (t *tally) add(kind string, status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n[kind] == nil {
		t.n[kind] = map[int]int{}
	}
	t.n[kind][status]++
}

// allOK: every answer was 2xx.
func (t *tally) allOK() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.n {
		for st := range m {
			if st < 200 || st > 299 {
				return false
			}
		}
	}
	return true
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var kinds []string
	for k := range t.n {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var parts []string
	for _, k := range kinds {
		var sts []int
		total := 0
		for st, n := range t.n[k] {
			sts = append(sts, st)
			total += n
		}
		slices.Sort(sts)
		var by []string
		for _, st := range sts {
			name := strconv.Itoa(st)
			if st == 0 {
				name = "cut off"
			}
			by = append(by, fmt.Sprintf("%s×%d", name, t.n[k][st]))
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s)", total, k, strings.Join(by, " ")))
	}
	return strings.Join(parts, ", ")
}

// photoJPEG is a w×h JPEG at quality 90 with a photo's mix of smooth areas
// and texture, so it decodes like a camera's file.
func photoJPEG(w, h int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8((x*255/w+y*255/h)/2) ^ uint8(rng.IntN(24))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128+uint8(i%17), 128-uint8(i%13)
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	return buf.Bytes()
}

// withJPEGComment makes a JPEG's bytes unique (a COM segment after SOI)
// without changing its pixels.
func withJPEGComment(jpg []byte, n int) []byte {
	com := []byte(fmt.Sprintf("memmix %d", n))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xFE)
	out = binary.BigEndian.AppendUint16(out, uint16(len(com)+2))
	out = append(out, com...)
	return append(out, jpg[2:]...)
}

// withPNGText makes a PNG's bytes unique: a tEXt chunk after IHDR.
func withPNGText(png []byte, n int) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	var b bytes.Buffer
	b.Write(png[:ihdrEnd])
	b.Write(bomb.Chunk("tEXt", []byte(fmt.Sprintf("Comment\x00memmix %d", n))))
	b.Write(png[ihdrEnd:])
	return b.Bytes()
}

// hwm is the process's peak resident set since start or the last reset.
func hwm(pid int) int64 { return procStatus(pid, "VmHWM:") }

// resetHWM sets the peak back to the current resident set.
func resetHWM(pid int) { os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) }

// procStatus reads one kB field of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
