package protocol

import (
	"encoding/json"
	"testing"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/schedules"
	"fieldcheck/sync/submissions"
)

// An inspector's pull carries the plan's due window; pushing a walkthrough
// of that store closes it, and the next pull no longer lists it. A spot
// check elsewhere, or a store without a plan, closes nothing.
func TestPullListsDueInspectionsAndAWalkthroughClosesOne(t *testing.T) {
	db := newDB(t)
	svc := schedules.NewService(db, func() time.Time { return t0 })
	plan, err := svc.Create(sup1, schedules.Input{StoreID: "s1", TemplateID: "store_walkthrough", Frequency: schedules.Monthly,
		Inspectors: []string{"insp1"}, Start: "2026-11-01"})
	if err != nil {
		t.Fatal(err)
	}
	first := pull(t, db, insp1, "", 0)
	if first.Due == nil || len(*first.Due) != 1 {
		t.Fatalf("due on the first pull: %v", first.Due)
	}
	if b, err := json.Marshal(first.Due); err == nil {
		t.Logf("one due window on the pull: %d bytes of JSON", len(b))
	}
	if w := (*first.Due)[0]; w.PlanID != plan.ID || w.Status != schedules.StatusDue || w.Due != "2026-11-30" || w.Subject.StoreID != "s1" {
		t.Errorf("due window %+v", w)
	}
	if tech := pull(t, db, tech1, "", 0); tech.Due != nil {
		t.Errorf("a technician's pull carries due inspections: %v", *tech.Due)
	}

	spot := newSubmission(t, db, "sp1", "home_visit_spotcheck", checklists.Subject{WorkOrderID: "wo1"}, nil)
	expect(t, push(t, db, insp1, spot)[0], submissions.StatusAccepted, 1, "")
	if again := pull(t, db, insp1, first.Cursor, 0); again.Due == nil || len(*again.Due) != 1 {
		t.Fatalf("a spot check closed a walkthrough plan: %v", again.Due)
	}
	expect(t, push(t, db, insp1, newWalkthrough(t, db, nil))[0], submissions.StatusAccepted, 1, "")
	after := pull(t, db, insp1, first.Cursor, 0)
	if after.Due == nil || len(*after.Due) != 0 {
		t.Fatalf("after the walkthrough, due = %v (want an empty list, not absent)", after.Due)
	}
	ws, err := svc.ListWindows(sup1, schedules.Filter{From: t0, To: t0})
	if err != nil || len(ws) != 1 || ws[0].Status != schedules.StatusDone || ws[0].SubmissionID != "w1" {
		t.Fatalf("supervisor's windows %+v, %v", ws, err)
	}
}
