package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
)

// newJPEG makes a small real JPEG (96×72, blocks of random colour, so no two
// are alike and none is near-flat) and names it by its sha256, as the phone
// does before it uploads.
func newJPEG(rng *rand.Rand) (sha string, data []byte, err error) {
	const w, h, block = 96, 72, 12
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for by := 0; by < h; by += block {
		for bx := 0; bx < w; bx += block {
			c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
			for y := by; y < by+block; y++ {
				for x := bx; x < bx+block; x++ {
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), buf.Bytes(), nil
}
