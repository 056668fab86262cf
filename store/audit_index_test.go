package store

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	auditT0  = time.Date(2026, 11, 20, 9, 0, 0, 0, Shanghai)
	auditSeq int // objects are obj/<n>, n counting every entry written
)

// writeAudit writes n entries by random actors of random units, at times
// spread over a day (several may share a nanosecond).
func writeAudit(t testing.TB, db *DB, rng *rand.Rand, n int) {
	t.Helper()
	if err := db.Update(func(tx *bolt.Tx) error {
		for i := 0; i < n; i++ {
			auditSeq++
			at := auditT0.Add(time.Duration(rng.Intn(24*3600)) * time.Second)
			who := Actor{Username: fmt.Sprintf("user%d", rng.Intn(20)), Unit: []string{"", "east", "west"}[rng.Intn(3)]}
			if err := Audit(tx, at, who, "test.write", fmt.Sprintf("obj/%07d", auditSeq), ""); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// auditKeysWalked is every entry's key matching f in [from, to), by walking
// the whole log.
func auditKeysWalked(t testing.TB, db *DB, from, to time.Time, f AuditFilter) []string {
	t.Helper()
	var out []string
	if err := db.View(func(tx *bolt.Tx) error {
		return auditWalk(tx, from, to, nil, func(k []byte, e AuditEntry) error {
			if f.keep(e) {
				out = append(out, e.Object)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

var auditFilters = []AuditFilter{
	{Actor: "user3"},
	{Unit: "east", ByUnit: true},
	{Actor: "user7", Unit: "west", ByUnit: true},
	{Unit: "", ByUnit: true},
}

// TestAuditPagesByActorAndUnitThroughTheIndex: paging a few thousand entries
// by actor, by unit, or both, 29 a page, with entries written between pages
// (before and after the cursor's time), lists every matching entry that was
// there from the start exactly once, oldest first.
func TestAuditPagesByActorAndUnitThroughTheIndex(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Bolt.NoSync = true
	rng := rand.New(rand.NewSource(1))
	writeAudit(t, db, rng, 4000)
	last := fmt.Sprintf("obj/%07d", auditSeq)
	from, to := auditT0.Add(2*time.Hour), auditT0.Add(20*time.Hour)
	for _, f := range auditFilters {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			var want []string
			for _, o := range auditKeysWalked(t, db, from, to, f) {
				if o <= last { // there from the start
					want = append(want, o)
				}
			}
			if len(want) < 20 {
				t.Fatalf("only %d entries match", len(want))
			}
			original := map[string]bool{}
			for _, o := range want {
				original[o] = true
			}
			seen := map[string]bool{}
			var got []string
			after := ""
			for {
				items, next, err := db.AuditPageBy(from, to, f, after, 29)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range items {
					if seen[e.Object] {
						t.Fatalf("%s listed twice", e.Object)
					}
					seen[e.Object] = true
					if !f.keep(e) {
						t.Fatalf("%+v does not match the filter", e)
					}
					if original[e.Object] {
						got = append(got, e.Object)
					}
				}
				if next == "" {
					break
				}
				after = next
				writeAudit(t, db, rng, 7) // others keep working
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged %d, want %d", len(got), len(want))
			}
		})
	}
}

// TestAuditIndexBuiltOnOpenForAnOldFile: a file written before the index
// (no index, no meta mark) gets it on the next open, and pages by actor then
// agree with the walk.
func TestAuditIndexBuiltOnOpenForAnOldFile(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Bolt.NoSync = true
	rng := rand.New(rand.NewSource(2))
	writeAudit(t, db, rng, 1500)
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(BucketAuditBy); err != nil {
			return err
		}
		return tx.Bucket(BucketMeta).Delete(metaAuditIndex)
	}); err != nil {
		t.Fatal(err)
	}
	f := AuditFilter{Actor: "user5", Unit: "east", ByUnit: true}
	from, to := auditT0, auditT0.Add(24*time.Hour)
	walked := auditKeysWalked(t, db, from, to, f)
	db.Close()

	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(BucketMeta).Get(metaAuditIndex) == nil || tx.Bucket(BucketAuditBy).Stats().KeyN == 0 {
			t.Fatal("index not built on open")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for {
		items, next, err := db.AuditPageBy(from, to, f, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range items {
			got = append(got, e.Object)
		}
		if after = next; after == "" {
			break
		}
	}
	if len(walked) == 0 || !slices.Equal(got, walked) {
		t.Fatalf("indexed %d entries, walked %d", len(got), len(walked))
	}
	if _, _, err := db.AuditPageBy(from, to, f, "zz", 10); err != ErrBadAuditCursor {
		t.Fatalf("bad cursor: %v", err)
	}
}
