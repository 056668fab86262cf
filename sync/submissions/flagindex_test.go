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
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// pushSheets pushes n acceptance sheets (orders made for them) by tech1 and
// tech3, finished at random times over a day; about a third from a phone
// whose clock is an hour off (clock_skew).
func pushSheets(t testing.TB, db *store.DB, rng *rand.Rand, first, n int) {
	t.Helper()
	update(t, db, func(tx *bolt.Tx) error {
		for i := first; i < first+n; i++ {
			tech := []string{"tech1", "tech3"}[i%2]
			if _, err := workorders.Create(tx, workorders.WorkOrder{ID: fmt.Sprintf("wo-%05d", i), Type: workorders.TypeInstall,
				Product: "broadband", SubscribedMbps: 100, Technician: tech,
				Customer:    workorders.Customer{Name: "王女士", Phone: "13800000001", Address: "锦江区红星路 1 号", Tier: workorders.TierStandard},
				Appointment: workorders.Window{From: t0.Add(-2 * time.Hour), To: t0}}, sysActor, t0.Add(-24*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	for i := first; i < first+n; i++ {
		p := []auth.Principal{tech1, tech3}[i%2]
		finished := t0.Add(-time.Duration(rng.Intn(24*60)) * time.Minute)
		s := newSubmission(t, db, fmt.Sprintf("sheet-%05d", i), "install_acceptance",
			checklists.Subject{WorkOrderID: fmt.Sprintf("wo-%05d", i)}, func(s *checklists.Submission) { s.FinishedAt = &finished })
		var device *time.Time
		if rng.Intn(3) == 0 {
			d := t0.Add(time.Hour)
			device = &d
		}
		expect(t, pushAt(t, db, p, t0, device, s)[0], StatusAccepted, 1, "")
	}
}

// flaggedWalked is every sheet p may list with flag, by a walk of the heads,
// in the list's order (finish time, then id).
func flaggedWalked(t testing.TB, db *store.DB, p auth.Principal, flag string) []string {
	t.Helper()
	type row struct {
		at time.Time
		id string
	}
	var rows []row
	view(t, db, func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketSubmissionHeads).ForEach(func(k, _ []byte) error {
			h, err := loadHead(tx, string(k))
			if err == nil && listable(p, h) && (Filter{Flag: flag}).match(h) {
				rows = append(rows, row{h.FinishedAt, h.ID})
			}
			return err
		})
	})
	slices.SortFunc(rows, func(a, b row) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.id < b.id {
			return -1
		}
		return 1
	})
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.id)
	}
	return ids
}

// TestFlaggedSheetsPageThroughTheFlagIndex: on a store whose sheets were
// flagged before the index existed, the first flag list builds it; then the
// admin's, a supervisor's and a technician's flagged sheets, paged 23 at a
// time while more sheets are pushed between pages, list every sheet flagged
// from the start exactly once, in finish-time order; a sheet edited without
// the flag leaves the list.
func TestFlaggedSheetsPageThroughTheFlagIndex(t *testing.T) {
	db := newDB(t)
	db.Bolt.NoSync = true
	rng := rand.New(rand.NewSource(1))
	pushSheets(t, db, rng, 0, 900)
	view(t, db, func(tx *bolt.Tx) error {
		if flagIndexOn(tx) || tx.Bucket(store.BucketSubmissionsByFlag).Stats().KeyN != 0 {
			t.Fatal("flag index written before any flag list")
		}
		return nil
	})
	next := 900
	for _, p := range []auth.Principal{admin, sup1, tech3} {
		t.Run(p.Username, func(t *testing.T) {
			want := flaggedWalked(t, db, p, FlagClockSkew)
			if len(want) < 60 {
				t.Fatalf("only %d flagged", len(want))
			}
			from := map[string]bool{}
			for _, id := range want {
				from[id] = true
			}
			seen := map[string]bool{}
			var got []string
			after := ""
			for {
				items, nx, err := List(db, p, Filter{Flag: FlagClockSkew}, 23, after)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range items {
					if seen[s.ID] {
						t.Fatalf("%s listed twice", s.ID)
					}
					seen[s.ID] = true
					if !slices.Contains(s.Flags, FlagClockSkew) {
						t.Fatalf("%s listed without the flag", s.ID)
					}
					if from[s.ID] {
						got = append(got, s.ID)
					}
				}
				if nx == "" {
					break
				}
				after = nx
				pushSheets(t, db, rng, next, 3) // more arrive meanwhile
				next += 3
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged %d flagged sheets, want %d", len(got), len(want))
			}
		})
	}
	// An edit from a phone with the right time clears the flag.
	first := flaggedWalked(t, db, admin, FlagClockSkew)[0]
	wo := ""
	view(t, db, func(tx *bolt.Tx) error {
		h, err := loadHead(tx, first)
		wo = h.Subject.WorkOrderID
		return err
	})
	p := tech1
	if order(t, db, wo).Technician == "tech3" {
		p = tech3
	}
	s := newSubmission(t, db, first, "install_acceptance", checklists.Subject{WorkOrderID: wo}, func(s *checklists.Submission) {
		s.BaseVersion = 1
		f := t0.Add(-3 * time.Hour) // a change, from a phone whose clock is right
		s.FinishedAt = &f
	})
	now := t0.Add(time.Minute)
	expect(t, pushAt(t, db, p, now, &now, s)[0], StatusAccepted, 2, "")
	items, _, err := List(db, admin, Filter{Flag: FlagClockSkew}, 5000, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ID == first {
			t.Fatalf("%s still listed as clock_skew after an edit without it", first)
		}
	}
	if len(items) != len(flaggedWalked(t, db, admin, FlagClockSkew)) {
		t.Fatalf("listed %d, the heads say %d", len(items), len(flaggedWalked(t, db, admin, FlagClockSkew)))
	}
}

// TestStoreHistoryPagesByKeyset: a store's history (?store_id=) is a run of
// that store's entries in the subject index, the cursor an entry's key, so
// paging it 17 at a time while more walkthroughs arrive lists every sheet
// that was there from the start exactly once, in index order.
func TestStoreHistoryPagesByKeyset(t *testing.T) {
	db := newDB(t)
	db.Bolt.NoSync = true
	walk := func(from, n int) {
		for i := from; i < from+n; i++ {
			s := newSubmission(t, db, fmt.Sprintf("walk-%05d", (i*7919)%100000), "store_walkthrough",
				checklists.Subject{StoreID: "s1"}, nil)
			expect(t, push(t, db, insp1, s)[0], StatusAccepted, 1, "")
		}
	}
	walk(0, 400)
	var want []string
	view(t, db, func(tx *bolt.Tx) error {
		return store.ScanPrefix(tx, store.BucketSubmissionsBySubject, store.Prefix("store:s1"), nil, func(k, _ []byte) error {
			want = append(want, store.SplitLast(k))
			return nil
		})
	})
	from := map[string]bool{}
	for _, id := range want {
		from[id] = true
	}
	seen := map[string]bool{}
	var got []string
	after, next := "", 400
	for {
		items, nx, err := List(db, sup1, Filter{StoreID: "s1"}, 17, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range items {
			if seen[s.ID] {
				t.Fatalf("%s listed twice", s.ID)
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
		walk(next, 2)
		next += 2
	}
	if len(want) != 400 || !slices.Equal(got, want) {
		t.Fatalf("paged %d of the store's %d sheets", len(got), len(want))
	}
}
