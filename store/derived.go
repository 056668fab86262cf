package store

import (
	"bytes"
	"log/slog"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Derived is an index kept beside a bucket of records by the records'
// owner, in the same write as each record. A data dir from before the index
// has the records but not the index: Meta, set once the index is complete,
// says which. Until then the owner's writes leave the index alone and its
// readers walk the records; Build fills it once from the records.
type Derived struct {
	Meta   []byte   // the Meta key set once the index is complete
	Source []byte   // the records' bucket
	Into   [][]byte // the index's buckets, emptied and refilled by Build
	// Entries adds one record's entries: add(i, key, value) puts key (and
	// value, nil for none) into Into[i]. add keeps the slices until the
	// build puts them, after the walk: pass ones the transaction does not
	// own (k and v are the file's pages, mapped anew when it grows).
	Entries func(k, v []byte, add func(i int, key, value []byte)) error
	Log     string // what the build says when it built from records
	Counted string // the log's name for the records counted
}

// On says the index is complete.
func (d Derived) On(tx *bolt.Tx) bool { return tx.Bucket(BucketMeta).Get(d.Meta) != nil }

// Build fills the index from the records when it is not complete, in one
// transaction, putting each bucket's entries in key order: bbolt splits its
// nodes only at commit, so keys put in random order into a fresh bucket all
// land in one ever-growing leaf and each insert shifts the ones after it —
// at half a million orders the work-order index build spent minutes in
// memmove. In order, each key is appended.
func (d Derived) Build(tx *bolt.Tx) error {
	if d.On(tx) {
		return nil
	}
	start := time.Now()
	// Keys alone (most entries have no value): a work-order build at 1 M
	// orders holds 6 M of them until they are put.
	keys := make([][][]byte, len(d.Into))
	vals := make([]map[string][]byte, len(d.Into))
	add := func(i int, key, value []byte) {
		keys[i] = append(keys[i], key)
		if value != nil {
			if vals[i] == nil {
				vals[i] = map[string][]byte{}
			}
			vals[i][string(key)] = value
		}
	}
	n := 0
	if src := tx.Bucket(d.Source); src != nil {
		c := src.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v == nil {
				continue // a nested bucket; records are plain values
			}
			if err := d.Entries(k, v, add); err != nil {
				return err
			}
			n++
		}
	}
	for i, name := range d.Into {
		b, err := EmptyBucket(tx, name)
		if err != nil {
			return err
		}
		ks := keys[i]
		slices.SortFunc(ks, bytes.Compare)
		for j, k := range ks {
			if j > 0 && bytes.Equal(k, ks[j-1]) {
				continue
			}
			v := vals[i][string(k)]
			if v == nil {
				v = []byte{}
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
	}
	if n > 0 && d.Log != "" {
		slog.Info(d.Log, d.Counted, n, "took", time.Since(start).Round(time.Millisecond))
	}
	return tx.Bucket(BucketMeta).Put(d.Meta, []byte{1})
}

// Ensure builds the index once, in its own write, unless it is complete.
func (d Derived) Ensure(db *DB) error {
	on := false
	if err := db.View(func(tx *bolt.Tx) error { on = d.On(tx); return nil }); err != nil || on {
		return err
	}
	return db.Update(d.Build)
}
