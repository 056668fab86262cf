package names

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// A data dir written before names existed has no names bucket: opening it
// creates one, the built-in names apply and a unit can be named.
func TestOldDataDirGainsNames(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if _, err := auth.CreateUser(tx, auth.NewUser{Username: "tech.li", Password: "password-123", Name: "李强",
			Role: auth.RoleTechnician, Unit: "chengdu-east"}, nil, time.Now()); err != nil {
			return err
		}
		return tx.DeleteBucket(store.BucketNames) // as the old layout had it
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := auth.Principal{Username: "tech.li", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	var b *Book
	if err := db.Update(func(tx *bolt.Tx) error {
		if _, err := Set(tx, KindUnit, "chengdu-east", Input{Zh: "成都东区"}, store.Actor{Username: "admin"}, time.Now()); err != nil {
			return err
		}
		b, err = For(tx, p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b.Units["chengdu-east"].Zh != "成都东区" || b.Roles["technician"].Zh != "技术员" || b.People["tech.li"].Zh != "李强" {
		t.Errorf("book: %+v", b)
	}
}

// Exports name every code they can and keep the ones without a name.
func TestLookupFallsBackToTheCode(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var l Lookup
	if err := db.View(func(tx *bolt.Tx) error { l, err = ForExport(tx); return err }); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ got, want string }{
		{l.Product("broadband+iptv"), "宽带+IPTV"},
		{l.Product("宽带"), "宽带"},
		{l.Role("supervisor"), "主管"},
		{l.Unit("chengdu-east"), "chengdu-east"},
		{l.Person("nobody"), "nobody"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
