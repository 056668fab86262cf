package photos

import (
	"image"
	"image/color"
	"runtime"
	gosync "sync"
)

// Renditions are made in the decoded colour space. A phone JPEG decodes to
// YCbCr planes; each plane is shrunk on its own with an area-average (box)
// filter straight to the target size, so there is no RGB conversion of 12
// million pixels and no second pass at full size. The output is a 4:4:4
// YCbCr image, which image/jpeg encodes without converting. The medium is
// made from the original and the thumb from the medium (5× less work).

// planes is an image as three 8-bit planes. Y is w×h; Cb and Cr are cw×ch
// (smaller when the JPEG subsamples chroma; each plane covers the whole
// picture, so resizing every plane to the same target size also upsamples
// chroma to 4:4:4).
type planes struct {
	w, h   int
	y      []uint8
	ys     int // stride
	cw, ch int
	cb, cr []uint8
	cs     int
}

// toPlanes views img as planes without copying when it is YCbCr or Gray,
// and converts anything else, flattening alpha onto white (a transparent
// PNG signature must not turn black in a JPEG rendition).
func toPlanes(img image.Image) planes {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		if b.Min == (image.Point{}) && m.Rect.Min == (image.Point{}) {
			cw, ch := chromaSize(m.SubsampleRatio, w, h)
			return planes{w: w, h: h, y: m.Y, ys: m.YStride, cw: cw, ch: ch, cb: m.Cb, cr: m.Cr, cs: m.CStride}
		}
	case *image.Gray:
		if b.Min == (image.Point{}) {
			grey := []uint8{128}
			return planes{w: w, h: h, y: m.Pix, ys: m.Stride, cw: 1, ch: 1, cb: grey, cr: grey, cs: 1}
		}
	}
	p := planes{w: w, h: h, ys: w, cw: w, ch: h, cs: w,
		y: make([]uint8, w*h), cb: make([]uint8, w*h), cr: make([]uint8, w*h)}
	put := func(i int, r, g, bl uint8) {
		p.y[i], p.cb[i], p.cr[i] = color.RGBToYCbCr(r, g, bl)
	}
	switch m := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			for x := 0; x < w; x++ {
				px := row[x*4 : x*4+4]
				a := uint32(px[3])
				// non-premultiplied over white: c·a + 255·(1−a)
				f := func(c uint8) uint8 { return uint8((uint32(c)*a + 255*(255-a) + 127) / 255) }
				put(y*w+x, f(px[0]), f(px[1]), f(px[2]))
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			for x := 0; x < w; x++ {
				px := row[x*4 : x*4+4]
				white := 255 - uint32(px[3]) // premultiplied: c + 255·(1−a)
				f := func(c uint8) uint8 { return uint8(min(255, uint32(c)+white)) }
				put(y*w+x, f(px[0]), f(px[1]), f(px[2]))
			}
		}
	case image.RGBA64Image:
		// 16-bit, grey 16, CMYK, paletted: RGBA64At, unlike At, returns a
		// plain struct — no allocation per pixel (4 MB of garbage a
		// megapixel that the decode budget would have to count).
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := m.RGBA64At(b.Min.X+x, b.Min.Y+y) // premultiplied, 16 bit
				white := 0xffff - uint32(c.A)
				put(y*w+x, uint8((uint32(c.R)+white)>>8), uint8((uint32(c.G)+white)>>8), uint8((uint32(c.B)+white)>>8))
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied, 16 bit
				white := 0xffff - a
				put(y*w+x, uint8((r+white)>>8), uint8((g+white)>>8), uint8((bl+white)>>8))
			}
		}
	}
	return p
}

func chromaSize(r image.YCbCrSubsampleRatio, w, h int) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

// fitSize is w×h scaled so the long edge is at most edge, keeping the
// aspect ratio; never enlarged.
func fitSize(w, h, edge int) (int, int) {
	if w <= edge && h <= edge {
		return w, h
	}
	if w >= h {
		return edge, max(1, (h*edge+w/2)/w)
	}
	return max(1, (w*edge+h/2)/h), edge
}

// resize shrinks p to dw×dh as a 4:4:4 YCbCr image. The three planes run
// concurrently; the caller bounds how many photos are worked at once.
func (p planes) resize(dw, dh int) *image.YCbCr {
	out := image.NewYCbCr(image.Rect(0, 0, dw, dh), image.YCbCrSubsampleRatio444)
	var wg gosync.WaitGroup
	jobs := []func(){
		func() { resizePlane(out.Y, p.y, p.w, p.h, p.ys, dw, dh) },
		func() { resizePlane(out.Cb, p.cb, p.cw, p.ch, p.cs, dw, dh) },
		func() { resizePlane(out.Cr, p.cr, p.cw, p.ch, p.cs, dw, dh) },
	}
	if runtime.GOMAXPROCS(0) == 1 {
		for _, j := range jobs {
			j()
		}
		return out
	}
	wg.Add(len(jobs))
	for _, j := range jobs {
		go func() { defer wg.Done(); j() }()
	}
	wg.Wait()
	return out
}

const wBits = 14 // fixed-point weight precision; weights of one output sum to 1<<wBits

type tap struct {
	first   int
	weights []int32
}

// areaTaps gives, for each of dn outputs, the source samples it covers and
// their coverage weights (box filter with fractional edges). When dn ≥ sn
// (a chroma plane upsampled to 4:4:4, or no shrink) it degrades to nearest
// sample, which is what plain chroma upsampling does anyway.
func areaTaps(sn, dn int) []tap {
	taps := make([]tap, dn)
	if dn >= sn {
		for i := range taps {
			taps[i] = tap{first: min(sn-1, i*sn/dn), weights: []int32{1 << wBits}}
		}
		return taps
	}
	scale := float64(sn) / float64(dn)
	for i := range taps {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		first := int(lo)
		last := min(sn-1, int(hi-1e-9))
		ws := make([]int32, last-first+1)
		var sum int32
		for j := range ws {
			s := float64(first + j)
			cover := min(hi, s+1) - max(lo, s)
			ws[j] = int32(cover / scale * (1 << wBits))
			sum += ws[j]
		}
		// put the rounding remainder on the largest weight so the sum is exact
		big := 0
		for j := range ws {
			if ws[j] > ws[big] {
				big = j
			}
		}
		ws[big] += 1<<wBits - sum
		taps[i] = tap{first: first, weights: ws}
	}
	return taps
}

// resizePlane shrinks an sw×sh plane (row stride ss) into dst, dw×dh,
// horizontally then vertically. The intermediate keeps 8 extra bits.
func resizePlane(dst, src []uint8, sw, sh, ss, dw, dh int) {
	xt := areaTaps(sw, dw)
	yt := areaTaps(sh, dh)
	tmp := make([]uint16, dw*sh)
	for y := 0; y < sh; y++ {
		row := src[y*ss : y*ss+sw]
		out := tmp[y*dw : y*dw+dw]
		for x, t := range xt {
			var acc int32
			s := row[t.first : t.first+len(t.weights)]
			for j, w := range t.weights {
				acc += int32(s[j]) * w
			}
			out[x] = uint16((acc + 1<<(wBits-9)) >> (wBits - 8))
		}
	}
	acc := make([]int64, dw)
	for y, t := range yt {
		clear(acc)
		for j, w := range t.weights {
			row := tmp[(t.first+j)*dw : (t.first+j)*dw+dw]
			w := int64(w)
			for x, v := range row {
				acc[x] += int64(v) * w
			}
		}
		out := dst[y*dw : y*dw+dw]
		for x, a := range acc {
			out[x] = uint8(min(255, (a+1<<(wBits+7))>>(wBits+8)))
		}
	}
}

// orient returns m turned upright for EXIF orientation o (1..8).
func orient(m *image.YCbCr, o int) *image.YCbCr {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio444)
	// where source pixel (x, y) lands in the upright image
	var dst func(x, y int) int
	switch o {
	case 2: // mirrored horizontally
		dst = func(x, y int) int { return y*ow + (w - 1 - x) }
	case 3: // rotated 180
		dst = func(x, y int) int { return (h-1-y)*ow + (w - 1 - x) }
	case 4: // mirrored vertically
		dst = func(x, y int) int { return (h-1-y)*ow + x }
	case 5: // transposed
		dst = func(x, y int) int { return x*ow + y }
	case 6: // needs 90° clockwise
		dst = func(x, y int) int { return x*ow + (h - 1 - y) }
	case 7: // transversed
		dst = func(x, y int) int { return (w-1-x)*ow + (h - 1 - y) }
	case 8: // needs 90° counter-clockwise
		dst = func(x, y int) int { return (w-1-x)*ow + y }
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i, j := y*m.YStride+x, dst(x, y)
			out.Y[j], out.Cb[j], out.Cr[j] = m.Y[i], m.Cb[i], m.Cr[i]
		}
	}
	return out
}
