package rollups

import (
	"math"
	"strconv"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Satisfaction levels as callbacks stores them (callbacks.VerySatisfied…).
const (
	VerySatisfied = "very_satisfied"
	Satisfied     = "satisfied"
	Unsatisfied   = "unsatisfied"
)

// Task is what a callback task (回访) counts: callbacks builds it from its
// stored task (callbacks/rollup.go).
type Task struct {
	Unit, Technician string
	FinishedAt       time.Time // the day it counts on
	DueAt            time.Time // a result by then is same-day
	DeadlineAt       time.Time // a result by then is within 3 days
	Unreachable      bool
	Result           *TaskResult // nil: no result yet
}

// TaskResult is the recorded answer.
type TaskResult struct {
	At           time.Time
	Satisfaction string
	Reasons      []string // as given; reports mask phone numbers on read
}

// PutTask makes task id count as t (nil: not at all), inside the caller's
// write transaction.
func PutTask(tx *bolt.Tx, id string, t *Task) error {
	var f *fact
	if t != nil {
		f = taskFact(t)
	}
	return put(tx, append([]byte{'t'}, id...), f)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func taskFact(t *Task) *fact {
	f := &fact{day: Day(t.FinishedAt)}
	cb := make([]int64, cbLen)
	cb[CBCompleted] = 1
	cb[CBUnreachable] = b2i(t.Unreachable)
	var tech []int64
	if t.Technician != "" {
		tech = make([]int64, tLen)
		tech[TCallbacks] = 1
	}
	var reasons []string
	if r := t.Result; r != nil {
		cb[CBDone] = 1
		cb[CBSameDay] = b2i(!r.At.After(t.DueAt))
		cb[CBWithin3Days] = b2i(!r.At.After(t.DeadlineAt))
		if tech != nil {
			tech[TCallbacksDone] = 1
		}
		at := -1
		switch r.Satisfaction {
		case VerySatisfied:
			cb[CBVery], at = 1, TVery
		case Satisfied:
			cb[CBSatisfied], at = 1, TSatisfied
		case Unsatisfied:
			cb[CBUnsatisfied], at = 1, TUnsatisfied
			reasons = r.Reasons
		}
		if tech != nil && at >= 0 {
			tech[at] = 1
		}
	}
	f.add(KindCallbacks, cb, t.Unit)
	for _, reason := range reasons {
		f.add(KindReasons, []int64{1}, t.Unit, reason)
	}
	if tech != nil {
		f.add(KindTechnician, tech, t.Unit, t.Technician)
	}
	return f
}

// Sheet is what a submission's head counts: sync builds it from the head and
// its latest version (sync/rollup.go).
type Sheet struct {
	Kind       string // checklists.KindAcceptance, KindWalkthrough, KindSpotcheck
	Unit       string // the subject's unit, as stored on the head
	Technician string // acceptance: the order's technician, else the author
	StoreID    string // walkthroughs
	FinishedAt time.Time
	Result     checklists.Result
	// TemplateID and TemplateVersion: a walkthrough's grade bands.
	TemplateID      string
	TemplateVersion int
	// Shown, when set before Answers, is the items the sheet's conditions
	// showed (nil: every item): a hidden item counts in no denominator.
	Shown map[string]bool
	// Acceptance: the answers (see Answers) and the head's state.
	SpeedHidden               bool // the template has speed tests, none shown
	ShoeAnswered, ShoeCovers  bool
	ClothAnswered, DropCloth  bool
	SpeedRecorded             bool
	Complete                  bool
	Flagged                   bool // any review flag
	PhotoReused, ClockSkew    bool
	SpeedBelow, EditedAfterSg bool
}

// PutSheet makes submission id count as s (nil: not at all), inside the
// caller's write transaction.
func PutSheet(tx *bolt.Tx, id string, s *Sheet) error {
	var f *fact
	if s != nil {
		f = sheetFact(id, s)
	}
	return put(tx, append([]byte{'h'}, id...), f)
}

// Cents is a yuan or points amount in hundredths, rounded.
func Cents(x float64) int64 { return int64(math.Round(x * 100)) }

// Micro is a percent in millionths, rounded.
func Micro(x float64) int64 { return int64(math.Round(x * 1e6)) }

func sheetFact(id string, s *Sheet) *fact {
	f := &fact{day: Day(s.FinishedAt)}
	switch s.Kind {
	case checklists.KindAcceptance:
		v := make([]int64, tLen)
		v[TSheets] = 1
		v[TShoeAnswered], v[TShoeCovers] = b2i(s.ShoeAnswered), b2i(s.ShoeAnswered && s.ShoeCovers)
		v[TClothAnswered], v[TDropCloth] = b2i(s.ClothAnswered), b2i(s.ClothAnswered && s.DropCloth)
		if s.SpeedRecorded {
			v[TSpeedRecorded] = 1
			if !s.Result.SpeedUnjudged {
				v[TSpeedJudged] = 1
				v[TSpeedPassed] = b2i(!s.Result.SpeedBelowSubscribed)
			}
		}
		v[TPhotosComplete] = b2i(s.Complete)
		v[TFlagged] = b2i(s.Flagged)
		v[TPhotoReused] = b2i(s.PhotoReused)
		v[TClockSkew] = b2i(s.ClockSkew)
		v[TSpeedBelow] = b2i(s.SpeedBelow)
		v[TEditedAfterSignature] = b2i(s.EditedAfterSg)
		v[TSpeedHidden] = b2i(s.SpeedHidden)
		f.add(KindTechnician, v, s.Unit, s.Technician)
	case checklists.KindWalkthrough:
		if s.StoreID == "" {
			return f
		}
		v := make([]int64, iLen)
		v[IInspections] = 1
		if p := s.Result.Percent; p != nil {
			v[IScored], v[IPercentMicro] = 1, Micro(*p)
		}
		v[IFailed] = b2i(!s.Result.Passed)
		v[IFinesCents] = Cents(s.Result.Fines)
		f.add(KindStore, v, s.Unit, s.StoreID)
		for _, d := range s.Result.Deductions {
			if d.Excluded || d.Points <= 0 {
				continue
			}
			n := int64(1)
			if d.Count != nil {
				n = int64(*d.Count)
			}
			f.add(KindDeduction, []int64{1, n, Cents(d.Points), Cents(d.Fine)}, s.Unit, s.StoreID, d.ItemID)
			f.label(d)
		}
		latest := string(store.Key(s.Unit, s.StoreID, store.TimeKey(s.FinishedAt), id))
		f.entries = append(f.entries, entry{kind: KindLatest, rest: latest,
			text: s.TemplateID + "\x00" + strconv.Itoa(s.TemplateVersion)})
	case checklists.KindSpotcheck:
		f.add(KindSpot, []int64{1, Cents(s.Result.Fines)}, s.Unit)
		for _, d := range s.Result.Deductions {
			if d.Excluded || d.Points <= 0 {
				continue
			}
			f.add(KindSpotItem, []int64{1, 0, 0, Cents(d.Fine)}, s.Unit, d.ItemID)
			if s.Technician != "" {
				f.add(KindSpotPerson, []int64{1}, s.Unit, d.ItemID, s.Technician)
			}
			f.label(d)
		}
	}
	return f
}

// label keeps the item's label (the last one counted) for the reports.
func (f *fact) label(d checklists.Deduction) {
	for _, e := range f.entries {
		if e.kind == KindLabel && e.rest == d.ItemID {
			return
		}
	}
	f.entries = append(f.entries, entry{kind: KindLabel, rest: d.ItemID, text: d.Label.Zh + "\x00" + d.Label.En})
}
