package callbacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// FinishedBetween calls fn, inside the caller's read transaction, for every
// callback task whose job finished in [from, to), oldest first, as stored
// (BucketCallbacksByTime): the walk the reports' reference scan and the
// rollups' verify make. It is the only way another package reads tasks in
// bulk; none decodes this package's buckets. A task is yielded as stored,
// not advanced to the clock: the report figures count what was recorded.
func FinishedBetween(tx *bolt.Tx, from, to time.Time, fn func(*Task) error) error {
	c := tx.Bucket(store.BucketCallbacksByTime).Cursor()
	end := store.TimeKey(to)
	for k, _ := c.Seek(store.TimeKey(from)); k != nil && len(k) > 8 && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		var t Task
		err := store.GetJSON(tx, store.BucketCallbacks, []byte(store.SplitLast(k)), &t)
		if errors.Is(err, store.ErrNotFound) {
			continue // an index entry without its task: nothing to yield
		}
		if err != nil {
			return err
		}
		if err := fn(&t); err != nil {
			return err
		}
	}
	return nil
}

// Page calls fn for at most n tasks in id order after the id after ("" from
// the first), inside the caller's transaction, and returns the last id it
// yielded and how many: a walk of every task in batches of their own
// transactions (the rollups' rebuild).
func Page(tx *bolt.Tx, after string, n int, fn func(*Task) error) (last string, count int, err error) {
	return store.PageJSON(tx, store.BucketCallbacks, after, n, func(id string, v []byte) error {
		var t Task
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("callback %s: %w", id, err)
		}
		return fn(&t)
	})
}

// Count is how many tasks are stored (bbolt's page statistics: a walk of
// the bucket's pages, not of its records).
func Count(tx *bolt.Tx) int { return tx.Bucket(store.BucketCallbacks).Stats().KeyN }

// Any reports whether any task is stored.
func Any(tx *bolt.Tx) bool {
	k, _ := tx.Bucket(store.BucketCallbacks).Cursor().First()
	return k != nil
}

// FinishSpan is when the first and the last job of a stored task finished
// (zero when there is none).
func FinishSpan(tx *bolt.Tx) (first, last time.Time) {
	return store.TimeSpan(tx, store.BucketCallbacksByTime)
}
