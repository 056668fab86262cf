package workorders

import (
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The type index (issue 15: a list filtered by type alone walked every
// order and skipped the others). Each order has, for each scope of
// indexScopes, one entry in
//
//	BucketWorkOrdersByType: scope 0x00 type 0x00 when(8) 0x00 id → nil
//
// so a list with a type and no status pages through it in list-time order,
// with a date range as a run of it, like the status index. Meta
// "workorders_type_index" says it is complete: a data dir from before it
// gets it built from the orders when the service starts; until then save
// leaves it alone and a type-only list scans as before.
var metaTypeIndex = []byte("workorders_type_index")

func typeIndexOn(tx *bolt.Tx) bool { return typeIndex.On(tx) }

func typeKeys(wo *WorkOrder) [][]byte {
	when := store.TimeKey(listTime(wo))
	var out [][]byte
	for _, sc := range indexScopes(wo) {
		out = append(out, store.Key(sc, wo.Type, when, wo.ID))
	}
	return out
}

// moveTypeIndex takes old's entries out and puts wo's in (only those that
// changed: completing an order moves none).
func moveTypeIndex(tx *bolt.Tx, old, wo *WorkOrder) error {
	if !typeIndexOn(tx) {
		return nil
	}
	b := tx.Bucket(store.BucketWorkOrdersByType)
	var oldK [][]byte
	if old != nil {
		oldK = typeKeys(old)
	}
	newK := typeKeys(wo)
	for _, k := range oldK {
		if !containsKey(newK, k) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range newK {
		if !containsKey(oldK, k) {
			if err := b.Put(k, []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeIndex is the index as a store.Derived: built from the orders when it
// is not complete (a data dir from before it).
var typeIndex = store.Derived{
	Meta: metaTypeIndex, Source: store.BucketWorkOrders, Into: [][]byte{store.BucketWorkOrdersByType},
	Log: "workorders: built the type index", Counted: "orders",
	Entries: func(k, v []byte, add func(int, []byte, []byte)) error {
		wo, err := decode(k, v)
		if err != nil {
			return err
		}
		for _, key := range typeKeys(wo) {
			add(0, key, nil)
		}
		return nil
	},
}
