package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/golang-jwt/jwt/v5"
	bolt "go.etcd.io/bbolt"
)

// Token lifetimes.
const (
	AccessTTL  = 15 * time.Minute
	RefreshTTL = 30 * 24 * time.Hour // a technician may stay offline for weeks
	FileTTL    = 5 * time.Minute
)

// Token types; a route accepts only its own type.
const (
	TypeAccess = "access"
	TypeFile   = "file"
)

var (
	errBadToken    = errs.New(errs.Unauthorized, "invalid_token", "登录已失效，请重新登录", "your session is invalid or expired; log in again")
	errBadRefresh  = errs.New(errs.Unauthorized, "invalid_refresh_token", "登录已失效，请重新登录", "the refresh token is invalid or expired; log in again")
	errReusedToken = errs.New(errs.Unauthorized, "refresh_token_reused", "检测到登录凭证被重复使用，已退出所有相关会话", "this refresh token was already used; the session has been revoked for safety")
)

// Claims are the access and file token claims.
type Claims struct {
	jwt.RegisteredClaims
	Type       string `json:"typ"`
	Role       string `json:"role,omitempty"`
	Unit       string `json:"unit,omitempty"`
	Name       string `json:"name,omitempty"`
	Device     string `json:"dev,omitempty"`
	Family     string `json:"fam,omitempty"`
	Generation int    `json:"gen"`
}

// Family is one login on one device; its refresh tokens rotate.
type Family struct {
	ID        string     `json:"id"`
	Username  string     `json:"username"`
	Device    string     `json:"device"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    string     `json:"reason,omitempty"`
}

// refreshRecord is stored under sha256(token); the raw token is never stored.
type refreshRecord struct {
	Family    string     `json:"family"`
	Username  string     `json:"username"`
	IssuedAt  time.Time  `json:"issued_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
	// Successor is sha256 of the token that replaced this one. SealedPair is
	// that successor pair, encrypted with a key derived from this (spent)
	// token, so only its holder can recover it when a reply was lost.
	Successor  string `json:"successor,omitempty"`
	SealedPair []byte `json:"sealed_pair,omitempty"`
}

// Pair is what login and refresh answer.
type Pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
}

// Tokens signs and checks tokens with the HMAC keys of a key ring (keys.go).
type Tokens struct {
	keys *Keys
	Now  store.Clock
}

// NewTokens makes a signer with one fixed key that cannot be rotated.
func NewTokens(key []byte, now store.Clock) *Tokens { return NewTokensWith(StaticKeys(key), now) }

// NewTokensWith makes a signer on a key ring (LoadKeys).
func NewTokensWith(keys *Keys, now store.Clock) *Tokens { return &Tokens{keys: keys, Now: now} }

// RotateKey replaces the signing key (keys.go: Keys.Rotate).
func (t *Tokens) RotateKey() (string, error) { return t.keys.Rotate(t.Now()) }

func (t *Tokens) sign(c Claims) (string, error) {
	kid, key := t.keys.signing()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = kid
	return tok.SignedString(key)
}

func (t *Tokens) access(u *User, fam, device string) (string, error) {
	now := t.Now()
	return t.sign(Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: u.Username, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(AccessTTL)), ID: randomID(9)},
		Type: TypeAccess, Role: u.Role, Unit: u.Unit, Name: u.Name, Device: device, Family: fam, Generation: u.Generation,
	})
}

// FileToken is a short-lived token that only the photo GET route accepts.
// It carries the session (family) of the access token that asked for it, so
// it ends with that session (logout, user disabled).
func (t *Tokens) FileToken(p Principal, gen int, family string) (string, int, error) {
	now := t.Now()
	s, err := t.sign(Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: p.Username, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(FileTTL))},
		Type: TypeFile, Role: p.Role, Unit: p.Unit, Name: p.Name, Family: family, Generation: gen,
	})
	return s, int(FileTTL.Seconds()), err
}

// Verify checks a token's signature (HS256 only), expiry and type, that its
// claims are ones this server issues (see claimsInBounds), and that the user
// and session still stand. It returns the caller.
func (t *Tokens) Verify(db *store.DB, raw, wantType string) (Principal, *Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(raw, &c, t.keyFor,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(t.Now), jwt.WithExpirationRequired())
	if err != nil || c.Type != wantType || c.Subject == "" || !t.claimsInBounds(&c) {
		return Principal{}, nil, errBadToken
	}
	var p Principal
	err = db.View(func(tx *bolt.Tx) error {
		u, err := GetUser(tx, c.Subject)
		if err != nil || u.Disabled || u.Generation != c.Generation {
			return errBadToken
		}
		if !sessionLive(tx, c.Family, u.Username) {
			return errBadToken
		}
		p = u.Principal(c.Device)
		return nil
	})
	return p, &c, err
}

// clockLeeway forgives an issue time this far ahead of our clock (the
// server's own clock stepping back under NTP), no more.
const clockLeeway = time.Minute

// maxSessionIDLen bounds the session id looked up per request; ours are 16.
const maxSessionIDLen = 64

// claimsInBounds holds a token to what this server issues, so one signed
// with a leaked key still cannot live forever: it names a session (checked
// live by sessionLive), it was issued in the past, and it lives no longer
// than its type's lifetime. Without these an admin token with a ten-year
// expiry and no session was accepted and could not be revoked.
func (t *Tokens) claimsInBounds(c *Claims) bool {
	ttl := AccessTTL
	if c.Type == TypeFile {
		ttl = FileTTL
	}
	if c.Family == "" || len(c.Family) > maxSessionIDLen || c.IssuedAt == nil || c.ExpiresAt == nil {
		return false
	}
	iat, exp := c.IssuedAt.Time, c.ExpiresAt.Time
	return !iat.After(t.Now().Add(clockLeeway)) && exp.Sub(iat) <= ttl
}

// sessionLive reports whether family is an unrevoked session of username.
// It is one bbolt read per request (BenchmarkVerify: a few µs), and always
// agrees with logout, disabling and password changes, which revoke in the
// same store.
func sessionLive(tx *bolt.Tx, family, username string) bool {
	var f Family
	if store.GetJSON(tx, store.BucketTokenFamilies, []byte(family), &f) != nil {
		return false
	}
	return f.RevokedAt == nil && f.Username == username
}

// Login starts a new token family for u on device.
func (t *Tokens) Login(tx *bolt.Tx, u *User, device string) (Pair, error) {
	f := Family{ID: randomID(12), Username: u.Username, Device: device, CreatedAt: t.Now()}
	if err := store.PutJSON(tx, store.BucketTokenFamilies, []byte(f.ID), f); err != nil {
		return Pair{}, err
	}
	if err := store.Mark(tx, store.BucketUserFamilies, store.Key(u.Username, f.ID)); err != nil {
		return Pair{}, err
	}
	pair, _, err := t.issue(tx, u, f)
	return pair, err
}

func (t *Tokens) issue(tx *bolt.Tx, u *User, f Family) (Pair, string, error) {
	raw := randomID(32)
	now := t.Now()
	rec := refreshRecord{Family: f.ID, Username: u.Username, IssuedAt: now, ExpiresAt: now.Add(RefreshTTL)}
	h := hashToken(raw)
	if err := store.PutJSON(tx, store.BucketRefreshTokens, []byte(h), rec); err != nil {
		return Pair{}, "", err
	}
	acc, err := t.access(u, f.ID, f.Device)
	if err != nil {
		return Pair{}, "", err
	}
	return Pair{AccessToken: acc, RefreshToken: raw, ExpiresIn: int(AccessTTL.Seconds())}, h, nil
}

// Refresh rotates a refresh token. A spent token whose successor has never
// been used answers that same successor pair (the reply was lost on a bad
// network); a spent token whose successor was used means theft: the family is
// revoked. The caller commits the transaction even when Refresh returns
// errReusedToken, so the revocation sticks.
func (t *Tokens) Refresh(tx *bolt.Tx, raw string) (Pair, error) {
	if len(raw) < 20 || len(raw) > 200 {
		return Pair{}, errBadRefresh
	}
	h := hashToken(raw)
	var rec refreshRecord
	if err := store.GetJSON(tx, store.BucketRefreshTokens, []byte(h), &rec); err != nil {
		return Pair{}, errBadRefresh
	}
	now := t.Now()
	var f Family
	if err := store.GetJSON(tx, store.BucketTokenFamilies, []byte(rec.Family), &f); err != nil || f.RevokedAt != nil {
		return Pair{}, errBadRefresh
	}
	u, err := GetUser(tx, rec.Username)
	if err != nil || u.Disabled {
		return Pair{}, errBadRefresh
	}
	if rec.UsedAt != nil {
		var succ refreshRecord
		if store.GetJSON(tx, store.BucketRefreshTokens, []byte(rec.Successor), &succ) == nil && succ.UsedAt == nil {
			if pair, err := unseal(raw, rec.SealedPair); err == nil {
				return pair, nil
			}
		}
		if err := revokeFamily(tx, &f, "refresh token reused", now); err != nil {
			return Pair{}, err
		}
		return Pair{}, errReusedToken
	}
	if now.After(rec.ExpiresAt) {
		return Pair{}, errBadRefresh
	}
	pair, succHash, err := t.issue(tx, u, f)
	if err != nil {
		return Pair{}, err
	}
	sealed, err := seal(raw, pair)
	if err != nil {
		return Pair{}, err
	}
	rec.UsedAt, rec.Successor, rec.SealedPair = &now, succHash, sealed
	return pair, store.PutJSON(tx, store.BucketRefreshTokens, []byte(h), rec)
}

// ErrReused reports whether err is the theft signal (the tx must commit).
func ErrReused(err error) bool { return err == errReusedToken }

// Logout revokes the family of the given access-token claims.
func Logout(tx *bolt.Tx, familyID string, now time.Time) error {
	var f Family
	if err := store.GetJSON(tx, store.BucketTokenFamilies, []byte(familyID), &f); err != nil {
		return nil // already gone
	}
	return revokeFamily(tx, &f, "logout", now)
}

// RevokeUserSessions revokes every family of a user.
func RevokeUserSessions(tx *bolt.Tx, username, reason string, now time.Time) error {
	var ids []string
	if err := store.ScanPrefix(tx, store.BucketUserFamilies, store.Prefix(username), nil, func(k, _ []byte) error {
		ids = append(ids, store.SplitLast(k))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		var f Family
		if store.GetJSON(tx, store.BucketTokenFamilies, []byte(id), &f) == nil && f.RevokedAt == nil {
			if err := revokeFamily(tx, &f, reason, now); err != nil {
				return err
			}
		}
	}
	return nil
}

func revokeFamily(tx *bolt.Tx, f *Family, reason string, now time.Time) error {
	f.RevokedAt, f.Reason = &now, reason
	return store.PutJSON(tx, store.BucketTokenFamilies, []byte(f.ID), f)
}

func hashToken(raw string) string {
	s := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func pairCipher(spent string) (cipher.AEAD, error) {
	k := sha256.Sum256([]byte("fieldcheck successor seal\x00" + spent))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func seal(spent string, p Pair) ([]byte, error) {
	g, err := pairCipher(spent)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, plain, nil), nil
}

func unseal(spent string, sealed []byte) (Pair, error) {
	var p Pair
	g, err := pairCipher(spent)
	if err != nil {
		return p, err
	}
	if len(sealed) < g.NonceSize() {
		return p, fmt.Errorf("auth: sealed pair too short")
	}
	plain, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], nil)
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(plain, &p)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
