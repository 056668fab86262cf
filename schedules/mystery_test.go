package schedules

import (
	"testing"

	"fieldcheck/auth"
	"fieldcheck/errs"
)

// Issue 20: the store's own unit must never learn who visits or when before
// a mystery visit is filed. A plan of mystery visits is the admin's alone:
// the unit's supervisor cannot make one, and does not see the admin's in
// the plan list, by id or among the windows; the inspector on it sees their
// own due window as with any plan.
func TestMysteryPlansAreTheAdminsAlone(t *testing.T) {
	e := newEnv(t)
	in := monthlyStore()
	in.TemplateID = "store_mystery_visit"
	in.Inspectors = []string{"insp1"}
	if _, err := e.svc.Create(sup1, in); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("a supervisor plans mystery visits of their own store: %v", err)
	}
	p, err := e.svc.Create(admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(sup1, p.ID); !errs.IsKind(err, errs.NotFound) {
		t.Fatalf("the store's supervisor reads the plan: %v", err)
	}
	if _, err := e.svc.Update(sup1, p.ID, in); !errs.IsKind(err, errs.NotFound) {
		t.Fatalf("the store's supervisor edits the plan: %v", err)
	}
	if list, err := e.svc.List(sup1); err != nil || len(list) != 0 {
		t.Fatalf("the store's supervisor lists %d plans (%v)", len(list), err)
	}
	if got := e.windows(t, sup1, "2026-09-01", "2026-12-31"); len(got) != 0 {
		t.Fatalf("the store's supervisor sees %d windows of the mystery plan", len(got))
	}
	if got := e.windows(t, admin, "2026-11-01", "2026-11-30"); got["2026-11-01"].Status != StatusDue {
		t.Fatalf("the admin's windows: %+v", got)
	}
	if got := e.windows(t, auth.Principal{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"}, "2026-11-01", "2026-11-30"); got["2026-11-01"].Status != StatusDue {
		t.Fatalf("the inspector's windows: %+v", got)
	}
	// A plan made with an ordinary walkthrough cannot be turned into one by its supervisor.
	q, err := e.svc.Create(sup1, monthlyStore())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Update(sup1, q.ID, in); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("the supervisor switches a plan to mystery visits: %v", err)
	}
}
