// Package synth makes photo-like test images: gradients, shapes and sensor
// noise, so JPEG sizes, decode times and perceptual hashes behave like a
// phone's pictures rather than a flat colour's. It also splices hand-built
// EXIF into a JPEG. Used by tests, benchmarks and cmd/photobench.
package synth

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Photo draws a w×h scene determined by seed: a sky-to-floor gradient, a few
// lit boxes and discs (a cabinet, a modem, a lamp), and per-pixel noise.
func Photo(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	base := [3]float64{rng.Float64() * 200, rng.Float64() * 200, rng.Float64() * 200}
	tilt := rng.Float64()*2 - 1
	type shape struct {
		disc           bool
		x0, y0, x1, y1 float64
		c              [3]float64
	}
	shapes := make([]shape, 6+rng.IntN(6))
	for i := range shapes {
		x0, y0 := rng.Float64(), rng.Float64()
		shapes[i] = shape{disc: rng.IntN(2) == 0, x0: x0, y0: y0,
			x1: x0 + 0.05 + rng.Float64()*0.4, y1: y0 + 0.05 + rng.Float64()*0.4,
			c: [3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}}
	}
	noise := rand.New(rand.NewPCG(seed+1, 7))
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(w)
			g := 0.4 + 0.6*(fy+tilt*fx*0.5)
			c := [3]float64{base[0] * g, base[1] * g, 40 + base[2]*(1-g)}
			for _, s := range shapes {
				in := fx >= s.x0 && fx < s.x1 && fy >= s.y0 && fy < s.y1
				if s.disc {
					cx, cy, r := (s.x0+s.x1)/2, (s.y0+s.y1)/2, (s.x1-s.x0)/2
					in = (fx-cx)*(fx-cx)+(fy-cy)*(fy-cy) < r*r
				}
				if in {
					shade := 0.8 + 0.2*math.Sin(fx*40+fy*25)
					c = [3]float64{s.c[0] * shade, s.c[1] * shade, s.c[2] * shade}
				}
			}
			n := (noise.Float64() - 0.5) * 24
			i := m.PixOffset(x, y)
			m.Pix[i+0] = clamp(c[0] + n)
			m.Pix[i+1] = clamp(c[1] + n)
			m.Pix[i+2] = clamp(c[2] + n)
			m.Pix[i+3] = 255
		}
	}
	return m
}

func clamp(v float64) uint8 {
	return uint8(max(0, min(255, math.Round(v))))
}

// JPEG encodes m at quality q and, when app1 is not nil, splices it in
// after SOI as an APP1 segment (app1 is the segment payload, starting
// "Exif\0\0").
func JPEG(m image.Image, q int, app1 []byte) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}); err != nil {
		panic(err)
	}
	if app1 == nil {
		return buf.Bytes()
	}
	return Splice(buf.Bytes(), 0xE1, app1)
}

// Splice inserts a marker segment with payload right after SOI.
func Splice(jpg []byte, marker byte, payload []byte) []byte {
	out := make([]byte, 0, len(jpg)+len(payload)+4)
	out = append(out, jpg[:2]...)
	out = append(out, 0xFF, marker)
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// EXIF describes the tags EXIFSegment writes; zero values are left out.
type EXIF struct {
	Orientation      int
	DateTimeOriginal string // "2026:11:20 10:15:00"
	OffsetTime       string // "+02:00"
	Lat, Lng         float64
	HasGPS           bool
	BigEndian        bool
}

type entry struct {
	tag, typ uint16
	count    uint32
	data     []byte
}

// EXIFSegment builds an APP1 payload ("Exif\0\0" + TIFF) by hand.
func EXIFSegment(e EXIF) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	if e.BigEndian {
		bo = binary.BigEndian
	}
	u16 := func(v uint16) []byte { return bo.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return bo.AppendUint32(nil, v) }
	ascii := func(s string) entry { return entry{typ: 2, count: uint32(len(s) + 1), data: append([]byte(s), 0)} }
	rat := func(v float64) []byte {
		deg := math.Floor(v)
		minf := (v - deg) * 60
		mins := math.Floor(minf)
		secs := (minf - mins) * 60
		var b []byte
		b = append(b, u32(uint32(deg))...)
		b = append(b, u32(1)...)
		b = append(b, u32(uint32(mins))...)
		b = append(b, u32(1)...)
		b = append(b, u32(uint32(math.Round(secs*1000)))...)
		b = append(b, u32(1000)...)
		return b
	}
	var ifd0, exif, gps []entry
	if e.Orientation != 0 {
		ifd0 = append(ifd0, entry{tag: 0x0112, typ: 3, count: 1, data: u16(uint16(e.Orientation))})
	}
	if e.DateTimeOriginal != "" {
		a := ascii(e.DateTimeOriginal)
		a.tag = 0x9003
		exif = append(exif, a)
		if e.OffsetTime != "" {
			o := ascii(e.OffsetTime)
			o.tag = 0x9011
			exif = append(exif, o)
		}
	}
	if e.HasGPS {
		latRef, lngRef := "N", "E"
		lat, lng := e.Lat, e.Lng
		if lat < 0 {
			latRef, lat = "S", -lat
		}
		if lng < 0 {
			lngRef, lng = "W", -lng
		}
		r1, r3 := ascii(latRef), ascii(lngRef)
		r1.tag, r3.tag = 1, 3
		gps = append(gps, r1, entry{tag: 2, typ: 5, count: 3, data: rat(lat)}, r3, entry{tag: 4, typ: 5, count: 3, data: rat(lng)})
	}
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	n0 := len(ifd0)
	if len(exif) > 0 {
		n0++
	}
	if len(gps) > 0 {
		n0++
	}
	off0 := 8
	offExif := off0 + ifdSize(n0)
	offGPS := offExif
	if len(exif) > 0 {
		offGPS += ifdSize(len(exif))
	}
	dataOff := offGPS
	if len(gps) > 0 {
		dataOff += ifdSize(len(gps))
	}
	if len(exif) > 0 {
		ifd0 = append(ifd0, entry{tag: 0x8769, typ: 4, count: 1, data: u32(uint32(offExif))})
	}
	if len(gps) > 0 {
		ifd0 = append(ifd0, entry{tag: 0x8825, typ: 4, count: 1, data: u32(uint32(offGPS))})
	}
	var head, data []byte
	if e.BigEndian {
		head = []byte("MM\x00*")
	} else {
		head = []byte("II*\x00")
	}
	head = append(head, u32(uint32(off0))...)
	writeIFD := func(es []entry) {
		head = append(head, u16(uint16(len(es)))...)
		for _, en := range es {
			head = append(head, u16(en.tag)...)
			head = append(head, u16(en.typ)...)
			head = append(head, u32(en.count)...)
			if len(en.data) <= 4 {
				v := make([]byte, 4)
				copy(v, en.data)
				head = append(head, v...)
			} else {
				head = append(head, u32(uint32(dataOff+len(data)))...)
				data = append(data, en.data...)
			}
		}
		head = append(head, 0, 0, 0, 0)
	}
	writeIFD(ifd0)
	if len(exif) > 0 {
		writeIFD(exif)
	}
	if len(gps) > 0 {
		writeIFD(gps)
	}
	return append(append([]byte("Exif\x00\x00"), head...), data...)
}

// Marker paints a solid w×h block of c at (x, y): tests use it to see where
// a corner went after orientation.
func Marker(m *image.RGBA, x, y, w, h int, c color.RGBA) {
	for j := y; j < y+h; j++ {
		for i := x; i < x+w; i++ {
			m.SetRGBA(i, j, c)
		}
	}
}
