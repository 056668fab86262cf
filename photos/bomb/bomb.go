// Package bomb makes decompression bombs: small files whose decode needs far
// more memory than their size or pixel count suggests. The photo tests and
// `fieldload memmix` upload them to show that the server refuses them from
// the header, before any pixel memory is allocated.
package bomb

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// ProgressiveJPEG is a valid progressive JPEG of w×h (at most 65535 each),
// three components at 4:4:4, holding one DC scan of zero coefficients: a
// grey picture in about w×h×3/512 bytes (287 KB at 7000×7000). Go's decoder
// keeps an int32 per coefficient of a progressive image until the end, so
// decoding it needs ~15 bytes a pixel: ~735 MB at 7000×7000, under 50 MP.
func ProgressiveJPEG(w, h int) []byte {
	var b bytes.Buffer
	seg := func(marker byte, payload ...byte) {
		b.Write([]byte{0xFF, marker})
		binary.Write(&b, binary.BigEndian, uint16(len(payload)+2))
		b.Write(payload)
	}
	b.Write([]byte{0xFF, 0xD8})
	dqt := []byte{0}
	for range 64 {
		dqt = append(dqt, 1)
	}
	seg(0xDB, dqt...)
	seg(0xC2, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0)
	// DC table 0: one code, "0", for category 0 (no difference).
	seg(0xC4, append([]byte{0x00, 1}, append(make([]byte, 15), 0)...)...)
	seg(0xDA, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0)
	mcus := ((w + 7) / 8) * ((h + 7) / 8)
	b.Write(make([]byte, (3*mcus+7)/8)) // one 0 bit per block
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// PNGHeader is the signature and IHDR of a w×h PNG of the given bit depth
// and colour type (6: RGBA), with no pixels: enough for a header check.
func PNGHeader(w, h uint32, depth, colorType byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	b.Write(Chunk("IHDR", ihdr))
	return b.Bytes()
}

// PNG16 writes a valid w×h 16-bit RGBA PNG of transparent black to out:
// 8 bytes a pixel once decoded (392 MB at 7000×7000) from a file of about
// 400 KB. It streams: the pixels are never held in memory.
func PNG16(out io.Writer, w, h int) error {
	bw := bufio.NewWriter(out)
	bw.Write(PNGHeader(uint32(w), uint32(h), 16, 6))
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+8*w) // filter 0, zero samples
	for y := 0; y < h; y++ {
		if _, err := zw.Write(row); err != nil {
			return err
		}
		if idat.Len() > 1<<20 {
			bw.Write(Chunk("IDAT", idat.Bytes()))
			idat.Reset()
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	bw.Write(Chunk("IDAT", idat.Bytes()))
	bw.Write(Chunk("IEND", nil))
	return bw.Flush()
}

// Chunk is one PNG chunk: length, type, data, CRC.
func Chunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}
