package callbacks

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// fakeClock is a settable clock shared by the service and the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// shanghai builds a wall-clock time in Asia/Shanghai.
func shanghai(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, store.Shanghai)
}

type fixture struct {
	db    *store.DB
	svc   *Service
	clock *fakeClock
	n     int
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &fakeClock{now: shanghai(2026, 11, 20, 10, 0)}
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

func wantKind(t *testing.T, err error, kind errs.Kind) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("want error kind %d, got %v", kind, err)
	}
	return e
}
