package workorders

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

var techs = []string{"tech1", "tech2", "tech3"}

// fillOrders creates n orders (ids from first) with technicians, appointment
// times over ten days (some none: listed at creation) and a third completed.
func fillOrders(t testing.TB, db *store.DB, rng *rand.Rand, first, n int) {
	t.Helper()
	if err := db.Update(func(tx *bolt.Tx) error {
		for i := first; i < first+n; i++ {
			wo := newOrder(fmt.Sprintf("WO-%06d", i), func(wo *WorkOrder) {
				wo.Technician = techs[rng.Intn(len(techs))]
				at := t0.Add(time.Duration(rng.Intn(10*24*60)) * time.Minute)
				wo.Appointment = Window{From: at, To: at.Add(2 * time.Hour)}
				if rng.Intn(8) == 0 {
					wo.Type, wo.Appointment = TypeComplaint, Window{}
				}
			})
			created := t0.Add(time.Duration(rng.Intn(10*24*60)) * time.Minute)
			if _, err := Create(tx, wo, admin, created); err != nil {
				return err
			}
			if rng.Intn(3) == 0 {
				if _, err := Complete(tx, wo.ID, "manual", created, admin); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// allMatching is every order matching f, by a plain walk of the orders, in
// the order an indexed list answers (list time, then id).
func allMatching(t testing.TB, db *store.DB, f Filter) []string {
	t.Helper()
	type row struct {
		at time.Time
		id string
	}
	var rows []row
	if err := db.View(func(tx *bolt.Tx) error {
		return store.ScanPrefix(tx, store.BucketWorkOrders, nil, nil, func(k, v []byte) error {
			wo, err := decode(k, v)
			if err == nil && f.match(wo) {
				rows = append(rows, row{listTime(wo), wo.ID})
			}
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return compareStrings(a.id, b.id)
	})
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var pagingFilters = []struct {
	name string
	f    Filter
}{
	{"status", Filter{Status: StatusAssigned}},
	{"completed in the unit", Filter{Status: StatusCompleted, Unit: "chengdu-east"}},
	{"date range", Filter{From: t0.Add(48 * time.Hour), To: t0.Add(7 * 24 * time.Hour)}},
	{"technician and dates", Filter{Technician: "tech3", From: t0.Add(24 * time.Hour), To: t0.Add(9 * 24 * time.Hour)}},
	{"unit, status, dates", Filter{Unit: "chengdu-east", Status: StatusAssigned, From: t0.Add(72 * time.Hour)}},
	{"until", Filter{To: t0.Add(3 * 24 * time.Hour)}},
}

// TestListPagesThroughTheIndexes: paging a few thousand orders with each
// filter by small pages lists every matching order exactly once, in list-time
// order, while orders are added between the pages (before and after the
// cursor's place): none of those already there is repeated or skipped.
func TestListPagesThroughTheIndexes(t *testing.T) {
	db := newDB(t)
	NewService(db, func() time.Time { return t0 })
	db.Bolt.NoSync = true
	rng := rand.New(rand.NewSource(1))
	fillOrders(t, db, rng, 0, 3000)
	next := 3000
	for _, c := range pagingFilters {
		t.Run(c.name, func(t *testing.T) {
			var want []string // those there from the start
			for _, id := range allMatching(t, db, c.f) {
				if id < "WO-003000" {
					want = append(want, id)
				}
			}
			if len(want) < 200 {
				t.Fatalf("only %d orders match; the test needs more", len(want))
			}
			seen := map[string]bool{}
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				var items []WorkOrder
				if err := db.View(func(tx *bolt.Tx) error {
					var err error
					items, after, err = List(tx, c.f, 37, after)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				for _, wo := range items {
					if seen[wo.ID] {
						t.Fatalf("page %d: %s listed twice", pages, wo.ID)
					}
					seen[wo.ID] = true
					if wo.ID < "WO-003000" { // one of the orders there from the start
						got = append(got, wo.ID)
					}
				}
				if after == "" {
					break
				}
				fillOrders(t, db, rng, next, 5) // meanwhile, others arrive
				next += 5
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged %d orders, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestListIndexesBuiltForAnOldDataDir: a data dir written before the
// indexes (none, no meta mark) lists by scanning until the service starts,
// which builds them from the orders; the lists then agree, and a bad cursor
// is a 400.
func TestListIndexesBuiltForAnOldDataDir(t *testing.T) {
	db := newDB(t) // no service started on it: the old release's file
	dir := db.Dir
	db.Bolt.NoSync = true
	rng := rand.New(rand.NewSource(2))
	fillOrders(t, db, rng, 0, 600)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		if tx.Bucket(store.BucketWorkOrdersByStatus).Stats().KeyN != 0 || indexOn(tx) {
			t.Fatal("indexes written before the service ever started")
		}
		return nil
	})
	before := map[string][]string{}
	for _, c := range pagingFilters {
		before[c.name] = pageAll(t, db, c.f)
	}
	db.Close()

	db = reopen(t, dir)
	NewService(db, func() time.Time { return t0 })
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		if !indexOn(tx) || tx.Bucket(store.BucketWorkOrdersByStatus).Stats().KeyN != 3*600 {
			t.Fatal("indexes not built on start")
		}
		return nil
	})
	for _, c := range pagingFilters {
		got := pageAll(t, db, c.f)
		slices.Sort(got)
		slices.Sort(before[c.name])
		if !slices.Equal(got, before[c.name]) || !slices.Equal(pageAll(t, db, c.f), allMatching(t, db, c.f)) {
			t.Fatalf("%s: indexed list differs from the scan", c.name)
		}
	}
	err := db.View(func(tx *bolt.Tx) error {
		_, _, err := List(tx, Filter{Status: StatusAssigned}, 10, "WO-000001")
		return err
	})
	if !errs.IsKind(err, errs.BadRequest) {
		t.Fatalf("an id as an indexed list's cursor: %v, want 400", err)
	}
}

func reopen(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// pageAll lists every order matching f, 50 a page.
func pageAll(t *testing.T, db *store.DB, f Filter) []string {
	t.Helper()
	var ids []string
	after := ""
	for {
		var items []WorkOrder
		if err := db.View(func(tx *bolt.Tx) error {
			var err error
			items, after, err = List(tx, f, 50, after)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, wo := range items {
			ids = append(ids, wo.ID)
		}
		if after == "" {
			return ids
		}
	}
}

// BenchmarkListPage: one page of 50 assigned orders of a unit, from the
// first page, the middle and the end of 200 k orders — the same time
// wherever the cursor is, as a page is one seek and 50 reads.
//
//	go test ./workorders -run '^$' -bench ListPage
func BenchmarkListPage(b *testing.B) {
	db := newDB(b)
	db.Bolt.NoSync = true
	NewService(db, func() time.Time { return t0 })
	rng := rand.New(rand.NewSource(3))
	const n = 200_000
	for i := 0; i < n; i += 20_000 {
		fillOrders(b, db, rng, i, 20_000)
	}
	f := Filter{Unit: "chengdu-east", Status: StatusAssigned}
	// The cursors at the start, middle and end of the list.
	cursors := map[string]string{"first": ""}
	after, pages := "", 0
	for {
		if err := db.View(func(tx *bolt.Tx) error {
			var err error
			_, after, err = List(tx, f, 50, after)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		pages++
		if after == "" {
			break
		}
		cursors[fmt.Sprint(pages)] = after
	}
	for _, at := range []struct{ name, cursor string }{
		{"first", ""}, {"middle", cursors[fmt.Sprint(pages/2)]}, {"last", cursors[fmt.Sprint(pages-1)]},
	} {
		b.Run(at.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := db.View(func(tx *bolt.Tx) error {
					items, _, err := List(tx, f, 50, at.cursor)
					if err == nil && len(items) == 0 {
						err = fmt.Errorf("empty page")
					}
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
