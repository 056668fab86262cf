package main

import (
	"bytes"
	"testing"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/reports"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// province-gen at a small size: every job finished through the domain code
// (orders completed, one callback task each, results counted), the report
// rollups and the queue counters equal what the records say, and the spare
// orders province-bench pushes are there, open.
func TestProvinceGenSmall(t *testing.T) {
	dir := t.TempDir()
	sh := provinceShape{Jobs: 360, Units: 2, TechsPerUnit: 3, StoresPerUnit: 2, Month: "2026-11"}
	n, err := provinceGen(dir, sh, 50) // a few jobs per commit: many transactions
	if err != nil {
		t.Fatal(err)
	}
	if n.jobs != 360 || n.results < 300 || n.results >= 360 || n.unsatisfied == 0 || n.walks != 8 {
		t.Fatalf("wrote %+v", *n)
	}
	// Run again on the same data dir: everything is there, nothing is added.
	if again, err := provinceGen(dir, sh, 50); err != nil || again.jobs != 0 || again.walks != 0 || again.results != 0 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The lists' indexes were kept while loading: a server starting on it
	// has nothing to build.
	db.View(func(tx *bolt.Tx) error {
		for _, k := range []string{"workorders_index", "workorders_type_index", "callbacks_status_index", "submissions_unit_index", "callbacks_counts"} {
			if tx.Bucket(store.BucketMeta).Get([]byte(k)) == nil {
				t.Errorf("meta %s missing after the load", k)
			}
		}
		return nil
	})
	if v, err := db.Schema(); err != nil || v != store.SchemaVersion {
		t.Fatalf("schema %d, %v: the server's first start would take it for an old release's", v, err)
	}
	var buf bytes.Buffer
	if diffs, err := reports.Verify(db, &buf); err != nil || diffs != 0 {
		t.Fatalf("rollups verify: %d differences, %v\n%s", diffs, err, buf.String())
	}
	if diffs, err := callbacks.VerifyStoredCounters(db); err != nil || len(diffs) != 0 {
		t.Fatalf("queue counters: %v %v", diffs, err)
	}
	from, _ := time.ParseInLocation("2006-01", sh.Month, store.Shanghai)
	rows, err := reports.CallbacksReport(db, from, from.AddDate(0, 1, 0), "month", "")
	if err != nil || len(rows) != 1 {
		t.Fatalf("callbacks report: %v %+v", err, rows)
	}
	if r := rows[0]; r.Completed != 360 || r.Callbacks != 360 || r.Done != n.results || r.Unsatisfied != n.unsatisfied {
		t.Fatalf("callbacks report %+v, wrote %+v", r, *n)
	}
	db.View(func(tx *bolt.Tx) error {
		for u := 0; u < sh.Units; u++ {
			for i := 0; i < sh.TechsPerUnit; i++ {
				done, err := workorders.Get(tx, provinceOrder(u, i, 59))
				if err != nil || done.Status != workorders.StatusCompleted {
					t.Errorf("last job of %s: %v %+v", techName(u, i), err, done)
				}
				spare, err := workorders.Get(tx, provinceOrder(u, i, 60))
				if err != nil || spare.Status != workorders.StatusAssigned {
					t.Errorf("spare order of %s: %v %+v", techName(u, i), err, spare)
				}
			}
		}
		return nil
	})
}
