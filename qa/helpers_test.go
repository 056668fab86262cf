package qa

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

func at(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, store.Shanghai) }
func day(d int) time.Time   { return time.Date(2026, 11, d, 0, 0, 0, 0, store.Shanghai) }

type fixture struct {
	db    *store.DB
	cb    *callbacks.Service
	svc   *Service
	clock *fixtures.Clock
	n     int
}

var (
	qa1   = auth.Principal{Username: "qa1", Role: auth.RoleQA}
	qa2   = auth.Principal{Username: "qa2", Role: auth.RoleQA}
	qa3   = auth.Principal{Username: "qa3", Role: auth.RoleQA}
	admin = auth.Principal{Username: "admin", Role: auth.RoleAdmin}
)

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	db := fixtures.OpenDB(t)
	c := fixtures.NewClock(at(20, 10))
	cb := callbacks.New(db, callbacks.Config{Clock: c.Now})
	cfg.Clock = c.Now
	if cfg.AudioDir == "" {
		cfg.AudioDir = t.TempDir()
	}
	if err := checklists.EnsureBuiltins(db, c.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, u := range []auth.NewUser{{Username: "qa1", Role: auth.RoleQA}, {Username: "qa2", Role: auth.RoleQA},
			{Username: "qa3", Role: auth.RoleQA}, {Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"},
			{Username: "agent1", Name: "刘回访", Role: auth.RoleAgent}} {
			u.Password = "password-123"
			if _, err := auth.CreateUser(tx, u, nil, c.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, cb: cb, svc: New(db, cb, cfg), clock: c}
}

// call makes one callback call: a VIP job finished at finished, called by
// agent with outcome ("satisfied", "unsatisfied", "very_satisfied" or
// "unreachable"); typ is the order type.
func (f *fixture) call(t testing.TB, agent, typ, outcome string, finished time.Time) string {
	t.Helper()
	f.n++
	wo := &workorders.WorkOrder{ID: fmt.Sprintf("WO-%04d", f.n), Type: typ, Product: "broadband",
		Customer:   workorders.Customer{Name: "张三", Phone: "13800000001", Tier: workorders.TierVIP},
		Technician: "tech1", Unit: "chengdu-east", Status: workorders.StatusCompleted}
	var id string
	if err := f.db.Update(func(tx *bolt.Tx) error {
		if err := callbacks.Kickoff(tx, wo, finished, finished); err != nil {
			return err
		}
		task, err := callbacks.TaskForOrder(tx, wo.ID)
		if task != nil {
			id = task.ID
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	who := store.Actor{Username: agent}
	if _, err := f.cb.ClaimTask(who, callbacks.Everywhere, id); err != nil {
		t.Fatal(err)
	}
	var err error
	switch outcome {
	case OutcomeUnreachable:
		_, err = f.cb.Attempt(who, callbacks.Everywhere, id, callbacks.OutcomeWrongNumber, f.clock.Now(), "空号")
	case callbacks.Unsatisfied:
		_, err = f.cb.Result(who, callbacks.Everywhere, id, callbacks.ResultInput{Satisfaction: outcome, Reasons: []string{"服务态度差"}})
	default:
		_, err = f.cb.Result(who, callbacks.Everywhere, id, callbacks.ResultInput{Satisfaction: outcome})
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sheet is a full 《客户代表监听记录表》: every item passes except those in fail.
func sheet(fail ...string) map[string]json.RawMessage {
	a := map[string]json.RawMessage{}
	for _, id := range []string{"greeting", "confirm", "attitude", "clarity", "listening", "script", "accuracy", "complaint", "closing_words"} {
		a[id] = json.RawMessage(`"pass"`)
	}
	for _, id := range fail {
		a[id] = json.RawMessage(`"fail"`)
	}
	return a
}
