package rectifications

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

func TestResolveRectification(t *testing.T) {
	f := newFixture(t)
	var walk *Rectification
	if err := f.db.Update(func(tx *bolt.Tx) error {
		var err error
		walk, err = OpenNow(tx, "chengdu-east", SourceWalkthrough, "submission/s1", "厅内环境 −2", f.clock.Now().AddDate(0, 0, 15))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tech1 := auth.Principal{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	sup2 := auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	insp := auth.Principal{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"}
	agent := auth.Principal{Username: "agent1", Role: auth.RoleAgent}

	// A technician sees only rectifications for their own jobs.
	if rs, _, _ := f.svc.List(tech1, "", 0, ""); len(rs) != 0 {
		t.Fatal("technician sees a store's rectification")
	}
	_, err := f.svc.Resolve(tech1, walk.ID, "已整改")
	wantKind(t, err, errs.Forbidden) // API.md v1.1: never a technician
	_, err = f.svc.Resolve(sup2, walk.ID, "已整改")
	wantKind(t, err, errs.NotFound)
	_, err = f.svc.Resolve(agent, walk.ID, "已整改")
	wantKind(t, err, errs.Forbidden)
	_, err = f.svc.Resolve(insp, walk.ID, "  ")
	wantKind(t, err, errs.Invalid)

	f.clock.Add(time.Hour)
	r, err := f.svc.Resolve(insp, walk.ID, "已清理大厅并复查")
	if err != nil || r.Status != StatusResolved || r.ResolvedBy != "insp1" || !r.ResolvedAt.Equal(f.clock.Now()) {
		t.Fatalf("%+v %v", r, err)
	}
	_, err = f.svc.Resolve(insp, walk.ID, "again")
	wantKind(t, err, errs.Conflict)

	admin := auth.Principal{Username: "admin", Role: auth.RoleAdmin}
	open, _, _ := f.svc.List(admin, StatusOpen, 0, "")
	done, _, _ := f.svc.List(admin, StatusResolved, 0, "")
	if len(open) != 0 || len(done) != 1 {
		t.Fatalf("open %d resolved %d", len(open), len(done))
	}
}

// The scope is applied inside List: an agent sees none, another unit's
// supervisor none, the unit's own supervisor and inspector theirs.
func TestListAppliesTheCallersScope(t *testing.T) {
	f := newFixture(t)
	if err := f.db.Update(func(tx *bolt.Tx) error {
		for _, u := range []string{"chengdu-east", "chengdu-west"} {
			if _, err := OpenNow(tx, u, SourceWalkthrough, "submission/"+u, "厅内环境 −2", f.clock.Now().AddDate(0, 0, 15)); err != nil {
				return err
			}
		}
		_, err := Open(tx, Rectification{Unit: "chengdu-east", Technician: "tech1", Source: SourceCallback, SubjectRef: "callback/c1", Reason: "上门不准时"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    auth.Principal
		want int
	}{
		{auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}, 2},
		{auth.Principal{Username: "insp2", Role: auth.RoleInspector, Unit: "chengdu-west"}, 1},
		{auth.Principal{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}, 1},
		{auth.Principal{Username: "tech2", Role: auth.RoleTechnician, Unit: "chengdu-east"}, 0},
		{auth.Principal{Username: "admin", Role: auth.RoleAdmin}, 3},
	} {
		rs, _, err := f.svc.List(c.p, "", 0, "")
		if err != nil || len(rs) != c.want {
			t.Errorf("%s sees %d (%v), want %d", c.p.Username, len(rs), err, c.want)
		}
	}
	_, _, err := f.svc.List(auth.Principal{Username: "agent1", Role: auth.RoleAgent}, "", 0, "")
	wantKind(t, err, errs.Forbidden)
}

type fixture struct {
	db    *store.DB
	svc   *Service
	clock *fixtures.Clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := fixtures.OpenDB(t)
	clock := fixtures.NewClock(fixtures.Shanghai(2026, 11, 20, 10, 0))
	return &fixture{db: db, svc: NewService(db, clock.Now), clock: clock}
}

var wantKind = fixtures.WantKind // the shared fixtures (internal/fixtures)
