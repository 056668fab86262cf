package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// PageJSON calls fn for at most n entries of bucket in key order after the
// key after ("" from the first), and returns the last key it visited and
// how many: one batch of a walk split over transactions. The owner of the
// bucket decodes the value in fn; the bytes die with the transaction.
func PageJSON(tx *bolt.Tx, bucket []byte, after string, n int, fn func(key string, v []byte) error) (last string, count int, err error) {
	c := tx.Bucket(bucket).Cursor()
	k, v := c.First()
	if after != "" {
		k, v = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	for ; k != nil && count < n; k, v = c.Next() {
		if err := fn(string(k), v); err != nil {
			return last, count, err
		}
		last = string(k)
		count++
	}
	return last, count, nil
}

// TimeSpan is the first and last time of an index keyed time(8) … (TimeKey
// first), zero when it is empty: the owner of the index answers with it.
func TimeSpan(tx *bolt.Tx, index []byte) (first, last time.Time) {
	c := tx.Bucket(index).Cursor()
	if k, _ := c.First(); len(k) >= 8 {
		first = ParseTimeKey(k[:8])
	}
	if k, _ := c.Last(); len(k) >= 8 {
		last = ParseTimeKey(k[:8])
	}
	return first, last
}
