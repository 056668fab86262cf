package callbacks

import (
	"fmt"
	"testing"

	"fieldcheck/internal/fixtures"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// The shared fixtures (internal/fixtures) under the names these tests use.
var (
	shanghai = fixtures.Shanghai
	wantKind = fixtures.WantKind
)

type fixture struct {
	db    *store.DB
	svc   *Service
	clock *fixtures.Clock
	n     int
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	db := fixtures.OpenDB(t)
	clock := fixtures.NewClock(shanghai(2026, 11, 20, 10, 0))
	cfg.Clock = clock.Now
	return &fixture{db: db, svc: New(db, cfg), clock: clock}
}

// kick finishes a valid standard install now and returns its task; edit
// changes what differs.
func (f *fixture) kick(t testing.TB, edit func(wo *workorders.WorkOrder)) *Task {
	t.Helper()
	f.n++
	wo := &workorders.WorkOrder{ID: fmt.Sprintf("WO-%04d", f.n), Type: workorders.TypeInstall, Product: "broadband",
		Customer:   workorders.Customer{Name: "张三", Phone: "13800000001", Address: "成都市", Tier: workorders.TierStandard},
		Technician: "tech1", Unit: "chengdu-east", Status: workorders.StatusCompleted}
	finished := f.clock.Now()
	if edit != nil {
		edit(wo)
	}
	var task *Task
	if err := f.db.Update(func(tx *bolt.Tx) error {
		if err := Kickoff(tx, wo, finished, f.clock.Now()); err != nil {
			return err
		}
		var err error
		task, err = TaskForOrder(tx, wo.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return task
}

func vip(wo *workorders.WorkOrder) { wo.Customer.Tier = workorders.TierVIP }

var (
	agent1 = store.Actor{Username: "agent1"}
	agent2 = store.Actor{Username: "agent2"}
)

func mustClaim(t *testing.T, f *fixture, a store.Actor) *Task {
	t.Helper()
	task, err := f.svc.Claim(a, Everywhere)
	if err != nil {
		t.Fatal(err)
	}
	if task == nil {
		t.Fatal("claim: queue empty")
	}
	return task
}
