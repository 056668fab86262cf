package auth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fieldcheck/store"

	"github.com/golang-jwt/jwt/v5"
	bolt "go.etcd.io/bbolt"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// keysFixture is a store with one admin and a clock.
func keysFixture(t *testing.T) (*store.DB, *testClock, *User) {
	t.Helper()
	db := openDB(t)
	clock := &testClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	var u *User
	in := NewUser{Username: "boss", Password: "password-123", Role: RoleAdmin}
	if err := db.Update(func(tx *bolt.Tx) error {
		var err error
		u, err = CreateUser(tx, in, nil, clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return db, clock, u
}

func login(t *testing.T, db *store.DB, tok *Tokens, u *User) (Pair, *Claims) {
	t.Helper()
	var pair Pair
	if err := db.Update(func(tx *bolt.Tx) error {
		var err error
		pair, err = tok.Login(tx, u, "dev-1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, c, err := tok.Verify(db, pair.AccessToken, TypeAccess)
	if err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
	return pair, c
}

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(raw, &Claims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}

// forge signs claims with key, without a kid header, as versions before the
// key file did.
func forge(t *testing.T, key []byte, c Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTheKeyLivesInA0600FileNotInTheDbAndSurvivesARestart(t *testing.T) {
	db, clock, u := keysFixture(t)
	k, err := LoadKeys(db, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(db.Dir, KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(store.BucketMeta).Get(legacyKeyName); v != nil {
			t.Error("the key is still in the db file")
		}
		return nil
	})
	pair, _ := login(t, db, NewTokensWith(k, clock.Now), u)
	if kidOf(t, pair.AccessToken) != k.CurrentID() {
		t.Fatalf("kid %q, want %q", kidOf(t, pair.AccessToken), k.CurrentID())
	}
	again, err := LoadKeys(db, "", clock.Now())
	if err != nil || again.CurrentID() != k.CurrentID() {
		t.Fatalf("restart made a new key: %v", err)
	}
	if _, _, err := NewTokensWith(again, clock.Now).Verify(db, pair.AccessToken, TypeAccess); err != nil {
		t.Fatalf("token from before the restart: %v", err)
	}
}

// A data dir written the old way keeps the key in meta/jwt_key, and every
// backup of it leaked that key: the first start of this version drops it and
// makes a new one, once.
func TestUpgradeRotatesTheKeyKeptInTheDbExactlyOnce(t *testing.T) {
	db, clock, u := keysFixture(t)
	legacy := bytes.Repeat([]byte{0x5a}, 32)
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketMeta).Put([]byte("jwt_key"), legacy)
	}); err != nil {
		t.Fatal(err)
	}
	// A session from before the upgrade, and a token forged with the leaked
	// key naming it; under the old key it verifies.
	old := NewTokens(legacy, clock.Now)
	_, c := login(t, db, old, u)
	now := clock.Now()
	forged := forge(t, legacy, Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: u.Username, IssuedAt: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(AccessTTL))}, Type: TypeAccess, Role: RoleAdmin, Family: c.Family, Generation: u.Generation})
	if _, _, err := old.Verify(db, forged, TypeAccess); err != nil {
		t.Fatalf("the forged token is not well-formed: %v", err)
	}

	k, err := LoadKeys(db, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok := NewTokensWith(k, clock.Now)
	if _, _, err := tok.Verify(db, forged, TypeAccess); err == nil {
		t.Fatal("a token signed with the leaked key is accepted after the upgrade")
	}
	var marker []byte
	db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketMeta)
		if b.Get(legacyKeyName) != nil {
			t.Error("the leaked key is still in the db")
		}
		marker = bytes.Clone(b.Get(keyRotatedName))
		return nil
	})
	if marker == nil {
		t.Fatal("no record that the upgrade rotated the key")
	}
	file, _ := os.ReadFile(filepath.Join(db.Dir, KeyFile))
	if bytes.Contains(file, legacy) {
		t.Fatal("the key file holds the leaked key")
	}
	pair, _ := login(t, db, tok, u)

	clock.Advance(time.Hour)
	again, err := LoadKeys(db, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if again.CurrentID() != k.CurrentID() {
		t.Fatal("the upgrade rotation ran a second time")
	}
	db.View(func(tx *bolt.Tx) error {
		if !bytes.Equal(tx.Bucket(store.BucketMeta).Get(keyRotatedName), marker) {
			t.Error("the marker was rewritten")
		}
		return nil
	})
	clock.Advance(-time.Hour)
	if _, _, err := NewTokensWith(again, clock.Now).Verify(db, pair.AccessToken, TypeAccess); err != nil {
		t.Fatalf("a token signed after the upgrade is refused after a restart: %v", err)
	}
}

func TestRotateHonoursTheOldKeyForOneAccessLifetime(t *testing.T) {
	db, clock, u := keysFixture(t)
	k, err := LoadKeys(db, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok := NewTokensWith(k, clock.Now)
	oldKid := k.CurrentID()
	before, _ := login(t, db, tok, u)

	clock.Advance(5 * time.Minute)
	rotatedAt := clock.Now()
	newKid, err := tok.RotateKey()
	if err != nil || newKid == oldKid || k.CurrentID() != newKid {
		t.Fatalf("rotate: %q %v (old %q)", newKid, err, oldKid)
	}
	if _, _, err := tok.Verify(db, before.AccessToken, TypeAccess); err != nil {
		t.Fatalf("a token signed with the previous key is refused right after the rotation: %v", err)
	}
	after, _ := login(t, db, tok, u)
	if kidOf(t, after.AccessToken) != newKid {
		t.Fatalf("new tokens carry kid %q, want %q", kidOf(t, after.AccessToken), newKid)
	}
	// The previous key is honoured for exactly one access lifetime after the rotation.
	if _, ok := k.lookup(oldKid, rotatedAt.Add(AccessTTL-time.Second)); !ok {
		t.Fatal("previous key dropped before one access lifetime")
	}
	if _, ok := k.lookup(oldKid, rotatedAt.Add(AccessTTL)); ok {
		t.Fatal("previous key still honoured after one access lifetime")
	}
	// The rotation is on disk: a restart within the window still honours the
	// previous key, and signs with the new one.
	again, err := LoadKeys(db, "", clock.Now())
	if err != nil || again.CurrentID() != newKid {
		t.Fatalf("after restart: %v, kid %q", err, again.CurrentID())
	}
	if _, _, err := NewTokensWith(again, clock.Now).Verify(db, before.AccessToken, TypeAccess); err != nil {
		t.Fatalf("previous key forgotten by a restart within the window: %v", err)
	}
	// A kid nobody knows is refused.
	c := Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: u.Username, ExpiresAt: jwt.NewNumericDate(clock.Now().Add(time.Minute))}, Type: TypeAccess}
	bad := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	bad.Header["kid"] = "nobody"
	raw, _ := bad.SignedString(k.set.Current.Secret)
	if _, _, err := tok.Verify(db, raw, TypeAccess); err == nil {
		t.Fatal("a token with an unknown kid is accepted")
	}
}

func TestRotateIsRefusedWhenTheKeyComesFromTheEnvironment(t *testing.T) {
	db, clock, _ := keysFixture(t)
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketMeta).Put([]byte("jwt_key"), bytes.Repeat([]byte{1}, 32))
	}); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeys(db, "an-operator-given-key-of-40-characters!!", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTokensWith(k, clock.Now).RotateKey(); !errors.Is(err, ErrKeyFromEnv) {
		t.Fatalf("rotate with FIELDCHECK_JWT_KEY: %v", err)
	}
	if _, err := os.Stat(filepath.Join(db.Dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a key file was written although the key comes from the environment: %v", err)
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(store.BucketMeta).Get(legacyKeyName) != nil {
			t.Error("the old key stays in the db next to the env key")
		}
		return nil
	})
}

// Requests keep verifying while rotations happen (run with -race).
func TestRotationWhileRequestsVerify(t *testing.T) {
	db, clock, u := keysFixture(t)
	k, err := LoadKeys(db, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok := NewTokensWith(k, clock.Now)
	pair, _ := login(t, db, tok, u)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := tok.Verify(db, pair.AccessToken, TypeAccess); err != nil {
					t.Error(err)
					return
				}
				if _, err := tok.sign(Claims{Type: TypeFile}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 5 {
		if _, err := tok.RotateKey(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if got := len(k.set.Previous); got != 5 {
		t.Fatalf("%d previous keys kept, want the 5 retired within one access lifetime", got)
	}
}
