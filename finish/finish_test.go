package finish

import (
	"errors"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Job completes the order and starts its one 回访 in the same commit; a
// second completion changes nothing; a removal completes with no callback
// (seed 004 第五十一条); a failed completion leaves no task behind.
func TestJobCompletesTheOrderAndStartsOneCallback(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, store.Shanghai)
	admin := store.Actor{Username: "admin"}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := auth.CreateUser(tx, auth.NewUser{Username: "tech1", Name: "tech1", Password: "password-123",
			Role: auth.RoleTechnician, Unit: "chengdu-east"}, nil, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct{ id, typ string }{{"WO-1", workorders.TypeInstall}, {"WO-2", workorders.TypeRemoval}} {
		wo := workorders.WorkOrder{ID: o.id, Type: o.typ, Product: "broadband",
			Customer:    workorders.Customer{Name: "张三", Phone: "13800000001", Address: "成都市", Tier: workorders.TierStandard},
			Technician:  "tech1",
			Appointment: workorders.Window{From: now.Add(-2 * time.Hour), To: now}}
		if o.typ == workorders.TypeInstall {
			wo.SubscribedMbps = 300
		}
		if err := db.Update(func(tx *bolt.Tx) error { _, err := workorders.Create(tx, wo, admin, now); return err }); err != nil {
			t.Fatal(err)
		}
	}
	tasks := func() int {
		n := 0
		db.View(func(tx *bolt.Tx) error { n = tx.Bucket(store.BucketCallbacks).Stats().KeyN; return nil })
		return n
	}
	job := func(id string) error {
		return db.Update(func(tx *bolt.Tx) error { _, err := Job(tx, id, Manual("", now), admin); return err })
	}
	if err := job("WO-1"); err != nil {
		t.Fatal(err)
	}
	if n := tasks(); n != 1 {
		t.Fatalf("%d tasks after completing an install, want 1", n)
	}
	if err := job("WO-1"); !errors.Is(err, workorders.ErrCompleted) {
		t.Fatalf("second completion: %v", err)
	}
	if err := job("WO-2"); err != nil {
		t.Fatal(err)
	}
	if err := job("NOPE"); err == nil {
		t.Fatal("an unknown order completed")
	}
	if n := tasks(); n != 1 {
		t.Fatalf("%d tasks, want still 1", n)
	}
}
