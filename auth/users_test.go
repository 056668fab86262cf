package auth

import (
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// testChecks is a check queue as the server makes one.
var testChecks = NewCheckQueue(CheckSlots, CheckWaitPerAddr, CheckWait)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	BcryptCost = bcrypt.MinCost
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPreparedHashIsUsedAndFollowsThePassword(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	in := NewUser{Username: "wang", Password: "first-password", Role: RoleTechnician, Unit: "east"}
	if err := in.HashPassword(); err != nil {
		t.Fatal(err)
	}
	prepared := in.hashed.hash
	// The password changed after the hash was prepared: the stale hash must
	// not be stored for the new password.
	in.Password = "second-password"
	var u *User
	if err := db.Update(func(tx *bolt.Tx) error {
		var err error
		u, err = CreateUser(tx, in, nil, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if string(u.PasswordHash) == string(prepared) {
		t.Fatal("stored the hash of the old password")
	}
	if _, err := testChecks.Authenticate(db, "192.0.2.1", "wang", "second-password"); err != nil {
		t.Fatalf("new password refused: %v", err)
	}
	if _, err := testChecks.Authenticate(db, "192.0.2.1", "wang", "first-password"); !errs.IsKind(err, errs.Unauthorized) {
		t.Fatalf("old password: %v, want unauthorized", err)
	}

	// A patch with a prepared hash stores exactly that hash.
	pw := "third-password"
	p := UserPatch{Password: &pw}
	if err := p.HashPassword(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		var err error
		u, err = PatchUser(tx, "wang", p, Principal{Username: "admin", Role: RoleAdmin}, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if string(u.PasswordHash) != string(p.hashed.hash) || u.Generation != 1 {
		t.Fatalf("patch: hash reused %v, generation %d", string(u.PasswordHash) == string(p.hashed.hash), u.Generation)
	}
	if _, err := testChecks.Authenticate(db, "192.0.2.1", "wang", "third-password"); err != nil {
		t.Fatalf("patched password refused: %v", err)
	}
}

func TestInvalidPasswordIsNotHashedButStillRefused(t *testing.T) {
	db := openDB(t)
	in := NewUser{Username: "li", Password: "short", Role: RoleTechnician, Unit: "east"}
	if err := in.HashPassword(); err != nil {
		t.Fatal(err)
	}
	if in.hashed.hash != nil {
		t.Fatal("hashed a password that fails validation")
	}
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := CreateUser(tx, in, nil, time.Now())
		return err
	})
	if e, ok := errs.As(err); !ok || e.Fields["password"].En == "" {
		t.Fatalf("short password: %v, want a password field error", err)
	}
}

func TestAuthenticate(t *testing.T) {
	db := openDB(t)
	in := NewUser{Username: "zhao", Password: "good-password", Role: RoleInspector, Unit: "east"}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := CreateUser(tx, in, nil, time.Now()); return err }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, pw string }{{"zhao", "wrong-password"}, {"nobody", "good-password"}, {"", ""}} {
		if _, err := testChecks.Authenticate(db, "192.0.2.1", tc.user, tc.pw); err != ErrBadCredentials {
			t.Errorf("%q/%q: %v, want invalid_credentials", tc.user, tc.pw, err)
		}
	}
	off := true
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := PatchUser(tx, "zhao", UserPatch{Disabled: &off}, Principal{Username: "admin", Role: RoleAdmin}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := testChecks.Authenticate(db, "192.0.2.1", "zhao", "good-password"); err != ErrBadCredentials {
		t.Fatalf("disabled user: %v", err)
	}
}
