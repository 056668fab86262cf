package auth

import (
	"bytes"
	"errors"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The user index (store.BucketUserIndex) answers the questions other
// domains ask of every user — a display name, everyone's card (the names
// book every pull carries), and which units have an enabled user of a role
// — with key reads instead of decoding each user record. Every user write goes through PutUser, which keeps it; a data dir
// from before it is indexed on open (BuildUserIndex), and until then the
// readers decode the records as before.

var metaUserIndex = []byte("users_index")

const (
	idxCard   = 'p' // 'p' username → card (encodeCard)
	idxActive = 'a' // 'a' role 0x00 unit 0x00 username → nil, enabled users
)

// Card is what the index keeps of a user: who they are to other screens.
type Card struct {
	Username, Name, Role, Unit string
	Disabled                   bool
}

func cardOf(u *User) Card {
	return Card{Username: u.Username, Name: u.Name, Role: u.Role, Unit: u.Unit, Disabled: u.Disabled}
}

func encodeCard(c Card) []byte {
	flag := "0"
	if c.Disabled {
		flag = "1"
	}
	return []byte(c.Role + "\x00" + c.Unit + "\x00" + flag + "\x00" + c.Name)
}

func decodeCard(username string, v []byte) Card {
	parts := bytes.SplitN(v, []byte{0}, 4)
	for len(parts) < 4 {
		parts = append(parts, nil)
	}
	return Card{Username: username, Role: string(parts[0]), Unit: string(parts[1]), Disabled: string(parts[2]) == "1", Name: string(parts[3])}
}

var errStop = errors.New("stop")

func userIndexOn(tx *bolt.Tx) bool {
	return tx.Bucket(store.BucketMeta).Get(metaUserIndex) != nil && tx.Bucket(store.BucketUserIndex) != nil
}

func cardKey(username string) []byte {
	k := make([]byte, 0, 1+len(username))
	return append(append(k, idxCard), username...)
}

func activeKey(u *User) []byte {
	return append([]byte{idxActive}, store.Key(u.Role, u.Unit, u.Username)...)
}

// PutUser stores u and moves its index entries from what was stored before.
// Every write of a user record goes through it (tests that seed users too).
func PutUser(tx *bolt.Tx, u *User) error {
	var old *User
	if prev, err := GetUser(tx, u.Username); err == nil {
		old = prev
	}
	if err := store.PutJSON(tx, store.BucketUsers, []byte(u.Username), u); err != nil {
		return err
	}
	return indexUser(tx, old, u)
}

func indexUser(tx *bolt.Tx, old, u *User) error {
	b := tx.Bucket(store.BucketUserIndex)
	if b == nil {
		return nil // a store opened without it (never: store.Open creates it)
	}
	if old == nil || cardOf(old) != cardOf(u) {
		if err := b.Put(cardKey(u.Username), encodeCard(cardOf(u))); err != nil {
			return err
		}
	}
	if old != nil && !old.Disabled && (u.Disabled || !bytes.Equal(activeKey(old), activeKey(u))) {
		if err := b.Delete(activeKey(old)); err != nil {
			return err
		}
	}
	if !u.Disabled && (old == nil || old.Disabled || !bytes.Equal(activeKey(old), activeKey(u))) {
		return b.Put(activeKey(u), nil)
	}
	return nil
}

// userIndex is the index as a store.Derived: built from the users when it
// is not complete (a data dir from before it).
var userIndex = store.Derived{
	Meta: metaUserIndex, Source: store.BucketUsers, Into: [][]byte{store.BucketUserIndex},
	Log: "auth: built the user index", Counted: "users",
	Entries: func(_, v []byte, add func(int, []byte, []byte)) error {
		var u User
		if err := jsonUnmarshal(v, &u); err != nil {
			return err
		}
		add(0, cardKey(u.Username), encodeCard(cardOf(&u)))
		if !u.Disabled {
			add(0, activeKey(&u), nil)
		}
		return nil
	},
}

// BuildUserIndex indexes every user when the store has no index yet (a data
// dir from before it). It runs once, in one transaction.
func BuildUserIndex(tx *bolt.Tx) error { return userIndex.Build(tx) }

// Names reads display names in one transaction; a report naming thousands
// of people takes it once (NamesIn) and asks it for each.
type Names struct {
	tx  *bolt.Tx
	idx *bolt.Bucket // nil: no index yet, read the records
}

// NamesIn is the name reader of tx.
func NamesIn(tx *bolt.Tx) Names {
	if userIndexOn(tx) {
		return Names{tx: tx, idx: tx.Bucket(store.BucketUserIndex)}
	}
	return Names{tx: tx}
}

// Name is username's display name; ok is false for an unknown user.
func (n Names) Name(username string) (name string, ok bool, err error) {
	if n.idx != nil {
		v := n.idx.Get(cardKey(username))
		if v == nil {
			return "", false, nil
		}
		return decodeCard(username, v).Name, true, nil
	}
	u, err := GetUser(n.tx, username)
	if err != nil {
		if errs.IsKind(err, errs.NotFound) {
			return "", false, nil
		}
		return "", false, err
	}
	return u.Name, true, nil
}

// ActiveUnits visits the units that have at least one enabled user of role,
// each once, in key order; "" is a user with no unit (for an agent, a
// central call centre covering every unit). fn returns false to stop.
func ActiveUnits(tx *bolt.Tx, role string, fn func(unit string) bool) error {
	if !userIndexOn(tx) {
		seen := map[string]bool{}
		err := tx.Bucket(store.BucketUsers).ForEach(func(_, v []byte) error {
			var u User
			if err := jsonUnmarshal(v, &u); err != nil {
				return err
			}
			if u.Role == role && !u.Disabled && !seen[u.Unit] {
				seen[u.Unit] = true
				if !fn(u.Unit) {
					return errStop
				}
			}
			return nil
		})
		if errors.Is(err, errStop) {
			return nil
		}
		return err
	}
	prefix := append([]byte{idxActive}, store.Prefix(role)...)
	c := tx.Bucket(store.BucketUserIndex).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); {
		rest := k[len(prefix):]
		i := bytes.IndexByte(rest, store.Sep)
		if i < 0 {
			k, _ = c.Next()
			continue
		}
		if !fn(string(rest[:i])) {
			return nil
		}
		// The next unit: past every username of this one.
		next := append(append([]byte{}, k[:len(prefix)+i]...), store.Sep+1)
		k, _ = c.Seek(next)
	}
	return nil
}

// EachCard visits every user's card in username order (disabled users too:
// their names still label what they did).
func EachCard(tx *bolt.Tx, fn func(Card) error) error {
	if !userIndexOn(tx) {
		return tx.Bucket(store.BucketUsers).ForEach(func(_, v []byte) error {
			var u User
			if err := jsonUnmarshal(v, &u); err != nil {
				return err
			}
			return fn(cardOf(&u))
		})
	}
	prefix := []byte{idxCard}
	c := tx.Bucket(store.BucketUserIndex).Cursor()
	for k, v := c.Seek(prefix); k != nil && k[0] == idxCard; k, v = c.Next() {
		if err := fn(decodeCard(string(k[1:]), v)); err != nil {
			return err
		}
	}
	return nil
}
