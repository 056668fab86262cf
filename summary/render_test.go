package summary

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"fieldcheck/store"
)

func thumb(t testing.TB, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	m := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			m.SetRGBA(x, y, color.RGBA{uint8(x/2 + rng.IntN(30)), uint8(y + rng.IntN(30)), uint8(seed * 20), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sample(t testing.TB, photos int) Report {
	pct := 66.67
	r := Report{Title: "营业网点服务现场巡检", KindLabel: "网点巡检", Subject: "春熙路䶮营业厅", Unit: "成都东区", Inspector: "赵稽查",
		FinishedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, store.Shanghai), Score: 12, MaxScore: 18, Percent: &pct, Grade: "不合格", Passed: true,
		Fines: 300, RectifyBy: time.Date(2026, 12, 8, 10, 0, 0, 0, store.Shanghai), Version: 1, Generated: time.Date(2026, 11, 23, 11, 0, 0, 0, store.Shanghai),
		Rows: []Row{{Section: true, Label: "营业网点门前与外观"}, {Label: "门前环境（2分）", Answer: "不合格", Points: 2, Fine: 100},
			{Label: "其他问题与整改要求", Answer: "叫号机故障，已现场告知店长；宣传资料摆放无序，需在十五日内整改完毕并拍照上报"}}}
	for i := 0; i < photos; i++ {
		r.Photos = append(r.Photos, Picture{Caption: "门前环境（问题照片）", Data: thumb(t, uint64(i)), Type: "JPEG"})
	}
	return r
}

// The embedded font is 4.6 MB; a summary carries only the glyphs it uses.
func TestRenderSubsetsTheFont(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, sample(t, 0)); err != nil {
		t.Fatal(err)
	}
	t.Logf("a summary without photos: %d bytes (font %d bytes)", buf.Len(), len(cjkFont))
	if buf.Len() > 100_000 {
		t.Errorf("a summary without photos is %d bytes: the font is not subset", buf.Len())
	}
}

// A damaged picture is left out; the report still renders.
func TestRenderSkipsADamagedPicture(t *testing.T) {
	r := sample(t, 1)
	r.Photos = append(r.Photos, Picture{Caption: "坏图", Data: []byte("not a jpeg"), Type: "JPEG"})
	var buf bytes.Buffer
	if err := Render(&buf, r); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("render: %v", err)
	}
}

// go test ./summary -bench Render: one summary with 12 photo thumbnails.
func BenchmarkRender(b *testing.B) {
	r := sample(b, 12)
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
