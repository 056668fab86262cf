package submissions

import (
	"bytes"
	"errors"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// DropPhotoWaiting is the migration to schema 3 (wired in cli/migrate.go):
// BucketPhotoWaiting held a key per photo a sheet still waited for, one more
// page written per missing photo with the sheet and again with the photo.
// What it said is derived now (waitingOn: BucketPhotoRefs and the head's
// MissingPhotos, both written as before), so the bucket goes; nothing reads
// it any more, and the heads already say which photos are missing.
var DropPhotoWaiting = store.Migration{To: 3, Name: "derive the sheets waiting for a photo (drop photo_waiting)",
	Fn: func(tx *bolt.Tx, _ time.Time) error {
		waiting := tx.Bucket(store.BucketPhotoWaiting)
		if waiting == nil {
			return nil
		}
		// Every waiting key had its photo_refs twin (same key); one of a
		// sheet that exists and has not is copied over, so no waiting sheet
		// is lost to the derivation.
		refs, heads := tx.Bucket(store.BucketPhotoRefs), tx.Bucket(store.BucketSubmissionHeads)
		if err := waiting.ForEach(func(k, _ []byte) error {
			if refs.Get(k) != nil || heads.Get([]byte(store.SplitLast(k))) == nil {
				return nil
			}
			return refs.Put(bytes.Clone(k), []byte{})
		}); err != nil {
			return err
		}
		if err := tx.DeleteBucket(store.BucketPhotoWaiting); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		return nil
	}}
