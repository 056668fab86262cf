package photos

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"time"

	"fieldcheck/store"
)

// exifInfo is what fieldcheck reads from a photo's EXIF: how to turn it
// upright, when it was taken and where.
type exifInfo struct {
	Orientation int // 1..8; 0 when absent or out of range
	TakenAt     *time.Time
	Lat, Lng    *float64
}

// This is a small bounded EXIF reader rather than a general one: it reads
// five tags, never allocates more than the segment it is given (at most
// 64 KB for JPEG APP1), and every offset is checked before use, so a hostile
// upload cannot make it panic or allocate (FuzzPut covers it).

// jpegEXIF returns the TIFF payload of the first "Exif\0\0" APP1 segment,
// walking markers up to the start of scan.
func jpegEXIF(b []byte) []byte {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return nil
		}
		m := b[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01 { // no length
			i += 2
			continue
		}
		if m == 0xDA || m == 0xD9 { // start of scan / end of image: no EXIF after
			return nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if m == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// pngEXIF returns the payload of an eXIf chunk before the image data.
func pngEXIF(b []byte) []byte {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < len(sig) || string(b[:len(sig)]) != sig {
		return nil
	}
	i := len(sig)
	for i+8 <= len(b) {
		n := uint64(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if uint64(i)+12+n > uint64(len(b)) {
			return nil
		}
		if typ == "eXIf" {
			return b[i+8 : i+8+int(n)]
		}
		if typ == "IDAT" || typ == "IEND" {
			return nil
		}
		i += 12 + int(n)
	}
	return nil
}

type tiffEntry struct {
	typ   uint16
	count uint32
	val   []byte // the value bytes, bounds-checked
}

type tiffReader struct {
	b  []byte
	bo binary.ByteOrder
}

var typeSizes = map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8}

// ifd reads the directory at off into tag → entry; nil when malformed.
func (r tiffReader) ifd(off uint32) map[uint16]tiffEntry {
	b := r.b
	if uint64(off)+2 > uint64(len(b)) {
		return nil
	}
	n := int(r.bo.Uint16(b[off:]))
	if n > 512 || uint64(off)+2+uint64(n)*12 > uint64(len(b)) {
		return nil
	}
	out := make(map[uint16]tiffEntry, n)
	for i := 0; i < n; i++ {
		e := b[int(off)+2+i*12:][:12]
		typ := r.bo.Uint16(e[2:])
		cnt := r.bo.Uint32(e[4:])
		sz, ok := typeSizes[typ]
		if !ok {
			continue
		}
		size := sz * uint64(cnt)
		var val []byte
		if size <= 4 {
			val = e[8 : 8+size]
		} else {
			p := uint64(r.bo.Uint32(e[8:]))
			if p+size > uint64(len(b)) {
				continue
			}
			val = b[p : p+size]
		}
		out[r.bo.Uint16(e[0:])] = tiffEntry{typ: typ, count: cnt, val: val}
	}
	return out
}

func (r tiffReader) uint(e tiffEntry) (uint32, bool) {
	switch {
	case e.typ == 3 && len(e.val) >= 2:
		return uint32(r.bo.Uint16(e.val)), true
	case (e.typ == 4 || e.typ == 9) && len(e.val) >= 4:
		return r.bo.Uint32(e.val), true
	}
	return 0, false
}

func asciiValue(e tiffEntry) string {
	if e.typ != 2 {
		return ""
	}
	s := string(e.val)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// rationals reads up to n unsigned rationals; ok false on a zero denominator.
func (r tiffReader) rationals(e tiffEntry, n int) ([]float64, bool) {
	if e.typ != 5 || len(e.val) < 8*n {
		return nil, false
	}
	out := make([]float64, n)
	for i := range out {
		num, den := r.bo.Uint32(e.val[8*i:]), r.bo.Uint32(e.val[8*i+4:])
		if den == 0 {
			return nil, false
		}
		out[i] = float64(num) / float64(den)
	}
	return out, true
}

// parseEXIF reads the TIFF structure of an EXIF block. Anything it cannot
// read is simply absent: EXIF is a hint, never a reason to refuse a photo.
func parseEXIF(b []byte) exifInfo {
	var info exifInfo
	if len(b) < 8 {
		return info
	}
	var r tiffReader
	switch {
	case bytes.HasPrefix(b, []byte("II*\x00")):
		r = tiffReader{b: b, bo: binary.LittleEndian}
	case bytes.HasPrefix(b, []byte("MM\x00*")):
		r = tiffReader{b: b, bo: binary.BigEndian}
	default:
		return info
	}
	ifd0 := r.ifd(r.bo.Uint32(b[4:]))
	if ifd0 == nil {
		return info
	}
	if e, ok := ifd0[0x0112]; ok {
		if v, ok := r.uint(e); ok && v >= 1 && v <= 8 {
			info.Orientation = int(v)
		}
	}
	var taken, offset string
	if e, ok := ifd0[0x8769]; ok {
		if p, ok := r.uint(e); ok {
			if sub := r.ifd(p); sub != nil {
				taken = asciiValue(sub[0x9003])  // DateTimeOriginal
				offset = asciiValue(sub[0x9011]) // OffsetTimeOriginal
			}
		}
	}
	if taken == "" {
		taken = asciiValue(ifd0[0x0132]) // DateTime (last change), a weaker hint
	}
	if t, ok := parseEXIFTime(taken, offset); ok {
		info.TakenAt = &t
	}
	if e, ok := ifd0[0x8825]; ok {
		if p, ok := r.uint(e); ok {
			if gps := r.ifd(p); gps != nil {
				lat, okA := r.coord(gps[2], asciiValue(gps[1]), "S", 90)
				lng, okB := r.coord(gps[4], asciiValue(gps[3]), "W", 180)
				// 0,0 is what some phones write when they had no fix.
				if okA && okB && !(lat == 0 && lng == 0) {
					info.Lat, info.Lng = &lat, &lng
				}
			}
		}
	}
	return info
}

func (r tiffReader) coord(e tiffEntry, ref, negRef string, limit float64) (float64, bool) {
	v, ok := r.rationals(e, 3)
	if !ok {
		return 0, false
	}
	d := v[0] + v[1]/60 + v[2]/3600
	if ref == negRef {
		d = -d
	}
	if math.IsNaN(d) || math.Abs(d) > limit {
		return 0, false
	}
	return d, true
}

// parseEXIFTime reads "YYYY:MM:DD HH:MM:SS". Without an offset tag the time
// is the phone's wall clock, which for our users is Asia/Shanghai.
func parseEXIFTime(s, offset string) (time.Time, bool) {
	if len(s) < 19 {
		return time.Time{}, false
	}
	loc := store.Shanghai
	if offset != "" {
		if o, err := time.Parse("-07:00", offset); err == nil {
			_, secs := o.Zone()
			loc = time.FixedZone("", secs)
		}
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", s[:19], loc)
	if err != nil || t.Year() < 1990 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}
