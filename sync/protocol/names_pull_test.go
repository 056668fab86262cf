package protocol

import (
	"testing"

	"fieldcheck/names"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// A phone learns the display names from its pulls: on the first page, when
// an admin renames a code, and with new orders — not on an idle poll.
func TestPullCarriesNames(t *testing.T) {
	db := newDB(t)
	first := pull(t, db, tech1, "", 0)
	if first.Names == nil || first.Names.Roles["technician"].Zh != "技术员" || first.Names.Products["broadband"].Zh != "宽带" ||
		first.Names.People["tech1"].Zh == "" {
		t.Fatalf("first page names: %+v", first.Names)
	}
	idle := pull(t, db, tech1, first.Cursor, 0)
	if idle.Names != nil {
		t.Errorf("an idle pull carries names: %+v", idle.Names)
	}

	update(t, db, func(tx *bolt.Tx) error {
		if _, err := names.Set(tx, names.KindUnit, "chengdu-west", names.Input{Zh: "成都西区"}, sysActor, t0); err != nil {
			return err
		}
		_, err := names.Set(tx, names.KindUnit, "chengdu-east", names.Input{Zh: "成都东区", En: "Chengdu East"}, sysActor, t0)
		return err
	})
	renamed := pull(t, db, tech1, idle.Cursor, 0)
	if renamed.Names == nil || renamed.Names.Units["chengdu-east"].Zh != "成都东区" {
		t.Fatalf("after a rename: %+v", renamed.Names)
	}
	if n := len(renamed.WorkOrders) + len(renamed.Templates) + len(renamed.Stores) + len(renamed.Submissions) + len(renamed.Removed); n != 0 {
		t.Errorf("a rename brought %d records", n)
	}
	if again := pull(t, db, tech1, renamed.Cursor, 0); again.Names != nil {
		t.Errorf("the rename is sent again: %+v", again.Names)
	}

	newOrder(t, db, "wo8", workorders.TypeInstall, "tech1")
	withOrder := pull(t, db, tech1, renamed.Cursor, 0)
	if len(withOrder.WorkOrders) != 1 || withOrder.Names == nil {
		t.Errorf("a page with a new order: %d orders, names %+v", len(withOrder.WorkOrders), withOrder.Names)
	}
	// A technician's book holds their own unit only.
	if _, ok := withOrder.Names.Units["chengdu-west"]; ok {
		t.Errorf("tech1 got another unit's name: %+v", withOrder.Names.Units)
	}
}
