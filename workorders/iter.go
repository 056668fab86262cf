package workorders

import (
	"encoding/json"
	"fmt"
	"iter"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The iterators below are how another package walks this one's records in
// bulk (the sync pull's first-sync snapshot pages through them); none
// decodes BucketWorkOrders, its indexes or BucketOutlets itself. Each yields
// inside the caller's read transaction, in id order, the records whose id
// sorts after `after` ("" from the first), so a caller's paging cursor is
// the last id it took; breaking out of the loop ends the walk. An error
// ends it too, yielded with a nil record.

// InScope yields every order in sc, whatever its status (cancelled and long
// finished too: which of them a caller wants is its own rule): a
// technician's own orders (BucketWorkOrdersByTech), a unit's
// (BucketWorkOrdersByUnit), every order for a scope of all units, none for
// a scope of no unit.
func InScope(tx *bolt.Tx, sc auth.Scope, after string) iter.Seq2[*WorkOrder, error] {
	return func(yield func(*WorkOrder, error) bool) {
		var bucket, prefix []byte
		switch {
		case sc.Own():
			bucket, prefix = store.BucketWorkOrdersByTech, store.Prefix(sc.User())
		case sc.NoUnit():
			return
		case sc.AllUnits():
			bucket = store.BucketWorkOrders
		default:
			bucket, prefix = store.BucketWorkOrdersByUnit, store.Prefix(sc.Unit())
		}
		err := store.ScanPrefix(tx, bucket, prefix, afterKey(prefix, after), func(k, v []byte) error {
			var wo *WorkOrder
			var err error
			if prefix == nil {
				wo, err = decode(k, v)
			} else {
				wo, err = Get(tx, string(k[len(prefix):]))
				if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
					return nil // an index entry without its order: nothing to yield
				}
			}
			if err != nil {
				return err
			}
			if !yield(wo, nil) {
				return store.Stop
			}
			return nil
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// OutletsAfter yields every service outlet (营业网点) of every unit.
func OutletsAfter(tx *bolt.Tx, after string) iter.Seq2[*Outlet, error] {
	return func(yield func(*Outlet, error) bool) {
		err := store.ScanPrefix(tx, store.BucketOutlets, nil, afterKey(nil, after), func(k, v []byte) error {
			var o Outlet
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("workorders: decode store %q: %w", k, err)
			}
			if !yield(&o, nil) {
				return store.Stop
			}
			return nil
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// afterKey is the first key past id `after` under prefix: "A1\x00" sorts
// after "A1" and before "A10"; nil from the first.
func afterKey(prefix []byte, after string) []byte {
	if after == "" {
		return nil
	}
	return append(append(append([]byte{}, prefix...), after...), store.Sep)
}
