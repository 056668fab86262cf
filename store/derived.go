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
	// value, nil for none) into Into[i]. It may keep nothing of k and v.
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
	type kv struct{ k, v []byte }
	entries := make([][]kv, len(d.Into))
	add := func(i int, key, value []byte) {
		// A copy: the records' pages are not the transaction's to keep
		// once it writes (a growing file is mapped anew).
		entries[i] = append(entries[i], kv{bytes.Clone(key), bytes.Clone(value)})
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
		es := entries[i]
		slices.SortFunc(es, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
		for j, e := range es {
			if j > 0 && bytes.Equal(e.k, es[j-1].k) {
				continue
			}
			v := e.v
			if v == nil {
				v = []byte{}
			}
			if err := b.Put(e.k, v); err != nil {
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
