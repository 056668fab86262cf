package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged means the database file has damaged pages. bbolt does not
// return an error for those: it panics deep inside a read, and at a
// read-write open it walks the whole file in a goroutine of its own (to
// rebuild the freelist, which we do not sync), where a panic cannot be
// recovered. So Open first walks every page in a read-only open, in this
// goroutine, turning panics and memory faults into this error.
var ErrDamaged = errors.New("数据文件已损坏，请从备份恢复（fieldcheck restore）/ the database file is damaged; restore it from a backup (fieldcheck restore)")

// CheckFile reads every bucket, key and value of the bbolt file at path in a
// read-only open and reports damage as ErrDamaged. A missing or empty file
// passes (Open creates it).
func CheckFile(path string) error {
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		return nil
	}
	var b *bolt.DB
	err := guard(path, func() error {
		var err error
		b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
		return err
	})
	if err != nil {
		return openErr(path, err)
	}
	defer b.Close()
	return guard(path, func() error { return b.View(walkFile) })
}

// walkFile touches every page reachable from the root: each bucket's keys in
// cursor order (checked to ascend) and the first and last byte of each value.
func walkFile(tx *bolt.Tx) error {
	return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walkBucket(name, b) })
}

func walkBucket(name []byte, b *bolt.Bucket) error {
	c := b.Cursor()
	var prev []byte
	var sink byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return fmt.Errorf("%w (bucket %q: keys out of order)", ErrDamaged, name)
		}
		prev = k
		if v == nil {
			if child := b.Bucket(k); child != nil {
				if err := walkBucket(k, child); err != nil {
					return err
				}
			}
			continue
		}
		if len(v) > 0 {
			sink ^= v[0] ^ v[len(v)-1]
		}
	}
	_ = sink
	return nil
}

// guard runs fn, turning a panic or a memory fault on the mapped file, and
// bbolt's own reports of a bad file, into ErrDamaged.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w (%s: %v)", ErrDamaged, path, r)
		}
	}()
	err = fn()
	if errors.Is(err, bolt.ErrInvalid) || errors.Is(err, bolt.ErrChecksum) || errors.Is(err, bolt.ErrVersionMismatch) ||
		errors.Is(err, bolt.ErrInvalidMapping) {
		return fmt.Errorf("%w (%s: %v)", ErrDamaged, path, err)
	}
	return err
}

func openErr(path string, err error) error {
	if errors.Is(err, bolt.ErrTimeout) {
		return fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if errors.Is(err, ErrDamaged) {
		return err
	}
	return fmt.Errorf("store: open %s: %w", path, err)
}
