package workorders

import (
	"reflect"
	"testing"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// GetStored gives the order Get gives and its bytes from one read; Reread
// in a later transaction says unchanged while not a byte moved, and hands
// back the order as it is now once it changed or NotFound once it is gone.
func TestGetStoredThenRereadTellsAnUntouchedOrder(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	var was *WorkOrder
	var stored []byte
	if err := db.View(func(tx *bolt.Tx) error {
		var err error
		if was, stored, err = GetStored(tx, "WO-1"); err != nil {
			return err
		}
		got, err := Get(tx, "WO-1")
		if err == nil && !reflect.DeepEqual(got, was) {
			t.Errorf("GetStored %+v, Get %+v", was, got)
		}
		if _, _, err := GetStored(tx, "WO-none"); !isNotFound(err) {
			t.Errorf("GetStored of a missing order: %v", err)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	reread := func() (*WorkOrder, bool, error) {
		var wo *WorkOrder
		var unchanged bool
		var err error
		_ = db.View(func(tx *bolt.Tx) error { wo, unchanged, err = Reread(tx, "WO-1", stored); return nil })
		return wo, unchanged, err
	}
	if wo, unchanged, err := reread(); err != nil || !unchanged || wo != nil {
		t.Fatalf("untouched order: %v %v %v", wo, unchanged, err)
	}

	mustUpdate(t, db, func(tx *bolt.Tx) error {
		_, err := Complete(tx, "WO-1", "s1", t0, admin)
		return err
	})
	wo, unchanged, err := reread()
	if err != nil || unchanged || wo == nil || wo.Status != StatusCompleted || wo.CompletedBy != "s1" {
		t.Fatalf("completed order: %+v %v %v", wo, unchanged, err)
	}

	mustUpdate(t, db, func(tx *bolt.Tx) error { return tx.Bucket(store.BucketWorkOrders).Delete([]byte("WO-1")) })
	if _, unchanged, err := reread(); unchanged || !isNotFound(err) {
		t.Fatalf("a deleted order: unchanged %v, err %v", unchanged, err)
	}
}

func isNotFound(err error) bool {
	e, ok := errs.As(err)
	return ok && e.Kind == errs.NotFound
}
