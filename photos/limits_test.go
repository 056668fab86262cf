package photos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/photos/bomb"
	"fieldcheck/photos/internal/synth"
	"fieldcheck/store"
)

// allocated is how many bytes fn allocated in all (an upper bound of what
// it held at once).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The bombs of issue 12: under 50 MP, so the pixel limit let them through to
// a decode of ~740 MB (progressive JPEG) or ~540 MB (16-bit PNG).
func TestDecompressionBombsRefusedFromTheHeader(t *testing.T) {
	s, _ := newService(t, nil)
	for name, body := range map[string][]byte{
		"progressive 7000×7000 jpeg": bomb.ProgressiveJPEG(7000, 7000),
		"16-bit 7000×7000 png":       bomb.PNGHeader(7000, 7000, 16, 6),
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, _, err = put(t, s, body) })
			wantKind(t, err, errs.Invalid, "decode_too_large")
			e, _ := errs.As(err)
			if !bytes.Contains([]byte(e.Message.Zh), []byte("MB")) || !bytes.Contains([]byte(e.Message.En), []byte("progressive JPEG")) {
				t.Errorf("message does not say why: %+v", e.Message)
			}
			if n > 16<<20 {
				t.Errorf("allocated %d MB: decoded before checking?", n>>20)
			}
			if s.Has(shaOf(body)) {
				t.Error("refused bomb is held")
			}
		})
	}
}

// A real progressive JPEG and a 16-bit PNG within the budget are still
// taken.
func TestProgressiveAnd16BitWithinBudgetAreStored(t *testing.T) {
	s, _ := newService(t, nil)
	var deep bytes.Buffer
	if err := bomb.PNG16(&deep, 900, 600); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"progressive jpeg": bomb.ProgressiveJPEG(1200, 900),
		"16-bit png":       deep.Bytes(),
	} {
		t.Run(name, func(t *testing.T) {
			m := mustPut(t, s, body)
			if m.Width == 0 || m.Height == 0 {
				t.Errorf("meta %+v", m)
			}
		})
	}
}

// decodeCost must not be beaten by what decoding and making renditions
// really allocate, for every kind of file we take.
func TestDecodeCostIsAnUpperBound(t *testing.T) {
	var deep, greyPNG, rgba bytes.Buffer
	if err := bomb.PNG16(&deep, 800, 600); err != nil {
		t.Fatal(err)
	}
	png.Encode(&rgba, synth.Photo(800, 600, 3))
	gray := image.NewGray(image.Rect(0, 0, 900, 700))
	png.Encode(&greyPNG, gray)
	cases := map[string]struct {
		ct   string
		body []byte
	}{
		"baseline 4:2:0 jpeg": {"image/jpeg", synth.JPEG(synth.Photo(2000, 1500, 1), 90, nil)},
		"progressive jpeg":    {"image/jpeg", bomb.ProgressiveJPEG(1500, 1000)},
		"grey jpeg":           {"image/jpeg", synth.JPEG(gray, 90, nil)},
		"16-bit png":          {"image/png", deep.Bytes()},
		"8-bit rgba png":      {"image/png", rgba.Bytes()},
		"grey png":            {"image/png", greyPNG.Bytes()},
	}
	s, _ := newService(t, nil)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cost, err := s.checkHeader(c.ct, bytes.NewReader(c.body), int64(len(c.body)))
			if err != nil {
				t.Fatal(err)
			}
			var perr error
			n := allocated(func() { _, perr = process(c.ct, c.body) })
			if perr != nil {
				t.Fatal(perr)
			}
			if int64(n) > cost {
				t.Errorf("allocated %d bytes, estimated %d", n, cost)
			}
			if cost > 4*int64(n)+8<<20 {
				t.Errorf("estimate %d is far above the %d allocated", cost, n)
			}
		})
	}
}

// The estimate, in the words of the images people upload.
func TestDecodeCostOfCommonPhotos(t *testing.T) {
	phone := imageHeader{width: 4000, height: 3000, comps: [][2]int{{2, 2}, {1, 1}, {1, 1}}}
	big := imageHeader{width: 8160, height: 6120, comps: [][2]int{{2, 2}, {1, 1}, {1, 1}}}
	prog := imageHeader{width: 7000, height: 7000, progressive: true, comps: [][2]int{{1, 1}, {1, 1}, {1, 1}}}
	png16 := imageHeader{width: 7000, height: 7000, bitDepth: 16, colorType: 6}
	limit := int64(160 << 20)
	for _, c := range []struct {
		name string
		ct   string
		h    imageHeader
		fits bool
	}{
		{"12 MP phone jpeg fits", "image/jpeg", phone, true},
		{"50 MP phone jpeg fits", "image/jpeg", big, true},
		{"7000×7000 progressive jpeg does not", "image/jpeg", prog, false},
		{"7000×7000 16-bit png does not", "image/png", png16, false},
	} {
		if got := decodeCost(c.ct, c.h); (got <= limit) != c.fits {
			t.Errorf("%s: %d MB", c.name, got>>20)
		}
	}
}

// Decodes share one budget: an upload waits while it is spent, goes ahead
// when it frees up, and is refused (busy) when it stays spent past Wait.
func TestDecodesWaitForTheBudget(t *testing.T) {
	s, _ := newService(t, func(c *Config) { c.DecodeBudget = 64 << 20; c.Wait = 300 * time.Millisecond })
	ctx := context.Background()
	s.budget.Acquire(ctx, 64<<20)
	_, _, err := put(t, s, synth.JPEG(synth.Photo(64, 48, 30), 80, nil))
	wantKind(t, err, errs.RateLimited, "busy")

	done := make(chan error, 1)
	go func() {
		_, _, err := s.Put(ctx, shaOf(synth.JPEG(synth.Photo(64, 48, 31), 80, nil)), synth.JPEG(synth.Photo(64, 48, 31), 80, nil), "tech1", testNow)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it queue (not a timing assert: it must succeed either way)
	s.budget.Release(64 << 20)
	if err := <-done; err != nil {
		t.Fatalf("waiting upload: %v", err)
	}
}

// blockingBody is a request body that has sent nothing yet.
type blockingBody struct {
	read    chan struct{}
	release chan struct{}
}

func newBlockingBody() *blockingBody {
	return &blockingBody{read: make(chan struct{}, 1), release: make(chan struct{})}
}

func (b *blockingBody) Read(p []byte) (int, error) {
	select {
	case b.read <- struct{}{}:
	default:
	}
	<-b.release
	return 0, io.ErrUnexpectedEOF
}

// Uploads in flight are capped per user and in all; a refused upload's
// body is not read at all.
func TestUploadsInFlightAreCapped(t *testing.T) {
	s, _ := newService(t, func(c *Config) { c.MaxUploads = 3; c.MaxUploadsPerUser = 2 })
	ctx := context.Background()
	sha := shaOf([]byte("never arrives"))
	var slow []*blockingBody
	errc := make(chan error, 3)
	hold := func(user string) {
		b := newBlockingBody()
		slow = append(slow, b)
		go func() {
			_, _, err := s.PutFrom(ctx, sha, b, store.Actor{Username: user}, testNow)
			errc <- err
		}()
		<-b.read // admitted and reading
	}
	hold("tech1")
	hold("tech1")
	if got := s.UploadsInFlight(); got != 2 {
		t.Fatalf("in flight %d, want 2", got)
	}
	refused := newBlockingBody()
	_, _, err := s.PutFrom(ctx, sha, refused, store.Actor{Username: "tech1"}, testNow)
	wantKind(t, err, errs.RateLimited, "uploads_busy")
	hold("tech2") // another user is still taken
	_, _, err = s.PutFrom(ctx, sha, refused, store.Actor{Username: "tech3"}, testNow)
	wantKind(t, err, errs.RateLimited, "uploads_busy")
	if len(refused.read) != 0 {
		t.Error("a refused upload's body was read")
	}
	for _, b := range slow {
		close(b.release)
	}
	for range slow {
		wantKind(t, <-errc, errs.BadRequest, "body_read_failed")
	}
	if got := s.UploadsInFlight(); got != 0 {
		t.Errorf("in flight %d after all ended", got)
	}
	// and the slots are free again
	body := synth.JPEG(synth.Photo(64, 48, 32), 80, nil)
	if _, _, err := s.PutFrom(ctx, shaOf(body), bytes.NewReader(body), store.Actor{Username: "tech1"}, testNow); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(join(s.cfg.DataDir, IncomingDir)); len(ents) != 0 {
		t.Errorf("%d temp files left", len(ents))
	}
}

// zeros is a body of n zero bytes that is never in memory whole.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// A body streams to disk while it is hashed: a 20 MB upload costs buffers,
// not 20 MB, refused or not, and leaves no temp file.
func TestUploadStreamsToDisk(t *testing.T) {
	s, _ := newService(t, nil)
	const size = 20 << 20
	h := sha256.New()
	io.Copy(h, &zeros{size})
	right := hex.EncodeToString(h.Sum(nil))
	for name, sha := range map[string]string{"hash mismatch": shaOf([]byte("x")), "right hash, not an image": right} {
		t.Run(name, func(t *testing.T) {
			var err error
			n := allocated(func() {
				_, _, err = s.PutFrom(context.Background(), sha, &zeros{size}, store.Actor{Username: "tech1"}, testNow)
			})
			if err == nil {
				t.Fatal("accepted")
			}
			if n > 4<<20 {
				t.Errorf("a %d MB body allocated %d KB", size>>20, n>>10)
			}
			if ents, _ := os.ReadDir(join(s.cfg.DataDir, IncomingDir)); len(ents) != 0 {
				t.Errorf("%d temp files left", len(ents))
			}
		})
	}
}

// Uploads a crash left half received are cleared when the service starts.
func TestLeftoverIncomingFilesAreCleared(t *testing.T) {
	s, db := newService(t, nil)
	p := join(s.cfg.DataDir, IncomingDir, ".up-123")
	if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(db, Config{DataDir: s.cfg.DataDir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("leftover still there: %v", err)
	}
}
