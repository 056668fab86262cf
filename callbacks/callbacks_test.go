package callbacks

import (
	"sync"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/rectifications"
	"fieldcheck/workorders"
)

func TestDeadlines(t *testing.T) {
	for _, c := range []struct {
		name          string
		finished      time.Time
		due, deadline time.Time
	}{
		{"finished 10:00: due that evening, deadline two days later",
			shanghai(2026, 11, 20, 10, 0), shanghai(2026, 11, 21, 0, 0), shanghai(2026, 11, 23, 0, 0)},
		{"finished 23:30 +08:00 (15:30 UTC): still that Shanghai day",
			shanghai(2026, 11, 20, 23, 30).UTC(), shanghai(2026, 11, 21, 0, 0), shanghai(2026, 11, 23, 0, 0)},
		{"finished 00:10 +08:00 (16:10 UTC the day before): the new Shanghai day",
			shanghai(2026, 11, 21, 0, 10).UTC(), shanghai(2026, 11, 22, 0, 0), shanghai(2026, 11, 24, 0, 0)},
		{"three days across a month end",
			shanghai(2026, 11, 30, 18, 0), shanghai(2026, 12, 1, 0, 0), shanghai(2026, 12, 3, 0, 0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			due, deadline := Deadlines(c.finished)
			// The end of a day is its last nanosecond.
			if !due.Equal(c.due.Add(-time.Nanosecond)) || !deadline.Equal(c.deadline.Add(-time.Nanosecond)) {
				t.Fatalf("due %v deadline %v", due.In(time.UTC), deadline.In(time.UTC))
			}
		})
	}
}

func TestKickoffAcrossMidnightShanghai(t *testing.T) {
	f := newFixture(t, Config{})
	f.clock.Set(shanghai(2026, 11, 20, 23, 30))
	task := f.kick(t, nil)
	if got := task.DueAt.In(time.UTC).Format(time.RFC3339); got != "2026-11-20T15:59:59Z" {
		t.Fatalf("due_at %s", got)
	}
	if got := task.DeadlineAt.In(time.UTC).Format(time.RFC3339); got != "2026-11-22T15:59:59Z" {
		t.Fatalf("deadline_at %s", got)
	}
	// At 00:10 the next morning the task is overdue: it beats a VIP task due tonight.
	f.clock.Set(shanghai(2026, 11, 21, 0, 10))
	f.kick(t, vip)
	f.clock.Add(5 * time.Hour) // past the SMS wait
	if got := mustClaim(t, f, agent1); got.ID != task.ID {
		t.Fatalf("claimed %s (%s), want the overdue %s", got.ID, got.Tier, task.ID)
	}
}

func TestKickoffTwiceMakesOneTask(t *testing.T) {
	f := newFixture(t, Config{})
	a := f.kick(t, nil)
	f.n-- // the same order id again
	b := f.kick(t, nil)
	if a.ID != b.ID {
		t.Fatalf("two tasks %s and %s for one order", a.ID, b.ID)
	}
	list, _, _ := f.svc.List(Everywhere, Filter{}, 0, "")
	if len(list) != 1 {
		t.Fatalf("%d tasks", len(list))
	}
	box, _, _ := f.svc.Outbox(Everywhere, 0, "")
	if len(box) != 1 {
		t.Fatalf("%d SMS", len(box))
	}
}

func TestKickoffRemovalNeedsNoCallback(t *testing.T) {
	f := newFixture(t, Config{})
	if task := f.kick(t, func(wo *workorders.WorkOrder) { wo.Type = workorders.TypeRemoval }); task != nil {
		t.Fatalf("removal got task %+v", task)
	}
}

func TestKickoffChannels(t *testing.T) {
	f := newFixture(t, Config{PublicURL: "https://fc.test"})
	std := f.kick(t, nil)
	if std.Channel != ChannelSMS || len(std.SurveyURL) != len("/s/")+22 {
		t.Fatalf("standard: channel %s url %q", std.Channel, std.SurveyURL)
	}
	box, _, _ := f.svc.Outbox(Everywhere, 0, "")
	if len(box) != 1 || box[0].To != "13800000001" || box[0].Text != box[0].Body+"https://fc.test"+std.SurveyURL {
		t.Fatalf("outbox %+v", box)
	}
	for _, tier := range []string{workorders.TierVIP, workorders.TierHighValue} {
		task := f.kick(t, func(wo *workorders.WorkOrder) { wo.Customer.Tier = tier })
		if task.Channel != ChannelManual || task.SurveyURL != "" {
			t.Fatalf("%s: channel %s", tier, task.Channel)
		}
	}
	if box, _, _ = f.svc.Outbox(Everywhere, 0, ""); len(box) != 1 {
		t.Fatalf("VIP customers got an SMS: %d", len(box))
	}
	// An SMS task is not in the manual queue until its wait is over.
	f.clock.Add(10 * time.Minute)
	a := mustClaim(t, f, agent1)
	b := mustClaim(t, f, agent1)
	if a.Tier == workorders.TierStandard || b.Tier == workorders.TierStandard {
		t.Fatal("standard task claimed during its SMS wait")
	}
	if got, _ := f.svc.Claim(agent1, Everywhere); got != nil {
		t.Fatalf("claimed %s", got.ID)
	}
	for _, task := range []*Task{a, b} {
		if _, err := f.svc.Result(agent1, Everywhere, task.ID, ResultInput{Satisfaction: Satisfied}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(4 * time.Hour)
	if got := mustClaim(t, f, agent1); got.ID != std.ID || got.Channel != ChannelManual || got.ManualReason != ManualSMSNoAnswer {
		t.Fatalf("after the wait: %+v", got)
	}
}

func TestClaimOrder(t *testing.T) {
	f := newFixture(t, Config{})
	// Tasks finished on three days; now is 11-22 12:00, so 11-20 and 11-21 are overdue.
	mk := func(finished time.Time, tier string) *Task {
		f.clock.Set(finished)
		return f.kick(t, func(wo *workorders.WorkOrder) {
			wo.Customer.Tier = tier
			wo.Customer.Phone = "" // straight to manual, to keep the SMS out of this test
		})
	}
	stdToday := mk(shanghai(2026, 11, 22, 9, 0), workorders.TierStandard)
	vipToday := mk(shanghai(2026, 11, 22, 11, 0), workorders.TierVIP)
	stdOverdue21 := mk(shanghai(2026, 11, 21, 15, 0), workorders.TierStandard)
	hvToday := mk(shanghai(2026, 11, 22, 8, 0), workorders.TierHighValue)
	stdOverdue20 := mk(shanghai(2026, 11, 20, 15, 0), workorders.TierStandard)
	vipOverdue21 := mk(shanghai(2026, 11, 21, 16, 0), workorders.TierVIP)
	f.clock.Set(shanghai(2026, 11, 22, 12, 0))

	// Same due day, same class: the order they were created in.
	want := []*Task{stdOverdue20, vipOverdue21, stdOverdue21, vipToday, hvToday, stdToday}
	for i, w := range want {
		got := mustClaim(t, f, agent1)
		if got.ID != w.ID {
			t.Fatalf("claim %d: got %s (%s, due %v), want %s (%s, due %v)", i, got.ID, got.Tier, got.DueAt, w.ID, w.Tier, w.DueAt)
		}
		if got.Status != StatusClaimed || got.LeaseHolder != "agent1" || !got.LeaseUntil.Equal(f.clock.Now().Add(15*time.Minute)) {
			t.Fatalf("lease %+v", got)
		}
	}
	if got, err := f.svc.Claim(agent2, Everywhere); got != nil || err != nil {
		t.Fatalf("empty queue: %v %v", got, err)
	}
}

func TestConcurrentClaimsNeverShareATask(t *testing.T) {
	f := newFixture(t, Config{})
	const tasks = 300
	for i := 0; i < tasks; i++ {
		f.kick(t, vip)
	}
	var mu sync.Mutex
	owner := map[string]string{}
	var wg sync.WaitGroup
	errc := make(chan error, 50)
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			a := agent1
			a.Username = []string{"a1", "a2", "a3", "a4", "a5"}[g%5]
			for {
				task, err := f.svc.Claim(a, Everywhere)
				if err != nil {
					errc <- err
					return
				}
				if task == nil {
					return
				}
				mu.Lock()
				if prev, ok := owner[task.ID]; ok {
					mu.Unlock()
					t.Errorf("%s claimed by %s and %s", task.ID, prev, a.Username)
					return
				}
				owner[task.ID] = a.Username
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if len(owner) != tasks {
		t.Fatalf("%d of %d tasks claimed", len(owner), tasks)
	}
}

func TestLeaseExpiryReturnsTheTask(t *testing.T) {
	f := newFixture(t, Config{})
	task := f.kick(t, vip)
	mustClaim(t, f, agent1)
	if got, _ := f.svc.Claim(agent2, Everywhere); got != nil {
		t.Fatal("a leased task was claimed again")
	}
	_, err := f.svc.Attempt(agent2, Everywhere, task.ID, OutcomeReached, time.Time{}, "")
	if e := wantKind(t, err, errs.Conflict); e.Code != "leased_to_other" {
		t.Fatal(e.Code)
	}
	f.clock.Add(15 * time.Minute)
	if got, _ := f.svc.Get(Everywhere, task.ID); got.Status != StatusPending || got.LeaseHolder != "" {
		t.Fatalf("after expiry: %s %s", got.Status, got.LeaseHolder)
	}
	if got := mustClaim(t, f, agent2); got.ID != task.ID || got.LeaseHolder != "agent2" {
		t.Fatalf("%+v", got)
	}
	// The first agent's late calls are now conflicts.
	_, err = f.svc.Result(agent1, Everywhere, task.ID, ResultInput{Satisfaction: Satisfied})
	wantKind(t, err, errs.Conflict)
}

func TestReleaseAndSeveralLeases(t *testing.T) {
	f := newFixture(t, Config{})
	a := f.kick(t, vip)
	b := f.kick(t, vip)
	if mustClaim(t, f, agent1).ID != a.ID || mustClaim(t, f, agent1).ID != b.ID {
		t.Fatal("order")
	}
	_, err := f.svc.Release(agent2, Everywhere, a.ID)
	wantKind(t, err, errs.Conflict)
	if _, err := f.svc.Release(agent1, Everywhere, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := mustClaim(t, f, agent2); got.ID != a.ID {
		t.Fatalf("released task not next: %s", got.ID)
	}
}

func TestRetryThenUnreachable(t *testing.T) {
	f := newFixture(t, Config{MaxAttempts: 3})
	f.clock.Set(shanghai(2026, 11, 20, 8, 0))
	task := f.kick(t, vip)
	for i, outcome := range []string{OutcomeNoAnswer, OutcomeBusy} {
		mustClaim(t, f, agent1)
		got, err := f.svc.Attempt(agent1, Everywhere, task.ID, outcome, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusPending || got.LeaseHolder != "" || !got.NextAttemptAt.Equal(f.clock.Now().Add(2*time.Hour)) {
			t.Fatalf("attempt %d: %+v", i, got)
		}
		if len(got.Attempts) != i+1 || got.Attempts[i].Agent != "agent1" || got.Attempts[i].Outcome != outcome {
			t.Fatalf("attempts %+v", got.Attempts)
		}
		// Held back for two hours.
		f.clock.Add(119 * time.Minute)
		if c, _ := f.svc.Claim(agent1, Everywhere); c != nil {
			t.Fatal("claimed before the retry time")
		}
		f.clock.Add(time.Minute)
	}
	mustClaim(t, f, agent1)
	got, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeNoAnswer, time.Time{}, "第三次未接")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusUnreachable || got.ClosedAt == nil {
		t.Fatalf("after the attempt limit: %s", got.Status)
	}
	if c, _ := f.svc.Claim(agent1, Everywhere); c != nil {
		t.Fatal("unreachable task claimed")
	}
	// A customer who calls in later may still give a result.
	if _, err := f.svc.Result(agent2, Everywhere, task.ID, ResultInput{Satisfaction: Satisfied}); err != nil {
		t.Fatal(err)
	}
}

func TestUnreachableOutcomes(t *testing.T) {
	f := newFixture(t, Config{})
	for _, outcome := range []string{OutcomeWrongNumber, OutcomeRefused} {
		task := f.kick(t, vip)
		got, err := f.svc.Attempt(agent1, Everywhere, task.ID, outcome, time.Time{}, "")
		if err != nil || got.Status != StatusUnreachable {
			t.Fatalf("%s: %v %v", outcome, got, err)
		}
	}
	// No answer with no time left for a retry before the deadline.
	f.clock.Set(shanghai(2026, 11, 20, 10, 0))
	task := f.kick(t, vip)
	f.clock.Set(shanghai(2026, 11, 22, 22, 30))
	got, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeNoAnswer, time.Time{}, "")
	if err != nil || got.Status != StatusUnreachable {
		t.Fatalf("past the deadline: %v %v", got, err)
	}
	// The same call sent again (its reply lost) is recorded once; any other
	// call on the closed task is refused.
	again, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeNoAnswer, time.Time{}, "")
	if err != nil || again.Status != StatusUnreachable || len(again.Attempts) != 1 {
		t.Fatalf("replayed attempt: %v %v", again, err)
	}
	_, err = f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeBusy, time.Time{}, "")
	wantKind(t, err, errs.Conflict)
	f.clock.Add(3 * time.Minute)
	_, err = f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeNoAnswer, time.Time{}, "")
	wantKind(t, err, errs.Conflict)
	_, err = f.svc.Attempt(agent1, Everywhere, task.ID, "maybe", time.Time{}, "")
	if e := wantKind(t, err, errs.Invalid); e.Fields["outcome"].En == "" {
		t.Fatal(e)
	}
}

func TestCallLater(t *testing.T) {
	f := newFixture(t, Config{})
	task := f.kick(t, vip)
	mustClaim(t, f, agent1)
	for name, at := range map[string]time.Time{
		"past":           f.clock.Now().Add(-time.Minute),
		"after deadline": task.DeadlineAt.Add(time.Minute),
		"missing":        {},
	} {
		_, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeCallLater, at, "")
		if e := wantKind(t, err, errs.Invalid); e.Fields["at"].En == "" {
			t.Fatalf("%s: %v", name, e)
		}
	}
	at := shanghai(2026, 11, 21, 19, 0)
	got, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeCallLater, at, "客户晚上有空")
	if err != nil {
		t.Fatal(err)
	}
	if !got.NextAttemptAt.Equal(at) || got.Status != StatusPending || !got.Attempts[0].CallAt.Equal(at) {
		t.Fatalf("%+v", got)
	}
	f.clock.Set(at.Add(-time.Second))
	if c, _ := f.svc.Claim(agent2, Everywhere); c != nil {
		t.Fatal("claimed before the time the customer named")
	}
	f.clock.Set(at)
	if c := mustClaim(t, f, agent2); c.ID != task.ID {
		t.Fatal(c.ID)
	}
}

func TestResult(t *testing.T) {
	f := newFixture(t, Config{})
	task := f.kick(t, vip)

	_, err := f.svc.Result(agent1, Everywhere, task.ID, ResultInput{Satisfaction: Unsatisfied, Reasons: []string{" "}})
	if e := wantKind(t, err, errs.Invalid); e.Fields["reasons"].En == "" {
		t.Fatalf("unsatisfied without reason: %v", e)
	}
	five, six := 5, 6
	_, err = f.svc.Result(agent1, Everywhere, task.ID, ResultInput{Satisfaction: "ok", Score: &six})
	if e := wantKind(t, err, errs.Invalid); len(e.Fields) != 2 {
		t.Fatalf("%v", e)
	}

	// No claim or attempt needed.
	got, err := f.svc.Result(agent1, Everywhere, task.ID, ResultInput{Satisfaction: Unsatisfied, Score: &five,
		Reasons: []string{"上门不准时", "师傅把垃圾留在楼道"}, Note: "已致歉"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusDone || got.Result.By != "agent1" || got.Result.Channel != ChannelManual || got.RectificationID == "" {
		t.Fatalf("%+v", got)
	}
	_, err = f.svc.Result(agent2, Everywhere, task.ID, ResultInput{Satisfaction: Satisfied})
	if e := wantKind(t, err, errs.Conflict); e.Code != "already_done" {
		t.Fatal(e.Code)
	}

	sup1 := auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	rs, _, err := rectifications.NewService(f.db, f.clock.Now).List(sup1, "", 0, "")
	if err != nil || len(rs) != 1 {
		t.Fatalf("%v %v", rs, err)
	}
	r := rs[0]
	if r.Technician != "tech1" || r.Source != rectifications.SourceCallback || r.SubjectRef != "callback/"+task.ID ||
		!r.DueAt.Equal(f.clock.Now().AddDate(0, 0, 15)) || r.Status != rectifications.StatusOpen {
		t.Fatalf("%+v", r)
	}
}

func TestSurveyAnswersOnce(t *testing.T) {
	f := newFixture(t, Config{})
	task := f.kick(t, nil)
	token := task.SurveyURL[len("/s/"):]
	if _, err := f.svc.SurveyByToken("nope"); err != ErrSurveyNotFound {
		t.Fatal(err)
	}
	s, err := f.svc.SurveyByToken(token)
	if err != nil || s.Job != "装机" || len(s.Reasons) == 0 {
		t.Fatalf("%+v %v", s, err)
	}
	if err := f.svc.AnswerSurvey(token, "great", nil); err == nil {
		t.Fatal("bad satisfaction accepted")
	}
	if err := f.svc.AnswerSurvey(token, VerySatisfied, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Get(Everywhere, task.ID)
	if got.Status != StatusDone || got.Result.Channel != ChannelSMS || got.Result.Satisfaction != VerySatisfied {
		t.Fatalf("%+v", got)
	}
	wantKind(t, f.svc.AnswerSurvey(token, Satisfied, nil), errs.Conflict)
	wantKind(t, f.svc.CheckSurvey(token), errs.Conflict)
}

func TestSurveyUnsatisfiedGoesToAnAgent(t *testing.T) {
	f := newFixture(t, Config{})
	task := f.kick(t, nil)
	token := task.SurveyURL[len("/s/"):]
	if err := f.svc.AnswerSurvey(token, Unsatisfied, []string{"网速不达标"}); err != nil {
		t.Fatal(err)
	}
	got := mustClaim(t, f, agent1)
	if got.ID != task.ID || got.Status != StatusClaimed || got.ManualReason != ManualSMSUnsatisfied || got.Survey.Reasons[0] != "网速不达标" {
		t.Fatalf("%+v", got)
	}
	wantKind(t, f.svc.AnswerSurvey(token, Satisfied, nil), errs.Conflict) // answered, not gone
}

func TestSurveyLinkDies(t *testing.T) {
	f := newFixture(t, Config{SMSWait: 4 * time.Hour})
	task := f.kick(t, nil)
	token := task.SurveyURL[len("/s/"):]
	f.clock.Add(4*time.Hour - time.Second)
	if err := f.svc.CheckSurvey(token); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Second)
	wantKind(t, f.svc.CheckSurvey(token), errs.Gone)
	wantKind(t, f.svc.AnswerSurvey(token, Satisfied, nil), errs.Gone)

	// With a wait longer than the three days, the deadline kills the link.
	g := newFixture(t, Config{SMSWait: 100 * time.Hour})
	task = g.kick(t, nil)
	token = task.SurveyURL[len("/s/"):]
	g.clock.Set(task.DeadlineAt)
	if err := g.svc.CheckSurvey(token); err != nil {
		t.Fatal(err)
	}
	g.clock.Add(time.Nanosecond)
	wantKind(t, g.svc.CheckSurvey(token), errs.Gone)

	// An agent who got there first kills it too.
	task = g.kick(t, nil)
	token = task.SurveyURL[len("/s/"):]
	if _, err := g.svc.Attempt(agent1, Everywhere, task.ID, OutcomeReached, time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	wantKind(t, g.svc.CheckSurvey(token), errs.Gone)
}

func TestSweepWritesBackTimeDrivenMoves(t *testing.T) {
	f := newFixture(t, Config{})
	f.kick(t, nil)
	leased := f.kick(t, vip)
	mustClaim(t, f, agent1)
	f.clock.Add(5 * time.Hour)
	n, err := f.svc.Sweep()
	if err != nil || n != 2 {
		t.Fatalf("moved %d, %v", n, err)
	}
	if n, _ := f.svc.Sweep(); n != 0 {
		t.Fatalf("second sweep moved %d", n)
	}
	pending, _, _ := f.svc.List(Everywhere, Filter{Status: StatusPending}, 0, "")
	if len(pending) != 2 || pending[1].ID != leased.ID {
		t.Fatalf("%+v", pending)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	f := newFixture(t, Config{})
	for i := 0; i < 5; i++ {
		f.kick(t, vip)
		f.clock.Add(time.Hour)
	}
	f.kick(t, func(wo *workorders.WorkOrder) { wo.Unit = "chengdu-west" })
	var all []Task
	after := ""
	for {
		page, next, err := f.svc.List(Scope{unit: "chengdu-east"}, Filter{}, 2, after)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		after = next
	}
	if len(all) != 5 {
		t.Fatalf("%d", len(all))
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].FinishedAt.Before(all[i].FinishedAt) {
			t.Fatal("not oldest first")
		}
	}
	from := shanghai(2026, 11, 20, 11, 0)
	page, _, _ := f.svc.List(Everywhere, Filter{From: from, To: from.Add(2 * time.Hour)}, 0, "")
	if len(page) != 2 {
		t.Fatalf("range: %d", len(page))
	}
	_, _, err := f.svc.List(Everywhere, Filter{Status: "lost"}, 0, "")
	wantKind(t, err, errs.Invalid)
	_, _, err = f.svc.List(Everywhere, Filter{}, 0, "!!")
	wantKind(t, err, errs.BadRequest)
}
