package photos

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fieldcheck/errs"
	"fieldcheck/photos/internal/synth"
)

// FuzzPut feeds arbitrary bytes, under their true sha256, through the whole
// upload path: sniffing, header check, decoders, the EXIF reader, the
// resizer. Every input must end in a 4xx domain error or a stored photo
// whose thumb opens — never a panic, a 500 or a hang.
func FuzzPut(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	s, _ := newService(f, func(c *Config) { c.MaxPixels = 4_000_000; c.MaxBytes = 1 << 20 })
	f.Fuzz(func(t *testing.T, body []byte) {
		m, _, err := s.Put(context.Background(), shaOf(body), body, "fuzz", testNow)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Kind == errs.InsufficientStorage || e.Kind == 0 {
				t.Fatalf("not a 4xx domain error: %v", err)
			}
			return
		}
		if m.Width <= 0 || m.Height <= 0 || len(m.PHash) != 16 {
			t.Fatalf("meta %+v", m)
		}
		f, _, _, err := s.Open(context.Background(), m.SHA256, SizeThumb)
		if err != nil {
			t.Fatalf("open thumb: %v", err)
		}
		f.Close()
	})
}

// FuzzEXIF runs the EXIF reader alone, where the fuzzer reaches deeper.
func FuzzEXIF(f *testing.F) {
	for _, e := range []synth.EXIF{
		{Orientation: 6, DateTimeOriginal: "2026:11:20 10:15:00", HasGPS: true, Lat: 30.6, Lng: 104.1},
		{Orientation: 3, DateTimeOriginal: "2026:11:20 10:15:00", OffsetTime: "+02:00", BigEndian: true},
	} {
		f.Add(synth.EXIFSegment(e)[6:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info := parseEXIF(b)
		if info.Orientation < 0 || info.Orientation > 8 {
			t.Fatalf("orientation %d", info.Orientation)
		}
		jpegEXIF(b)
		pngEXIF(b)
	})
}

// fuzzSeeds are the shapes worth mutating: a phone JPEG with EXIF, a PNG
// with alpha and an eXIf chunk, broken and hostile headers.
func fuzzSeeds() [][]byte {
	jpg := synth.JPEG(synth.Photo(48, 32, 1), 75, synth.EXIFSegment(synth.EXIF{
		Orientation: 6, DateTimeOriginal: "2026:11:20 10:15:00", HasGPS: true, Lat: 30.66, Lng: 104.06}))
	m := image.NewNRGBA(image.Rect(0, 0, 24, 16))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	m.SetNRGBA(0, 0, color.NRGBA{A: 0})
	var p bytes.Buffer
	png.Encode(&p, m)
	return [][]byte{
		jpg,
		jpg[:len(jpg)/2],
		p.Bytes(),
		p.Bytes()[:p.Len()-20],
		pngHeader(20000, 20000),
		[]byte("plain text, not a photo"),
		{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', '*', 0, 0xFF, 0xFF, 0xFF, 0xFF},
	}
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzPut (the committed seed
// corpus) when FIELDCHECK_WRITE_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("FIELDCHECK_WRITE_SEEDS") != "1" {
		t.Skip("set FIELDCHECK_WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzPut")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzPut")
	os.MkdirAll(dir, 0o755)
	for i, s := range fuzzSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
