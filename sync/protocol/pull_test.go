package protocol

import (
	"fmt"
	"sort"
	"testing"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

func pull(t testing.TB, db *store.DB, p auth.Principal, cursor string, limit int) *PullResponse {
	t.Helper()
	res, err := Pull(db, p, cursor, limit, t0)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	return res
}

func orderIDs(res *PullResponse) []string {
	var ids []string
	for _, wo := range res.WorkOrders {
		ids = append(ids, wo.ID)
	}
	sort.Strings(ids)
	return ids
}

func TestFirstPullThenOnlyChanges(t *testing.T) {
	db := newDB(t)
	first := pull(t, db, tech1, "", 0)
	if got := fmt.Sprint(orderIDs(first)); got != "[wo1 wo2]" {
		t.Fatalf("first pull orders %s, want [wo1 wo2]", got)
	}
	if len(first.Templates) != 1 || first.Templates[0].ID != "install_acceptance" {
		t.Fatalf("a technician got templates %v, want only the acceptance sheet", first.Templates)
	}
	if len(first.Stores) != 0 || len(first.Removed) != 0 || first.More || first.Cursor == "" {
		t.Fatalf("first pull %+v", first)
	}
	again := pull(t, db, tech1, first.Cursor, 0)
	if n := len(again.WorkOrders) + len(again.Templates) + len(again.Submissions) + len(again.Removed); n != 0 || again.More {
		t.Fatalf("nothing changed, yet the pull has %d records: %+v", n, again)
	}

	// tech1 finishes wo1; wo2 goes to tech2 (改派); an order for tech3 changes nothing for tech1.
	push(t, db, tech1, newAcceptance(t, db, nil))
	update(t, db, func(tx *bolt.Tx) error {
		to := "tech2"
		_, err := workorders.Patch(tx, "wo2", workorders.Changes{Technician: &to}, sysActor, t0)
		return err
	})
	newOrder(t, db, "wo9", workorders.TypeRepair, "tech3")

	next := pull(t, db, tech1, again.Cursor, 0)
	if got := fmt.Sprint(orderIDs(next)); got != "[wo1]" || next.WorkOrders[0].Status != workorders.StatusCompleted {
		t.Fatalf("orders %s, want wo1 completed", got)
	}
	if fmt.Sprint(next.Removed) != "[wo2]" {
		t.Fatalf("removed %v, want [wo2]", next.Removed)
	}
	if len(next.Submissions) != 1 || next.Submissions[0] != (submissions.Ref{ID: "a1", Subject: next.Submissions[0].Subject, Version: 1}) ||
		next.Submissions[0].Subject.WorkOrderID != "wo1" {
		t.Fatalf("submissions %+v, want a1 v1 for wo1", next.Submissions)
	}
	if len(next.Templates) != 0 {
		t.Fatalf("templates sent again: %v", next.Templates)
	}
	// tech2 learns the order from their own first pull.
	if got := fmt.Sprint(orderIDs(pull(t, db, tech2, "", 0))); got != "[wo2]" {
		t.Fatalf("tech2 orders %s, want [wo2]", got)
	}
}

func TestPullPagesWithMore(t *testing.T) {
	db := newDB(t)
	for i := 0; i < 25; i++ {
		newOrder(t, db, fmt.Sprintf("p%02d", i), workorders.TypeRepair, "tech1")
	}
	// The first pull in pages of 10: 1 template + 27 orders.
	seen := map[string]int{}
	cursor, pages := "", 0
	for {
		res := pull(t, db, tech1, cursor, 10)
		pages++
		for _, wo := range res.WorkOrders {
			seen[wo.ID]++
		}
		if n := len(res.WorkOrders) + len(res.Templates); n > 10 {
			t.Fatalf("page of %d records, limit 10", n)
		}
		cursor = res.Cursor
		if !res.More {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 27 || pages != 3 {
		t.Fatalf("%d orders in %d pages, want 27 in 3", len(seen), pages)
	}
	// Then changes in pages: 25 new orders.
	for i := 0; i < 25; i++ {
		newOrder(t, db, fmt.Sprintf("q%02d", i), workorders.TypeRepair, "tech1")
	}
	got, pages := 0, 0
	for {
		res := pull(t, db, tech1, cursor, 10)
		pages++
		got += len(res.WorkOrders)
		cursor = res.Cursor
		if !res.More {
			break
		}
	}
	if got != 25 || pages != 3 {
		t.Fatalf("%d changed orders in %d pages, want 25 in 3", got, pages)
	}
}

func TestInspectorFirstPull(t *testing.T) {
	db := newDB(t)
	res := pull(t, db, insp1, "", 0)
	var kinds []string
	for _, tpl := range res.Templates {
		kinds = append(kinds, tpl.Kind)
	}
	sort.Strings(kinds)
	// The walkthrough, and the two mystery-visit walkthroughs (issue 20).
	if fmt.Sprint(kinds) != "[spotcheck walkthrough walkthrough walkthrough]" {
		t.Fatalf("inspector templates %v", kinds)
	}
	if len(res.Stores) != 2 {
		t.Fatalf("inspector stores %d, want 2", len(res.Stores))
	}
	if got := fmt.Sprint(orderIDs(res)); got != "[wo1 wo2]" {
		t.Fatalf("inspector (chengdu-east) orders %s, want the unit's [wo1 wo2]", got)
	}
	// A cancelled unit order is removed from the inspector's list too.
	update(t, db, func(tx *bolt.Tx) error {
		st := workorders.StatusCancelled
		_, err := workorders.Patch(tx, "wo2", workorders.Changes{Status: &st}, sysActor, t0)
		return err
	})
	next := pull(t, db, insp1, res.Cursor, 0)
	if fmt.Sprint(next.Removed) != "[wo2]" || len(next.WorkOrders) != 0 {
		t.Fatalf("after cancel: orders %v removed %v", orderIDs(next), next.Removed)
	}
}

func TestPullRefusesGarbageCursor(t *testing.T) {
	db := newDB(t)
	for _, c := range []string{"!!!", "AQ", "AwAAAAAAAAAAAA", "AQAAAAAAAAAAAAA"} {
		_, err := Pull(db, tech1, c, 0, t0)
		if e, ok := errs.As(err); !ok || e.Code != "bad_cursor" {
			t.Fatalf("cursor %q: %v, want bad_cursor", c, err)
		}
	}
	if _, err := Pull(db, agent, "", 0, t0); err == nil {
		t.Fatal("an agent pulled")
	}
}
