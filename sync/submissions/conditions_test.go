package submissions

import (
	"slices"
	"testing"

	"fieldcheck/checklists"
	"fieldcheck/store"
	"fieldcheck/workorders"
)

// onlyVisible is a sheet as today's phone fills it: only the items the
// order's facts show (a generic fill, then what is hidden taken out).
func onlyVisible(t testing.TB, db *store.DB, id, order string, f *checklists.Facts) *checklists.Submission {
	s := newSubmission(t, db, id, "install_acceptance", checklists.Subject{WorkOrderID: order}, nil)
	shown := checklists.Visible(builtin(t, db, "install_acceptance"), s, f)
	for item := range s.Answers {
		if !shown[item] {
			delete(s.Answers, item)
		}
	}
	for item := range s.Photos {
		if !shown[item] {
			delete(s.Photos, item)
		}
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// Seed 004: a removal is accepted without a speed test, modem label or
// browsing demo, and is judged on the order it is for.
func TestARemovalSheetIsAcceptedWithoutASpeedTest(t *testing.T) {
	db := newDB(t)
	newOrder(t, db, "rm1", workorders.TypeRemoval, "tech1")
	s := onlyVisible(t, db, "r1", "rm1", &checklists.Facts{OrderType: "removal", Product: "broadband"})
	for _, gone := range []string{"speedtest", "modem_label", "browsing_demo"} {
		if _, ok := s.Answers[gone]; ok {
			t.Fatalf("%s is still asked", gone)
		}
	}
	if len(s.Photos["photo_recovered"]) == 0 || s.Answers["equipment_recovered"] == nil {
		t.Fatal("the removal items are not asked")
	}
	expect(t, push(t, db, tech1, s)[0], StatusAccepted, 1, "")
	v := get(t, db, tech1, "r1", 1)
	if v.JudgedOn == nil || v.JudgedOn.OrderType != "removal" || slices.Contains(v.Flags, FlagOrderChanged) {
		t.Fatalf("judged on %+v, flags %v", v.JudgedOn, v.Flags)
	}
	// The same removal without the recovered equipment, from a phone that
	// had the current order, is refused, naming it.
	newOrder(t, db, "rm2", workorders.TypeRemoval, "tech1")
	s2 := onlyVisible(t, db, "r2", "rm2", &checklists.Facts{OrderType: "removal", Product: "broadband"})
	delete(s2.Answers, "equipment_recovered")
	s2.OrderVersion = order(t, db, "rm2").Version // today's phone says which order it judged on
	r := push(t, db, tech1, s2)[0]
	if r.Status != StatusRejected || r.Error == nil || r.Error.Fields["answers.equipment_recovered"] == "" {
		t.Fatalf("want equipment_recovered named, got %+v", r)
	}
}

// Last week's app shows every item: its answers to items now hidden are
// accepted and ignored, never refused.
func TestAnswersToHiddenItemsAreAcceptedAndIgnored(t *testing.T) {
	db := newDB(t)
	newOrder(t, db, "rm1", workorders.TypeRemoval, "tech1")
	s := newSubmission(t, db, "r1", "install_acceptance", checklists.Subject{WorkOrderID: "rm1"}, func(s *checklists.Submission) {
		s.Answers["speedtest"] = raw(t, map[string]any{"down_mbps": 1, "method": "manual"}) // far below 100: would fail a shown item
		s.Answers["indoor_wiring"] = raw(t, "loose")                                        // would ask for a wiring photo
	})
	r := push(t, db, tech1, s)[0]
	expect(t, r, StatusAccepted, 1, "")
	v := get(t, db, tech1, "r1", 1)
	if !v.Passed || slices.Contains(v.Flags, FlagSpeedBelowSubscribed) {
		t.Fatalf("a hidden speed test was judged: passed %v, flags %v", v.Passed, v.Flags)
	}
}

// The phone filled the sheet on version 1 of a broadband install; the order
// has since become a phone-only repair. The sheet is judged on what the
// phone had, and flagged.
func TestAChangedOrderNeverRejectsTheSheet(t *testing.T) {
	db := newDB(t)
	had := order(t, db, "wo1")
	facts := FactsOf(had, nil)
	s := onlyVisible(t, db, "a1", "wo1", facts)
	s.OrderVersion, s.OrderFacts = had.Version, facts
	patchOrder(t, db, "wo1", workorders.Changes{Type: ptr(workorders.TypeRepair), Product: ptr("固话")})
	now := order(t, db, "wo1")
	if now.Version <= had.Version {
		t.Fatalf("order version %d after a change, was %d", now.Version, had.Version)
	}
	expect(t, push(t, db, tech1, s)[0], StatusAccepted, 1, "")
	v := get(t, db, tech1, "a1", 1)
	if v.JudgedOn == nil || v.JudgedOn.OrderType != workorders.TypeInstall || !slices.Contains(v.Flags, FlagOrderChanged) {
		t.Fatalf("judged on %+v, flags %v: want the install the phone had, flagged", v.JudgedOn, v.Flags)
	}
	if i := slices.IndexFunc(v.FlagDetails, func(d FlagDetail) bool { return d.Flag == FlagOrderChanged }); i < 0 ||
		v.FlagDetails[i].OrderVersion != had.Version || v.FlagDetails[i].Relaxed {
		t.Fatalf("flag details %+v", v.FlagDetails)
	}
}

// An older phone says nothing about the order version: judged on the
// current order; when that refuses the sheet only for conditional items, it
// is accepted with them optional and flagged. A failure no condition
// explains still refuses it.
func TestAnOlderPhoneIsJudgedOnTheCurrentOrderThenRelaxed(t *testing.T) {
	db := newDB(t)
	install := FactsOf(order(t, db, "wo1"), nil)
	a := onlyVisible(t, db, "a1", "wo1", install)
	b := onlyVisible(t, db, "b1", "wo2", install)
	b.Subject.WorkOrderID = "wo2"
	delete(b.Answers, "shoe_covers") // unconditional
	for _, id := range []string{"wo1", "wo2"} {
		patchOrder(t, db, id, workorders.Changes{Type: ptr(workorders.TypeRepair)})
	}
	res := push(t, db, tech1, a, b)
	expect(t, res[0], StatusAccepted, 1, "")
	v := get(t, db, tech1, "a1", 1)
	i := slices.IndexFunc(v.FlagDetails, func(d FlagDetail) bool { return d.Flag == FlagOrderChanged })
	if i < 0 || !v.FlagDetails[i].Relaxed || v.JudgedOn.OrderType != workorders.TypeRepair {
		t.Fatalf("flags %+v judged on %+v: want order_changed, relaxed, on the repair", v.FlagDetails, v.JudgedOn)
	}
	if res[1].Status != StatusRejected || res[1].Error.Fields["answers.shoe_covers"] == "" {
		t.Fatalf("an unconditional item missing: %+v", res[1])
	}
}

// A phone that had the current order and left out an item it shows is
// refused: nothing changed under it.
func TestThePhoneHadTheCurrentOrderSoItsSheetIsJudgedStrictly(t *testing.T) {
	db := newDB(t)
	newOrder(t, db, "rp1", workorders.TypeRepair, "tech1")
	wo := order(t, db, "rp1")
	s := onlyVisible(t, db, "a1", "rp1", FactsOf(wo, nil))
	s.OrderVersion, s.OrderFacts = wo.Version, &checklists.Facts{OrderType: "install", Product: "broadband"} // facts ignored: the version is current
	delete(s.Answers, "fault_found")
	r := push(t, db, tech1, s)[0]
	if r.Status != StatusRejected || r.Error.Fields["answers.fault_found"] == "" {
		t.Fatalf("want fault_found refused, got %+v", r)
	}
}
