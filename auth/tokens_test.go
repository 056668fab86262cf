package auth

import (
	"testing"
	"time"

	"fieldcheck/store"

	"github.com/golang-jwt/jwt/v5"
	bolt "go.etcd.io/bbolt"
)

// tokensFixture is a store with two users, each logged in once.
type tokensFixture struct {
	db     *store.DB
	tk     *Tokens
	now    time.Time
	claims map[string]Claims // username → the claims of their access token
}

func newTokensFixture(t *testing.T) *tokensFixture {
	t.Helper()
	f := &tokensFixture{db: openDB(t), now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), claims: map[string]Claims{}}
	f.tk = NewTokens([]byte("a-test-key-a-test-key-a-test-key"), func() time.Time { return f.now })
	for _, name := range []string{"admin", "zhang"} {
		role, unit := RoleAdmin, ""
		if name == "zhang" {
			role, unit = RoleTechnician, "east"
		}
		var pair Pair
		if err := f.db.Update(func(tx *bolt.Tx) error {
			u, err := CreateUser(tx, NewUser{Username: name, Password: "good-password", Role: role, Unit: unit}, nil, f.now)
			if err != nil {
				return err
			}
			pair, err = f.tk.Login(tx, u, "phone")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, c, err := f.tk.Verify(f.db, pair.AccessToken, TypeAccess)
		if err != nil {
			t.Fatalf("a freshly issued token: %v", err)
		}
		f.claims[name] = *c
	}
	return f
}

func (f *tokensFixture) forge(t *testing.T, c Claims) string {
	t.Helper()
	raw, err := f.tk.sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestTokensOutsideWhatTheServerIssuesAreRefused(t *testing.T) {
	f := newTokensFixture(t)
	admin, zhang := f.claims["admin"], f.claims["zhang"]
	at := func(t time.Time) *jwt.NumericDate { return jwt.NewNumericDate(t) }
	if err := f.db.Update(func(tx *bolt.Tx) error { return Logout(tx, zhang.Family, f.now) }); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		typ   string
		edit  func(c *Claims)
		valid bool
	}{
		{"as issued", TypeAccess, func(c *Claims) {}, true},
		{"no session id, ten years (the forged admin token)", TypeAccess, func(c *Claims) {
			c.Family, c.ExpiresAt = "", at(f.now.Add(10*365*24*time.Hour))
		}, false},
		{"no session id", TypeAccess, func(c *Claims) { c.Family = "" }, false},
		{"unknown session id", TypeAccess, func(c *Claims) { c.Family = "no-such-session" }, false},
		{"revoked session id", TypeAccess, func(c *Claims) { c.Family = zhang.Family }, false},
		{"another user's session", TypeAccess, func(c *Claims) { c.Subject, c.Role = "zhang", RoleTechnician }, false},
		{"lifetime over the access lifetime", TypeAccess, func(c *Claims) { c.ExpiresAt = at(c.IssuedAt.Add(AccessTTL + time.Second)) }, false},
		{"lifetime of ten years", TypeAccess, func(c *Claims) { c.ExpiresAt = at(f.now.Add(10 * 365 * 24 * time.Hour)) }, false},
		{"no issue time", TypeAccess, func(c *Claims) { c.IssuedAt = nil }, false},
		{"issued in the future", TypeAccess, func(c *Claims) {
			c.IssuedAt, c.ExpiresAt = at(f.now.Add(time.Hour)), at(f.now.Add(time.Hour+AccessTTL))
		}, false},
		{"issued within the clock leeway", TypeAccess, func(c *Claims) {
			c.IssuedAt, c.ExpiresAt = at(f.now.Add(30*time.Second)), at(f.now.Add(30*time.Second+AccessTTL))
		}, true},
		{"file token as issued", TypeFile, func(c *Claims) { c.Type, c.ExpiresAt = TypeFile, at(c.IssuedAt.Add(FileTTL)) }, true},
		{"file token over the file lifetime", TypeFile, func(c *Claims) { c.Type = TypeFile }, false},
		{"file token without a session", TypeFile, func(c *Claims) {
			c.Type, c.Family, c.ExpiresAt = TypeFile, "", at(c.IssuedAt.Add(FileTTL))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := admin
			tc.edit(&c)
			_, _, err := f.tk.Verify(f.db, f.forge(t, c), tc.typ)
			if tc.valid && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.valid && err != errBadToken {
				t.Fatalf("got %v, want invalid_token", err)
			}
		})
	}
}

func TestFileTokensEndWithTheirSession(t *testing.T) {
	f := newTokensFixture(t)
	zhang := f.claims["zhang"]
	p := Principal{Username: "zhang", Role: RoleTechnician, Unit: "east"}
	raw, _, err := f.tk.FileToken(p, zhang.Generation, zhang.Family)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.tk.Verify(f.db, raw, TypeFile); err != nil {
		t.Fatalf("file token of a live session: %v", err)
	}
	if err := f.db.Update(func(tx *bolt.Tx) error { return Logout(tx, zhang.Family, f.now) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.tk.Verify(f.db, raw, TypeFile); err != errBadToken {
		t.Fatalf("file token after logout: %v, want invalid_token", err)
	}
}

// BenchmarkVerify is the per-request cost of checking an access token,
// the session's bbolt read included.
func BenchmarkVerify(b *testing.B) {
	db, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	BcryptCost = 4
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := NewTokens([]byte("a-test-key-a-test-key-a-test-key"), func() time.Time { return now })
	var pair Pair
	if err := db.Update(func(tx *bolt.Tx) error {
		u, err := CreateUser(tx, NewUser{Username: "zhang", Password: "good-password", Role: RoleTechnician, Unit: "east"}, nil, now)
		if err != nil {
			return err
		}
		pair, err = tk.Login(tx, u, "phone")
		return err
	}); err != nil {
		b.Fatal(err)
	}
	_, c, err := tk.Verify(db, pair.AccessToken, TypeAccess)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := tk.Verify(db, pair.AccessToken, TypeAccess); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("session read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			db.View(func(tx *bolt.Tx) error {
				if !sessionLive(tx, c.Family, "zhang") {
					b.Fatal("session not live")
				}
				return nil
			})
		}
	})
}
