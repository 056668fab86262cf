package callbacks

import (
	"slices"
	"testing"
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// statusFixture: 40 tasks over two units, an hour apart; 30 closed with a
// result, 2 claimed, the rest pending.
func statusFixture(t *testing.T) *fixture {
	f := newFixture(t, Config{})
	var ids []string
	for i := 0; i < 40; i++ {
		task := f.kick(t, func(wo *workorders.WorkOrder) {
			if i%3 == 0 {
				wo.Unit = "chengdu-west"
			}
		})
		ids = append(ids, task.ID)
		f.clock.Add(time.Hour)
	}
	for _, id := range ids[:30] {
		if _, err := f.svc.Result(agent1, Everywhere, id, ResultInput{Satisfaction: Satisfied}); err != nil {
			t.Fatal(err)
		}
	}
	mustClaim(t, f, agent1)
	mustClaim(t, f, agent2)
	return f
}

func listIDs(t *testing.T, f *fixture, sc Scope, flt Filter, limit int) []string {
	t.Helper()
	var ids []string
	after := ""
	for {
		page, next, err := f.svc.List(sc, flt, limit, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range page {
			ids = append(ids, task.ID)
		}
		if next == "" {
			return ids
		}
		after = next
	}
}

// corrupt overwrites the stored record of every task pick says: a list that
// still works never read them.
func corrupt(t *testing.T, f *fixture, pick func(task *Task) bool) {
	t.Helper()
	if err := f.db.Update(func(tx *bolt.Tx) error {
		var hit [][]byte
		c := tx.Bucket(store.BucketCallbacks).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			task, err := loadTask(tx, string(k))
			if err != nil {
				return err
			}
			if pick(task) {
				hit = append(hit, k)
			}
		}
		for _, k := range hit {
			if err := tx.Bucket(store.BucketCallbacks).Put(k, []byte("not a task")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

var east, west = Scope{unit: "chengdu-east"}, Scope{unit: "chengdu-west"}

// TestListByStatusReadsOnlyItsTasks (issue 15): `GET /callbacks?status=`
// and a unit's list page through the status index, in finish-time order:
// the same tasks as before, and with every closed task's record made
// unreadable (and then every other unit's) they still answer — they never
// read a task they do not list.
func TestListByStatusReadsOnlyItsTasks(t *testing.T) {
	f := statusFixture(t)
	cases := []struct {
		name string
		sc   Scope
		flt  Filter
		n    int
	}{
		{"pending", Everywhere, Filter{Status: StatusPending}, 8},
		{"claimed", Everywhere, Filter{Status: StatusClaimed}, 2},
		{"pending in a unit", west, Filter{Status: StatusPending}, -1},
		{"open ones in a range", Everywhere, Filter{Status: StatusPending, From: f.clock.Now().Add(-8 * time.Hour)}, -1},
	}
	want := map[string][]string{}
	for _, c := range cases {
		want[c.name] = listIDs(t, f, c.sc, c.flt, 1000)
		if c.n >= 0 && len(want[c.name]) != c.n {
			t.Fatalf("%s: %d tasks, want %d", c.name, len(want[c.name]), c.n)
		}
	}
	eastAll := listIDs(t, f, east, Filter{}, 1000)
	done := listIDs(t, f, Everywhere, Filter{Status: StatusDone}, 7)
	if len(done) != 30 || len(eastAll) != 26 {
		t.Fatalf("%d done, %d in the east", len(done), len(eastAll))
	}

	corrupt(t, f, func(task *Task) bool { return task.Status == StatusDone })
	for _, c := range cases {
		if got := listIDs(t, f, c.sc, c.flt, 3); !slices.Equal(got, want[c.name]) {
			t.Fatalf("%s: %v, want %v", c.name, got, want[c.name])
		}
	}
	f2 := statusFixture(t)
	corrupt(t, f2, func(task *Task) bool { return task.Unit == "chengdu-west" })
	if got := listIDs(t, f2, east, Filter{}, 4); !slices.Equal(got, eastAll) {
		t.Fatalf("the east's list: %v, want %v", got, eastAll)
	}
}

// TestStatusIndexBuiltForAnOldDataDir: a data dir from before the index
// (tasks, no entries, no meta mark) gets it built from the tasks when the
// service starts, and the lists answer as the walk did.
func TestStatusIndexBuiltForAnOldDataDir(t *testing.T) {
	f := statusFixture(t)
	lists := func() [][]string {
		return [][]string{
			listIDs(t, f, Everywhere, Filter{Status: StatusPending}, 5),
			listIDs(t, f, Everywhere, Filter{Status: StatusDone}, 5),
			listIDs(t, f, west, Filter{}, 5),
			listIDs(t, f, east, Filter{Status: StatusClaimed}, 5),
		}
	}
	want := lists()
	// What the release before the index left: no entries, no mark.
	if err := f.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(store.BucketCallbacksByStatus); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(store.BucketCallbacksByStatus); err != nil {
			return err
		}
		return tx.Bucket(store.BucketMeta).Delete(metaStatusIndex)
	}); err != nil {
		t.Fatal(err)
	}
	if got := lists(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("walking without the index: %v, want %v", got, want)
	}
	dir := f.db.Dir
	f.db.Close()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db, f.svc = db, New(db, Config{Clock: f.clock.Now})
	db.View(func(tx *bolt.Tx) error {
		if !statusIndexOn(tx) || tx.Bucket(store.BucketCallbacksByStatus).Stats().KeyN != 3*40 {
			t.Fatalf("index not built on start: %d entries", tx.Bucket(store.BucketCallbacksByStatus).Stats().KeyN)
		}
		return nil
	})
	if got := lists(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("through the built index: %v, want %v", got, want)
	}
}
