package callbacks

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FinishedBetween yields the tasks whose job finished in [from, to), oldest
// first, and stops at fn's error: the reports walk tasks through it instead
// of decoding the callback buckets themselves (issue 13).
func TestFinishedBetweenYieldsTheRangeOldestFirst(t *testing.T) {
	f := newFixture(t, Config{})
	a := f.kick(t, nil)
	f.clock.Add(time.Hour)
	b := f.kick(t, nil)
	f.clock.Add(time.Hour)
	c := f.kick(t, nil)
	walk := func(from, to time.Time) (ids []string) {
		t.Helper()
		if err := f.db.View(func(tx *bolt.Tx) error {
			return FinishedBetween(tx, from, to, func(t *Task) error { ids = append(ids, t.ID); return nil })
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := walk(a.FinishedAt, c.FinishedAt.Add(time.Nanosecond)); len(got) != 3 || got[0] != a.ID || got[1] != b.ID || got[2] != c.ID {
		t.Fatalf("whole range: %v, want %s %s %s", got, a.ID, b.ID, c.ID)
	}
	if got := walk(b.FinishedAt, c.FinishedAt); len(got) != 1 || got[0] != b.ID {
		t.Fatalf("[b, c): %v, want only %s", got, b.ID)
	}
	stop := errors.New("stop")
	n := 0
	err := f.db.View(func(tx *bolt.Tx) error {
		return FinishedBetween(tx, a.FinishedAt, c.FinishedAt.Add(time.Hour), func(*Task) error { n++; return stop })
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn's error: %v after %d tasks", err, n)
	}
}
