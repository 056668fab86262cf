package submissions

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

func pageSheets(t *testing.T, db *store.DB, p auth.Principal, f Filter, limit int) []string {
	t.Helper()
	var ids []string
	after := ""
	for {
		items, next, err := List(db, p, f, limit, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range items {
			ids = append(ids, s.ID)
		}
		if next == "" {
			return ids
		}
		after = next
	}
}

// TestSupervisorListPagesThroughTheUnitIndex (issue 15): on a store whose
// sheets were pushed before the index existed, a supervisor's first list
// builds it; the unit's sheets then page in finish-time order, each once,
// while more are pushed between pages; an edit that moves a sheet's finish
// time moves its entry; and with every other unit's head made unreadable
// the supervisor's list (and a range of it) still answers — it never reads
// another unit's sheet.
func TestSupervisorListPagesThroughTheUnitIndex(t *testing.T) {
	db := newDB(t)
	db.Bolt.NoSync = true
	rng := rand.New(rand.NewSource(7))
	pushSheets(t, db, rng, 0, 400)
	view(t, db, func(tx *bolt.Tx) error {
		if unitIndexOn(tx) || tx.Bucket(store.BucketSubmissionsByUnit).Stats().KeyN != 0 {
			t.Fatal("unit index written before any supervisor's list")
		}
		return nil
	})
	want := flaggedWalked(t, db, sup1, "") // every sheet sup1 may list, finish-time order
	if len(want) < 150 {
		t.Fatalf("only %d sheets in the unit", len(want))
	}
	from := map[string]bool{}
	for _, id := range want {
		from[id] = true
	}
	var got []string
	seen := map[string]bool{}
	after, next := "", 400
	for {
		items, nx, err := List(db, sup1, Filter{}, 19, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range items {
			if seen[s.ID] || s.Unit != sup1.Unit {
				t.Fatalf("%s (unit %s) listed twice or to the wrong supervisor", s.ID, s.Unit)
			}
			seen[s.ID] = true
			if from[s.ID] {
				got = append(got, s.ID)
			}
		}
		if nx == "" {
			break
		}
		after = nx
		pushSheets(t, db, rng, next, 3)
		next += 3
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged %d sheets, want %d in finish-time order", len(got), len(want))
	}

	// An edit that moves the finish time moves the entry.
	first := want[0]
	view(t, db, func(tx *bolt.Tx) error {
		h, err := loadHead(tx, first)
		if err != nil || h == nil {
			t.Fatalf("%s: %v", first, err)
		}
		later := t0.Add(-time.Minute)
		s := newSubmission(t, db, first, "install_acceptance", h.Subject, func(s *checklists.Submission) {
			s.FinishedAt, s.BaseVersion = &later, h.Version
		})
		expect(t, pushAt(t, db, tech1, t0, nil, s)[0], StatusAccepted, 2, "")
		return nil
	})
	all := pageSheets(t, db, sup1, Filter{}, 50)
	if walked := flaggedWalked(t, db, sup1, ""); !slices.Equal(all, walked) || slices.Index(all, first) <= 0 {
		t.Fatalf("after the edit: %d listed, %d walked, %s at %d", len(all), len(walked), first, slices.Index(all, first))
	}
	rangeF := Filter{From: t0.Add(-12 * time.Hour), To: t0.Add(-2 * time.Hour)}
	ranged := pageSheets(t, db, sup1, rangeF, 13)

	update(t, db, func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketSubmissionHeads)
		var other [][]byte
		b.ForEach(func(k, _ []byte) error {
			if h, err := loadHead(tx, string(k)); err == nil && h.Unit != sup1.Unit {
				other = append(other, k)
			}
			return nil
		})
		if len(other) < 100 {
			return fmt.Errorf("only %d sheets of other units", len(other))
		}
		for _, k := range other {
			if err := b.Put(k, []byte("not a head")); err != nil {
				return err
			}
		}
		return nil
	})
	if got := pageSheets(t, db, sup1, Filter{}, 50); !slices.Equal(got, all) {
		t.Fatalf("with other units' heads unreadable: %d listed, want %d", len(got), len(all))
	}
	if got := pageSheets(t, db, sup1, rangeF, 13); !slices.Equal(got, ranged) || len(ranged) == 0 {
		t.Fatalf("range: %d listed, want %d", len(got), len(ranged))
	}
}
