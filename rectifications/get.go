package rectifications

import (
	"errors"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Get reads one rectification inside the caller's transaction (the summary
// PDF prints its due date); the caller has already decided the reader may
// see its subject.
func Get(tx *bolt.Tx, id string) (*Rectification, error) {
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
