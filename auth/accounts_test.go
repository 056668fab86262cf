package auth

import (
	"testing"
	"time"

	"fieldcheck/store"
)

// TestAccountsLoginIsVoidedByAChangeAfterThePasswordCheck: the password is
// checked outside the write lock, so a password change that lands between
// the check and the session voids the login; each action leaves its audit
// entry in the same commit.
func TestAccountsLoginIsVoidedByAChangeAfterThePasswordCheck(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	acc := NewAccounts(db, NewTokens([]byte("a-test-key-a-test-key-a-test-key"), clock), clock)
	admin := Principal{Username: "admin", Role: RoleAdmin, Device: "desk"}
	in := NewUser{Username: "wang", Password: "first-password", Role: RoleTechnician, Unit: "east"}
	if err := in.HashPassword(); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.CreateUser(admin, in); err != nil {
		t.Fatal(err)
	}

	checked, err := testChecks.Authenticate(db, "192.0.2.1", "wang", "first-password")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	pw := "second-password"
	patch := UserPatch{Password: &pw}
	if err := patch.HashPassword(); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.PatchUser(admin, "wang", patch); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.Login(checked, "phone"); err != ErrBadCredentials {
		t.Fatalf("login checked against the old password: %v, want ErrBadCredentials", err)
	}

	checked, err = testChecks.Authenticate(db, "192.0.2.1", "wang", "second-password")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	pair, err := acc.Login(checked, "phone")
	if err != nil {
		t.Fatal(err)
	}
	_, user, err := acc.Refresh(pair.RefreshToken)
	if err != nil || user.Username != "wang" {
		t.Fatalf("refresh: user %v, err %v", user, err)
	}

	items, _, err := db.AuditPage(now.Add(-time.Hour), now.Add(time.Hour), "", 100, func(store.AuditEntry) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range items {
		got = append(got, e.Actor+" "+e.Action+" "+e.Object)
	}
	want := []string{"admin user.create user/wang", "admin user.patch user/wang", "wang auth.login user/wang"}
	if len(got) != len(want) {
		t.Fatalf("audit %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("audit %q, want %q", got, want)
		}
	}
}
