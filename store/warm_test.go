package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// deepStore is a real store whose trees have branch pages on two levels
// and more: random keys, as the indexes have.
func deepStore(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 6; round++ {
		if err := db.Update(func(tx *bolt.Tx) error {
			for i := 0; i < 15000; i++ {
				k := fmt.Appendf(nil, "%016x", rng.Uint64())
				if err := tx.Bucket(BucketAuditBy).Put(k, nil); err != nil {
					return err
				}
				if i%3 == 0 {
					if err := tx.Bucket(BucketUsers).Put(k, make([]byte, 200)); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// The branch walk reads exactly the branch pages bbolt itself counts in
// each bucket's tree — every one, and no leaf but the leftmost.
func TestWarmReadsEveryBranchPage(t *testing.T) {
	db := deepStore(t)
	c, err := openChecker(db.Bolt.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.f.Close()
	deep := 0
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			st := b.Stats()
			if st.Depth >= 3 {
				deep++
			}
			if b.Root() == 0 {
				return nil
			}
			got, err := c.warmTree(context.Background(), uint64(b.Root()))
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if got != st.BranchPageN {
				t.Errorf("%s (depth %d): read %d branch pages, bbolt counts %d", name, st.Depth, got, st.BranchPageN)
			}
			return nil
		})
	})
	if deep < 2 {
		t.Fatalf("the sample has %d trees of depth 3 or more; the test needs some", deep)
	}

	rep, err := db.Warm(context.Background(), WarmAll)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(db.Bolt.Path())
	if rep.BranchPages == 0 || rep.FileBytes != st.Size() {
		t.Fatalf("warm all: %+v, file %d bytes", rep, st.Size())
	}
	if n, done := db.WarmProgress(); !done || n != rep.BranchBytes+rep.FileBytes {
		t.Fatalf("progress %d, done %v after %+v", n, done, rep)
	}
}

func TestWarmModes(t *testing.T) {
	db := deepStore(t)
	rep, err := db.Warm(context.Background(), WarmBranches)
	if err != nil || rep.BranchPages == 0 || rep.FileBytes != 0 || rep.Skipped == "" {
		t.Fatalf("branches: %+v %v", rep, err)
	}
	db2, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if rep, err := db2.Warm(context.Background(), WarmOff); err != nil || rep.BranchPages != 0 || rep.FileBytes != 0 {
		t.Fatalf("off: %+v %v", rep, err)
	}
	if _, done := db2.WarmProgress(); !done {
		t.Fatal("off: not done")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Warm(ctx, WarmAll); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled warm-up: %v", err)
	}
	for _, tc := range []struct {
		in   string
		want WarmMode
		ok   bool
	}{{"", WarmAll, true}, {"all", WarmAll, true}, {"branches", WarmBranches, true}, {"off", WarmOff, true}, {"ALL", "", false}, {"yes", "", false}} {
		got, err := ParseWarmMode(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseWarmMode(%q) = %q, %v", tc.in, got, err)
		}
	}
}

// A damaged branch page stops the walk with ErrDamaged, never a panic.
func TestWarmStopsAtADamagedPage(t *testing.T) {
	db := deepStore(t)
	var root uint64
	db.View(func(tx *bolt.Tx) error { root = uint64(tx.Bucket(BucketAuditBy).Root()); return nil })
	c, err := openChecker(db.Bolt.Path())
	if err != nil {
		t.Fatal(err)
	}
	buf, h, err := c.readPage(root)
	c.f.Close()
	if err != nil || h.flags != flagBranch {
		t.Fatalf("root %d: %v %+v", root, err, h)
	}
	branch := int(ne.Uint64(buf[pageHeaderSize+8:])) // the root's first child, a branch too (depth ≥ 3)
	data, err := os.ReadFile(db.Bolt.Path())
	if err != nil {
		t.Fatal(err)
	}
	ps := db.Bolt.Info().PageSize
	for _, damage := range []func(p []byte){
		func(p []byte) { clear(p) },
		func(p []byte) { // children far out of the file
			for i := 16 + 8; i+8 <= len(p); i += 16 {
				ne.PutUint64(p[i:], 1<<40)
			}
		},
	} {
		cp := append([]byte(nil), data...)
		damage(cp[branch*ps : (branch+1)*ps])
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, cp, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := openChecker(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.warmTree(context.Background(), root)
		c.f.Close()
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("damaged branch page %d: %v", branch, err)
		}
	}
}
