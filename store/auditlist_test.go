package store_test

import (
	"strings"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The audit log applies the reader's scope itself (issue 13: handlers filter
// no rows): the admin reads every unit's entries, a supervisor only their
// unit's — the console's action, object and device filters narrowing within
// it — and a supervisor left without a unit reads none (auth.Scope's rule:
// nothing rather than the entries of the unit-less, such as the admin's).
func TestAuditListAppliesTheReadersScope(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, store.Shanghai)
	entries := []struct {
		who            store.Actor
		action, object string
	}{
		{store.Actor{Username: "admin"}, "user.create", "user/sup1"},
		{store.Actor{Username: "sup1", Unit: "east", Device: "pc-1"}, "user.patch", "user/tech1"},
		{store.Actor{Username: "tech1", Unit: "east", Device: "phone-1"}, "submission.accepted", "submission/a1"},
		{store.Actor{Username: "sup2", Unit: "west", Device: "pc-2"}, "user.patch", "user/tech3"},
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for i, e := range entries {
			if err := store.Audit(tx, t0.Add(time.Duration(i)*time.Minute), e.who, e.action, e.object, ""); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	list := func(p auth.Principal, q store.AuditQuery) string {
		t.Helper()
		q.From, q.To, q.Limit = t0, t0.Add(time.Hour), 50
		items, next, err := db.AuditList(p.Scope(), q)
		if err != nil || next != "" {
			t.Fatalf("%s %+v: next %q, %v", p.Username, q, next, err)
		}
		var objs []string
		for _, e := range items {
			objs = append(objs, e.Object)
		}
		return strings.Join(objs, " ")
	}
	admin := auth.Principal{Username: "admin", Role: auth.RoleAdmin}
	sup1 := auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "east"}
	sup2 := auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "west"}
	lost := auth.Principal{Username: "sup9", Role: auth.RoleSupervisor}
	for _, c := range []struct {
		name string
		p    auth.Principal
		q    store.AuditQuery
		want string
	}{
		{"the admin reads every unit's", admin, store.AuditQuery{}, "user/sup1 user/tech1 submission/a1 user/tech3"},
		{"a supervisor their unit's", sup1, store.AuditQuery{}, "user/tech1 submission/a1"},
		{"the other unit's supervisor theirs", sup2, store.AuditQuery{}, "user/tech3"},
		{"an action prefix within the unit", sup1, store.AuditQuery{Action: "user."}, "user/tech1"},
		{"an object prefix within the unit", sup1, store.AuditQuery{Object: "submission/"}, "submission/a1"},
		{"a device within the unit", sup1, store.AuditQuery{Device: "phone-1"}, "submission/a1"},
		{"another unit's actor is not the supervisor's", sup1, store.AuditQuery{Actor: "sup2"}, ""},
		{"the admin by actor", admin, store.AuditQuery{Actor: "sup2"}, "user/tech3"},
		{"a supervisor without a unit reads none", lost, store.AuditQuery{}, ""},
	} {
		if got := list(c.p, c.q); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if _, _, err := db.AuditList(lost.Scope(), store.AuditQuery{After: "zz", Limit: 5}); err != store.ErrBadAuditCursor {
		t.Errorf("a bad cursor from a supervisor without a unit: %v", err)
	}
}
