package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the bbolt file inside the data directory.
const FileName = "fieldcheck.db"

// ErrLocked means another process holds the store file open.
var ErrLocked = errors.New("store: the data directory is in use by another fieldcheck process (bbolt lock held)")

// ErrNotFound is returned by Get helpers for a missing key.
var ErrNotFound = errors.New("store: not found")

// ErrDiskFull wraps a write that failed for lack of space; the transaction was
// rolled back, so nothing stored is harmed.
var ErrDiskFull = errors.New("store: disk full")

// DB is the open store.
type DB struct {
	Bolt *bolt.DB
	Dir  string
	// PagesChecked says the open checked every page of the file (check.go):
	// the last run did not stop cleanly (or the file is from a release
	// before Close synced the freelist), so bbolt walks the file too.
	PagesChecked bool
	// PageCheckTook is how long that check took.
	PageCheckTook time.Duration

	warm warmState // Warm's progress (warm.go)
}

// Options are the bbolt options of the store (the load tool's raw baseline
// uses them too): wait at most a second for the file lock; keep the freelist
// in memory as a map instead of writing it on every commit (bbolt rebuilds it
// by scanning at open, also after a crash) — at 64 phones pushing at once
// the freelist pages were a fixed cost of every commit under the write lock.
func Options() *bolt.Options {
	return &bolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType}
}

// Open opens (creating if needed) the store in dir, waiting at most a second
// for the file lock, and makes sure every bucket exists. A file with damaged
// pages answers ErrDamaged (check.go) rather than a panic.
//
// After a crash (or a kill) every page is checked first: bbolt then walks
// the whole file to rebuild its freelist, and panics where no recover can
// stop it on a damaged page. After a clean stop (Close synced the freelist)
// bbolt walks nothing, and Open checks only the pages it reads first: a
// restart of a 19 GB store took 83 s checking pages it then did not need.
// A file damaged at rest after a clean stop is found by the nightly
// backup, which checks every page of its copy (backup.go).
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	clean := true
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		if err := guard(path, func() error {
			var err error
			clean, err = closedCleanly(path)
			return err
		}); err != nil {
			return nil, openErr(path, err)
		}
	}
	var checked time.Duration
	if !clean {
		start := time.Now()
		if err := CheckFile(path); err != nil {
			return nil, err
		}
		checked = time.Since(start)
	}
	var b *bolt.DB
	if err := guard(path, func() error {
		var err error
		b, err = bolt.Open(path, 0o600, Options())
		return err
	}); err != nil {
		return nil, openErr(path, err)
	}
	db := &DB{Bolt: b, Dir: dir, PagesChecked: !clean, PageCheckTook: checked}
	// Every command refuses a data dir from a newer release before it
	// writes anything in it.
	if err := guard(path, db.CheckSchema); err != nil {
		b.Close()
		return nil, err
	}
	if err := guard(path, func() error {
		return b.Update(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			return buildAuditIndex(tx) // a file from before the audit index
		})
	}); err != nil {
		b.Close()
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("store: create buckets: %w", err)
	}
	if !clean {
		// bbolt's walk kept a map of every reachable page (hundreds of MB
		// at a province's month); hand that memory back now, not over the
		// next minutes.
		debug.FreeOSMemory()
	}
	return db, nil
}

// Close closes the file after a last commit that writes bbolt's freelist
// (which no other commit writes: Options), so the next Open reads it
// instead of walking the file. The first write after that open marks the
// freelist unsynced again, so a crash after it is still seen as one. If the
// last commit fails (a full disk), the file closes as after a crash: the
// next Open checks every page.
func (db *DB) Close() error {
	if !db.Bolt.IsReadOnly() {
		_ = db.Bolt.Update(func(*bolt.Tx) error {
			// Set under the write lock: no other commit reads it meanwhile.
			db.Bolt.NoFreelistSync = false
			return nil
		})
	}
	return db.Bolt.Close()
}

// View runs fn in a read transaction. Keep it short: a long read blocks the
// remap a growing file needs.
func (db *DB) View(fn func(tx *bolt.Tx) error) error { return db.Bolt.View(fn) }

// Update runs fn in its own write transaction (two fsyncs).
func (db *DB) Update(fn func(tx *bolt.Tx) error) error { return wrapWriteErr(db.Bolt.Update(fn)) }

// Batch runs fn in a write transaction shared with concurrent callers, so
// many devices share one commit. fn may run more than once: it must be
// idempotent and must not keep state outside the transaction between runs.
func (db *DB) Batch(fn func(tx *bolt.Tx) error) error { return wrapWriteErr(db.Bolt.Batch(fn)) }

func wrapWriteErr(err error) error {
	if err != nil && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	return err
}

// Ready reports whether the store answers a read.
func (db *DB) Ready() error {
	return db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(BucketMeta) == nil {
			return errors.New("store: meta bucket missing")
		}
		return nil
	})
}

// GetJSON decodes the value at key into v. It returns ErrNotFound when absent.
func GetJSON(tx *bolt.Tx, bucket, key []byte, v any) error {
	data := tx.Bucket(bucket).Get(key)
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("store: decode %s/%q: %w", bucket, key, err)
	}
	return nil
}

// PutJSON encodes v and stores it at key.
func PutJSON(tx *bolt.Tx, bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s: %w", bucket, err)
	}
	return tx.Bucket(bucket).Put(key, data)
}

// Has reports whether key exists in bucket.
func Has(tx *bolt.Tx, bucket, key []byte) bool {
	return tx.Bucket(bucket).Get(key) != nil
}

// Mark stores an empty value at key (index entries).
func Mark(tx *bolt.Tx, bucket, key []byte) error {
	return tx.Bucket(bucket).Put(key, []byte{})
}

// Delete removes key from bucket.
func Delete(tx *bolt.Tx, bucket, key []byte) error {
	return tx.Bucket(bucket).Delete(key)
}

// ScanPrefix calls fn for every key with the given prefix, in order, starting
// at the first key ≥ start (start may be nil to begin at prefix). Returning
// errStop-like sentinel Stop ends the walk without error. Keys and values are
// only valid inside fn.
func ScanPrefix(tx *bolt.Tx, bucket, prefix, start []byte, fn func(k, v []byte) error) error {
	c := tx.Bucket(bucket).Cursor()
	seek := prefix
	if len(start) > 0 {
		seek = start
	}
	for k, v := c.Seek(seek); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			if errors.Is(err, Stop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// Stop ends a ScanPrefix walk early.
var Stop = errors.New("stop")

func hasPrefix(k, p []byte) bool {
	return len(k) >= len(p) && string(k[:len(p)]) == string(p)
}

// NextSeq returns the bucket's next sequence number.
func NextSeq(tx *bolt.Tx, bucket []byte) (uint64, error) {
	return tx.Bucket(bucket).NextSequence()
}

// WriteSnapshot writes a consistent copy of the whole file to w from one read
// transaction (bbolt's hot backup). It returns the bytes written.
func (db *DB) WriteSnapshot(w io.Writer) (int64, error) {
	var n int64
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// SnapshotSize is the size a snapshot taken now will have.
func (db *DB) SnapshotSize() (int64, error) {
	var n int64
	err := db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}

// EmptyBucket makes bucket name empty in tx — deleted if there, created
// anew — for an index about to be rebuilt from its records.
func EmptyBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
		return nil, err
	}
	return tx.CreateBucket(name)
}
