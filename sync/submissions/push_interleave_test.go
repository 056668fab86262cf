package submissions

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Push runs in two steps (decide in a read transaction, recheck and write in
// the shared write one). These tests pin what happens when another device
// changes the store between the two.

// pushBetweenSteps pushes subs as p, running between after the items are
// decided and before they are written.
func pushBetweenSteps(t *testing.T, db *store.DB, p auth.Principal, between func(), subs ...*checklists.Submission) []Result {
	t.Helper()
	req := Batch{DeviceID: "phone-1", Lang: "en"}
	for _, s := range subs {
		req.Submissions = append(req.Submissions, raw(t, s))
	}
	res, err := pushBetween(db, p, req, t0, between)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return res.Results
}

func patchOrder(t *testing.T, db *store.DB, id string, c workorders.Changes) {
	t.Helper()
	update(t, db, func(tx *bolt.Tx) error {
		_, err := workorders.Patch(tx, id, c, sysActor, t0)
		return err
	})
}

func TestOrderReassignedWhileASheetIsDecidedRejectsIt(t *testing.T) {
	db := newDB(t)
	tech := "tech2"
	r := pushBetweenSteps(t, db, tech1, func() { patchOrder(t, db, "wo1", workorders.Changes{Technician: &tech}) },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusRejected, 0, "not_assigned")
	if wo := order(t, db, "wo1"); wo.Status != workorders.StatusAssigned {
		t.Fatalf("wo1 is %s, want still assigned", wo.Status)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 0 {
		t.Fatalf("%d callback tasks, want none", n)
	}
}

func TestOrderRescheduledWhileASheetIsDecidedStillTakesIt(t *testing.T) {
	db := newDB(t)
	w := workorders.Window{From: t0, To: t0.Add(time.Hour)}
	r := pushBetweenSteps(t, db, tech1, func() { patchOrder(t, db, "wo1", workorders.Changes{Appointment: &w}) },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusAccepted, 1, "")
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
}

func TestSubscribedSpeedChangedWhileASheetIsDecidedIsJudgedOnTheNewOne(t *testing.T) {
	db := newDB(t)
	mbps := 1000.0
	r := pushBetweenSteps(t, db, tech1, func() { patchOrder(t, db, "wo1", workorders.Changes{SubscribedMbps: &mbps}) },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusAccepted, 1, "")
	if v := get(t, db, tech1, "a1", 0); !contains(v.Flags, FlagSpeedBelowSubscribed) {
		t.Fatalf("flags %v: 95.5 of 1000 Mbps must be flagged", v.Flags)
	}
}

func TestAnotherSheetCompletingTheOrderMeanwhileIsAConflict(t *testing.T) {
	db := newDB(t)
	other := newSubmission(t, db, "x1", "install_acceptance", checklists.Subject{WorkOrderID: "wo1"}, nil)
	r := pushBetweenSteps(t, db, tech1, func() { expect(t, push(t, db, tech1, other)[0], StatusAccepted, 1, "") },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusConflict, 0, "workorder_completed")
	if wo := order(t, db, "wo1"); wo.CompletedBy != "x1" {
		t.Fatalf("wo1 completed by %q, want x1", wo.CompletedBy)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
}

func TestTheSameSheetStoredMeanwhileIsADuplicate(t *testing.T) {
	for _, tc := range []struct {
		name string
		who  auth.Principal
		make func(t testing.TB, db *store.DB, fn func(s *checklists.Submission)) *checklists.Submission
		id   string
	}{
		{"acceptance", tech1, newAcceptance, "a1"},
		{"walkthrough", insp1, newWalkthrough, "w1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			s := tc.make(t, db, nil)
			r := pushBetweenSteps(t, db, tc.who, func() { expect(t, push(t, db, tc.who, s)[0], StatusAccepted, 1, "") }, s)
			expect(t, r[0], StatusDuplicate, 1, "")
			if n := count(t, db, store.BucketSubmissions, tc.id); n != 1 {
				t.Fatalf("%d stored versions, want 1", n)
			}
		})
	}
}

func TestAnEditStoredMeanwhileMakesTheOtherEditAConflict(t *testing.T) {
	db := newDB(t)
	expect(t, push(t, db, insp1, newWalkthrough(t, db, nil))[0], StatusAccepted, 1, "")
	edit := func(note string) *checklists.Submission {
		return newWalkthrough(t, db, func(s *checklists.Submission) {
			s.BaseVersion = 1
			s.Answers["remarks"] = raw(t, note)
		})
	}
	r := pushBetweenSteps(t, db, insp1, func() { expect(t, push(t, db, insp1, edit("一"))[0], StatusAccepted, 2, "") }, edit("二"))
	expect(t, r[0], StatusConflict, 2, "stale_base")
}

func TestAPhotoArrivingMeanwhileIsNotMissing(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	held := a.Photos["photo_install"][0]
	others := len(checklists.ReferencedPhotos(builtin(t, db, "install_acceptance"), a)) - 1
	r := pushBetweenSteps(t, db, tech1, func() { storePhoto(t, db, held) }, a)
	expect(t, r[0], StatusAccepted, 1, "")
	if contains(r[0].MissingPhotos, held) || len(r[0].MissingPhotos) != others {
		t.Fatalf("missing %v: want the %d others, not %s", r[0].MissingPhotos, others, held)
	}
	if v := get(t, db, tech1, "a1", 1); contains(v.MissingPhotos, held) || len(v.MissingPhotos) != others {
		t.Fatalf("stored version lists missing %v", v.MissingPhotos)
	}
	if n := waitingFor(t, db, held); n != 0 {
		t.Fatalf("the sheet waits for a photo the server holds")
	}
}

func TestASheetAndItsEditInOnePushAreBothTaken(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	edit := newAcceptance(t, db, func(s *checklists.Submission) {
		s.BaseVersion = 1
		s.Answers["survey_suggestions"] = raw(t, "师傅很专业")
	})
	r := pushBetweenSteps(t, db, tech1, nil, a, edit)
	expect(t, r[0], StatusAccepted, 1, "")
	expect(t, r[1], StatusAccepted, 2, "")
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
}
