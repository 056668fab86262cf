package reports

import (
	"testing"
	"time"

	"fieldcheck/checklists"

	bolt "go.etcd.io/bbolt"
)

// Issue 20: a mystery visit (暗访) is a walkthrough: once filed it counts in
// the store's figures with its own score. A forbidden phrase (−20 of 100)
// beside a clean walkthrough (100 %) averages 90: still 优秀.
func TestMysteryVisitFeedsTheStoresFigures(t *testing.T) {
	f := newFixture(t)
	mon := day0.Add(10 * time.Hour)
	w := f.walkthrough(t, "w1", "s1", mon, nil)
	m := f.sheet(t, "m1", "store_mystery_visit", checklists.Subject{StoreID: "s1"}, mon.Add(time.Hour), func(s *checklists.Submission) {
		s.Answers["no_forbidden_phrases"] = raw(t, checklists.Fail)
		s.Answers["remarks"] = raw(t, "咨询时营业员答“不知道”")
	})
	inspections := func() []InspectionRow {
		var rows []InspectionRow
		view(t, f.db, func(tx *bolt.Tx) error {
			var err error
			rows, err = Inspections(tx, day0, day0.AddDate(0, 0, 7), "chengdu-east")
			return err
		})
		return rows
	}
	f.push(t, insp1, mon.Add(2*time.Hour), nil, w)
	if rows := inspections(); len(rows) != 1 || rows[0].Inspections != 1 {
		t.Fatalf("before the visit is filed: %+v", rows)
	}
	f.push(t, insp1, mon.Add(2*time.Hour), nil, m)
	rows := inspections()
	if len(rows) != 1 || rows[0].Inspections != 2 || !rateIs(rows[0].Score, ptr(90.0)) || rows[0].Grade == nil || *rows[0].Grade != "excellent" {
		t.Fatalf("with the mystery visit: %+v (score %v)", rows, deref(rows[0].Score))
	}
}
