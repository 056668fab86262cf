package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// oldDataDir makes a data dir the way releases before recorded versions
// left it: buckets, a user, no "schema" key.
func oldDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(BucketUsers).Put([]byte("admin"), []byte(`{"username":"admin"}`))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return dir
}

func TestANewDataDirStartsAtTheCurrentSchemaWithoutASnapshot(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := db.Migrate(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Backup != "" || rep.From != 0 {
		t.Fatalf("new store: %+v", rep)
	}
	if v, _ := db.Schema(); v != SchemaVersion {
		t.Fatalf("schema %d, want %d", v, SchemaVersion)
	}
}

func TestAnOlderDataDirIsSnapshottedThenMigratedOnce(t *testing.T) {
	dir := oldDataDir(t)
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.Schema(); v != 1 {
		t.Fatalf("a dir without a recorded version is schema 1, got %d", v)
	}
	ran := 0
	migs := []Migration{{To: 2, Name: "count", Fn: func(tx *bolt.Tx, _ time.Time) error {
		ran++
		return tx.Bucket(BucketMeta).Put([]byte("migrated"), []byte("yes"))
	}}}
	rep, err := db.Migrate(migs, time.Date(2026, 12, 4, 10, 0, 0, 0, Shanghai))
	if err != nil {
		t.Fatal(err)
	}
	if rep.From != 1 || rep.To != SchemaVersion || ran != 1 || len(rep.Applied) != 1 {
		t.Fatalf("report %+v, ran %d", rep, ran)
	}
	if !strings.HasPrefix(rep.Backup, filepath.Join(dir, BackupDir)) {
		t.Fatalf("snapshot at %q", rep.Backup)
	}
	st, err := os.Stat(rep.Backup)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot mode %v, want 0600", st.Mode().Perm())
	}
	// The snapshot is the data dir as it was: it opens, holds the user and
	// no migration.
	snap, err := bolt.Open(rep.Backup, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	snap.View(func(tx *bolt.Tx) error {
		if tx.Bucket(BucketUsers).Get([]byte("admin")) == nil || tx.Bucket(BucketMeta).Get([]byte("migrated")) != nil {
			t.Error("snapshot is not the pre-migration store")
		}
		if schemaOf(tx) != 1 {
			t.Errorf("snapshot schema %d", schemaOf(tx))
		}
		return nil
	})
	snap.Close()
	if v, _ := db.Schema(); v != SchemaVersion {
		t.Fatalf("after migrating: %d", v)
	}
	// Opening again migrates nothing and snapshots nothing.
	rep, err = db.Migrate(migs, time.Now())
	if err != nil || rep.Backup != "" || ran != 1 {
		t.Fatalf("second open: %+v %v ran=%d", rep, err, ran)
	}
}

func TestAFailedMigrationLeavesTheVersionAsItWas(t *testing.T) {
	dir := oldDataDir(t)
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	boom := errors.New("boom")
	_, err = db.Migrate([]Migration{{To: 2, Name: "fails", Fn: func(tx *bolt.Tx, _ time.Time) error {
		tx.Bucket(BucketMeta).Put([]byte("half"), []byte("written"))
		return boom
	}}}, time.Now())
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if v, _ := db.Schema(); v != 1 {
		t.Fatalf("schema %d after a failed migration", v)
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(BucketMeta).Get([]byte("half")) != nil {
			t.Error("a failed migration left a half write")
		}
		return nil
	})
}

func TestADataDirFromANewerReleaseIsRefusedWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return setSchema(tx, SchemaVersion+1) })
	db.Close()
	_, err = Open(dir)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("open of a newer dir: %v", err)
	}
	for _, want := range []string{fmt.Sprintf("schema version %d", SchemaVersion+1), fmt.Sprintf("knows up to %d", SchemaVersion), "backups"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}
