package submissions

import (
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
		if err := tx.DeleteBucket(store.BucketPhotoWaiting); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		return nil
	}}
