package callbacks

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"

	bolt "go.etcd.io/bbolt"
)

func TestResolveRectification(t *testing.T) {
	f := newFixture(t, Config{})
	var walk *Rectification
	if err := f.db.Update(func(tx *bolt.Tx) error {
		var err error
		walk, err = OpenRectification(tx, "chengdu-east", SourceWalkthrough, "submission/s1", "厅内环境 −2", f.clock.Now().AddDate(0, 0, 15))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tech1 := auth.Principal{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	sup2 := auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	insp := auth.Principal{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"}
	agent := auth.Principal{Username: "agent1", Role: auth.RoleAgent}

	// A technician sees only rectifications for their own jobs.
	if rs, _, _ := f.svc.ListRectifications(RectFilter{Technician: "tech1"}, 0, ""); len(rs) != 0 {
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
	if err != nil || r.Status != RectResolved || r.ResolvedBy != "insp1" || !r.ResolvedAt.Equal(f.clock.Now()) {
		t.Fatalf("%+v %v", r, err)
	}
	_, err = f.svc.Resolve(insp, walk.ID, "again")
	wantKind(t, err, errs.Conflict)

	open, _, _ := f.svc.ListRectifications(RectFilter{Status: RectOpen}, 0, "")
	done, _, _ := f.svc.ListRectifications(RectFilter{Status: RectResolved}, 0, "")
	if len(open) != 0 || len(done) != 1 {
		t.Fatalf("open %d resolved %d", len(open), len(done))
	}
}
