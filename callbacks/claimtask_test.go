package callbacks

import (
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/workorders"
)

func TestClaimTaskByIDRenewsAndRefuses(t *testing.T) {
	f := newFixture(t, Config{})
	held := f.kick(t, vip)
	later := f.kick(t, func(wo *workorders.WorkOrder) {
		vip(wo)
		wo.Appointment = workorders.Window{From: shanghai(2026, 11, 20, 9, 0), To: shanghai(2026, 11, 20, 11, 0)}
	})
	sms := f.kick(t, nil) // standard tier: waiting for the SMS answer

	// The card shows the appointment and product copied from the order.
	if later.Appointment == nil || !later.Appointment.From.Equal(shanghai(2026, 11, 20, 9, 0)) || later.Product != "broadband" {
		t.Fatalf("appointment/product not on the task: %+v %q", later.Appointment, later.Product)
	}

	// A task agreed for later is picked from the list before its time.
	if _, err := f.svc.Attempt(agent1, Everywhere, later.ID, OutcomeCallLater, f.clock.Now().Add(3*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	agreed := f.clock.Now().Add(3 * time.Hour)
	got, err := f.svc.ClaimTask(agent1, Everywhere, later.ID)
	if err != nil || got.Status != StatusClaimed || got.LeaseHolder != "agent1" {
		t.Fatalf("claim by id: %+v %v", got, err)
	}
	// Given back without an outcome, it waits for the agreed time again
	// rather than jumping into the queue.
	if got, err = f.svc.Release(agent1, Everywhere, later.ID); err != nil || got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(agreed) {
		t.Fatalf("release kept the agreed time? %+v %v", got, err)
	}
	if c, _ := f.svc.Claim(agent2, Everywhere); c == nil || c.ID != held.ID {
		t.Fatalf("the queue served %+v, want the other ready task, not one before its agreed call-back time", c)
	} else if _, err := f.svc.Release(agent2, Everywhere, c.ID); err != nil {
		t.Fatal(err)
	}
	if got, err = f.svc.ClaimTask(agent1, Everywhere, later.ID); err != nil {
		t.Fatal(err)
	}
	// Someone else's live lease names them.
	_, err = f.svc.ClaimTask(agent2, Everywhere, later.ID)
	if e := wantKind(t, err, errs.Conflict); e.Code != "leased_to_other" {
		t.Fatal(e.Code)
	}
	// Claiming again renews the holder's lease: a long call keeps its task.
	f.clock.Add(14 * time.Minute)
	got, err = f.svc.ClaimTask(agent1, Everywhere, later.ID)
	if err != nil || !got.LeaseUntil.Equal(f.clock.Now().Add(15*time.Minute)) {
		t.Fatalf("renew: %+v %v", got, err)
	}
	f.clock.Add(14 * time.Minute)
	if _, err := f.svc.ClaimTask(agent2, Everywhere, later.ID); err == nil {
		t.Fatal("the renewed lease lapsed")
	}

	// Closed tasks and SMS-waiting tasks are refused; unknown ids are 404.
	if _, err := f.svc.Result(agent1, Everywhere, held.ID, ResultInput{Satisfaction: Satisfied}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ClaimTask(agent2, Everywhere, held.ID)
	if e := wantKind(t, err, errs.Conflict); e.Code != "task_closed" {
		t.Fatal(e.Code)
	}
	_, err = f.svc.ClaimTask(agent2, Everywhere, sms.ID)
	if e := wantKind(t, err, errs.Conflict); e.Code != "sms_pending" {
		t.Fatal(e.Code)
	}
	_, err = f.svc.ClaimTask(agent2, Everywhere, "cb-9999999999")
	wantKind(t, err, errs.NotFound)
}

func TestSummarize(t *testing.T) {
	f := newFixture(t, Config{})
	f.clock.Set(shanghai(2026, 11, 19, 10, 0))
	overdue := f.kick(t, vip) // due at the end of the 19th
	f.clock.Set(shanghai(2026, 11, 20, 9, 0))
	ready := f.kick(t, vip)
	waiting := f.kick(t, vip)
	mine := f.kick(t, vip)
	other := f.kick(t, func(wo *workorders.WorkOrder) { vip(wo); wo.Unit = "chengdu-west" })
	f.kick(t, nil) // SMS
	done := f.kick(t, vip)
	_ = ready
	if _, err := f.svc.Attempt(agent1, Everywhere, waiting.ID, OutcomeNoAnswer, time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ClaimTask(agent1, Everywhere, mine.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ClaimTask(agent2, Everywhere, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Result(agent2, Everywhere, done.ID, ResultInput{Satisfaction: Satisfied}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Summarize(Everywhere, "agent1")
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Ready: 2, Overdue: 1, Waiting: 1, SMS: 1, Claimed: 2, Mine: 1, DoneToday: 1}
	if *got != want {
		t.Fatalf("summary %+v, want %+v", *got, want)
	}
	_ = overdue
	east, err := f.svc.Summarize(Scope{unit: "chengdu-east"}, "agent1")
	if err != nil {
		t.Fatal(err)
	}
	want.Claimed = 1 // the west task is not the east supervisor's
	if *east != want {
		t.Fatalf("east %+v, want %+v", *east, want)
	}
	// The next day nothing counts as done today; the held-back retry, the
	// lapsed leases and the unanswered SMS are all callable, all overdue.
	f.clock.Set(shanghai(2026, 11, 21, 9, 0))
	next, err := f.svc.Summarize(Everywhere, "agent1")
	if err != nil {
		t.Fatal(err)
	}
	if next.DoneToday != 0 || next.Waiting != 0 || next.Claimed != 0 || next.Ready != 6 || next.Overdue != 6 {
		t.Fatalf("next day %+v", *next)
	}
}

func TestAReplayedAttemptIsRecordedOnce(t *testing.T) {
	f := newFixture(t, Config{})
	task := f.kick(t, vip)
	mustClaim(t, f, agent1)
	first, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeNoAnswer, time.Time{}, "响铃无人接")
	if err != nil || len(first.Attempts) != 1 {
		t.Fatalf("%+v %v", first, err)
	}
	// The reply was lost; the screen sends the same call again.
	again, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeNoAnswer, time.Time{}, "响铃无人接")
	if err != nil || len(again.Attempts) != 1 || !again.NextAttemptAt.Equal(*first.NextAttemptAt) {
		t.Fatalf("replay: %+v %v", again, err)
	}
	// A different call, or the same one later, is a new attempt.
	f.clock.Add(3 * time.Minute)
	later, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeNoAnswer, time.Time{}, "响铃无人接")
	if err != nil || len(later.Attempts) != 2 {
		t.Fatalf("a later call: %+v %v", later, err)
	}
	other, err := f.svc.Attempt(agent2, Everywhere, task.ID, OutcomeBusy, time.Time{}, "")
	if err != nil || len(other.Attempts) != 3 {
		t.Fatalf("another call: %+v %v", other, err)
	}
	// A replayed call-later keeps its time; one with another time is new.
	at := f.clock.Now().Add(4 * time.Hour)
	if got, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeCallLater, at, ""); err != nil || len(got.Attempts) != 4 {
		t.Fatalf("call later: %+v %v", got, err)
	}
	if got, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeCallLater, at, ""); err != nil || len(got.Attempts) != 4 {
		t.Fatalf("replayed call later: %+v %v", got, err)
	}
	if got, err := f.svc.Attempt(agent1, Everywhere, task.ID, OutcomeCallLater, at.Add(time.Hour), ""); err != nil || len(got.Attempts) != 5 {
		t.Fatalf("another call-back time: %+v %v", got, err)
	}
}
