package photos

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"fieldcheck/errs"
)

// Memory is bounded whatever is uploaded. Three limits, cheapest first:
//
//  1. Uploads in flight, globally and per user, are counted before a byte of
//     the body is read; past either cap the upload is refused (429) at once.
//     A body streams to a temp file while it is hashed, so an upload in
//     flight costs a 32 KB buffer, not its size.
//  2. The memory a decode will need is estimated from the header (decodeCost)
//     before any pixel is allocated. An image whose estimate is over the
//     per-image limit is refused (422 decode_too_large): the pixel count
//     alone says nothing of a progressive JPEG's coefficient buffers or a
//     16-bit PNG's doubled pixels.
//  3. Every decode charges its estimate to one global budget (a weighted
//     semaphore) and waits, bounded, for room; past the wait, 429.

// Errors of the memory bounds.
var (
	ErrUploadsBusy = errs.New(errs.RateLimited, "uploads_busy",
		"正在上传的照片过多，请稍后重试", "too many photos are being uploaded right now; try again shortly")
	ErrUserUploadsBusy = errs.New(errs.RateLimited, "uploads_busy",
		"您同时上传的照片过多，请等前面的照片传完再试", "you are uploading too many photos at once; retry when the earlier ones are done")
)

// errDecodeTooLarge is 422 decode_too_large, saying how much memory the
// image would need and how much one image may use.
func errDecodeTooLarge(need, limit int64) error {
	return errs.New(errs.Invalid, "decode_too_large",
		fmt.Sprintf("这张图片解码需要约 %d MB 内存，超过单张上限 %d MB（常见于大尺寸的渐进式 JPEG 或 16 位 PNG）。请上传相机拍摄的原图，或另存为普通 JPEG 后重试",
			need>>20, limit>>20),
		fmt.Sprintf("decoding this image would need about %d MB of memory, over the %d MB one image may use (typical of a large progressive JPEG or 16-bit PNG); upload the camera's original or re-save it as an ordinary JPEG",
			need>>20, limit>>20))
}

// gate counts uploads in flight, in total and per user.
type gate struct {
	mu          sync.Mutex
	total       int
	perUser     map[string]int
	max, maxPer int
}

func newGate(max, maxPer int) *gate {
	return &gate{perUser: map[string]int{}, max: max, maxPer: maxPer}
}

// enter admits one upload by user, or answers why not. leave must be called
// exactly once after an admitted upload.
func (g *gate) enter(user string) (leave func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.perUser[user] >= g.maxPer {
		return nil, ErrUserUploadsBusy
	}
	if g.total >= g.max {
		return nil, ErrUploadsBusy
	}
	g.total++
	g.perUser[user]++
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.total--
			if g.perUser[user]--; g.perUser[user] <= 0 {
				delete(g.perUser, user)
			}
		})
	}, nil
}

// imageHeader is what a photo's header says about the memory its decode
// needs.
type imageHeader struct {
	width, height int
	// JPEG
	progressive bool
	rgb         bool     // decoded to RGBA (Adobe transform 0 or R,G,B ids)
	comps       [][2]int // each component's horizontal, vertical sampling
	// PNG
	bitDepth, colorType, interlace int
}

var errNoHeader = errors.New("photos: no frame header")

// readJPEGHeader walks the markers up to the frame header (SOF0, SOF1 or
// SOF2, the ones image/jpeg decodes), skipping segments without reading
// them into memory, and notes an Adobe APP14 colour transform on the way.
func readJPEGHeader(r *bufio.Reader) (imageHeader, error) {
	var h imageHeader
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return h, errNoHeader
	}
	adobeRGB := false
	for {
		// Like image/jpeg, tolerate junk before a marker.
		b, err := r.ReadByte()
		if err != nil {
			return h, errNoHeader
		}
		if b != 0xFF {
			continue
		}
		m, err := r.ReadByte()
		for err == nil && m == 0xFF {
			m, err = r.ReadByte()
		}
		if err != nil {
			return h, errNoHeader
		}
		switch {
		case m == 0x00 || m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7):
			continue // no length
		case m == 0xD9 || m == 0xDA:
			return h, errNoHeader // a scan before any frame header
		}
		var lb [2]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return h, errNoHeader
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return h, errNoHeader
		}
		switch m {
		case 0xC0, 0xC1, 0xC2:
			seg := make([]byte, n)
			if _, err := io.ReadFull(r, seg); err != nil || n < 6 {
				return h, errNoHeader
			}
			h.progressive = m == 0xC2
			h.height = int(binary.BigEndian.Uint16(seg[1:]))
			h.width = int(binary.BigEndian.Uint16(seg[3:]))
			nc := int(seg[5])
			if nc < 1 || n < 6+3*nc {
				return h, errNoHeader
			}
			ids := ""
			for i := 0; i < nc; i++ {
				c := seg[6+3*i:]
				h.comps = append(h.comps, [2]int{max(1, int(c[1]>>4)), max(1, int(c[1]&15))})
				ids += string(c[0])
			}
			h.rgb = nc == 3 && (adobeRGB || ids == "RGB")
			return h, nil
		case 0xEE: // APP14 "Adobe": transform 0 means RGB, not YCbCr
			seg := make([]byte, min(n, 12))
			if _, err := io.ReadFull(r, seg); err != nil {
				return h, errNoHeader
			}
			if len(seg) == 12 && string(seg[:5]) == "Adobe" {
				adobeRGB = seg[11] == 0
			}
			if _, err := r.Discard(n - len(seg)); err != nil {
				return h, errNoHeader
			}
		default:
			if _, err := r.Discard(n); err != nil {
				return h, errNoHeader
			}
		}
	}
}

// readPNGHeader reads the IHDR that must follow the signature.
func readPNGHeader(r *bufio.Reader) (imageHeader, error) {
	var b [8 + 8 + 13]byte
	if _, err := io.ReadFull(r, b[:]); err != nil || string(b[12:16]) != "IHDR" {
		return imageHeader{}, errNoHeader
	}
	ihdr := b[16:]
	return imageHeader{
		width:    int(binary.BigEndian.Uint32(ihdr[0:])),
		height:   int(binary.BigEndian.Uint32(ihdr[4:])),
		bitDepth: int(ihdr[8]), colorType: int(ihdr[9]), interlace: int(ihdr[12]),
	}, nil
}

// decodeCost estimates the bytes that decoding an image with header h and
// making its renditions holds at once, from what image/jpeg, image/png and
// our resize allocate:
//
//   - JPEG pixels: every component's plane at its sampling, padded to whole
//     MCUs (a 4:2:0 photo 1.5 bytes a pixel, 4:4:4 three);
//   - a progressive JPEG also keeps every DCT coefficient until the last
//     scan, one int32 per sample: 4 bytes a pixel per full-size component
//     (a 4:4:4 progressive image is 15 bytes a pixel in all);
//   - an RGB or CMYK JPEG is converted to RGBA and then to planes (+7);
//   - PNG pixels: 4 bytes a pixel at 8 bits, 8 at 16 bits (a 16-bit PNG
//     doubles them), 1 paletted; an interlaced PNG decodes each pass apart
//     and merges them (twice the pixels); then converted to planes (+3);
//   - resize: each of three planes shrunk horizontally into a 16-bit
//     intermediate of medium width × source height, the medium itself, its
//     upright copy, and the encoders' buffers.
func decodeCost(ct string, h imageHeader) int64 {
	w, ht := int64(h.width), int64(h.height)
	var n int64
	if ct == "image/jpeg" {
		hmax, vmax := int64(1), int64(1)
		for _, c := range h.comps {
			hmax, vmax = max(hmax, int64(c[0])), max(vmax, int64(c[1]))
		}
		if len(h.comps) == 0 { // unknown: assume the worst we decode
			h.comps, h.progressive, hmax, vmax = [][2]int{{1, 1}, {1, 1}, {1, 1}, {1, 1}}, true, 1, 1
		}
		mxx, myy := (w+8*hmax-1)/(8*hmax), (ht+8*vmax-1)/(8*vmax)
		for _, c := range h.comps {
			samples := mxx * int64(c[0]) * myy * int64(c[1]) * 64
			n += samples
			if h.progressive {
				n += samples * 4
			}
		}
		if len(h.comps) == 4 || len(h.comps) > 4 || h.rgb {
			n += 7 * w * ht
		}
	} else {
		per := int64(4)
		switch {
		case h.colorType == 3:
			per = 1
		case h.bitDepth == 16:
			per = 8
		}
		n = per * w * ht
		if h.interlace != 0 {
			n *= 2
		}
		n += 3 * w * ht
	}
	mw, mh := fitSize(h.width, h.height, MediumEdge)
	n += 3*2*int64(mw)*ht + 2*3*int64(mw)*int64(mh) + 2<<20
	return n
}

// UploadsInFlight is how many uploads are being received or processed now.
func (s *Service) UploadsInFlight() int {
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	return s.uploads.total
}
