package workorders

import (
	"math/rand"
	"slices"
	"testing"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

var typeFilters = []struct {
	name string
	f    Filter
}{
	{"type", Filter{Type: TypeComplaint}},
	{"type in the unit", Filter{Type: TypeInstall, Unit: "chengdu-east"}},
	{"type of a technician, dates", Filter{Type: TypeInstall, Technician: "tech2", From: t0.Add(24 * time.Hour), To: t0.Add(8 * 24 * time.Hour)}},
}

// TestTypeListPagesThroughTheTypeIndex: a list filtered by type (no status)
// pages through the type index in list-time order — every matching order
// once, none of the others read — as the status lists do, with orders
// added between the pages.
func TestTypeListPagesThroughTheTypeIndex(t *testing.T) {
	db := newDB(t)
	NewService(db, func() time.Time { return t0 })
	db.Bolt.NoSync = true
	rng := rand.New(rand.NewSource(4))
	fillOrders(t, db, rng, 0, 2000)
	next := 2000
	for _, c := range typeFilters {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			for _, id := range allMatching(t, db, c.f) {
				if id < "WO-002000" {
					want = append(want, id)
				}
			}
			if len(want) < 100 {
				t.Fatalf("only %d orders match; the test needs more", len(want))
			}
			var got []string
			seen := map[string]bool{}
			after := ""
			for {
				var items []WorkOrder
				if err := db.View(func(tx *bolt.Tx) error {
					var err error
					items, after, err = List(tx, c.f, 29, after)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				for _, wo := range items {
					if seen[wo.ID] {
						t.Fatalf("%s listed twice", wo.ID)
					}
					seen[wo.ID] = true
					if wo.ID < "WO-002000" {
						got = append(got, wo.ID)
					}
				}
				if after == "" {
					break
				}
				fillOrders(t, db, rng, next, 3)
				next += 3
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged %d orders, want %d in list-time order (first difference at %d)", len(got), len(want), firstDiff(got, want))
			}
		})
	}
	// One entry per order and scope (every order, its unit, its technician).
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		if n, want := tx.Bucket(store.BucketWorkOrdersByType).Stats().KeyN, 3*next; n != want {
			t.Fatalf("type index holds %d entries for %d orders, want %d", n, next, want)
		}
		return nil
	})
}

// TestTypeIndexBuiltForAnOldDataDir: a data dir written before the type
// index (orders, no type entries, no meta mark) lists by type by scanning;
// the service's start builds the index, and the lists then page through it
// with the same orders.
func TestTypeIndexBuiltForAnOldDataDir(t *testing.T) {
	db := newDB(t) // no service started: the old release's file
	dir := db.Dir
	db.Bolt.NoSync = true
	fillOrders(t, db, rand.New(rand.NewSource(5)), 0, 500)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		if typeIndexOn(tx) || tx.Bucket(store.BucketWorkOrdersByType).Stats().KeyN != 0 {
			t.Fatal("type index written before the service ever started")
		}
		return nil
	})
	before := map[string][]string{}
	for _, c := range typeFilters {
		before[c.name] = pageAll(t, db, c.f)
	}
	db.Close()

	db = reopen(t, dir)
	NewService(db, func() time.Time { return t0 })
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		if !typeIndexOn(tx) || tx.Bucket(store.BucketWorkOrdersByType).Stats().KeyN != 3*500 {
			t.Fatal("type index not built on start")
		}
		return nil
	})
	for _, c := range typeFilters {
		got := pageAll(t, db, c.f)
		if !slices.Equal(got, allMatching(t, db, c.f)) {
			t.Fatalf("%s: not in list-time order through the index", c.name)
		}
		slices.Sort(got)
		slices.Sort(before[c.name])
		if len(got) == 0 || !slices.Equal(got, before[c.name]) {
			t.Fatalf("%s: %d orders through the index, %d by the scan", c.name, len(got), len(before[c.name]))
		}
	}
}
