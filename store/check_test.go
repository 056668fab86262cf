package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// writeSampleDB makes a real store file with a few hundred pages: users with
// long values, an index, a nested bucket. It returns the file's bytes as a
// crash leaves them (read while the store is open, after its last commit),
// and the ids of its branch and leaf pages.
func writeSampleDB(t *testing.T) ([]byte, []int, int) {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		nested, err := tx.Bucket(BucketMeta).CreateBucketIfNotExists([]byte("nested"))
		if err != nil {
			return err
		}
		for i := range 1000 {
			k := []byte(fmt.Sprintf("user%05d", i))
			if err := tx.Bucket(BucketUsers).Put(k, []byte(fmt.Sprintf(`{"username":"user%05d","name":"%0200d"}`, i, i))); err != nil {
				return err
			}
			if err := Mark(tx, BucketWorkOrdersByTech, Key(string(k), fmt.Sprint(i))); err != nil {
				return err
			}
			if i%10 == 0 {
				if err := nested.Put(k, make([]byte, 300)); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(BucketPhotos).Put([]byte("big"), make([]byte, 20000)) // overflow pages
	}); err != nil {
		t.Fatal(err)
	}
	var pages []int
	var pageSize int
	db.View(func(tx *bolt.Tx) error {
		pageSize = tx.DB().Info().PageSize
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				break
			}
			if p.Type == "leaf" || p.Type == "branch" {
				pages = append(pages, id)
			}
		}
		return nil
	})
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if len(pages) < 20 {
		t.Fatalf("sample has only %d data pages", len(pages))
	}
	return data, pages, pageSize
}

// Damaged pages of a real file: every way must answer ErrDamaged from Open,
// never a panic (a panic in bbolt's freelist goroutine would kill this test
// binary outright).
func TestOpenReportsDamagedPagesInsteadOfPanicking(t *testing.T) {
	orig, pages, ps := writeSampleDB(t)
	rng := rand.New(rand.NewPCG(1, 2))
	damage := map[string]func(b []byte, id int){
		"zeroed page": func(b []byte, id int) { clear(b[id*ps : (id+1)*ps]) },
		"random page": func(b []byte, id int) {
			for i := id * ps; i < (id+1)*ps; i++ {
				b[i] = byte(rng.IntN(256))
			}
		},
		"page names another id": func(b []byte, id int) { b[id*ps] ^= 0x40 },
	}
	step := max(1, len(pages)/20)
	for name, fn := range damage {
		for i := 0; i < len(pages); i += step {
			id := pages[i]
			b := append([]byte(nil), orig...)
			fn(b, id)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := Open(dir)
			if err == nil {
				db.Close()
				// Damage to a page no tree reaches any more is harmless.
				continue
			}
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("%s, page %d: %v, want ErrDamaged", name, id, err)
			}
		}
	}
	// Both meta pages broken, and a file cut in half.
	b := append([]byte(nil), orig...)
	clear(b[:2*ps])
	for name, data := range map[string][]byte{"meta pages": b, "truncated": orig[:len(orig)/2]} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, FileName), data, 0o600)
		if db, err := Open(dir); !errors.Is(err, ErrDamaged) {
			if err == nil {
				db.Close()
			}
			t.Errorf("%s: %v, want ErrDamaged", name, err)
		}
	}
	// The undamaged file opens.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), orig, 0o600)
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("undamaged copy: %v", err)
	}
	db.Close()
}

// How often a damaged page goes unnoticed is worth knowing: every reachable
// page must be noticed.
func TestEveryReachablePageIsChecked(t *testing.T) {
	orig, pages, ps := writeSampleDB(t)
	missed := 0
	for _, id := range pages {
		b := append([]byte(nil), orig...)
		clear(b[id*ps : (id+1)*ps])
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, FileName), b, 0o600)
		if err := CheckFile(filepath.Join(dir, FileName)); err == nil {
			missed++
		}
	}
	if missed > 0 {
		t.Fatalf("%d of %d zeroed data pages passed the check", missed, len(pages))
	}
}

// A few random bytes changed in a random data page, 300 times: Open either
// works (the bytes were inside a value) or answers ErrDamaged. Anything the
// check misses that bbolt's freelist walk trips over kills this test binary.
func TestOpenSurvivesRandomByteFlips(t *testing.T) {
	orig, pages, ps := writeSampleDB(t)
	rng := rand.New(rand.NewPCG(11, 13))
	damagedN := 0
	for it := range 300 {
		b := append([]byte(nil), orig...)
		id := pages[rng.IntN(len(pages))]
		for range 1 + rng.IntN(16) {
			off := id*ps + rng.IntN(ps)
			if it%2 == 0 {
				off = id*ps + rng.IntN(64) // the header and the first elements
			}
			b[off] = byte(rng.IntN(256))
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := Open(dir)
		switch {
		case err == nil:
			db.Close()
		case errors.Is(err, ErrDamaged):
			damagedN++
		default:
			t.Fatalf("flip %d: %v", it, err)
		}
	}
	if damagedN == 0 {
		t.Fatal("no flip was found damaging")
	}
}

// A clean stop lets the next open skip the page walk; a crash — or any write
// after the clean open, then a crash — brings it back.
func TestOnlyAnOpenAfterACrashChecksEveryPage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	write := func(db *DB, n int) {
		t.Helper()
		if err := db.Update(func(tx *bolt.Tx) error {
			for i := range n {
				if err := tx.Bucket(BucketUsers).Put([]byte(fmt.Sprintf("u%05d", i)), make([]byte, 200)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	open := func(want bool, why string) *DB {
		t.Helper()
		db, err := Open(dir)
		if err != nil {
			t.Fatalf("%s: %v", why, err)
		}
		if db.PagesChecked != want {
			t.Fatalf("%s: pages checked %v, want %v", why, db.PagesChecked, want)
		}
		return db
	}
	db := open(false, "a new file")
	write(db, 2000)
	crashed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(false, "after a clean stop")
	write(db, 10)
	// A kill now: the file as the last commit left it.
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for name, data := range map[string][]byte{"a crash before the clean stop": crashed, "a crash after a write on a clean open": after} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		db = open(true, name)
		var n int
		db.View(func(tx *bolt.Tx) error { n = tx.Bucket(BucketUsers).Stats().KeyN; return nil })
		if n != 2000 {
			t.Fatalf("%s: %d users", name, n)
		}
		db.Close()
		db = open(false, name+", then a clean stop")
		db.Close()
	}
}

// After a clean stop the pages the open reads first are still checked: a
// damaged freelist or root page, or both meta pages gone, is ErrDamaged,
// not a panic.
func TestACleanFileWithADamagedFreelistOrRootIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for i := range 500 {
			if err := tx.Bucket(BucketUsers).Put([]byte(fmt.Sprintf("u%05d", i)), make([]byte, 100)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := openChecker(path)
	if err != nil || c.freelist == noFreelist {
		t.Fatalf("after Close: meta %v, freelist %v", err, c)
	}
	c.f.Close()
	ps := int(c.ps)
	for name, id := range map[string]int{"freelist page": int(c.freelist), "root page": int(c.root)} {
		b := append([]byte(nil), orig...)
		clear(b[id*ps : (id+1)*ps])
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if db, err := Open(dir); !errors.Is(err, ErrDamaged) {
			if err == nil {
				db.Close()
			}
			t.Errorf("%s zeroed: %v, want ErrDamaged", name, err)
		}
	}
	os.WriteFile(path, orig, 0o600)
	db, err = Open(dir)
	if err != nil {
		t.Fatalf("undamaged: %v", err)
	}
	db.Close()
}
