package qa

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/xuri/excelize/v2"
)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("want error %s, got %v", code, err)
	}
}

// calls makes n calls for each agent, finished on day d, mixed outcomes.
func (f *fixture) calls(t *testing.T, agents []string, n, d int) []string {
	outcomes := []string{"satisfied", "very_satisfied", "unsatisfied", OutcomeUnreachable}
	types := []string{"install", "repair", "move"}
	var ids []string
	for _, a := range agents {
		for i := 0; i < n; i++ {
			ids = append(ids, f.call(t, a, types[i%3], outcomes[i%4], at(d, 9)))
		}
	}
	return ids
}

func review(t *testing.T, f *fixture, p auth.Principal, task, mode string, fail ...string) *Review {
	t.Helper()
	in := Input{TaskID: task, Mode: mode, Answers: sheet(fail...)}
	if len(fail) > 0 {
		in.Improvement = "开场白需完整，先自报身份"
	}
	r, err := f.svc.Create(p, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDailyQueueQuotaStoredAndNeverTheSameCallTwice(t *testing.T) {
	f := newFixture(t, Config{})
	agents := []string{"agent1", "agent2", "agent3", "agent4"}
	f.clock.Set(at(19, 12))
	f.calls(t, agents, 8, 19) // 32 calls
	f.clock.Set(at(20, 9))
	d1, err := f.svc.Day(qa1, day(20))
	if err != nil {
		t.Fatal(err)
	}
	if len(d1.Items) != DefaultQuota || d1.Quota != 20 {
		t.Fatalf("queue of %d (quota %d), want 20", len(d1.Items), d1.Quota)
	}
	per := map[string]int{}
	for _, it := range d1.Items {
		per[it.Agent]++
	}
	for _, a := range agents {
		if per[a] != 5 {
			t.Errorf("%s: %d calls in the queue, want 5 (every agent reviewed)", a, per[a])
		}
	}
	// A reload shows the same queue.
	again, err := f.svc.Day(qa1, day(20))
	if err != nil || len(again.Items) != 20 || again.Items[7].TaskID != d1.Items[7].TaskID || !again.DrawnAt.Equal(d1.DrawnAt) {
		t.Fatalf("reload drew a different queue: %v", err)
	}
	// Review three; the day counts them.
	for _, it := range d1.Items[:3] {
		review(t, f, qa1, it.TaskID, ModeRemote)
	}
	if d, _ := f.svc.Day(qa1, day(20)); d.Done != 3 || d.Items[0].ReviewID == "" || d.Items[0].Percent == nil || *d.Items[0].Percent != 100 {
		t.Errorf("done %d, first item %+v", d.Done, d.Items[0])
	}
	// Reviewing the same call again is refused.
	_, err = f.svc.Create(qa1, Input{TaskID: d1.Items[0].TaskID, Mode: ModeRemote, Answers: sheet()})
	wantCode(t, err, "already_reviewed")
	// The next day's queue holds none of yesterday's: only 12 calls are left.
	f.clock.Set(at(21, 9))
	d2, err := f.svc.Day(qa1, day(21))
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Items) != 12 {
		t.Errorf("day 2 drew %d, want the 12 calls not drawn yet", len(d2.Items))
	}
	first := map[string]bool{}
	for _, it := range d1.Items {
		first[it.TaskID] = true
	}
	for _, it := range d2.Items {
		if first[it.TaskID] {
			t.Errorf("%s drawn for the same reviewer twice", it.TaskID)
		}
	}
	// Another reviewer may hear the same calls, but unheard ones come first.
	d3, err := f.svc.Day(qa2, day(21))
	if err != nil || len(d3.Items) != 20 {
		t.Fatalf("qa2: %v %d", err, len(d3.Items))
	}
	// A day still to come cannot be drawn.
	_, err = f.svc.Day(qa1, day(22))
	wantCode(t, err, "validation_failed")
}

func TestReviewIsScoredLikeAChecklistAndNeedsImprovementNotes(t *testing.T) {
	f := newFixture(t, Config{})
	id := f.call(t, "agent1", "install", "satisfied", at(20, 9))
	_, err := f.svc.Create(qa1, Input{TaskID: id, Mode: ModeOnsite, Answers: sheet("attitude")})
	wantCode(t, err, "validation_failed") // deductions without 改进建议
	_, err = f.svc.Create(qa1, Input{TaskID: id, Mode: "phone", Answers: sheet()})
	wantCode(t, err, "validation_failed")
	_, err = f.svc.Create(qa1, Input{TaskID: id, Mode: ModeOnsite, Answers: map[string]json.RawMessage{"greeting": json.RawMessage(`"pass"`)}})
	wantCode(t, err, "validation_failed") // required items unanswered
	r := review(t, f, qa1, id, ModeOnsite, "attitude")
	if r.Result.Score != 85 || r.Result.MaxScore != 100 || *r.Result.Grade != "good" || !r.Result.Passed {
		t.Errorf("attitude (15) lost: %+v, want 85/100 good", r.Result)
	}
	if r.Call.Agent != "agent1" || r.Call.Outcome != "satisfied" || r.Call.OrderType != "install" || len(r.Call.Attempts) != 0 || r.Call.Result == nil {
		t.Errorf("the call as recorded: %+v", r.Call)
	}
	// 记录与客户所述不符 is critical: the sheet fails whatever the score.
	id2 := f.call(t, "agent1", "repair", "satisfied", at(20, 9))
	r2 := review(t, f, qa1, id2, ModeRecording, "accuracy")
	if r2.Result.Passed {
		t.Error("a record that differs from the customer's words must fail the sheet")
	}
	// complaint na: excluded from the maximum.
	id3 := f.call(t, "agent1", "repair", "satisfied", at(20, 9))
	a := sheet()
	a["complaint"] = json.RawMessage(`"na"`)
	r3, err := f.svc.Create(qa1, Input{TaskID: id3, Mode: ModeRemote, Answers: a})
	if err != nil || r3.Result.MaxScore != 90 || *r3.Result.Percent != 100 {
		t.Errorf("na excluded: %+v %v", r3, err)
	}
	// An SMS-only survey is no call to review.
	_, err = f.svc.Create(qa1, Input{TaskID: "cb-9999999999", Mode: ModeRemote, Answers: sheet()})
	wantCode(t, err, "not_found")
}

func TestAgentsReadOnlyTheirOwnReviews(t *testing.T) {
	f := newFixture(t, Config{})
	mine := review(t, f, qa1, f.call(t, "agent1", "install", "satisfied", at(20, 9)), ModeRemote, "script")
	other := review(t, f, qa1, f.call(t, "agent2", "install", "satisfied", at(20, 9)), ModeRemote)
	agent1 := auth.Principal{Username: "agent1", Role: auth.RoleAgent, Unit: "chengdu-east"}
	list, _, err := f.svc.List(agent1, Filter{Agent: "agent2"}, 0, "")
	if err != nil || len(list) != 1 || list[0].ID != mine.ID || list[0].Improvement == "" {
		t.Fatalf("agent1 lists %+v %v, want only their own review with its notes", list, err)
	}
	if _, err := f.svc.Get(agent1, other.ID); !errs.IsKind(err, errs.NotFound) {
		t.Errorf("agent1 read agent2's review: %v", err)
	}
	west := auth.Principal{Username: "sup9", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	if _, err := f.svc.Get(west, mine.ID); !errs.IsKind(err, errs.NotFound) {
		t.Errorf("another unit's supervisor read the review: %v", err)
	}
	all, _, _ := f.svc.List(admin, Filter{}, 1, "")
	if len(all) != 1 || all[0].ID != other.ID {
		t.Fatalf("newest first, one a page: %+v", all)
	}
	rest, next, _ := f.svc.List(admin, Filter{}, 1, mustCursor(t, f, admin))
	if len(rest) != 1 || rest[0].ID != mine.ID || next != "" {
		t.Errorf("page 2: %+v next %q", rest, next)
	}
}

func mustCursor(t *testing.T, f *fixture, p auth.Principal) string {
	_, next, err := f.svc.List(p, Filter{}, 1, "")
	if err != nil || next == "" {
		t.Fatalf("no cursor: %v", err)
	}
	return next
}

func TestMonthMixIsShownOnTheDay(t *testing.T) {
	f := newFixture(t, Config{Quota: 10})
	ids := f.calls(t, []string{"agent1", "agent2"}, 5, 20)
	modes := []string{ModeOnsite, ModeOnsite, ModeRemote, ModeRemote, ModeRemote, ModeRemote, ModeRemote, ModeRemote, ModeRemote, ModeRecording}
	for i, id := range ids {
		review(t, f, qa1, id, modes[i])
	}
	d, err := f.svc.Day(qa1, day(20))
	if err != nil {
		t.Fatal(err)
	}
	if d.Mix.Total != 10 || !d.Mix.OnTarget || d.Mix.Modes[0].Count != 2 || d.Mix.Modes[1].Count != 7 || d.Mix.Modes[2].Count != 1 {
		t.Errorf("mix %+v, want 2:7:1 on target", d.Mix)
	}
	if len(d.Items) != 0 {
		t.Errorf("every call was reviewed already: queue %+v", d.Items)
	}
	other, _ := f.svc.MixFor("qa2", day(20))
	if other.Total != 0 {
		t.Errorf("qa2's mix counts qa1's reviews: %+v", other)
	}
}

func TestCalibrationSessionFlagsStrayReviewers(t *testing.T) {
	f := newFixture(t, Config{})
	a := f.call(t, "agent1", "install", "satisfied", at(20, 9))
	b := f.call(t, "agent2", "repair", "unsatisfied", at(20, 9))
	tol := 10.0
	_, err := f.svc.CreateCalibration(admin, CalInput{Title: "四季度校准", TaskIDs: []string{a, b}, Reviewers: []string{"qa1", "agent1"}})
	wantCode(t, err, "validation_failed") // an agent is no reviewer
	c, err := f.svc.CreateCalibration(admin, CalInput{Title: "四季度校准", TaskIDs: []string{a, b}, Reviewers: []string{"qa1", "qa2", "qa3"}, Tolerance: &tol})
	if err != nil {
		t.Fatal(err)
	}
	score := func(p auth.Principal, task string, fail ...string) {
		t.Helper()
		if _, err := f.svc.ScoreCalibration(p, c.ID, CalScoreInput{TaskID: task, Answers: sheet(fail...)}); err != nil {
			t.Fatal(err)
		}
	}
	score(qa1, a, "clarity")              // 90
	score(qa2, a, "greeting")             // 90
	score(qa3, a, "attitude", "script")   // 70: 20 below the median
	score(qa1, b, "closing_words")        // 90
	score(qa2, b, "listening", "confirm") // 85
	_, err = f.svc.ScoreCalibration(qa1, c.ID, CalScoreInput{TaskID: a, Answers: sheet()})
	wantCode(t, err, "already_scored")
	_, err = f.svc.ScoreCalibration(auth.Principal{Username: "sup1", Role: auth.RoleSupervisor}, c.ID, CalScoreInput{TaskID: a, Answers: sheet()})
	wantCode(t, err, "not_in_session")
	got, err := f.svc.GetCalibration(admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Outcome.Retrain) != 1 || got.Outcome.Retrain[0] != "qa3" || got.Outcome.Complete {
		t.Errorf("outcome %+v, want qa3 listed for retraining, session incomplete", got.Outcome)
	}
	// Calibration sheets are not reviews: the agents never see them.
	if list, _, _ := f.svc.List(admin, Filter{}, 0, ""); len(list) != 0 {
		t.Errorf("calibration made %d reviews", len(list))
	}
}

func TestWeeklyReportAnalysesItemsAndTrainingNeeds(t *testing.T) {
	f := newFixture(t, Config{})
	ids := f.calls(t, []string{"agent1", "agent2"}, 3, 20)
	for i, id := range ids {
		if i%2 == 0 {
			review(t, f, qa1, id, ModeRemote, "script")
		} else {
			review(t, f, qa1, id, ModeRemote)
		}
	}
	rep, err := f.svc.Report(admin, PeriodWeekly, day(20))
	if err != nil {
		t.Fatal(err)
	}
	if rep.From != "2026-11-16" || rep.To != "2026-11-22" || rep.Count != 6 || rep.Modes[ModeRemote] != 6 {
		t.Errorf("period %s–%s count %d modes %v", rep.From, rep.To, rep.Count, rep.Modes)
	}
	if len(rep.Agents) != 2 || rep.Agents[0].Name == "" && rep.Agents[0].Agent == "agent1" {
		t.Errorf("agents %+v", rep.Agents)
	}
	var script *ItemRow
	for i := range rep.Items {
		if rep.Items[i].ItemID == "script" {
			script = &rep.Items[i]
		}
	}
	if script == nil || script.Lost != 3 || script.Judged != 6 || script.LostRate != 0.5 {
		t.Fatalf("script item %+v, want lost on 3 of 6", script)
	}
	if len(rep.Training) != 1 || rep.Training[0].ItemID != "script" || len(rep.Training[0].Agents) != 2 {
		t.Errorf("training needs %+v", rep.Training)
	}
	if rep.Plan == nil || rep.Plan.Reviews != 100 || rep.Plan.FocusItems[0] != "script" ||
		rep.Plan.Modes[ModeOnsite]+rep.Plan.Modes[ModeRemote]+rep.Plan.Modes[ModeRecording] != 100 {
		t.Errorf("plan %+v", rep.Plan)
	}
	if rep.Plan.Modes[ModeOnsite] <= rep.Plan.Modes[ModeRecording] {
		t.Errorf("an all-remote month needs onsite and recording next: %+v", rep.Plan.Modes)
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, rep, f.svc.Names(rep)); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.GetSheetList(); len(got) != 6 || got[0] != "概况" {
		t.Errorf("sheets %v", got)
	}
	rows, _ := x.GetRows("坐席成绩")
	if len(rows) != 3 || rows[1][0] == "agent1" || rows[2][0] == "agent1" {
		t.Errorf("agents by name, never username: %v", rows)
	}
	day, _ := f.svc.Report(admin, PeriodDaily, day(20))
	if len(day.Items) != 9 || day.Training != nil || day.Plan != nil || len(day.Suggestions) != 3 {
		t.Errorf("daily report: %+v", day)
	}
	if _, err := f.svc.Report(admin, "yearly", day0()); !errs.IsKind(err, errs.NotFound) {
		t.Errorf("unknown period: %v", err)
	}
}

func day0() time.Time { return day(20) }

func TestAudioIsKeptForTheReviewAndReadByTheAgent(t *testing.T) {
	f := newFixture(t, Config{MaxAudio: 1000})
	r := review(t, f, qa1, f.call(t, "agent1", "install", "satisfied", at(20, 9)), ModeRecording)
	if _, err := f.svc.PutAudio(qa2, r.ID, "audio/mpeg", []byte("ID3")); !errs.IsKind(err, errs.Forbidden) {
		t.Errorf("another reviewer attached audio: %v", err)
	}
	if _, err := f.svc.PutAudio(qa1, r.ID, "audio/mpeg", make([]byte, 1001)); !errs.IsKind(err, errs.TooLarge) {
		t.Errorf("over the cap: %v", err)
	}
	got, err := f.svc.PutAudio(qa1, r.ID, "audio/mpeg", []byte("ID3 recording"))
	if err != nil || got.Audio == nil || got.Audio.Size != 13 {
		t.Fatalf("%+v %v", got, err)
	}
	path, ct, err := f.svc.AudioFile(auth.Principal{Username: "agent1", Role: auth.RoleAgent}, r.ID)
	if err != nil || ct != "audio/mpeg" {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "ID3 recording" {
		t.Errorf("file holds %q", b)
	}
	if _, err := AudioType("image/png"); !errs.IsKind(err, errs.Unsupported) {
		t.Errorf("png accepted as audio: %v", err)
	}
	_ = store.Shanghai
}
