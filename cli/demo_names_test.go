package cli

import (
	"encoding/json"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/internal/fixtures"
	"fieldcheck/names"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Every unit, product and role the demo uses has a display name, so its
// screens show 成都东区 and 宽带+IPTV, not chengdu-east and broadband+iptv;
// a unit an admin renamed keeps its name when the demo loads again.
func TestDemoNamesEveryCodeItUses(t *testing.T) {
	db := fixtures.OpenDB(t)
	now := time.Now()
	if err := checklists.EnsureBuiltins(db, now); err != nil { // as serve does before the demo
		t.Fatal(err)
	}
	if _, err := LoadDemo(db, "admin-password", now); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := names.Set(tx, names.KindUnit, "chengdu-west", names.Input{Zh: "成都西区分公司"}, store.Actor{Username: "admin"}, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDemo(db, "admin-password", now); err != nil {
		t.Fatal(err)
	}
	err := db.View(func(tx *bolt.Tx) error {
		b, err := names.For(tx, auth.Principal{Role: auth.RoleAdmin})
		if err != nil {
			return err
		}
		if b.Units["chengdu-east"].Zh != "成都东区" || b.Units["chengdu-east"].Parent != "chengdu" || b.Units["chengdu"].Zh != "成都分公司" {
			t.Errorf("demo units: %+v", b.Units)
		}
		if b.Units["chengdu-west"].Zh != "成都西区分公司" {
			t.Errorf("the admin's name was overwritten: %+v", b.Units["chengdu-west"])
		}
		for _, u := range demoUsers {
			// The demo's call-centre agent has no unit (she works every unit's callbacks).
			if (u.Unit != "" && b.Units[u.Unit].Zh == "") || b.Roles[u.Role].Zh == "" || b.People[u.Username].Zh == "" {
				t.Errorf("user %s: unit %q, role %q or person without a name", u.Username, u.Unit, u.Role)
			}
		}
		products := map[string]bool{}
		err = tx.Bucket(store.BucketWorkOrders).ForEach(func(k, v []byte) error {
			var wo workorders.WorkOrder
			if err := json.Unmarshal(v, &wo); err != nil {
				return err
			}
			products[wo.Product] = true
			if b.Units[wo.Unit].Zh == "" {
				t.Errorf("order %s: unit %q has no name", wo.ID, wo.Unit)
			}
			return nil
		})
		if len(products) < 3 {
			t.Errorf("only %d products in the demo", len(products))
		}
		for p := range products {
			if b.Products[p].Zh == "" {
				t.Errorf("product %q has no name", p)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
