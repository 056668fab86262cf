package submissions

import (
	"encoding/binary"
	"testing"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// A data dir written before schema 3 has a photo_waiting key per photo a
// sheet waits for. The migration deletes the bucket; the sheet still
// completes when its author's last photo arrives, since the waiting sheets
// are derived from photo_refs and the heads.
func TestADataDirWithPhotoWaitingIsMigratedAndItsSheetsStillComplete(t *testing.T) {
	db := newDB(t)
	dir := db.Dir
	r := push(t, db, tech1, newAcceptance(t, db, nil))[0]
	expect(t, r, StatusAccepted, 1, "")
	if len(r.MissingPhotos) < 2 {
		t.Fatalf("missing %v: the test needs a sheet waiting for several photos", r.MissingPhotos)
	}
	// The old layout: schema 2, a waiting key per missing photo, and one
	// stale key (a sheet that no longer exists) that nothing may trip on.
	update(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(store.BucketPhotoWaiting)
		if err != nil {
			return err
		}
		for _, sha := range r.MissingPhotos {
			if err := b.Put(store.Key(sha, "a1"), []byte{}); err != nil {
				return err
			}
		}
		if err := b.Put(store.Key(fakePhoto("gone", "photo_install", 0), "gone"), []byte{}); err != nil {
			return err
		}
		// A waiting key without its photo_refs twin (the push writes both;
		// the migration must not lose the sheet if some old dir has not).
		if err := tx.Bucket(store.BucketPhotoRefs).Delete(store.Key(r.MissingPhotos[0], "a1")); err != nil {
			return err
		}
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, 2)
		return tx.Bucket(store.BucketMeta).Put([]byte("schema"), v)
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if v, _ := db.Schema(); v != 2 {
		t.Fatalf("schema %d before the migration, want 2", v)
	}
	rep, err := db.Migrate([]store.Migration{DropPhotoWaiting}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.From != 2 || rep.To != store.SchemaVersion || len(rep.Applied) != 1 || rep.Backup == "" {
		t.Fatalf("migration report %+v", rep)
	}
	view(t, db, func(tx *bolt.Tx) error {
		if tx.Bucket(store.BucketPhotoWaiting) != nil {
			t.Error("photo_waiting is still there after the migration")
		}
		return nil
	})
	for _, sha := range r.MissingPhotos {
		if n := waitingFor(t, db, sha); n != 1 {
			t.Fatalf("%d sheets wait for %s after the migration, want a1", n, sha)
		}
	}
	if n := count(t, db, store.BucketPhotoRefs, fakePhoto("gone", "photo_install", 0)); n != 0 {
		t.Fatalf("%d refs made for a sheet that does not exist", n)
	}

	// The photos arrive, one commit each: the last one completes the sheet.
	for i, sha := range r.MissingPhotos {
		storePhoto(t, db, sha)
		v := get(t, db, tech1, "a1", 0)
		if last := i == len(r.MissingPhotos)-1; v.Complete != last || len(v.MissingPhotos) != len(r.MissingPhotos)-i-1 {
			t.Fatalf("after %d of %d photos: complete %v, missing %v", i+1, len(r.MissingPhotos), v.Complete, v.MissingPhotos)
		}
		if n := waitingFor(t, db, sha); n != 0 {
			t.Fatalf("a1 still waits for %s after it arrived", sha)
		}
	}
	// Migrating again is a no-op.
	if rep, err := db.Migrate([]store.Migration{DropPhotoWaiting}, t0); err != nil || len(rep.Applied) != 0 {
		t.Fatalf("second migration: %+v %v", rep, err)
	}
}
