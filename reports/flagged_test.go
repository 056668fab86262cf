package reports

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// The compliance table's 标记单数 and the 需复核 list are one definition: for
// every technician, the report's flagged count equals the acceptance sheets
// of theirs that GET /submissions (sync.List, as their supervisor) answers
// with any flag over the same range. A sheet flagged only for a slow line or
// only for an edit after signing counts in both.
func TestFlaggedAgreesWithTheReviewList(t *testing.T) {
	f := newFixture(t)
	mon := day0.Add(10 * time.Hour)
	wos := []string{}
	for i := 0; i < 4; i++ {
		wos = append(wos, f.order(t, workorders.TypeInstall, "tech1"))
	}
	clean := f.acceptance(t, "c1", wos[0], mon, nil)
	f.holdPhotos(t, "tech1", clean)
	f.push(t, tech1, mon.Add(time.Minute), nil, clean)
	slow := f.acceptance(t, "c2", wos[1], mon.Add(time.Hour), func(s *checklists.Submission) {
		s.Answers["speedtest"] = raw(t, map[string]any{"down_mbps": 40, "up_mbps": 20, "ping_ms": 9, "jitter_ms": 1, "method": "manual"})
	})
	f.holdPhotos(t, "tech1", slow)
	f.push(t, tech1, mon.Add(time.Hour+time.Minute), nil, slow)
	skewed := f.acceptance(t, "c3", wos[2], mon.Add(2*time.Hour), nil)
	f.holdPhotos(t, "tech1", skewed)
	phone := mon.Add(2 * time.Hour)
	f.push(t, tech1, mon.Add(3*time.Hour), &phone, skewed)
	edited := f.acceptance(t, "c4", wos[3], mon.Add(4*time.Hour), nil)
	f.holdPhotos(t, "tech1", edited)
	f.push(t, tech1, mon.Add(4*time.Hour+time.Minute), nil, edited)
	edited.BaseVersion = 1
	edited.Answers["splitter_location"] = raw(t, "卧室")
	f.push(t, tech1, mon.Add(4*time.Hour+2*time.Minute), nil, edited)

	sup := auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	from, to := day0, day0.AddDate(0, 0, 1)
	list, _, err := submissions.List(f.db, sup, submissions.Filter{From: from, To: to}, 5000, "")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]int{}
	for _, x := range list {
		if x.Kind == checklists.KindAcceptance && NeedsReview(x.Flags) {
			listed[x.Author]++
		}
	}
	var rows []TechnicianRow
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Technicians(tx, from, to, "chengdu-east")
		return err
	})
	if len(rows) != 1 || rows[0].Technician != "tech1" {
		t.Fatalf("rows: %+v", rows)
	}
	if rows[0].Flagged != listed["tech1"] || rows[0].Flagged != 3 {
		t.Fatalf("report flags %d sheets, the review list %d (want 3: slow, skewed, edited after signing): %+v",
			rows[0].Flagged, listed["tech1"], rows[0])
	}
	if rows[0].SpeedBelowSubscribed != 1 || rows[0].ClockSkew != 1 || rows[0].EditedAfterSignature != 1 {
		t.Fatalf("by flag: %+v", rows[0])
	}
}
