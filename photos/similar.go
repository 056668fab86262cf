package photos

import (
	"encoding/binary"
	"image"
	"math/bits"
	"sort"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// SimilarMaxDistance is the largest Hamming distance between two 64-bit
// dHashes that counts as "the same picture". A JPEG re-encode or a resize
// moves a dHash by 0–3 bits; different photos of the same kind of scene (two
// modem labels) typically sit 15+ apart. 6 leaves room for a mild crop or
// brightness change while staying far from unrelated photos.
const SimilarMaxDistance = 6

// Hashes with almost all bits equal come from flat or single-gradient
// pictures (a pocket shot, a white wall); every such photo would "match"
// every other, so they are not indexed and only match by exact sha.
const minInformativeBits, maxInformativeBits = 6, 58

// maxCandidates bounds the work of one lookup even when a band value is
// very common.
const maxCandidates = 5000

// Similar is a photo whose perceptual hash is within SimilarMaxDistance.
type Similar struct {
	SHA      string `json:"sha256"`
	Distance int    `json:"distance"`
}

// dHash is the 64-bit difference hash of an upright picture: the luma
// shrunk to 9×8, one bit per horizontally adjacent pair (left brighter than
// right). It survives re-encoding and resizing, which is what a photo
// re-used from another job goes through.
func dHash(m *image.YCbCr) uint64 {
	small := make([]uint8, 9*8)
	resizePlane(small, m.Y, m.Rect.Dx(), m.Rect.Dy(), m.YStride, 9, 8)
	var h uint64
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			h <<= 1
			if small[y*9+x] > small[y*9+x+1] {
				h |= 1
			}
		}
	}
	return h
}

func informative(h uint64) bool {
	n := bits.OnesCount64(h)
	return n >= minInformativeBits && n <= maxInformativeBits
}

// Multi-index hashing: the hash is cut into 4 bands of 16 bits, and each
// photo is filed under band(1) value(2) 0x00 sha → hash(8). Two hashes within
// distance d differ in some band by at most ⌊d/4⌋ bits (pigeonhole), so
// probing each band's exact value and its 16 one-bit neighbours (4×17 cursor
// seeks) finds every hash within distance 7 ≥ SimilarMaxDistance without
// scanning the photo table. The full hash in the value lets candidates be
// checked without decoding their Meta.

func bandValue(h uint64, band int) uint16 { return uint16(h >> (48 - 16*band)) }

func bandPrefix(band int, v uint16) []byte {
	return []byte{byte(band), byte(v >> 8), byte(v), store.Sep}
}

func indexHash(tx *bolt.Tx, sha string, h uint64) error {
	if !informative(h) {
		return nil
	}
	b := tx.Bucket(store.BucketPhotoHashBands)
	for band := 0; band < 4; band++ {
		if err := b.Put(append(bandPrefix(band, bandValue(h, band)), sha...), store.U64(h)); err != nil {
			return err
		}
	}
	return nil
}

// FindSimilar lists the photos whose perceptual hash is within
// SimilarMaxDistance of photo sha's, nearest first. It always starts with sha
// itself at distance 0 (so a caller checking reuse can treat "the same bytes"
// and "a near copy" alike with RefsOf on each), even when sha is not held yet.
// It costs at most 68 cursor seeks plus the candidates found.
func FindSimilar(tx *bolt.Tx, sha string) ([]Similar, error) {
	out := []Similar{{SHA: sha}}
	m, ok, err := Lookup(tx, sha)
	if err != nil || !ok {
		return out, err
	}
	h, ok := m.hash()
	if !ok || !informative(h) {
		return out, nil
	}
	seen := map[string]bool{sha: true}
	c := tx.Bucket(store.BucketPhotoHashBands).Cursor()
	examined := 0
	for band := 0; band < 4 && examined < maxCandidates; band++ {
		v := bandValue(h, band)
		for flip := -1; flip < 16; flip++ {
			pv := v
			if flip >= 0 {
				pv ^= 1 << flip
			}
			prefix := bandPrefix(band, pv)
			for k, val := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, val = c.Next() {
				examined++
				if examined > maxCandidates {
					break
				}
				other := string(k[len(prefix):])
				if seen[other] || len(val) != 8 {
					continue
				}
				seen[other] = true
				if d := bits.OnesCount64(h ^ binary.BigEndian.Uint64(val)); d <= SimilarMaxDistance {
					out = append(out, Similar{SHA: other, Distance: d})
				}
			}
		}
	}
	sort.Slice(out[1:], func(i, j int) bool {
		a, b := out[1+i], out[1+j]
		if a.Distance != b.Distance {
			return a.Distance < b.Distance
		}
		return a.SHA < b.SHA
	})
	return out, nil
}

// RefsOf lists the submissions that reference photo sha (BucketPhotoRefs,
// written by sync), in key order.
func RefsOf(tx *bolt.Tx, sha string) []string {
	var ids []string
	_ = store.ScanPrefix(tx, store.BucketPhotoRefs, store.Prefix(sha), nil, func(k, _ []byte) error {
		ids = append(ids, string(k[len(sha)+1:]))
		return nil
	})
	return ids
}

// A Reuse is a submission that already shows photo sha or a near copy.
type Reuse struct {
	SHA          string `json:"sha256"` // the photo on that submission
	Distance     int    `json:"distance"`
	SubmissionID string `json:"submission_id"`
}

// ReusesOf lists every submission referencing sha or a near copy of it,
// except those for which skip returns true (e.g. other versions of the
// submission being checked). It is FindSimilar + RefsOf in one call, for
// sync's photo_reused flag.
func ReusesOf(tx *bolt.Tx, sha string, skip func(submissionID string) bool) ([]Reuse, error) {
	sims, err := FindSimilar(tx, sha)
	if err != nil {
		return nil, err
	}
	var out []Reuse
	for _, s := range sims {
		for _, id := range RefsOf(tx, s.SHA) {
			if skip != nil && skip(id) {
				continue
			}
			out = append(out, Reuse{SHA: s.SHA, Distance: s.Distance, SubmissionID: id})
		}
	}
	return out, nil
}
