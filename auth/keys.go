package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fieldcheck/store"

	"github.com/golang-jwt/jwt/v5"
	bolt "go.etcd.io/bbolt"
)

// KeyFile holds the token signing keys, 0600, beside fieldcheck.db in the
// data directory. The keys are kept out of the db file on purpose: a backup
// is a snapshot of that file plus the photos, so it can never carry them, and
// a restored server makes a key of its own.
const KeyFile = "signing-keys.json"

// In store.BucketMeta: legacyKeyName is where versions before the key file
// kept the key (every backup made by them holds it); keyRotatedName is set
// once the upgrade has dropped that key and made a new one, so the rotation
// on upgrade happens once.
var (
	legacyKeyName  = []byte("jwt_key")
	keyRotatedName = []byte("jwt_key_rotated")
)

// ErrKeyFromEnv refuses a rotation when FIELDCHECK_JWT_KEY supplies the key.
var ErrKeyFromEnv = errors.New("签名密钥由环境变量 FIELDCHECK_JWT_KEY 提供：请把它改成新的值（至少 32 个字符）并重启服务 / " +
	"the signing key comes from FIELDCHECK_JWT_KEY: set that variable to a new value (at least 32 characters) and restart the server")

var errUnknownKey = errors.New("auth: token signed with an unknown or retired key")

type signingKey struct {
	ID        string    `json:"kid"`
	Secret    []byte    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
	// RetiredAt is when a rotation replaced the key; tokens it signed verify
	// for one access-token lifetime after that.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

type keySet struct {
	Current  signingKey   `json:"current"`
	Previous []signingKey `json:"previous,omitempty"`
}

// Keys is the signing key ring: the current key signs (its id goes in the
// token's kid header), keys a rotation replaced still verify for AccessTTL.
type Keys struct {
	rotating sync.Mutex // one rotation at a time; held while the file is written
	mu       sync.RWMutex
	path     string // "" when the key comes from FIELDCHECK_JWT_KEY: no rotation
	set      keySet
}

// StaticKeys is a ring of one fixed key that cannot be rotated
// (FIELDCHECK_JWT_KEY, tests).
func StaticKeys(secret []byte) *Keys {
	sum := sha256.Sum256(secret)
	return &Keys{set: keySet{Current: signingKey{ID: "env-" + base64.RawURLEncoding.EncodeToString(sum[:6]), Secret: secret}}}
}

// LoadKeys returns the signing keys: the env-given one, else the ones in the
// data directory's key file. On the first start of this version on an older
// data dir the key kept in the db is deleted and a new one made — every
// backup made before held the old key, so it is not honoured at all (access
// tokens it signed are refused; phones refresh). A data dir without a key
// file (fresh, or restored from a backup) gets a new key.
func LoadKeys(db *store.DB, fromEnv string, now time.Time) (*Keys, error) {
	var legacy, rotated bool
	if err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketMeta)
		legacy, rotated = b.Get(legacyKeyName) != nil, b.Get(keyRotatedName) != nil
		return nil
	}); err != nil {
		return nil, err
	}
	if fromEnv != "" {
		if len(fromEnv) < 32 {
			return nil, errors.New("auth: FIELDCHECK_JWT_KEY must be at least 32 characters")
		}
		// The env key replaces the leaked one; drop that from the db so no
		// later backup carries it.
		if legacy || !rotated {
			if err := markRotated(db, now); err != nil {
				return nil, err
			}
		}
		return StaticKeys([]byte(fromEnv)), nil
	}
	k := &Keys{path: filepath.Join(db.Dir, KeyFile)}
	if !rotated {
		// Write the new key before the marker: a crash between the two
		// rotates once more on the next start, never zero times.
		k.set = keySet{Current: newSigningKey(now)}
		if err := k.save(); err != nil {
			return nil, err
		}
		return k, markRotated(db, now)
	}
	data, err := os.ReadFile(k.path)
	if errors.Is(err, os.ErrNotExist) {
		k.set = keySet{Current: newSigningKey(now)}
		return k, k.save()
	}
	if err != nil {
		return nil, fmt.Errorf("auth: read signing keys: %w", err)
	}
	if err := json.Unmarshal(data, &k.set); err != nil || len(k.set.Current.Secret) < 32 || k.set.Current.ID == "" {
		return nil, fmt.Errorf("auth: %s is damaged; delete it to make a new key (everyone logs in again)", k.path)
	}
	return k, nil
}

func markRotated(db *store.DB, now time.Time) error {
	return db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketMeta)
		if err := b.Delete(legacyKeyName); err != nil {
			return err
		}
		return b.Put(keyRotatedName, []byte(now.UTC().Format(time.RFC3339)))
	})
}

// RotateStoredKey rotates the key of a data dir no server has open (the
// caller holds the store open, so no server can start meanwhile).
func RotateStoredKey(db *store.DB, now time.Time) (string, error) {
	k, err := LoadKeys(db, "", now)
	if err != nil {
		return "", err
	}
	return k.Rotate(now)
}

func newSigningKey(now time.Time) signingKey {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err)
	}
	return signingKey{ID: randomID(9), Secret: secret, CreatedAt: now.UTC()}
}

// Rotate replaces the current key with a new one and saves both; tokens the
// old key signed verify for one more access-token lifetime. It returns the
// new key's id.
func (k *Keys) Rotate(now time.Time) (string, error) {
	if k.path == "" {
		return "", ErrKeyFromEnv
	}
	k.rotating.Lock()
	defer k.rotating.Unlock()
	k.mu.RLock()
	old := k.set
	k.mu.RUnlock()
	next := keySet{Current: newSigningKey(now)}
	retired := old.Current
	retired.RetiredAt = now.UTC()
	next.Previous = append(next.Previous, retired)
	for _, p := range old.Previous {
		if now.Before(p.RetiredAt.Add(AccessTTL)) {
			next.Previous = append(next.Previous, p)
		}
	}
	// Write first, then swap: requests verify with the old set meanwhile
	// instead of waiting for the fsync.
	if err := saveKeys(k.path, next); err != nil {
		return "", err
	}
	k.mu.Lock()
	k.set = next
	k.mu.Unlock()
	return next.Current.ID, nil
}

// CurrentID is the id (kid) of the key that signs now.
func (k *Keys) CurrentID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.set.Current.ID
}

func (k *Keys) signing() (string, []byte) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.set.Current.ID, k.set.Current.Secret
}

// lookup finds the key a token names. A token without kid (signed before
// kids existed) is checked against the current key only.
func (k *Keys) lookup(kid string, now time.Time) ([]byte, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if kid == "" || kid == k.set.Current.ID {
		return k.set.Current.Secret, true
	}
	for _, p := range k.set.Previous {
		if p.ID == kid && now.Before(p.RetiredAt.Add(AccessTTL)) {
			return p.Secret, true
		}
	}
	return nil, false
}

// keyFor is the jwt key function: the key the token's kid header names.
func (t *Tokens) keyFor(tok *jwt.Token) (any, error) {
	kid, ok := tok.Header["kid"].(string)
	if !ok && tok.Header["kid"] != nil {
		return nil, errUnknownKey
	}
	if key, found := t.keys.lookup(kid, t.Now()); found {
		return key, nil
	}
	return nil, errUnknownKey
}

func (k *Keys) save() error { return saveKeys(k.path, k.set) }

// saveKeys writes the key file whole (temp file, fsync, rename, fsync dir), 0600.
func saveKeys(path string, set keySet) error {
	data, err := json.Marshal(set)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".signing-keys-*.tmp")
	if err != nil {
		return fmt.Errorf("auth: save signing keys: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("auth: save signing keys: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("auth: save signing keys: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("auth: save signing keys: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
