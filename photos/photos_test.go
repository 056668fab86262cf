package photos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/photos/internal/synth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

var testNow = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)

func newService(t testing.TB, edit func(*Config)) (*Service, *store.DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := Config{DataDir: dir}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func put(t *testing.T, s *Service, body []byte) (Meta, bool, error) {
	t.Helper()
	return s.Put(context.Background(), shaOf(body), body, "tech1", testNow)
}

func mustPut(t *testing.T, s *Service, body []byte) Meta {
	t.Helper()
	m, _, err := put(t, s, body)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return m
}

func wantKind(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Code != code {
		t.Fatalf("err = %v, want kind %d code %s", err, kind, code)
	}
}

// openImage decodes what Open serves at size.
func openImage(t *testing.T, s *Service, sha, size string) image.Image {
	t.Helper()
	f, ct, err := s.Open(context.Background(), sha, size)
	if err != nil {
		t.Fatalf("Open %s: %v", size, err)
	}
	defer f.Close()
	var m image.Image
	if ct == "image/png" {
		m, err = png.Decode(f)
	} else {
		m, err = jpeg.Decode(f)
	}
	if err != nil {
		t.Fatalf("decode %s: %v", size, err)
	}
	return m
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return int(a>>8)-int(b) < 40 && int(b)-int(a>>8) < 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

var red = color.RGBA{230, 20, 20, 255}

// A 400×300 scene with a red block in its top-left corner, as the sensor
// stored it.
func markedScene() *image.RGBA {
	m := synth.Photo(400, 300, 1)
	synth.Marker(m, 0, 0, 80, 60, red)
	return m
}

func TestOrientation6IsDisplayedRotated(t *testing.T) {
	s, _ := newService(t, nil)
	body := synth.JPEG(markedScene(), 90, synth.EXIFSegment(synth.EXIF{Orientation: 6}))
	m := mustPut(t, s, body)
	if m.Width != 300 || m.Height != 400 {
		t.Fatalf("size = %d×%d, want 300×400 as displayed", m.Width, m.Height)
	}
	th := openImage(t, s, m.SHA256, SizeThumb)
	if b := th.Bounds(); b.Dx() != 240 || b.Dy() != 320 {
		t.Fatalf("thumb = %v, want 240×320", b)
	}
	// 90° clockwise: the stored top-left corner is now the top-right.
	if c := th.At(230, 10); !near(c, red) {
		t.Errorf("thumb top-right = %v, want red", c)
	}
	if c := th.At(10, 10); near(c, red) {
		t.Errorf("thumb top-left is red: not rotated")
	}
	med := openImage(t, s, m.SHA256, SizeMedium)
	if b := med.Bounds(); b.Dx() != 300 || b.Dy() != 400 {
		t.Errorf("medium = %v, want 300×400 (never enlarged)", b)
	}
}

func TestOrientation1KeepsPixels(t *testing.T) {
	s, _ := newService(t, nil)
	body := synth.JPEG(markedScene(), 90, synth.EXIFSegment(synth.EXIF{Orientation: 1, BigEndian: true}))
	m := mustPut(t, s, body)
	if m.Width != 400 || m.Height != 300 || m.ContentType != "image/jpeg" || m.Bytes != int64(len(body)) {
		t.Fatalf("meta = %+v", m)
	}
	th := openImage(t, s, m.SHA256, SizeThumb)
	if b := th.Bounds(); b.Dx() != 320 || b.Dy() != 240 {
		t.Fatalf("thumb = %v, want 320×240", b)
	}
	if c := th.At(10, 10); !near(c, red) {
		t.Errorf("thumb top-left = %v, want red", c)
	}
	full, ct, err := s.Open(context.Background(), m.SHA256, SizeFull)
	if err != nil || ct != "image/jpeg" {
		t.Fatal(err, ct)
	}
	got, _ := io.ReadAll(full)
	full.Close()
	if !bytes.Equal(got, body) {
		t.Error("full is not the original bytes")
	}
}

func TestEveryOrientationPutsTheCornerBack(t *testing.T) {
	// Where the stored top-left marker must appear in the upright 320-wide thumb.
	want := map[int]image.Point{
		1: {10, 10}, 2: {310, 10}, 3: {310, 230}, 4: {10, 230},
		5: {10, 10}, 6: {230, 10}, 7: {230, 310}, 8: {10, 310},
	}
	s, _ := newService(t, nil)
	for o := 1; o <= 8; o++ {
		m := mustPut(t, s, synth.JPEG(markedScene(), 90, synth.EXIFSegment(synth.EXIF{Orientation: o})))
		th := openImage(t, s, m.SHA256, SizeThumb)
		if c := th.At(want[o].X, want[o].Y); !near(c, red) {
			t.Errorf("orientation %d: %v is %v, want red", o, want[o], c)
		}
	}
}

func TestPNGWithAlphaFlattensOnWhite(t *testing.T) {
	s, _ := newService(t, nil)
	m := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 200; x++ {
			if x < 100 {
				m.SetNRGBA(x, y, color.NRGBA{0, 0, 200, 255}) // ink
			} // right half transparent
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, m)
	meta := mustPut(t, s, buf.Bytes())
	if meta.ContentType != "image/png" || meta.Width != 200 || meta.Height != 100 || meta.TakenAt != nil {
		t.Fatalf("meta = %+v", meta)
	}
	th := openImage(t, s, meta.SHA256, SizeThumb)
	if c := th.At(150, 50); !near(c, color.RGBA{255, 255, 255, 255}) {
		t.Errorf("transparent area = %v, want white", c)
	}
	if c := th.At(50, 50); !near(c, color.RGBA{0, 0, 200, 255}) {
		t.Errorf("ink = %v, want blue", c)
	}
}

func TestTruncatedImagesAreRefused(t *testing.T) {
	s, _ := newService(t, nil)
	jpg := synth.JPEG(synth.Photo(300, 200, 2), 85, nil)
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, synth.Photo(300, 200, 3))
	for name, body := range map[string][]byte{
		"jpeg": jpg[:len(jpg)*2/3],
		"png":  pngBuf.Bytes()[:pngBuf.Len()*2/3],
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := put(t, s, body)
			wantKind(t, err, errs.BadRequest, "corrupt_image")
			if s.Has(shaOf(body)) {
				t.Error("a refused photo is held")
			}
		})
	}
}

func TestTextIsUnsupportedMedia(t *testing.T) {
	s, _ := newService(t, nil)
	_, _, err := put(t, s, []byte("this is not a photo\n"))
	wantKind(t, err, errs.Unsupported, "unsupported_media")
	_, _, err = put(t, s, []byte("GIF89a\x01\x00\x01\x00"))
	wantKind(t, err, errs.Unsupported, "unsupported_media")
}

// pngHeader is a valid PNG signature and IHDR claiming w×h, and no pixels.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

func TestHugePixelCountRefusedBeforeDecoding(t *testing.T) {
	s, _ := newService(t, nil)
	body := pngHeader(20000, 20000)
	start := time.Now()
	_, _, err := put(t, s, body)
	wantKind(t, err, errs.Invalid, "too_many_pixels")
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("took %v: decoded before checking?", d)
	}
}

func TestHashMismatch(t *testing.T) {
	s, _ := newService(t, nil)
	body := synth.JPEG(synth.Photo(64, 48, 4), 80, nil)
	_, _, err := s.Put(context.Background(), shaOf([]byte("other")), body, "tech1", testNow)
	wantKind(t, err, errs.BadRequest, "hash_mismatch")
	_, _, err = s.Put(context.Background(), strings.ToUpper(shaOf(body)), body, "tech1", testNow)
	wantKind(t, err, errs.BadRequest, "bad_sha256")
}

func TestOverByteLimit(t *testing.T) {
	s, _ := newService(t, func(c *Config) { c.MaxBytes = 1000 })
	body := synth.JPEG(synth.Photo(200, 200, 5), 90, nil)
	_, _, err := put(t, s, body)
	wantKind(t, err, errs.TooLarge, "too_large")
}

func TestEXIFTimeAndPlace(t *testing.T) {
	s, _ := newService(t, nil)
	cases := []struct {
		name string
		exif synth.EXIF
		want string
	}{
		{"no offset is Shanghai wall time", synth.EXIF{DateTimeOriginal: "2026:11:20 10:15:00"}, "2026-11-20T10:15:00+08:00"},
		{"an offset tag is kept", synth.EXIF{DateTimeOriginal: "2026:11:20 10:15:00", OffsetTime: "+02:00"}, "2026-11-20T10:15:00+02:00"},
		{"big-endian EXIF", synth.EXIF{DateTimeOriginal: "2026:01:02 03:04:05", BigEndian: true}, "2026-01-02T03:04:05+08:00"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mustPut(t, s, synth.JPEG(synth.Photo(64, 48, uint64(10+i)), 80, synth.EXIFSegment(c.exif)))
			if m.TakenAt == nil {
				t.Fatal("no taken_at")
			}
			if got := m.TakenAt.Format(time.RFC3339); got != c.want {
				t.Errorf("taken_at = %s, want %s", got, c.want)
			}
			again, _ := s.Get(m.SHA256) // through the store's JSON
			if got := again.TakenAt.Format(time.RFC3339); got != c.want {
				t.Errorf("stored taken_at = %s, want %s", got, c.want)
			}
		})
	}
	m := mustPut(t, s, synth.JPEG(synth.Photo(64, 48, 20), 80,
		synth.EXIFSegment(synth.EXIF{HasGPS: true, Lat: 30.66, Lng: -104.06})))
	if m.Lat == nil || m.Lng == nil || *m.Lat < 30.659 || *m.Lat > 30.661 || *m.Lng > -104.059 || *m.Lng < -104.061 {
		t.Errorf("lat, lng = %v, %v", m.Lat, m.Lng)
	}
}

func TestAlreadyHeldIsAnsweredAsStored(t *testing.T) {
	var arrived []string
	s, _ := newService(t, func(c *Config) {
		c.OnStored = func(tx *bolt.Tx, sha string, now time.Time) error {
			if !Has(tx, sha) {
				t.Error("OnStored runs before the meta is written")
			}
			arrived = append(arrived, sha)
			return nil
		}
	})
	body := synth.JPEG(synth.Photo(64, 48, 6), 80, nil)
	m1, created, err := put(t, s, body)
	if err != nil || !created {
		t.Fatal(err, created)
	}
	m2, created, err := s.Put(context.Background(), m1.SHA256, body, "tech2", testNow.Add(time.Hour))
	if err != nil || created {
		t.Fatal(err, created)
	}
	if m2.Uploader != "tech1" || !m2.CreatedAt.Equal(m1.CreatedAt) {
		t.Errorf("second put rewrote meta: %+v", m2)
	}
	// tech2 became a possessor: OnStored ran for tech2's waiting sheets.
	// Repeats by either possessor change nothing.
	put(t, s, body)
	s.Put(context.Background(), m1.SHA256, body, "tech2", testNow.Add(2*time.Hour))
	if len(arrived) != 2 || arrived[0] != m1.SHA256 || arrived[1] != m1.SHA256 {
		t.Errorf("OnStored calls = %v", arrived)
	}
}

func TestOnStoredErrorStoresNothing(t *testing.T) {
	s, _ := newService(t, func(c *Config) {
		c.OnStored = func(*bolt.Tx, string, time.Time) error { return io.ErrUnexpectedEOF }
	})
	body := synth.JPEG(synth.Photo(64, 48, 7), 80, nil)
	if _, _, err := put(t, s, body); err == nil {
		t.Fatal("no error")
	}
	if s.Has(shaOf(body)) {
		t.Error("held after the transaction failed")
	}
}

func TestBusyWhenWorkersTaken(t *testing.T) {
	s, _ := newService(t, func(c *Config) { c.Workers = 1; c.Wait = 20 * time.Millisecond })
	s.sem.Acquire(context.Background(), 1)
	_, _, err := put(t, s, synth.JPEG(synth.Photo(64, 48, 8), 80, nil))
	wantKind(t, err, errs.RateLimited, "busy")
	s.sem.Release(1)
}

func TestRenditionsAreRemadeWhenMissing(t *testing.T) {
	s, _ := newService(t, nil)
	m := mustPut(t, s, synth.JPEG(synth.Photo(2000, 1000, 9), 85, nil))
	os.RemoveAll(filepath.Join(s.cfg.DataDir, RenditionsDir))
	med := openImage(t, s, m.SHA256, SizeMedium)
	if b := med.Bounds(); b.Dx() != 1600 || b.Dy() != 800 {
		t.Errorf("medium = %v, want 1600×800", b)
	}
	if _, err := os.Stat(s.renditionPath(m.SHA256, SizeThumb)); err != nil {
		t.Errorf("thumb not remade: %v", err)
	}
}

func TestBrokenRenditionServesOriginal(t *testing.T) {
	s, _ := newService(t, nil)
	m := mustPut(t, s, synth.JPEG(synth.Photo(100, 100, 9), 85, nil))
	os.RemoveAll(filepath.Join(s.cfg.DataDir, RenditionsDir))
	os.WriteFile(s.originalPath(m.SHA256), []byte("\xff\xd8\xffgarbage"), 0o600)
	f, ct, err := s.Open(context.Background(), m.SHA256, SizeThumb)
	if err != nil || ct != "image/jpeg" {
		t.Fatal(err, ct)
	}
	f.Close()
	if _, _, err := s.Open(context.Background(), m.SHA256, "huge"); err == nil {
		t.Error("size huge accepted")
	}
	if _, _, err := s.Open(context.Background(), shaOf([]byte("x")), SizeThumb); err == nil {
		t.Error("unknown photo opened")
	}
}

// A copy of a photo that went through a chat app: resized, re-encoded at a
// lower quality.
func TestFindSimilarFindsResizedCopy(t *testing.T) {
	s, db := newService(t, nil)
	orig := synth.Photo(1600, 1200, 42)
	a := mustPut(t, s, synth.JPEG(orig, 92, nil))
	small := image.NewRGBA(image.Rect(0, 0, 1000, 750))
	for y := 0; y < 750; y++ { // a crude nearest-neighbour resize, unlike ours
		for x := 0; x < 1000; x++ {
			small.Set(x, y, orig.At(x*1600/1000, y*1200/750))
		}
	}
	copyMeta := mustPut(t, s, synth.JPEG(small, 60, nil))
	other := mustPut(t, s, synth.JPEG(synth.Photo(1600, 1200, 43), 92, nil))

	db.View(func(tx *bolt.Tx) error {
		sims, err := FindSimilar(tx, a.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if sims[0] != (Similar{SHA: a.SHA256}) {
			t.Errorf("first = %+v, want itself at 0", sims[0])
		}
		found := map[string]int{}
		for _, x := range sims {
			found[x.SHA] = x.Distance
		}
		if d, ok := found[copyMeta.SHA256]; !ok {
			t.Errorf("resized copy not found; hashes %s %s", a.PHash, copyMeta.PHash)
		} else {
			t.Logf("copy at distance %d", d)
		}
		if _, ok := found[other.SHA256]; ok {
			t.Errorf("unrelated photo found: %s vs %s", a.PHash, other.PHash)
		}
		return nil
	})
}

func TestFindSimilarProbesNeighbouringBands(t *testing.T) {
	// Distance 7 spread so that no band matches exactly: found only by the
	// one-bit probes. Distance 6 is the limit, so use 6 spread 2+2+1+1.
	_, db := newService(t, nil)
	h := uint64(0x5a5a_3c3c_0f0f_6969)
	flip := uint64(0x0003_0003_0001_0001) // 2+2+1+1 = 6 bits, every band differs
	far := h ^ 0x0007_0003_0001_0001      // 7 bits: over the limit
	db.Bolt.Update(func(tx *bolt.Tx) error {
		for sha, hh := range map[string]uint64{"a": h, "b": h ^ flip, "c": far} {
			sha = strings.Repeat(sha, 64)
			store.PutJSON(tx, store.BucketPhotos, []byte(sha), Meta{SHA256: sha, PHash: hexHash(hh)})
			indexHash(tx, sha, hh)
		}
		return nil
	})
	db.View(func(tx *bolt.Tx) error {
		sims, _ := FindSimilar(tx, strings.Repeat("a", 64))
		if len(sims) != 2 || sims[1].SHA != strings.Repeat("b", 64) || sims[1].Distance != 6 {
			t.Errorf("sims = %+v", sims)
		}
		return nil
	})
}

func hexHash(h uint64) string { return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, h)) }

func TestRefsAndReuses(t *testing.T) {
	s, db := newService(t, nil)
	a := mustPut(t, s, synth.JPEG(synth.Photo(800, 600, 50), 90, nil))
	db.Update(func(tx *bolt.Tx) error {
		store.Mark(tx, store.BucketPhotoRefs, store.Key(a.SHA256, "sub-1"))
		store.Mark(tx, store.BucketPhotoRefs, store.Key(a.SHA256, "sub-2"))
		return nil
	})
	db.View(func(tx *bolt.Tx) error {
		if refs := RefsOf(tx, a.SHA256); len(refs) != 2 || refs[0] != "sub-1" || refs[1] != "sub-2" {
			t.Errorf("refs = %v", refs)
		}
		r, err := ReusesOf(tx, a.SHA256, func(id string) bool { return id == "sub-2" })
		if err != nil || len(r) != 1 || r[0].SubmissionID != "sub-1" || r[0].Distance != 0 {
			t.Errorf("reuses = %+v, %v", r, err)
		}
		return nil
	})
}

func TestCanView(t *testing.T) {
	s, db := newService(t, func(c *Config) {
		c.CanSee = func(tx *bolt.Tx, p auth.Principal, id, sha string) (bool, error) {
			return p.Username == "sup1" && id == "sub-1", nil
		}
	})
	a := mustPut(t, s, synth.JPEG(synth.Photo(64, 48, 51), 90, nil))
	db.Update(func(tx *bolt.Tx) error { return store.Mark(tx, store.BucketPhotoRefs, store.Key(a.SHA256, "sub-1")) })
	for _, c := range []struct {
		p    auth.Principal
		want bool
	}{
		{auth.Principal{Username: "tech1", Role: auth.RoleTechnician}, true}, // uploader
		{auth.Principal{Username: "tech2", Role: auth.RoleTechnician}, false},
		{auth.Principal{Username: "sup1", Role: auth.RoleSupervisor}, true}, // may read sub-1
		{auth.Principal{Username: "sup2", Role: auth.RoleSupervisor}, false},
		{auth.Principal{Username: "root", Role: auth.RoleAdmin}, true},
	} {
		if got, err := s.CanView(c.p, a.SHA256); err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.p.Username, got, err, c.want)
		}
	}
	if ok, _ := s.CanView(auth.Principal{Username: "root", Role: auth.RoleAdmin}, shaOf([]byte("nope"))); ok {
		t.Error("unknown photo viewable")
	}
}

func TestWalkFilesListsOriginalsOnly(t *testing.T) {
	s, _ := newService(t, nil)
	a := mustPut(t, s, synth.JPEG(synth.Photo(64, 48, 60), 90, nil))
	var got []string
	err := WalkFiles(s.cfg.DataDir, func(rel string, f *os.File) error {
		b, _ := io.ReadAll(f)
		if shaOf(b) != a.SHA256 {
			t.Errorf("%s: wrong bytes", rel)
		}
		got = append(got, rel)
		return nil
	})
	want := "photos/" + a.SHA256[:2] + "/" + a.SHA256[2:4] + "/" + a.SHA256
	if err != nil || len(got) != 1 || got[0] != want {
		t.Errorf("walk = %v, %v; want [%s]", got, err, want)
	}
	if !IsPhotoFile(want) || IsPhotoFile("photos/../../etc/passwd") || IsPhotoFile("photo-renditions/x") {
		t.Error("IsPhotoFile")
	}
	if err := WalkFiles(t.TempDir(), func(string, *os.File) error { return nil }); err != nil {
		t.Errorf("empty dir: %v", err)
	}
}

func TestResizeKeepsAspectRatio(t *testing.T) {
	for _, c := range []struct{ w, h, edge, ww, wh int }{
		{4000, 3000, 1600, 1600, 1200},
		{3000, 4000, 320, 240, 320},
		{1000, 10, 320, 320, 3},
		{100, 50, 320, 100, 50},
		{5000, 1, 320, 320, 1},
	} {
		if w, h := fitSize(c.w, c.h, c.edge); w != c.ww || h != c.wh {
			t.Errorf("fit %d×%d in %d = %d×%d, want %d×%d", c.w, c.h, c.edge, w, h, c.ww, c.wh)
		}
	}
}

func TestRefusedUploadLeavesNoFile(t *testing.T) {
	s, _ := newService(t, nil)
	jpg := synth.JPEG(synth.Photo(300, 200, 70), 85, nil)
	body := jpg[:len(jpg)/2]
	if _, _, err := put(t, s, body); err == nil {
		t.Fatal("truncated photo accepted")
	}
	n := 0
	WalkFiles(s.cfg.DataDir, func(string, *os.File) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d files left behind", n)
	}
}

func TestOtherPixelFormats(t *testing.T) {
	s, _ := newService(t, nil)
	src := synth.Photo(500, 250, 80)
	gray := image.NewGray(src.Bounds())
	pal := image.NewPaletted(src.Bounds(), color.Palette{color.Black, color.White, red, color.RGBA{0, 0, 255, 255}})
	deep := image.NewRGBA64(src.Bounds())
	for y := 0; y < 250; y++ {
		for x := 0; x < 500; x++ {
			gray.Set(x, y, src.At(x, y))
			pal.Set(x, y, src.At(x, y))
			deep.Set(x, y, src.At(x, y))
		}
	}
	pngOf := func(m image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, m); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for name, body := range map[string][]byte{
		"grey jpeg":      synth.JPEG(gray, 85, nil),
		"grey png":       pngOf(gray),
		"paletted png":   pngOf(pal),
		"16-bit png":     pngOf(deep),
		"odd-sized jpeg": synth.JPEG(synth.Photo(333, 167, 81), 100, nil),
		"1-pixel jpeg":   synth.JPEG(synth.Photo(1, 1, 82), 90, nil),
		"very wide jpeg": synth.JPEG(synth.Photo(3000, 2, 83), 90, nil),
	} {
		t.Run(name, func(t *testing.T) {
			m := mustPut(t, s, body)
			th := openImage(t, s, m.SHA256, SizeThumb)
			w, h := fitSize(m.Width, m.Height, ThumbEdge)
			if b := th.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Errorf("thumb %v, want %d×%d", b, w, h)
			}
		})
	}
}
