package workorders

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
)

// TestServiceScopesEveryActionToTheCaller: a supervisor manages their own
// unit's orders and cannot hand one to another unit's technician (the whole
// change rolls back); a technician reads and lists only their own.
func TestServiceScopesEveryActionToTheCaller(t *testing.T) {
	db := newDB(t)
	svc := NewService(db, func() time.Time { return t0 })
	east := auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	west := auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	tech1 := auth.Principal{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	tech2 := auth.Principal{Username: "tech2", Role: auth.RoleTechnician, Unit: "chengdu-east"}

	if _, err := svc.Create(west, newOrder("WO-1")); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("west creating an east order: %v, want forbidden", err)
	}
	if _, err := svc.Get(east, "WO-1"); !errs.IsKind(err, errs.NotFound) {
		t.Fatalf("the refused creation left an order behind: %v", err)
	}
	if _, err := svc.Create(east, newOrder("WO-1")); err != nil {
		t.Fatal(err)
	}
	other := "tech3"
	if _, err := svc.Patch(east, "WO-1", Changes{Technician: &other}); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("handing an order to another unit: %v, want forbidden", err)
	}
	if wo, err := svc.Get(east, "WO-1"); err != nil || wo.Technician != "tech1" {
		t.Fatalf("after the refused hand-over: %v, %v", wo, err)
	}
	if _, err := svc.Patch(west, "WO-1", Changes{}); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("west patching an east order: %v, want forbidden", err)
	}

	if _, err := svc.Get(tech2, "WO-1"); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("another technician reading the order: %v, want forbidden", err)
	}
	if _, _, err := svc.List(tech2, Filter{Technician: "tech1"}, 10, ""); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("a technician listing another's orders: %v, want forbidden", err)
	}
	if items, _, err := svc.List(tech2, Filter{}, 10, ""); err != nil || len(items) != 0 {
		t.Fatalf("tech2's own list: %v, %v", items, err)
	}
	if items, _, err := svc.List(tech1, Filter{}, 10, ""); err != nil || len(items) != 1 {
		t.Fatalf("tech1's own list: %v, %v", items, err)
	}
	if items, _, err := svc.List(west, Filter{}, 10, ""); err != nil || len(items) != 0 {
		t.Fatalf("west's list shows east's orders: %v, %v", items, err)
	}
}
