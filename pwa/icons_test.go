package pwa

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// drawIcon paints the app icon: a green tile with a white tick (验收 passed),
// kept inside the central 80% so "maskable" crops never cut it.
func drawIcon(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	bg := color.NRGBA{0x0b, 0x6e, 0x4f, 0xff}
	fg := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	s := float64(size)
	// tick from (0.30,0.52) to (0.44,0.66) to (0.72,0.36)
	segs := [][4]float64{{0.30, 0.52, 0.44, 0.66}, {0.44, 0.66, 0.72, 0.36}}
	w := 0.07 * s
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			c := bg
			for _, g := range segs {
				if distSeg(px, py, g[0]*s, g[1]*s, g[2]*s, g[3]*s) <= w/2 {
					c = fg
				}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func distSeg(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// TestIconsAreRealPNGs checks the committed icons decode at the sizes the
// manifest claims. FIELDCHECK_GEN_ICONS=1 go test ./pwa -run Icons redraws them.
func TestIconsAreRealPNGs(t *testing.T) {
	for _, size := range []int{192, 512} {
		name := filepath.Join("static", "icons", "icon-"+itoa(size)+".png")
		if os.Getenv("FIELDCHECK_GEN_ICONS") == "1" {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, drawIcon(size)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Width != size || cfg.Height != size {
			t.Fatalf("%s is %dx%d, want %d", name, cfg.Width, cfg.Height, size)
		}
	}
}

func itoa(n int) string {
	return string(rune('0'+n/100)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}
