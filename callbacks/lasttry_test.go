package callbacks

import (
	"encoding/json"
	"testing"
	"time"
)

// The agent's card says "last try" before the tap: Annotate must predict
// exactly what Attempt then does with a no_answer — by the attempt limit and
// by the deadline — and never be stored with the task.
func TestAnnotateLastTryMirrorsTheRule(t *testing.T) {
	f := newFixture(t, Config{MaxAttempts: 3})
	f.clock.Set(shanghai(2026, 11, 20, 8, 0))
	task := f.kick(t, vip)
	check := func(step string, left int, last bool) {
		t.Helper()
		got, err := f.svc.Get(task.ID)
		if err != nil {
			t.Fatal(err)
		}
		a := f.svc.Annotate(got)
		if a.AttemptsLeft == nil || *a.AttemptsLeft != left || a.LastTry != last {
			t.Fatalf("%s: attempts_left %v last_try %v, want %d %v", step, a.AttemptsLeft, a.LastTry, left, last)
		}
		if got.AttemptsLeft != nil || got.LastTry {
			t.Fatalf("%s: Annotate changed the task it was given", step)
		}
	}
	check("fresh", 3, false)
	for i := 0; i < 2; i++ {
		mustClaim(t, f, agent1)
		if _, err := f.svc.Attempt(agent1, task.ID, OutcomeNoAnswer, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(2 * time.Hour)
	}
	check("two calls made", 1, true)
	mustClaim(t, f, agent1)
	got, err := f.svc.Attempt(agent1, task.ID, OutcomeNoAnswer, time.Time{}, "")
	if err != nil || got.Status != StatusUnreachable {
		t.Fatalf("the predicted last try did not close the task: %v %v", got, err)
	}
	if a := f.svc.Annotate(got); a.AttemptsLeft != nil || a.LastTry {
		t.Fatalf("a closed task carries no last try: %+v", a)
	}

	// The deadline: with less than the retry delay left, the first call is
	// already the last; with more, it is not.
	f.clock.Set(shanghai(2026, 11, 20, 8, 0))
	early := f.kick(t, vip) // deadline 11-22 24:00
	f.clock.Set(shanghai(2026, 11, 22, 21, 0))
	if a := f.svc.Annotate(mustGet(t, f, early.ID)); a.LastTry || *a.AttemptsLeft != 3 {
		t.Fatalf("3 h before the deadline: %+v", a)
	}
	mustClaim(t, f, agent1)
	if got, err := f.svc.Attempt(agent1, early.ID, OutcomeNoAnswer, time.Time{}, ""); err != nil || got.Status != StatusPending {
		t.Fatalf("not the last try, yet: %v %v", got, err)
	}
	f.clock.Set(shanghai(2026, 11, 22, 23, 0))
	if a := f.svc.Annotate(mustGet(t, f, early.ID)); !a.LastTry || *a.AttemptsLeft != 2 {
		t.Fatalf("1 h before the deadline: %+v", a)
	}
	mustClaim(t, f, agent1)
	if got, err := f.svc.Attempt(agent1, early.ID, OutcomeBusy, time.Time{}, ""); err != nil || got.Status != StatusUnreachable {
		t.Fatalf("predicted last try: %v %v", got, err)
	}

	// Stored records never hold the annotation.
	var raw map[string]any
	b, _ := json.Marshal(mustGet(t, f, early.ID))
	_ = json.Unmarshal(b, &raw)
	if _, ok := raw["last_try"]; ok {
		t.Fatal("last_try stored with the task")
	}
}

func mustGet(t *testing.T, f *fixture, id string) *Task {
	t.Helper()
	got, err := f.svc.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
