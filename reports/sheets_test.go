package reports

import (
	"testing"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// acceptance is an honest install_acceptance sheet for order wo, edited by fn.
func (f *fixture) acceptance(t testing.TB, id, wo string, finished time.Time, fn func(s *checklists.Submission)) *checklists.Submission {
	return f.sheet(t, id, "install_acceptance", checklists.Subject{WorkOrderID: wo}, finished, fn)
}

func TestTechnicianCompliance(t *testing.T) {
	f := newFixture(t)
	mon := day0.Add(10 * time.Hour)
	wo1, wo2, wo3 := f.order(t, workorders.TypeInstall, "tech1"), f.order(t, workorders.TypeInstall, "tech1"), f.order(t, workorders.TypeRepair, "tech1")
	wo4 := f.order(t, workorders.TypeInstall, "tech3")

	// a1: everything right, every photo on the server.
	a1 := f.acceptance(t, "a1", wo1, mon, nil)
	f.holdPhotos(t, "tech1", a1)
	f.push(t, tech1, mon.Add(time.Minute), nil, a1)
	// a2: no shoe covers (an honest "no" still submits), 50 of 100 Mbps, and
	// a1's site photo again on another order (photo_reused).
	a2 := f.acceptance(t, "a2", wo2, mon.Add(time.Hour), func(s *checklists.Submission) {
		s.Answers[ItemShoeCovers] = raw(t, false)
		s.Answers["speedtest"] = raw(t, map[string]any{"down_mbps": 50, "up_mbps": 20, "ping_ms": 9, "jitter_ms": 1, "method": "manual"})
		s.Photos["photo_install"][0] = a1.Photos["photo_install"][0]
	})
	f.holdPhotos(t, "tech1", a2)
	f.push(t, tech1, mon.Add(time.Hour+time.Minute), nil, a2)
	// a3: pushed from a phone whose clock is an hour behind (clock_skew), its
	// photos not uploaded yet (evidence incomplete).
	a3 := f.acceptance(t, "a3", wo3, mon.Add(2*time.Hour), nil)
	phoneTime := mon.Add(2 * time.Hour)
	f.push(t, tech1, mon.Add(3*time.Hour), &phoneTime, a3)
	// b1: tech3 in chengdu-west.
	b1 := f.acceptance(t, "b1", wo4, mon, nil)
	f.holdPhotos(t, "tech3", b1)
	f.push(t, tech3, mon.Add(time.Minute), nil, b1)

	// The callbacks the sheets started: a1 very satisfied, a2 unsatisfied.
	f.result(t, taskFor(t, f.db, wo1).ID, mon.Add(5*time.Hour), callbacks.VerySatisfied)
	f.result(t, taskFor(t, f.db, wo2).ID, mon.Add(6*time.Hour), callbacks.Unsatisfied, "网速不达标")

	var rows []TechnicianRow
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Technicians(tx, day0, day0.AddDate(0, 0, 1), "chengdu-east")
		return err
	})
	if len(rows) != 1 || rows[0].Technician != "tech1" {
		t.Fatalf("east rows: %+v", rows)
	}
	r := rows[0]
	checks := []struct {
		name      string
		got, want *float64
	}{
		{"shoe covers worn 2 of 3", r.ShoeCoversRate, ptr(0.6667)},
		{"drop cloth 3 of 3", r.DropClothRate, ptr(1.0)},
		{"speed test recorded 3 of 3", r.SpeedTestRecordedRate, ptr(1.0)},
		{"speed test passed 2 of 3", r.SpeedTestPassedRate, ptr(0.6667)},
		{"photo evidence complete 2 of 3", r.PhotoEvidenceCompleteRate, ptr(0.6667)},
		{"satisfaction 1 of 2", r.SatisfactionRate, ptr(0.5)},
	}
	for _, c := range checks {
		if !rateIs(c.got, c.want) {
			t.Errorf("%s: got %v", c.name, deref(c.got))
		}
	}
	if r.Name != "张师傅" || r.Unit != "chengdu-east" || r.Sheets != 3 || r.PhotoReused != 1 || r.ClockSkew != 1 ||
		r.Flagged != 2 || r.SpeedBelowSubscribed != 1 || r.Callbacks != 3 || r.CallbacksDone != 2 {
		t.Errorf("tech1: %+v", r)
	}

	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Technicians(tx, day0, day0.AddDate(0, 0, 1), "")
		return err
	})
	if len(rows) != 2 || rows[1].Technician != "tech3" || rows[1].Sheets != 1 || !rateIs(rows[1].ShoeCoversRate, ptr(1.0)) {
		t.Errorf("every unit: %+v", rows)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// walkthrough is a store_walkthrough sheet for store, clean unless fn finds something.
func (f *fixture) walkthrough(t testing.TB, id, store string, finished time.Time, fn func(s *checklists.Submission)) *checklists.Submission {
	return f.sheet(t, id, "store_walkthrough", checklists.Subject{StoreID: store}, finished, fn)
}

func TestInspectionsPerStore(t *testing.T) {
	f := newFixture(t)
	mon := day0.Add(10 * time.Hour)
	// w1: storefront dirty (−2, 100 yuan) and 3 findings in the hall (−3, 150
	// yuan): 13 of 18 = 72.22 %.
	w1 := f.walkthrough(t, "w1", "s1", mon, func(s *checklists.Submission) {
		s.Answers["storefront"] = raw(t, checklists.Fail)
		s.Answers["hall_environment"] = raw(t, 3)
	})
	// w2 the next day: clean, 100 %. Then edited: a finding in the hall after
	// all — the report reads the latest version (−1, 50 yuan: 94.44 %).
	w2 := f.walkthrough(t, "w2", "s1", mon.AddDate(0, 0, 1), nil)
	w3 := f.walkthrough(t, "w3", "s2", mon, nil)
	f.push(t, insp1, mon.Add(time.Hour), nil, w1)
	f.push(t, insp1, mon.AddDate(0, 0, 1).Add(time.Hour), nil, w2)
	w2.BaseVersion = 1
	w2.Answers["hall_environment"] = raw(t, 1)
	f.push(t, insp1, mon.AddDate(0, 0, 1).Add(2*time.Hour), nil, w2)
	f.push(t, insp2, mon.Add(time.Hour), nil, w3)

	var rows []InspectionRow
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Inspections(tx, day0, day0.AddDate(0, 0, 7), "chengdu-east")
		return err
	})
	if len(rows) != 1 {
		t.Fatalf("east rows: %+v", rows)
	}
	r := rows[0]
	// (72.22 + 94.44) ÷ 2 = 83.33: needs improvement (75–85).
	if r.StoreID != "s1" || r.StoreName != "春熙路营业厅" || r.Inspections != 2 || !rateIs(r.Score, ptr(83.33)) ||
		r.Grade == nil || *r.Grade != "improve" || r.Fines != 300 {
		t.Fatalf("s1: %+v (score %v grade %v)", r, deref(r.Score), r.Grade)
	}
	// The costliest items first.
	want := []DeductionSum{
		{ItemID: "hall_environment", Findings: 2, Instances: 4, Points: 4, Fines: 200},
		{ItemID: "storefront", Findings: 1, Instances: 1, Points: 2, Fines: 100},
	}
	if len(r.Deductions) != len(want) {
		t.Fatalf("deductions: %+v", r.Deductions)
	}
	for i, w := range want {
		d := r.Deductions[i]
		if d.ItemID != w.ItemID || d.Findings != w.Findings || d.Instances != w.Instances || d.Points != w.Points || d.Fines != w.Fines || d.Label.Zh == "" {
			t.Errorf("deduction %d: got %+v, want %+v", i, d, w)
		}
	}

	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Inspections(tx, day0, day0.AddDate(0, 0, 7), "")
		return err
	})
	if len(rows) != 2 || rows[1].StoreID != "s2" || !rateIs(rows[1].Score, ptr(100.0)) || *rows[1].Grade != "excellent" || len(rows[1].Deductions) != 0 {
		t.Fatalf("every unit: %+v", rows)
	}
}

func TestFinesMonthlyCapPerAgency(t *testing.T) {
	f := newFixture(t)
	wo := f.order(t, workorders.TypeInstall, "tech1")
	wo2 := f.order(t, workorders.TypeInstall, "tech2")
	// Four spot checks in November that find everything wrong: 590 yuan each,
	// 2360 in all, over the 2000 monthly cap (seed 004 第十二条).
	allFail := func(s *checklists.Submission) {
		for id := range s.Answers {
			if id != "remarks" {
				s.Answers[id] = raw(t, checklists.Fail)
			}
		}
	}
	for i, w := range []string{wo, wo, wo, wo2} {
		at := sh(2026, 11, 2+i, 10, 0)
		s := f.sheet(t, "sc"+string(rune('1'+i)), "home_visit_spotcheck", checklists.Subject{WorkOrderID: w}, at, allFail)
		f.push(t, insp1, at.Add(time.Hour), nil, s)
	}
	// October's last minute does not count in November.
	oct := sh(2026, 10, 31, 23, 59)
	f.push(t, insp1, oct.Add(time.Minute), nil,
		f.sheet(t, "sc-oct", "home_visit_spotcheck", checklists.Subject{WorkOrderID: wo}, oct, allFail))
	// A walkthrough of s1 with 3 hall findings: 150 yuan, no monthly cap.
	f.push(t, insp1, sh(2026, 11, 10, 11, 0), nil, f.walkthrough(t, "w1", "s1", sh(2026, 11, 10, 10, 0), func(s *checklists.Submission) {
		s.Answers["hall_environment"] = raw(t, 3)
	}))

	var rows []FineRow
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Fines(tx, "2026-11", "")
		return err
	})
	if len(rows) != 1 {
		t.Fatalf("rows: %+v", rows)
	}
	r := rows[0]
	if r.Unit != "chengdu-east" || r.SpotChecks != 4 || r.SpotCheckFinesRaw != 2360 || r.SpotCheckCap != 2000 ||
		r.SpotCheckFines != 2000 || !r.Capped || r.WalkthroughFines != 150 || r.Total != 2150 {
		t.Fatalf("east November: %+v", r)
	}
	if len(r.SpotCheckItems) != 12 {
		t.Fatalf("spot-check items: %+v", r.SpotCheckItems)
	}
	var speed FineItem
	for _, it := range r.SpotCheckItems {
		if it.ItemID == "speed_test_recorded" {
			speed = it
		}
	}
	if speed.ItemID != "speed_test_recorded" || speed.Findings != 4 || speed.People != 2 || speed.Fines != 400 {
		t.Errorf("speed test not recorded, 100 yuan per person per item: %+v", speed)
	}
	if len(r.Stores) != 1 || r.Stores[0].StoreName != "春熙路营业厅" || r.Stores[0].Fines != 150 ||
		r.Stores[0].Items[0].ItemID != "hall_environment" {
		t.Errorf("stores: %+v", r.Stores)
	}

	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Fines(tx, "2026-10", "")
		return err
	})
	if len(rows) != 1 || rows[0].SpotCheckFinesRaw != 590 || rows[0].Capped || rows[0].Total != 590 {
		t.Errorf("October: %+v", rows)
	}
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Fines(tx, "2026-11", "chengdu-west")
		return err
	})
	if len(rows) != 0 {
		t.Errorf("west sees east's fines: %+v", rows)
	}
}

func TestCapFines(t *testing.T) {
	for _, c := range []struct {
		name     string
		raw, cap float64
		want     float64
		capped   bool
	}{
		{"累计最多扣 2000: 2360 → 2000", 2360, 2000, 2000, true},
		{"under the cap stays", 590, 2000, 590, false},
		{"exactly the cap is not capped", 2000, 2000, 2000, false},
	} {
		got, capped := CapFines(c.raw, c.cap)
		if got != c.want || capped != c.capped {
			t.Errorf("%s: got %v %v", c.name, got, capped)
		}
	}
}

// A sheet dated two days ahead (the phone's clock right) counts on the day it
// reached the server, in the technicians' and the callback report alike, and
// its callback is due that day: the same-day rate cannot be bought with a
// date that has not come.
func TestJobFinishedInTheFutureCountsOnTheDayItArrived(t *testing.T) {
	f := newFixture(t)
	mon := day0.Add(10 * time.Hour)
	wed := day0.AddDate(0, 0, 2)
	wo := f.order(t, workorders.TypeInstall, "tech1")
	a := f.acceptance(t, "a1", wo, wed.Add(10*time.Hour), nil)
	f.holdPhotos(t, "tech1", a)
	f.push(t, tech1, mon, &mon, a)

	techRows := func(from time.Time) []TechnicianRow {
		var rows []TechnicianRow
		view(t, f.db, func(tx *bolt.Tx) error {
			var err error
			rows, err = Technicians(tx, from, from.AddDate(0, 0, 1), "chengdu-east")
			return err
		})
		return rows
	}
	if rows := techRows(day0); len(rows) != 1 || rows[0].Sheets != 1 || rows[0].Flagged != 1 {
		t.Errorf("Monday's technicians: %+v, want tech1's one flagged sheet", rows)
	}
	if rows := techRows(wed); len(rows) != 0 {
		t.Errorf("Wednesday's technicians: %+v, want none", rows)
	}
	if rows := callbackRows(t, f, day0, day0.AddDate(0, 0, 1), GroupDay, "chengdu-east"); len(rows) != 1 || rows[0].Completed != 1 {
		t.Errorf("Monday's callbacks: %+v, want the job", rows)
	}
	if rows := callbackRows(t, f, wed, wed.AddDate(0, 0, 1), GroupDay, "chengdu-east"); len(rows) != 1 || rows[0].Completed != 0 {
		t.Errorf("Wednesday's callbacks: %+v, want none", rows)
	}
	if task := taskFor(t, f.db, wo); !task.DueAt.Equal(day0.AddDate(0, 0, 1).Add(-time.Nanosecond)) {
		t.Errorf("callback due %v, want the end of Monday", task.DueAt)
	}
}

// A hidden item counts in no denominator: a removal asks for no speed test
// (its conditions hide it), so it neither lowers the recorded rate nor
// counts one sent by an older app.
func TestTechnicianComplianceLeavesHiddenItemsOut(t *testing.T) {
	f := newFixture(t)
	mon := day0.Add(10 * time.Hour)
	wo1, rm1, rm2 := f.order(t, workorders.TypeInstall, "tech1"), f.order(t, workorders.TypeRemoval, "tech1"), f.order(t, workorders.TypeRemoval, "tech1")
	a1 := f.acceptance(t, "a1", wo1, mon, nil)
	// r1 as today's phone fills a removal: no speed test at all.
	r1 := f.acceptance(t, "r1", rm1, mon.Add(time.Hour), func(s *checklists.Submission) { delete(s.Answers, "speedtest") })
	// r2 from last week's app, which showed the speed test: sent, ignored.
	r2 := f.acceptance(t, "r2", rm2, mon.Add(2*time.Hour), nil)
	f.push(t, tech1, mon.Add(3*time.Hour), nil, a1, r1, r2)
	var rows []TechnicianRow
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Technicians(tx, day0, day0.AddDate(0, 0, 1), "")
		return err
	})
	if len(rows) != 1 || rows[0].Sheets != 3 {
		t.Fatalf("rows: %+v", rows)
	}
	if r := rows[0]; r.SpeedTestRecorded != 1 || !rateIs(r.SpeedTestRecordedRate, ptr(1.0)) || !rateIs(r.SpeedTestPassedRate, ptr(1.0)) {
		t.Errorf("speed test recorded %d, rate %v, passed rate %v: want 1 of the 1 sheet that asked", r.SpeedTestRecorded, deref(r.SpeedTestRecordedRate), deref(r.SpeedTestPassedRate))
	}
}
