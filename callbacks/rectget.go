package callbacks

import (
	"errors"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// RectificationByID reads one rectification (the summary PDF prints its due
// date); the caller has already decided the reader may see its subject.
func RectificationByID(tx *bolt.Tx, id string) (*Rectification, error) {
	var r Rectification
	err := store.GetJSON(tx, store.BucketRectifications, []byte(id), &r)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFoundf("rectification", id)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}
