package submissions

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/rectifications"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

func TestReplayedPushStoresOneRecordAndOneCallback(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	expect(t, push(t, db, tech1, a)[0], StatusAccepted, 1, "")
	for i := 0; i < 9; i++ {
		expect(t, push(t, db, tech1, a)[0], StatusDuplicate, 1, "")
	}
	if n := count(t, db, store.BucketSubmissions, "a1"); n != 1 {
		t.Fatalf("%d stored versions, want 1", n)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
	wo := order(t, db, "wo1")
	if wo.Status != workorders.StatusCompleted || wo.CompletedBy != "a1" {
		t.Fatalf("wo1 is %s by %q, want completed by a1", wo.Status, wo.CompletedBy)
	}
}

func TestConcurrentReplaysShareOneAcceptance(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	var wg gosync.WaitGroup
	results := make([]Result, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Merge(db, tech1, Batch{Submissions: []json.RawMessage{raw(t, a)}}, t0)
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = res.Results[0]
		}()
	}
	wg.Wait()
	accepted := 0
	for _, r := range results {
		if r.Status == StatusAccepted {
			accepted++
		} else if r.Status != StatusDuplicate || r.Version != 1 {
			t.Fatalf("got %s v%d, want duplicate v1", r.Status, r.Version)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d pushes accepted, want exactly 1", accepted)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
}

func TestEditWithCurrentBaseIsNextVersion(t *testing.T) {
	db := newDB(t)
	expect(t, push(t, db, tech1, newAcceptance(t, db, nil))[0], StatusAccepted, 1, "")
	edit := newAcceptance(t, db, func(s *checklists.Submission) {
		s.BaseVersion = 1
		s.Answers["survey_suggestions"] = raw(t, "师傅很专业")
	})
	expect(t, push(t, db, tech1, edit)[0], StatusAccepted, 2, "")

	v1, v2 := get(t, db, tech1, "a1", 1), get(t, db, tech1, "a1", 2)
	if _, ok := v1.Answers["survey_suggestions"]; ok || v1.Version != 1 || v1.LatestVersion != 2 {
		t.Fatalf("version 1 changed: %+v", v1)
	}
	if string(v2.Answers["survey_suggestions"]) != `"师傅很专业"` {
		t.Fatalf("version 2 answers: %s", v2.Answers["survey_suggestions"])
	}
	// The sheet was signed (客户签字) before the edit.
	if !contains(v2.Flags, FlagEditedAfterSignature) || contains(v1.Flags, FlagEditedAfterSignature) {
		t.Fatalf("flags v1 %v v2 %v, want edited_after_signature on v2 only", v1.Flags, v2.Flags)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("an edit made %d callback tasks, want 1", n)
	}
}

func TestRetriedEditIsDuplicateOfTheVersionItMade(t *testing.T) {
	db := newDB(t)
	first := newAcceptance(t, db, nil)
	push(t, db, tech1, first)
	edit := newAcceptance(t, db, func(s *checklists.Submission) {
		s.BaseVersion = 1
		s.Answers["survey_suggestions"] = raw(t, "ok")
	})
	expect(t, push(t, db, tech1, edit)[0], StatusAccepted, 2, "")
	expect(t, push(t, db, tech1, edit)[0], StatusDuplicate, 2, "")
	// The first version replayed late is a duplicate of version 1, not a conflict.
	expect(t, push(t, db, tech1, first)[0], StatusDuplicate, 1, "")
	// Key order and whitespace inside answers do not change the content hash.
	reordered := newAcceptance(t, db, func(s *checklists.Submission) {
		s.BaseVersion = 1
		s.Answers["survey_suggestions"] = json.RawMessage(` "ok" `)
		s.Answers["speedtest"] = json.RawMessage(`{"method":"browser","jitter_ms":2,"ping_ms":12,"up_mbps":30,"down_mbps":95.5}`)
	})
	expect(t, push(t, db, tech1, reordered)[0], StatusDuplicate, 2, "")
}

func TestStaleBaseIsConflictAndOverwritesNothing(t *testing.T) {
	db := newDB(t)
	push(t, db, tech1, newAcceptance(t, db, nil))
	phoneA := newAcceptance(t, db, func(s *checklists.Submission) { s.BaseVersion = 1; s.Answers["survey_suggestions"] = raw(t, "A") })
	phoneB := newAcceptance(t, db, func(s *checklists.Submission) { s.BaseVersion = 1; s.Answers["survey_suggestions"] = raw(t, "B") })
	expect(t, push(t, db, tech1, phoneA)[0], StatusAccepted, 2, "")
	expect(t, push(t, db, tech1, phoneB)[0], StatusConflict, 2, "stale_base")
	if v := get(t, db, tech1, "a1", 0); string(v.Answers["survey_suggestions"]) != `"A"` || v.Version != 2 {
		t.Fatalf("latest is v%d %s, want v2 \"A\"", v.Version, v.Answers["survey_suggestions"])
	}
	if n := count(t, db, store.BucketSubmissions, "a1"); n != 2 {
		t.Fatalf("%d versions stored, want 2", n)
	}
}

func TestMixedBatchKeepsTheGoodOnes(t *testing.T) {
	db := newDB(t)
	good := newAcceptance(t, db, nil)
	invalid := newSubmission(t, db, "a2", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"},
		func(s *checklists.Submission) { delete(s.Answers, "shoe_covers") })
	others := newSubmission(t, db, "a3", "install_acceptance", checklists.Subject{WorkOrderID: "wo3"}, nil)
	malformed := json.RawMessage(`{"id": "a4", "answers": "yes"}`)
	noID := json.RawMessage(`{"template_id": "install_acceptance"}`)
	walk := newWalkthrough(t, db, nil) // a technician may not walk through stores
	res := push(t, db, tech1, good, invalid, others, malformed, noID, walk)
	expect(t, res[0], StatusAccepted, 1, "")
	expect(t, res[1], StatusRejected, 0, "validation_failed")
	if _, ok := res[1].Error.Fields["answers.shoe_covers"]; !ok {
		t.Fatalf("fields %v, want answers.shoe_covers", res[1].Error.Fields)
	}
	expect(t, res[2], StatusRejected, 0, "not_assigned")
	expect(t, res[3], StatusRejected, 0, "bad_submission")
	if res[3].ID != "a4" || res[3].Error.Fields["answers"] == "" {
		t.Fatalf("malformed item answered as %q %+v, want a4 with answers named", res[3].ID, res[3].Error)
	}
	expect(t, res[4], StatusRejected, 0, "validation_failed")
	expect(t, res[5], StatusRejected, 0, "template_not_for_role")
	for _, id := range []string{"a2", "a3", "a4", "w1"} {
		if n := count(t, db, store.BucketSubmissions, id); n != 0 {
			t.Fatalf("rejected %s was stored", id)
		}
	}
	if order(t, db, "wo2").Status != workorders.StatusAssigned {
		t.Fatal("a rejected acceptance completed its order")
	}
}

func TestPushForAnotherTechniciansOrderIsNotAssigned(t *testing.T) {
	db := newDB(t)
	expect(t, push(t, db, tech2, newAcceptance(t, db, nil))[0], StatusRejected, 0, "not_assigned")
	unknown := newSubmission(t, db, "a9", "install_acceptance", checklists.Subject{WorkOrderID: "nope"}, nil)
	expect(t, push(t, db, tech1, unknown)[0], StatusRejected, 0, "not_assigned")
	if order(t, db, "wo1").Status != workorders.StatusAssigned {
		t.Fatal("wo1 was completed by someone else's sheet")
	}
}

func TestOnlyTheAuthorEdits(t *testing.T) {
	db := newDB(t)
	push(t, db, tech1, newAcceptance(t, db, nil))
	edit := newAcceptance(t, db, func(s *checklists.Submission) { s.BaseVersion = 1; s.Answers["survey_suggestions"] = raw(t, "x") })
	expect(t, push(t, db, tech2, edit)[0], StatusRejected, 0, "not_owner")
	expect(t, push(t, db, admin, edit)[0], StatusAccepted, 2, "")
	if v := get(t, db, admin, "a1", 0); v.Author != "tech1" {
		t.Fatalf("an admin's edit moved the author to %q", v.Author)
	}
}

func TestSecondAcceptanceForCompletedOrderIsConflict(t *testing.T) {
	db := newDB(t)
	push(t, db, tech1, newAcceptance(t, db, nil))
	second := newAcceptance(t, db, func(s *checklists.Submission) { s.ID = "a1-bis" })
	expect(t, push(t, db, tech1, second)[0], StatusConflict, 0, "workorder_completed")
	if n := count(t, db, store.BucketSubmissions, "a1-bis"); n != 0 {
		t.Fatal("the second acceptance was stored")
	}
	// In one batch too: the first completes the order, the second conflicts.
	a := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"}, nil)
	b := newSubmission(t, db, "b2", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"}, nil)
	res := push(t, db, tech1, a, b)
	expect(t, res[0], StatusAccepted, 1, "")
	expect(t, res[1], StatusConflict, 0, "workorder_completed")
	if n := count(t, db, store.BucketCallbacks, ""); n != 2 {
		t.Fatalf("%d callbacks, want 2 (wo1, wo2)", n)
	}
}

func TestRemovalOrderCompletesWithoutCallback(t *testing.T) {
	db := newDB(t)
	newOrder(t, db, "rm1", workorders.TypeRemoval, "tech1")
	s := newSubmission(t, db, "r1", "install_acceptance", checklists.Subject{WorkOrderID: "rm1"}, nil)
	expect(t, push(t, db, tech1, s)[0], StatusAccepted, 1, "")
	if wo := order(t, db, "rm1"); wo.Status != workorders.StatusCompleted {
		t.Fatalf("removal is %s, want completed", wo.Status)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 0 {
		t.Fatalf("a removal got %d callbacks (seed 004 第五十一条: none)", n)
	}
}

func TestClockSkewIsFlaggedAndFinishCorrected(t *testing.T) {
	db := newDB(t)
	// The phone's clock runs an hour behind: it says it is 09:00 at 10:00.
	device := t0.Add(-time.Hour)
	a := newAcceptance(t, db, nil) // finished 09:50 by the server's clock = 08:50 on the phone
	phoneFinished := device.Add(-10 * time.Minute)
	a.FinishedAt = &phoneFinished
	expect(t, pushAt(t, db, tech1, t0, &device, a)[0], StatusAccepted, 1, "")
	v := get(t, db, tech1, "a1", 0)
	if !contains(v.Flags, FlagClockSkew) || v.SkewSeconds != 3600 {
		t.Fatalf("flags %v skew %v, want clock_skew 3600", v.Flags, v.SkewSeconds)
	}
	if !v.FinishedAt.Equal(t0.Add(-10*time.Minute)) || !v.FinishedAtOriginal.Equal(phoneFinished) {
		t.Fatalf("finished_at %v (original %v), want %v (original %v)", v.FinishedAt, v.FinishedAtOriginal, t0.Add(-10*time.Minute), phoneFinished)
	}
	if wo := order(t, db, "wo1"); !wo.CompletedAt.Equal(t0.Add(-10 * time.Minute)) {
		t.Fatalf("order completed at %v, want the corrected finish", wo.CompletedAt)
	}
	// Replayed with a later device_time it is still the same content.
	later := device.Add(5 * time.Minute)
	expect(t, pushAt(t, db, tech1, t0.Add(5*time.Minute), &later, a)[0], StatusDuplicate, 1, "")

	// A phone five minutes off is within tolerance.
	near := t0.Add(-5 * time.Minute)
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"}, nil)
	pushAt(t, db, tech1, t0, &near, b)
	if v := get(t, db, tech1, "b1", 0); contains(v.Flags, FlagClockSkew) || v.FinishedAtOriginal != nil {
		t.Fatalf("5 minutes of skew flagged: %v", v.Flags)
	}
}

func TestTooManySubmissionsInOnePush(t *testing.T) {
	db := newDB(t)
	req := Batch{Submissions: make([]json.RawMessage, MaxBatch+1)}
	_, err := Merge(db, tech1, req, t0)
	if e, ok := errs.As(err); !ok || e.Kind != errs.TooLarge {
		t.Fatalf("got %v, want a TooLarge error", err)
	}
	if _, err := Merge(db, agent, Batch{}, t0); !errors.Is(err, errs.ErrForbidden) {
		t.Fatalf("an agent's push: %v, want forbidden", err)
	}
}

func TestSpeedBelowSubscribedIsFlagged(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, func(s *checklists.Submission) {
		s.Answers["speedtest"] = raw(t, map[string]any{"down_mbps": 40, "method": "manual"})
	})
	expect(t, push(t, db, tech1, a)[0], StatusAccepted, 1, "")
	v := get(t, db, tech1, "a1", 0)
	if !contains(v.Flags, FlagSpeedBelowSubscribed) || v.Passed {
		t.Fatalf("flags %v passed %v, want speed_below_subscribed and not passed", v.Flags, v.Passed)
	}
}

func TestMissingPhotosCompleteWhenTheyArrive(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	want := 0
	for _, list := range a.Photos {
		want += len(list)
	}
	want++ // the signature
	r := push(t, db, tech1, a)[0]
	if len(r.MissingPhotos) != want {
		t.Fatalf("missing %v, want %d hashes", r.MissingPhotos, want)
	}
	v := get(t, db, tech1, "a1", 0)
	if v.Complete {
		t.Fatal("complete with photos missing")
	}
	// The stored sheet keeps its per-item photos map as the phone sent it.
	if !reflect.DeepEqual(v.Photos, a.Photos) {
		t.Fatalf("stored photos %v, want %v", v.Photos, a.Photos)
	}
	for i, sha := range r.MissingPhotos {
		storePhoto(t, db, sha)
		v := get(t, db, tech1, "a1", 0)
		if last := i == len(r.MissingPhotos)-1; v.Complete != last || len(v.MissingPhotos) != len(r.MissingPhotos)-i-1 {
			t.Fatalf("after %d photos: complete %v missing %v", i+1, v.Complete, v.MissingPhotos)
		}
	}
	for _, sha := range r.MissingPhotos {
		if n := waitingFor(t, db, sha); n != 0 {
			t.Fatalf("%d sheets still wait for %s", n, sha)
		}
	}
	view(t, db, func(tx *bolt.Tx) error {
		if tx.Bucket(store.BucketPhotoWaiting) != nil {
			t.Error("a new data dir has a photo_waiting bucket: waiting is derived, not stored")
		}
		return nil
	})
	// A photo held before the push is never missing.
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"}, func(s *checklists.Submission) {
		s.Photos = a.Photos
		s.Answers["customer_signature"] = a.Answers["customer_signature"]
	})
	if r := push(t, db, tech1, b)[0]; len(r.MissingPhotos) != 0 {
		t.Fatalf("held photos listed missing: %v", r.MissingPhotos)
	}
}

func TestPhotoReusedOnAnotherOrderIsFlagged(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	push(t, db, tech1, a)
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"}, nil)
	b.Photos["photo_install"] = a.Photos["photo_install"]
	push(t, db, tech1, b)

	if v := get(t, db, tech1, "a1", 0); contains(v.Flags, FlagPhotoReused) {
		t.Fatalf("the first sheet is flagged: %v", v.FlagDetails)
	}
	v := get(t, db, tech1, "b1", 0)
	if !contains(v.Flags, FlagPhotoReused) {
		t.Fatalf("flags %v, want photo_reused", v.Flags)
	}
	found := false
	for _, d := range v.FlagDetails {
		found = found || (d.Flag == FlagPhotoReused && d.SubmissionID == "a1" && d.Photo == a.Photos["photo_install"][0])
	}
	if !found {
		t.Fatalf("flag_details %+v do not name a1's photo", v.FlagDetails)
	}
	// A spot check of the same order may show the same photo.
	s := newSubmission(t, db, "sc1", "home_visit_spotcheck", checklists.Subject{WorkOrderID: "wo1"}, nil)
	s.Photos = map[string][]string{"photo_evidence": a.Photos["photo_install"]}
	expect(t, push(t, db, insp1, s)[0], StatusAccepted, 1, "")
	for _, d := range get(t, db, insp1, "sc1", 0).FlagDetails {
		if d.SubmissionID == "a1" { // b1 (wo2) showed them first: that match stands
			t.Fatalf("a spot check flagged for its own order's acceptance: %+v", d)
		}
	}
}

func TestWalkthroughWithDeductionsOpensOneRectification(t *testing.T) {
	db := newDB(t)
	tpl := builtin(t, db, "store_walkthrough")
	var counted string
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			if it.Type == checklists.TypeCount && it.Score != nil && counted == "" {
				counted = it.ID
			}
		}
	}
	w := newWalkthrough(t, db, func(s *checklists.Submission) { s.Answers[counted] = raw(t, 2) })
	expect(t, push(t, db, insp1, w)[0], StatusAccepted, 1, "")
	w2 := newWalkthrough(t, db, func(s *checklists.Submission) { s.BaseVersion = 1; s.Answers[counted] = raw(t, 3) })
	expect(t, push(t, db, insp1, w2)[0], StatusAccepted, 2, "")
	if n := count(t, db, store.BucketRectifications, ""); n != 1 {
		t.Fatalf("%d rectifications, want 1", n)
	}
	var r rectifications.Rectification
	view(t, db, func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketRectifications).ForEach(func(_, v []byte) error { return json.Unmarshal(v, &r) })
	})
	if r.Unit != "chengdu-east" || r.StoreID != "s1" || !r.DueAt.Equal(t0.Add(15*24*time.Hour)) {
		t.Fatalf("rectification %+v, want chengdu-east s1 due in 15 days", r)
	}
	v := get(t, db, insp1, "w1", 0)
	if v.RectificationID != r.ID || v.Score >= v.MaxScore {
		t.Fatalf("view %+v", v)
	}
	// A clean walkthrough opens none.
	clean := newSubmission(t, db, "w2", "store_walkthrough", checklists.Subject{StoreID: "s2"}, nil)
	expect(t, push(t, db, insp1, clean)[0], StatusAccepted, 1, "")
	if n := count(t, db, store.BucketRectifications, ""); n != 1 {
		t.Fatalf("a clean walkthrough opened a rectification")
	}
}

func TestSpotCheckOnlyInTheInspectorsUnit(t *testing.T) {
	db := newDB(t)
	s := newSubmission(t, db, "sc1", "home_visit_spotcheck", checklists.Subject{WorkOrderID: "wo1"}, nil)
	expect(t, push(t, db, insp2, s)[0], StatusRejected, 0, "not_assigned")
	expect(t, push(t, db, insp1, s)[0], StatusAccepted, 1, "")
	if order(t, db, "wo1").Status != workorders.StatusAssigned {
		t.Fatal("a spot check completed the order")
	}
	acc := newAcceptance(t, db, nil)
	expect(t, push(t, db, insp1, acc)[0], StatusRejected, 0, "template_not_for_role")
}

func TestCanRead(t *testing.T) {
	db := newDB(t)
	push(t, db, tech1, newAcceptance(t, db, nil))
	push(t, db, insp2, newWalkthrough(t, db, nil)) // insp2 (west) walks through s1 (east)
	cases := []struct {
		name string
		p    auth.Principal
		id   string
		want bool
	}{
		{"technician reads own acceptance", tech1, "a1", true},
		{"another technician does not", tech2, "a1", false},
		{"supervisor of the order's unit", sup1, "a1", true},
		{"supervisor of another unit", sup2, "a1", false},
		{"agent without the callback lease", agent, "a1", false},
		{"admin", admin, "a1", true},
		{"inspector does not read acceptances", insp1, "a1", false},
		{"inspector of the store's unit", insp1, "w1", true},
		{"inspector who walked through it", insp2, "w1", true},
		{"supervisor of the store's unit", sup1, "w1", true},
		{"technician does not read walkthroughs", tech1, "w1", false},
		{"unknown id", admin, "nope", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got bool
			view(t, db, func(tx *bolt.Tx) error {
				var err error
				got, err = CanRead(tx, c.p, c.id)
				return err
			})
			if got != c.want {
				t.Fatalf("CanRead = %v, want %v", got, c.want)
			}
			if !got {
				view(t, db, func(tx *bolt.Tx) error {
					_, err := Get(tx, c.p, c.id, 0, t0)
					if e, ok := errs.As(err); !ok || e.Kind != errs.NotFound {
						t.Fatalf("Get answered %v, want a 404", err)
					}
					return nil
				})
			}
		})
	}
}

func TestAgentHoldingTheCallbackReads(t *testing.T) {
	db := newDB(t)
	push(t, db, tech1, newAcceptance(t, db, nil))
	svc := callbacks.New(db, callbacks.Config{Clock: func() time.Time { return t0.Add(5 * time.Hour) }})
	task, err := svc.Claim(store.Actor{Username: agent.Username}, callbacks.Everywhere)
	if err != nil || task == nil {
		t.Fatalf("claim: %v %v", task, err)
	}
	view(t, db, func(tx *bolt.Tx) error {
		ok, err := canRead(tx, agent, mustHead(t, tx, "a1"), t0.Add(5*time.Hour+time.Minute))
		if err != nil || !ok {
			t.Fatalf("the agent holding the callback cannot read the sheet: %v", err)
		}
		return nil
	})
}

func mustHead(t testing.TB, tx *bolt.Tx, id string) *Head {
	h, err := loadHead(tx, id)
	if err != nil || h == nil {
		t.Fatalf("head %s: %v", id, err)
	}
	return h
}

func TestList(t *testing.T) {
	db := newDB(t)
	push(t, db, tech1, newAcceptance(t, db, nil))
	push(t, db, tech1, newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"}, nil))
	push(t, db, tech3, newSubmission(t, db, "c1", "install_acceptance", checklists.Subject{WorkOrderID: "wo3"}, nil))
	ids := func(p auth.Principal, f Filter, limit int, after string) ([]string, string) {
		items, next, err := List(db, p, f, limit, after)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range items {
			out = append(out, s.ID)
		}
		return out, next
	}
	if got, _ := ids(tech1, Filter{}, 10, ""); len(got) != 2 {
		t.Fatalf("tech1 lists %v, want a1 b1", got)
	}
	if got, _ := ids(sup2, Filter{}, 10, ""); len(got) != 1 || got[0] != "c1" {
		t.Fatalf("sup2 lists %v, want c1", got)
	}
	if got, _ := ids(admin, Filter{WorkOrderID: "wo2"}, 10, ""); len(got) != 1 || got[0] != "b1" {
		t.Fatalf("admin wo2 lists %v, want b1", got)
	}
	page1, next := ids(admin, Filter{}, 2, "")
	page2, last := ids(admin, Filter{}, 2, next)
	if len(page1) != 2 || len(page2) != 1 || next == "" {
		t.Fatalf("pages %v (%q) %v (%q)", page1, next, page2, last)
	}
	no := false
	if got, _ := ids(admin, Filter{Complete: &no}, 10, ""); len(got) != 3 {
		t.Fatalf("incomplete: %v", got)
	}
	if _, _, err := List(db, admin, Filter{}, 10, "!!"); err == nil {
		t.Fatal("a garbage cursor was accepted")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestAnOverlongIDIsRejectedAndNotEchoedInFull(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, func(s *checklists.Submission) { s.ID = strings.Repeat("x", 100_000) })
	r := push(t, db, tech1, a)[0]
	expect(t, r, StatusRejected, 0, "validation_failed")
	if want := strings.Repeat("x", MaxIDLen) + "…"; r.ID != want {
		t.Fatalf("echoed id of %d bytes, want the first %d and an ellipsis", len(r.ID), MaxIDLen)
	}
}

// A sheet dated two days ahead by a phone whose clock is right must not
// complete its order then, nor push its callback's due date and deadline two
// days out (the same-day rate could be gamed so): it is flagged
// finished_in_future and everything runs from the moment it arrived. The
// phone's time is kept beside it.
func TestFinishTimeAfterArrivalIsFlaggedAndReceiveTimeUsed(t *testing.T) {
	db := newDB(t)
	device := t0 // the phone's clock is right
	ahead := t0.AddDate(0, 0, 2)
	a := newAcceptance(t, db, func(s *checklists.Submission) { s.FinishedAt = &ahead })
	expect(t, pushAt(t, db, tech1, t0, &device, a)[0], StatusAccepted, 1, "")
	v := get(t, db, tech1, "a1", 0)
	if !contains(v.Flags, FlagFinishedInFuture) || contains(v.Flags, FlagClockSkew) {
		t.Fatalf("flags %v, want finished_in_future only", v.Flags)
	}
	if d := v.FlagDetails[0]; d.Flag != FlagFinishedInFuture || d.AheadSeconds != 48*3600 {
		t.Fatalf("flag details %+v, want 48 h ahead", v.FlagDetails)
	}
	if !v.FinishedAt.Equal(t0) || v.FinishedAtOriginal == nil || !v.FinishedAtOriginal.Equal(ahead) {
		t.Fatalf("finished_at %v (original %v), want the receive time %v (original %v)", v.FinishedAt, v.FinishedAtOriginal, t0, ahead)
	}
	if wo := order(t, db, "wo1"); !wo.CompletedAt.Equal(t0) {
		t.Fatalf("order completed at %v, want the receive time %v", wo.CompletedAt, t0)
	}
	var task *callbacks.Task
	view(t, db, func(tx *bolt.Tx) error {
		var err error
		task, err = callbacks.TaskForOrder(tx, "wo1")
		return err
	})
	due, deadline := callbacks.Deadlines(t0)
	if task == nil || !task.FinishedAt.Equal(t0) || !task.DueAt.Equal(due) || !task.DeadlineAt.Equal(deadline) {
		t.Fatalf("callback %+v, want finished %v, due %v, deadline %v", task, t0, due, deadline)
	}
	if n := count(t, db, store.BucketSubmissionsByTime, ""); n != 1 {
		t.Fatalf("%d time index entries", n)
	}
	view(t, db, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(store.BucketSubmissionsByTime).Cursor().First()
		if at := store.ParseTimeKey(k[:8]); !at.Equal(t0) {
			t.Errorf("the sheet counts at %v, want %v", at, t0)
		}
		return nil
	})

	// A phone an hour behind whose sheet says two days ahead of the phone:
	// corrected by the skew, still ahead, both flags.
	behind := t0.Add(-time.Hour)
	phoneAhead := behind.AddDate(0, 0, 2)
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"},
		func(s *checklists.Submission) { s.FinishedAt = &phoneAhead })
	expect(t, pushAt(t, db, tech1, t0, &behind, b)[0], StatusAccepted, 1, "")
	if v := get(t, db, tech1, "b1", 0); !contains(v.Flags, FlagClockSkew) || !contains(v.Flags, FlagFinishedInFuture) ||
		!v.FinishedAt.Equal(t0) || !v.FinishedAtOriginal.Equal(phoneAhead) {
		t.Fatalf("skewed and ahead: flags %v finished %v original %v", v.Flags, v.FinishedAt, v.FinishedAtOriginal)
	}
}

// Five minutes ahead is within tolerance: a phone's clock may drift a little.
func TestFinishTimeJustAheadIsKept(t *testing.T) {
	db := newDB(t)
	device := t0
	soon := t0.Add(FutureTolerance)
	a := newAcceptance(t, db, func(s *checklists.Submission) { s.FinishedAt = &soon })
	expect(t, pushAt(t, db, tech1, t0, &device, a)[0], StatusAccepted, 1, "")
	if v := get(t, db, tech1, "a1", 0); contains(v.Flags, FlagFinishedInFuture) || !v.FinishedAt.Equal(soon) || v.FinishedAtOriginal != nil {
		t.Fatalf("5 minutes ahead: flags %v finished %v original %v", v.Flags, v.FinishedAt, v.FinishedAtOriginal)
	}
}
