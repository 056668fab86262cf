package callbacks

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"fieldcheck/internal/fixtures"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

var counterUnits = []string{"chengdu-east", "chengdu-west", "mianyang"}

var checks int

// sameAsWalk fails unless the counted summary equals the walk's for every
// scope and agent, and the uncovered units too, at the clock's now.
func sameAsWalk(t *testing.T, f *fixture, when string) {
	t.Helper()
	scopes := []Scope{Everywhere, {none: true}}
	for _, u := range counterUnits {
		scopes = append(scopes, Scope{unit: u})
	}
	err := f.db.View(func(tx *bolt.Tx) error {
		now := f.svc.now()
		if _, ok := countsWait(tx); !ok {
			t.Fatalf("%s: counters not built", when)
		}
		for i, sc := range scopes {
			// One agent a scope (the walk is slow), a different one each time.
			checks++
			for _, agent := range []string{[]string{"", "agent1", "agent2", "agent3"}[(checks+i)%4]} {
				want, err := f.svc.summarizeWalk(tx, sc, agent, now)
				if err != nil {
					return err
				}
				if got := summarizeCounted(tx, sc, agent, now); got != want {
					t.Fatalf("%s (%s): scope %+v agent %q: counted %+v, walked %+v", when, now.In(store.Shanghai), sc, agent, got, want)
				}
			}
			want, err := f.svc.uncoveredWalk(tx, sc, map[string]bool{}, now)
			if err != nil {
				return err
			}
			var got []string
			units := countedUnits(tx)
			for _, u := range units {
				if sc.Covers(u) && pendingIn(tx, u, now) > 0 {
					got = append(got, u)
				}
			}
			sort.Strings(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: scope %+v: uncovered counted %v, walked %v", when, sc, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// randomQueue runs n random operations on the queue — finished jobs of every
// kind (SMS, VIP, no phone, finished days ago), claims by unit and from
// everywhere, named claims, calls of every outcome, results, releases, SMS
// answers, sweeps — with the fake clock moving by seconds to hours between
// them, and calls check after each.
func randomQueue(t *testing.T, f *fixture, rng *rand.Rand, n int, check func(string)) {
	t.Helper()
	agents := []store.Actor{{Username: "agent1"}, {Username: "agent2"}, {Username: "agent3"}}
	var tasks []*Task
	pick := func() *Task { return tasks[rng.Intn(len(tasks))] }
	for i := 0; i < n; i++ {
		a := agents[rng.Intn(len(agents))]
		sc := Everywhere
		if rng.Intn(2) == 0 {
			sc = Scope{unit: counterUnits[rng.Intn(len(counterUnits))]}
		}
		op := rng.Intn(12)
		if len(tasks) == 0 {
			op = 0
		}
		var what string
		switch op {
		case 0, 1:
			unit := counterUnits[rng.Intn(len(counterUnits))]
			kind := rng.Intn(5)
			var task *Task
			if kind == 3 { // a late push: the job was finished hours or days ago
				task = f.kickFinished(t, unit, f.clock.Now().Add(-time.Duration(1+rng.Intn(120))*time.Hour))
			} else {
				task = f.kick(t, func(wo *workorders.WorkOrder) {
					wo.Unit = unit
					wo.Technician = "tech-" + unit
					switch kind {
					case 1:
						vip(wo)
					case 2:
						wo.Customer.Phone = ""
					}
				})
			}
			tasks = append(tasks, task)
			what = "kickoff " + task.ID
		case 2:
			_, _ = f.svc.Claim(a, sc)
			what = "claim"
		case 3:
			task := pick()
			_, _ = f.svc.ClaimTask(a, sc, task.ID)
			what = "claim " + task.ID
		case 4, 5:
			task := pick()
			outcomes := []string{OutcomeReached, OutcomeNoAnswer, OutcomeBusy, OutcomeWrongNumber, OutcomeRefused, OutcomeCallLater}
			o := outcomes[rng.Intn(len(outcomes))]
			at := f.clock.Now().Add(time.Duration(rng.Intn(48*60)) * time.Minute).Add(time.Duration(rng.Intn(60)) * time.Second)
			_, _ = f.svc.Attempt(a, sc, task.ID, o, at, fmt.Sprint(i))
			what = "attempt " + o + " " + task.ID
		case 6:
			task := pick()
			sat := []string{VerySatisfied, Satisfied, Unsatisfied}[rng.Intn(3)]
			_, _ = f.svc.Result(a, sc, task.ID, ResultInput{Satisfaction: sat, Reasons: []string{"上门不准时"}})
			what = "result " + task.ID
		case 7:
			task := pick()
			_, _ = f.svc.Release(a, sc, task.ID)
			what = "release " + task.ID
		case 8:
			task := pick()
			if task.SurveyURL != "" {
				sat := []string{VerySatisfied, Satisfied, Unsatisfied}[rng.Intn(3)]
				_ = f.svc.AnswerSurvey(strings.TrimPrefix(task.SurveyURL, "/s/"), sat, nil)
			}
			what = "survey " + task.ID
		case 9:
			if _, err := f.svc.Sweep(); err != nil {
				t.Fatal(err)
			}
			what = "sweep"
		default:
			// Time alone: seconds within a minute, minutes, hours, over
			// midnight — leases lapse, retries come, SMS waits end, due
			// times pass.
			steps := []time.Duration{time.Duration(rng.Intn(59)+1) * time.Second, time.Duration(rng.Intn(30)) * time.Minute,
				time.Duration(rng.Intn(8)) * time.Hour, time.Duration(rng.Intn(1000)) * time.Millisecond}
			f.clock.Add(steps[rng.Intn(len(steps))])
			what = "time"
		}
		check(fmt.Sprintf("op %d (%s)", i, what))
	}
}

// kickFinished kicks off a job of unit finished at finished (pushed late).
func (f *fixture) kickFinished(t testing.TB, unit string, finished time.Time) *Task {
	t.Helper()
	f.n++
	wo := &workorders.WorkOrder{ID: fmt.Sprintf("WO-%04d", f.n), Type: workorders.TypeRepair, Product: "broadband",
		Customer:   workorders.Customer{Name: "李四", Phone: "13800000002", Address: "成都市", Tier: workorders.TierStandard},
		Technician: "tech-" + unit, Unit: unit, Status: workorders.StatusCompleted}
	var task *Task
	if err := f.db.Update(func(tx *bolt.Tx) error {
		if err := Kickoff(tx, wo, finished, f.clock.Now()); err != nil {
			return err
		}
		var err error
		task, err = TaskForOrder(tx, wo.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return task
}

// TestCountersEqualTheWalk: after every one of a few thousand random queue
// operations, and at instants between them (within the minute that holds
// now, on its edges, hours later), the counted summary equals the walk over
// every task, for every scope and agent; and the stored counters equal
// those rebuilt from the records.
func TestCountersEqualTheWalk(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			f := newFixture(t, Config{SMSWait: 90 * time.Minute})
			f.db.Bolt.NoSync = true // thousands of commits; durability is not what this tests
			rng := rand.New(rand.NewSource(seed))
			randomQueue(t, f, rng, 400, func(when string) {
				sameAsWalk(t, f, when)
				// Look ahead without writing: the same records later.
				// one of: the next nanosecond, later in the same minute, the
				// next minute's first instant, hours or days later.
				base := f.clock.Now()
				ahead := []time.Duration{time.Nanosecond, time.Duration(rng.Intn(60_000)) * time.Millisecond,
					base.Truncate(time.Minute).Add(time.Minute).Sub(base), time.Duration(rng.Intn(72*60)) * time.Minute}
				d := ahead[rng.Intn(len(ahead))]
				f.clock.Set(base.Add(d))
				sameAsWalk(t, f, when+fmt.Sprintf(" +%v", d))
				f.clock.Set(base)
			})
			diffs, err := f.svc.VerifyCounters()
			if err != nil || len(diffs) > 0 {
				t.Fatalf("verify: %v %v", diffs, err)
			}
		})
	}
}

// TestCountersStepsAtTheExactInstant: a lease taken mid-minute counts as
// claimed until the nanosecond it ends and not after, though the minute
// holding that instant also holds the start of others.
func TestCountersStepsAtTheExactInstant(t *testing.T) {
	f := newFixture(t, Config{Lease: 15 * time.Minute})
	f.clock.Set(shanghai(2026, 11, 20, 10, 0).Add(17*time.Second + 5))
	a := f.kick(t, vip)
	b := f.kick(t, vip)
	if _, err := f.svc.ClaimTask(agent1, Everywhere, a.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(30 * time.Second)
	if _, err := f.svc.ClaimTask(agent2, Everywhere, b.ID); err != nil {
		t.Fatal(err)
	}
	end := shanghai(2026, 11, 20, 10, 15).Add(17*time.Second + 5)
	for _, c := range []struct {
		at               time.Time
		claimed, mine, r int
	}{
		{end.Add(-time.Nanosecond), 2, 1, 0},
		{end, 1, 0, 1},
		{end.Add(29 * time.Second), 1, 0, 1},
		{end.Add(30 * time.Second), 0, 0, 2},
	} {
		f.clock.Set(c.at)
		got, err := f.svc.Summarize(Everywhere, "agent1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Claimed != c.claimed || got.Mine != c.mine || got.Ready != c.r {
			t.Fatalf("at %v: %+v, want claimed %d mine %d ready %d", c.at, *got, c.claimed, c.mine, c.r)
		}
		sameAsWalk(t, f, c.at.String())
	}
}

// TestCountersBuiltForAnOldDataDir: a data dir written before the counters
// existed (no counter bucket, no meta mark) gets them built from its tasks
// when the service starts, and they are then kept with every write.
func TestCountersBuiltForAnOldDataDir(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Bolt.NoSync = true
	clock := fixtures.NewClock(shanghai(2026, 11, 20, 10, 0))
	f := &fixture{db: db, svc: New(db, Config{Clock: clock.Now}), clock: clock}
	randomQueue(t, f, rand.New(rand.NewSource(7)), 400, func(string) {})
	// Make it the old release's file: no counters and no mark.
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(store.BucketCallbackCounts); err != nil {
			return err
		}
		return tx.Bucket(store.BucketMeta).Delete(metaCounters)
	}); err != nil {
		t.Fatal(err)
	}
	// The old release keeps working on it meanwhile: writes without counters.
	randomQueue(t, f, rand.New(rand.NewSource(8)), 100, func(string) {})
	want, err := f.svc.Summarize(Everywhere, "agent1") // walks: nothing to count from
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Bolt.NoSync = true
	if err := db.View(func(tx *bolt.Tx) error {
		if _, ok := countsWait(tx); ok || tx.Bucket(store.BucketCallbackCounts).Stats().KeyN != 0 {
			t.Fatal("the reopened old file already has counters")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f = &fixture{db: db, svc: New(db, Config{Clock: clock.Now}), clock: clock, n: f.n}
	got, err := f.svc.Summarize(Everywhere, "agent1")
	if err != nil {
		t.Fatal(err)
	}
	if *got != *want || got.Ready+got.SMS+got.Waiting+got.Claimed == 0 {
		t.Fatalf("built counters say %+v, the walk %+v", *got, *want)
	}
	sameAsWalk(t, f, "after the build")
	randomQueue(t, f, rand.New(rand.NewSource(9)), 200, func(when string) { sameAsWalk(t, f, when) })
	if diffs, err := f.svc.VerifyCounters(); err != nil || len(diffs) > 0 {
		t.Fatalf("verify: %v %v", diffs, err)
	}
}

// TestCountersRebuiltForAnotherSMSWait: the steps depend on the SMS wait, so
// a service started with another one rebuilds them rather than count with
// the old wait.
func TestCountersRebuiltForAnotherSMSWait(t *testing.T) {
	f := newFixture(t, Config{SMSWait: time.Hour})
	randomQueue(t, f, rand.New(rand.NewSource(4)), 200, func(string) {})
	f.svc = New(f.db, Config{SMSWait: 3 * time.Hour, Clock: f.clock.Now})
	sameAsWalk(t, f, "after the restart")
	f.clock.Add(2 * time.Hour)
	sameAsWalk(t, f, "two hours later")
}

// TestVerifyCountersNamesADifference: a counter changed behind the service's
// back is reported, and RebuildCounters puts it right.
func TestVerifyCountersNamesADifference(t *testing.T) {
	f := newFixture(t, Config{})
	randomQueue(t, f, rand.New(rand.NewSource(5)), 100, func(string) {})
	if err := f.db.Update(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(store.BucketCallbackCounts).Cursor().First()
		return tx.Bucket(store.BucketCallbackCounts).Delete(append([]byte(nil), k...))
	}); err != nil {
		t.Fatal(err)
	}
	diffs, err := f.svc.VerifyCounters()
	if err != nil || len(diffs) != 1 {
		t.Fatalf("verify after tampering: %v %v", diffs, err)
	}
	if diffs, err := VerifyStoredCounters(f.db); err != nil || len(diffs) != 1 {
		t.Fatalf("verify from a command: %v %v", diffs, err)
	}
	if err := RebuildStoredCounters(f.db, 0); err != nil {
		t.Fatal(err)
	}
	if diffs, err := VerifyStoredCounters(f.db); err != nil || len(diffs) != 0 {
		t.Fatalf("verify from a command after its rebuild: %v %v", diffs, err)
	}
	if err := f.svc.RebuildCounters(); err != nil {
		t.Fatal(err)
	}
	if diffs, err := f.svc.VerifyCounters(); err != nil || len(diffs) != 0 {
		t.Fatalf("verify after the rebuild: %v %v", diffs, err)
	}
}

// TestCountersDropThePast: the sweep drops every step before now's minute
// less the margin — the past of tasks no one has called yet, which stayed
// until the task moved — and the counts stay those of the walk, now and
// later, through claims and releases after it; verify and a rebuild agree.
func TestCountersDropThePast(t *testing.T) {
	f := newFixture(t, Config{SMSWait: 90 * time.Minute})
	f.clock.Set(shanghai(2026, 11, 20, 10, 0))
	var ids []string
	for range 6 {
		ids = append(ids, f.kick(t, vip).ID)
	}
	if _, err := f.svc.ClaimTask(agent1, Everywhere, ids[0]); err != nil {
		t.Fatal(err)
	}
	past := func() (n int) {
		f.db.View(func(tx *bolt.Tx) error {
			hk := store.TimeKey(f.clock.Now().Truncate(countBucket).Add(-pruneMargin))
			c := tx.Bucket(store.BucketCallbackCounts).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				switch {
				case k[0] == 'i' && bytes.Compare(k[1:9], hk) < 0,
					(k[0] == 'c' || k[0] == 'm') && bytes.Compare(k[len(k)-8:], hk) < 0:
					n++
				}
			}
			return nil
		})
		return n
	}
	f.clock.Add(4 * 24 * time.Hour) // every due time, deadline and lease is past
	if n := past(); n == 0 {
		t.Fatal("no step in the past before the sweep: the test shows nothing")
	}
	sameAsWalk(t, f, "before the sweep")
	if _, err := f.svc.Sweep(); err != nil {
		t.Fatal(err)
	}
	if n := past(); n != 0 {
		t.Fatalf("%d keys before the horizon after the sweep", n)
	}
	sameAsWalk(t, f, "after the sweep")
	for _, id := range ids[1:4] {
		if _, err := f.svc.ClaimTask(agent2, Everywhere, id); err != nil {
			t.Fatal(err)
		}
		sameAsWalk(t, f, "claim "+id)
	}
	if _, err := f.svc.Release(agent2, Everywhere, ids[1]); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{0, time.Minute, 20 * time.Minute, 3 * time.Hour} {
		f.clock.Add(d)
		sameAsWalk(t, f, fmt.Sprintf("+%v", d))
	}
	if diffs, err := f.svc.VerifyCounters(); err != nil || len(diffs) > 0 {
		t.Fatalf("verify: %v %v", diffs, err)
	}
	if _, err := f.svc.Sweep(); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RebuildCounters(); err != nil {
		t.Fatal(err)
	}
	if diffs, err := f.svc.VerifyCounters(); err != nil || len(diffs) > 0 {
		t.Fatalf("verify after a rebuild: %v %v", diffs, err)
	}
	sameAsWalk(t, f, "after a rebuild")
}
