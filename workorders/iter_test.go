package workorders

import (
	"errors"
	"strings"
	"testing"

	"fieldcheck/auth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

func scopedIDs(t *testing.T, db *store.DB, p auth.Principal, after string, max int) string {
	t.Helper()
	var ids []string
	err := db.View(func(tx *bolt.Tx) error {
		for wo, err := range InScope(tx, p.Scope(), after) {
			if err != nil {
				return err
			}
			ids = append(ids, wo.ID)
			if len(ids) == max {
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, " ")
}

// InScope is the one walk of orders another package makes: a technician's
// own, a unit's, everyone's for an admin, nobody's for a supervisor without
// a unit — cancelled ones included — in id order strictly after the cursor
// ("A1" resumes before "A10"), and a break ends it.
func TestInScopeWalksTheCallersOrdersAfterTheCursor(t *testing.T) {
	db := newDB(t)
	for _, id := range []string{"A1", "A10", "A2", "B1"} {
		mustCreate(t, db, newOrder(id))
	}
	mustCreate(t, db, newOrder("W1", func(wo *WorkOrder) { wo.Technician = "tech3" }))
	mustCreate(t, db, newOrder("E1", func(wo *WorkOrder) { wo.Technician = "tech2" }))
	st := StatusCancelled
	if _, err := patch(t, db, "B1", Changes{Status: &st}); err != nil {
		t.Fatal(err)
	}
	tech1 := auth.Principal{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	insp := auth.Principal{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"}
	west := auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	lost := auth.Principal{Username: "sup9", Role: auth.RoleSupervisor}
	adm := auth.Principal{Username: "admin", Role: auth.RoleAdmin}
	for _, c := range []struct {
		name  string
		p     auth.Principal
		after string
		max   int
		want  string
	}{
		{"a technician's own, cancelled too", tech1, "", 0, "A1 A10 A2 B1"},
		{"after A1 comes A10", tech1, "A1", 0, "A10 A2 B1"},
		{"after the last nothing", tech1, "B1", 0, ""},
		{"a break ends the walk", tech1, "", 2, "A1 A10"},
		{"an inspector's unit", insp, "A2", 0, "B1 E1"},
		{"another unit", west, "", 0, "W1"},
		{"a supervisor without a unit sees none", lost, "", 0, ""},
		{"the admin every order", adm, "B1", 0, "E1 W1"},
	} {
		if got := scopedIDs(t, db, c.p, c.after, c.max); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOutletsAfterWalksStoresInIDOrder(t *testing.T) {
	db := newDB(t)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		for _, id := range []string{"s1", "s10", "s2"} {
			if _, err := CreateOutlet(tx, Outlet{ID: id, Name: "营业厅", Unit: "chengdu-east"}, admin, t0); err != nil {
				return err
			}
		}
		return nil
	})
	walk := func(after string) string {
		var ids []string
		err := db.View(func(tx *bolt.Tx) error {
			for o, err := range OutletsAfter(tx, after) {
				if err != nil {
					return err
				}
				ids = append(ids, o.ID+"/"+o.Name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(ids, " ")
	}
	if got := walk(""); got != "s1/营业厅 s10/营业厅 s2/营业厅" {
		t.Fatalf("every store: %q", got)
	}
	if got := walk("s1"); got != "s10/营业厅 s2/营业厅" {
		t.Fatalf("after s1: %q", got)
	}
	// A record that does not decode ends the walk with its error.
	mustUpdate(t, db, func(tx *bolt.Tx) error { return tx.Bucket(store.BucketOutlets).Put([]byte("s3"), []byte("{")) })
	err := db.View(func(tx *bolt.Tx) error {
		for _, err := range OutletsAfter(tx, "s2") {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || errors.Is(err, store.Stop) {
		t.Fatalf("a broken record: %v", err)
	}
}
