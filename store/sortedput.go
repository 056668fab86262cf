package store

import (
	"bytes"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// PutSorted puts keys (values empty) into b in ascending order. An index
// built in one transaction must go in sorted: bbolt splits its nodes only
// at commit, so keys put in random order into a fresh bucket all land in
// one ever-growing leaf and each insert shifts the ones after it — at half
// a million orders the work-order index build spent minutes in memmove.
// In order, each key is appended.
func PutSorted(b *bolt.Bucket, keys [][]byte) error {
	slices.SortFunc(keys, bytes.Compare)
	for i, k := range keys {
		if i > 0 && bytes.Equal(k, keys[i-1]) {
			continue
		}
		if err := b.Put(k, []byte{}); err != nil {
			return err
		}
	}
	return nil
}
