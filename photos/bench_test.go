package photos

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/jpeg"
	"sync"
	"testing"

	"fieldcheck/photos/internal/synth"
	"fieldcheck/store"

	"github.com/disintegration/imaging"
	bolt "go.etcd.io/bbolt"
)

var (
	phoneOnce sync.Once
	phoneJPEG []byte
)

// phonePhoto is a 4000×3000 (12 MP) JPEG at quality 90 with EXIF
// orientation 6, like a portrait shot from a phone held upright.
func phonePhoto() []byte {
	phoneOnce.Do(func() {
		phoneJPEG = synth.JPEG(synth.Photo(4000, 3000, 12), 90,
			synth.EXIFSegment(synth.EXIF{Orientation: 6, DateTimeOriginal: "2026:11:20 10:15:00"}))
	})
	return phoneJPEG
}

// BenchmarkPipeline12MP is one whole upload of a 12 MP phone JPEG: hash,
// header check, decode, EXIF, two upright renditions, dHash, the original
// written with fsync, the renditions written, and the bbolt commit.
func BenchmarkPipeline12MP(b *testing.B) {
	s, _ := newService(b, nil)
	base := phonePhoto()
	b.SetBytes(int64(len(base)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// a comment segment makes each upload a new photo with the same pixels
		body := synth.Splice(base, 0xFE, binary.BigEndian.AppendUint64(nil, uint64(i)))
		if _, created, err := s.Put(context.Background(), shaOf(body), body, "tech1", testNow); err != nil || !created {
			b.Fatal(err, created)
		}
	}
}

// The parts, to see where the time goes.
func BenchmarkPipeline12MPParts(b *testing.B) {
	body := phonePhoto()
	b.Run("decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := jpeg.Decode(bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
	img, _ := jpeg.Decode(bytes.NewReader(body))
	b.Run("renditions", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			renditions(img, 6)
		}
	})
	med, thumb := renditions(img, 6)
	b.Run("encode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			encodeJPEG(med, 82)
			encodeJPEG(thumb, 80)
		}
	})
	b.Run("process", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := process("image/jpeg", body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFindSimilar(b *testing.B) {
	_, db := newService(b, nil)
	// similarBenchPhotos photos with random hashes
	var target string
	db.Bolt.Update(func(tx *bolt.Tx) error {
		x := uint64(0x9e3779b97f4a7c15)
		for i := 0; i < similarBenchPhotos; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			sha := shaOf(binary.BigEndian.AppendUint64(nil, x))
			store.PutJSON(tx, store.BucketPhotos, []byte(sha), Meta{SHA256: sha, PHash: hexHash(x)})
			indexHash(tx, sha, x)
			target = sha
		}
		return nil
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.View(func(tx *bolt.Tx) error { _, err := FindSimilar(tx, target); return err })
	}
}

// BenchmarkNaiveImaging12MP is the obvious pipeline, for comparison:
// imaging.Decode with auto-orientation (RGBA at full size), two Lanczos
// fits, two encodes. BenchmarkPipeline12MPParts/process is ours.
func BenchmarkNaiveImaging12MP(b *testing.B) {
	body := phonePhoto()
	for i := 0; i < b.N; i++ {
		img, err := imaging.Decode(bytes.NewReader(body), imaging.AutoOrientation(true))
		if err != nil {
			b.Fatal(err)
		}
		encodeJPEG(imaging.Fit(img, MediumEdge, MediumEdge, imaging.Lanczos), 82)
		encodeJPEG(imaging.Fit(img, ThumbEdge, ThumbEdge, imaging.Lanczos), 80)
	}
}

const similarBenchPhotos = 20000
