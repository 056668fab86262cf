package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the version of the on-disk layout this binary writes. It
// is kept in BucketMeta under "schema" (8 bytes, big-endian). Data dirs made
// before versions were recorded have no key and count as version 1.
//
//	1  the layout up to the first recorded version (no "schema" key)
//	2  the version is recorded; pre-upgrade snapshots go to backups/
//	3  photo_waiting is gone: the sheets waiting for a photo are derived
//	   from photo_refs and the heads (sync/submissions.DropPhotoWaiting)
const SchemaVersion = 3

var keySchema = []byte("schema")

// BackupDir is where the store keeps the snapshot it takes before a
// migration (inside the data dir; never swept).
const BackupDir = "backups"

// ErrSchemaTooNew means the data dir was written by a newer fieldcheck.
var ErrSchemaTooNew = errors.New("store: the data dir was written by a newer fieldcheck")

// Migration moves the store from version To-1 to To inside one write
// transaction. Migrations are wired in by cli (the domains own what they
// change); the store only orders, backs up and records them.
type Migration struct {
	To   int
	Name string
	Fn   func(tx *bolt.Tx, now time.Time) error
}

// Schema reports the data dir's recorded layout version (1 when none is
// recorded yet; 0 for a brand-new, empty store).
func (db *DB) Schema() (int, error) {
	var v int
	err := db.View(func(tx *bolt.Tx) error {
		v = schemaOf(tx)
		return nil
	})
	return v, err
}

func schemaOf(tx *bolt.Tx) int {
	meta := tx.Bucket(BucketMeta)
	if meta == nil {
		return 0 // a new file: no buckets yet
	}
	if raw := meta.Get(keySchema); len(raw) == 8 {
		return int(binary.BigEndian.Uint64(raw))
	}
	// No version recorded: an empty store is new; anything else was written
	// by a release that did not record versions.
	users := tx.Bucket(BucketUsers)
	if k := firstKey(users); k == nil && meta.Get([]byte("bootstrapped")) == nil {
		return 0
	}
	return 1
}

func setSchema(tx *bolt.Tx, v int) error {
	raw := make([]byte, 8)
	binary.BigEndian.PutUint64(raw, uint64(v))
	return tx.Bucket(BucketMeta).Put(keySchema, raw)
}

// CheckSchema refuses a data dir newer than this binary knows, with a
// message an operator can act on.
func (db *DB) CheckSchema() error {
	v, err := db.Schema()
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("%w: data dir %s has schema version %d, this binary knows up to %d — run the newer fieldcheck, or restore the pre-upgrade snapshot from %s (see docs/DEPLOY.md, rollback)",
			ErrSchemaTooNew, db.Dir, v, SchemaVersion, filepath.Join(db.Dir, BackupDir))
	}
	return nil
}

// MigrationReport says what Migrate did.
type MigrationReport struct {
	From, To int
	// Backup is the snapshot taken before the first migration ("" when none
	// was needed).
	Backup  string
	Applied []string
}

// Migrate brings the store to SchemaVersion. A new store is simply stamped.
// An older one is first snapshotted (hot, tx.WriteTo) to
// backups/fieldcheck-schema<N>-<time>.db, mode 0600 — that file is the
// rollback — and then each migration runs in its own transaction, recording
// the version it reached, so a crash part-way resumes where it stopped.
func (db *DB) Migrate(migs []Migration, now time.Time) (MigrationReport, error) {
	if err := db.CheckSchema(); err != nil {
		return MigrationReport{}, err
	}
	from, err := db.Schema()
	if err != nil {
		return MigrationReport{}, err
	}
	rep := MigrationReport{From: from, To: SchemaVersion}
	if from == SchemaVersion {
		return rep, nil
	}
	if from == 0 {
		// Nothing to carry over: a new data dir starts at the current layout.
		return rep, db.Update(func(tx *bolt.Tx) error { return setSchema(tx, SchemaVersion) })
	}
	path, err := db.snapshotTo(filepath.Join(db.Dir, BackupDir), fmt.Sprintf("fieldcheck-schema%d-%s.db", from, now.In(Shanghai).Format("20060102-150405")))
	if err != nil {
		return rep, fmt.Errorf("store: snapshot before migrating from schema %d: %w", from, err)
	}
	rep.Backup = path
	for v := from + 1; v <= SchemaVersion; v++ {
		var fns []Migration
		for _, m := range migs {
			if m.To == v {
				fns = append(fns, m)
			}
		}
		if err := db.Update(func(tx *bolt.Tx) error {
			for _, m := range fns {
				if err := m.Fn(tx, now); err != nil {
					return fmt.Errorf("migration to schema %d (%s): %w", v, m.Name, err)
				}
			}
			return setSchema(tx, v)
		}); err != nil {
			return rep, err
		}
		for _, m := range fns {
			rep.Applied = append(rep.Applied, m.Name)
		}
	}
	return rep, nil
}

// snapshotTo writes a consistent copy of the store file into dir/name
// (0600), synced before it is given its final name.
func (db *DB) snapshotTo(dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	final := filepath.Join(dir, name)
	tmp := final + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp)
	if _, err := db.WriteSnapshot(f); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return final, os.Rename(tmp, final)
}

func firstKey(b *bolt.Bucket) []byte {
	if b == nil {
		return nil
	}
	k, _ := b.Cursor().First()
	return k
}

var keyNodeID = []byte("node_id")

// NodeID is this data dir's stable random name (made on first use): the
// staging area it owns in a shared photo bucket, and its backups' names.
func (db *DB) NodeID() (string, error) {
	var id string
	err := db.Update(func(tx *bolt.Tx) error {
		if raw := tx.Bucket(BucketMeta).Get(keyNodeID); raw != nil {
			id = string(raw)
			return nil
		}
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		id = hex.EncodeToString(b[:])
		return tx.Bucket(BucketMeta).Put(keyNodeID, []byte(id))
	})
	return id, err
}
