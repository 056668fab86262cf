package submissions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// FinishedBetween calls fn, inside the caller's read transaction, for the
// head (latest version) of every submission of kind finished in [from, to),
// oldest first (BucketSubmissionsByTime, keyed by the head's skew-corrected
// finish time; an edit that changes it moves the entry). It is how the
// reports walk sheets; no other package decodes this package's buckets.
func FinishedBetween(tx *bolt.Tx, from, to time.Time, kind string, fn func(*Head) error) error {
	c := tx.Bucket(store.BucketSubmissionsByTime).Cursor()
	end := store.TimeKey(to)
	for k, _ := c.Seek(store.TimeKey(from)); k != nil && len(k) > 8 && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		h, err := loadHead(tx, store.SplitLast(k))
		if err != nil {
			return err
		}
		if h == nil || h.Kind != kind {
			continue
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

// ByAuthor yields, inside the caller's read transaction, the head of every
// submission author made, in id order, those whose id sorts after `after`
// ("" from the first) — the sync pull's first-sync snapshot pages through
// it, its cursor the last id taken. Breaking out of the loop ends the walk;
// an error ends it too, yielded with a nil head. An index entry without its
// head (never written so) is passed over.
func ByAuthor(tx *bolt.Tx, author, after string) iter.Seq2[*Head, error] {
	return func(yield func(*Head, error) bool) {
		prefix := store.Prefix(author)
		var start []byte
		if after != "" {
			start = append(append(append([]byte{}, prefix...), after...), store.Sep)
		}
		err := store.ScanPrefix(tx, store.BucketSubmissionsByAuthor, prefix, start, func(k, _ []byte) error {
			h, err := loadHead(tx, string(k[len(prefix):]))
			if err != nil {
				return err
			}
			if h == nil {
				return nil
			}
			if !yield(h, nil) {
				return store.Stop
			}
			return nil
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// Latest is the stored version h points at, or nil when it is missing.
func Latest(tx *bolt.Tx, h *Head) (*Version, error) { return loadVersion(tx, h.ID, h.Version) }

// PageHeads calls fn for at most n heads in id order after the id after (""
// from the first), inside the caller's transaction, and returns the last id
// it yielded and how many: a walk of every sheet in batches of their own
// transactions (the rollups' rebuild).
func PageHeads(tx *bolt.Tx, after string, n int, fn func(*Head) error) (last string, count int, err error) {
	return store.PageJSON(tx, store.BucketSubmissionHeads, after, n, func(id string, v []byte) error {
		var h Head
		if err := json.Unmarshal(v, &h); err != nil {
			return fmt.Errorf("submission %s: %w", id, err)
		}
		return fn(&h)
	})
}

// CountHeads is how many sheets are stored (bbolt's page statistics).
func CountHeads(tx *bolt.Tx) int { return tx.Bucket(store.BucketSubmissionHeads).Stats().KeyN }

// AnyHeads reports whether any sheet is stored.
func AnyHeads(tx *bolt.Tx) bool {
	k, _ := tx.Bucket(store.BucketSubmissionHeads).Cursor().First()
	return k != nil
}

// FinishSpan is when the first and the last stored sheet finished (zero
// when there is none).
func FinishSpan(tx *bolt.Tx) (first, last time.Time) {
	return store.TimeSpan(tx, store.BucketSubmissionsByTime)
}
