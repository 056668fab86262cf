package workorders

import (
	"bytes"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// GetStored is Get that also hands back the order as stored (a copy, valid
// after tx), from the same read of its key: a caller that decides on an
// order in a read transaction keeps them, to ask Reread in its write
// transaction whether the order changed since.
func GetStored(tx *bolt.Tx, id string) (*WorkOrder, []byte, error) {
	v := tx.Bucket(store.BucketWorkOrders).Get([]byte(id))
	if v == nil {
		return nil, nil, notFound(id)
	}
	wo, err := decode([]byte(id), v)
	if err != nil {
		return nil, nil, err
	}
	return wo, bytes.Clone(v), nil
}

// Reread reads order id once more, in a later transaction than the
// GetStored that gave stored. When not a byte changed it answers unchanged
// without decoding anything (the caller's copy stands); otherwise wo is the
// order as it is now — errs NotFound when it is gone.
func Reread(tx *bolt.Tx, id string, stored []byte) (wo *WorkOrder, unchanged bool, err error) {
	v := tx.Bucket(store.BucketWorkOrders).Get([]byte(id))
	switch {
	case v == nil:
		return nil, false, notFound(id)
	case stored != nil && bytes.Equal(v, stored):
		return nil, true, nil
	}
	wo, err = decode([]byte(id), v)
	return wo, false, err
}
