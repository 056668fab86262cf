package auth

import (
	"fieldcheck/store"
	"log/slog"

	bolt "go.etcd.io/bbolt"
)

// Accounts is the door to users and sessions: each method is one whole
// action (its transaction and its audit entry), so the server only parses,
// calls and answers.
type Accounts struct {
	db     *store.DB
	tokens *Tokens
	now    store.Clock
}

// NewAccounts makes the accounts service on the store and the token signer.
// NewAccounts makes the accounts service on the store, first indexing the
// users when the store has no user index yet (a data dir from before it);
// should that fail, the readers decode the records instead.
func NewAccounts(db *store.DB, tokens *Tokens, now store.Clock) *Accounts {
	if err := userIndex.Ensure(db); err != nil {
		slog.Error("auth: building the user index", "error", err)
	}
	return &Accounts{db: db, tokens: tokens, now: now}
}

// Actor is the principal as the audit log names it.
func (p Principal) Actor() store.Actor {
	return store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}
}

// Login opens a session for a user whose password was checked (outside the
// write lock, by CheckQueue.Authenticate) and audits it as auth.login.
func (a *Accounts) Login(user *User, device string) (Pair, error) {
	return a.LoginOn(user, device, "")
}

// LoginOn is Login that also records when the user last logged in and on
// what platform ("Android · Chrome", from the User-Agent), for the console.
func (a *Accounts) LoginOn(user *User, device, platform string) (Pair, error) {
	var pair Pair
	err := a.db.Update(func(tx *bolt.Tx) error {
		// The password was checked outside this transaction: a change to
		// the user since then (new password, disabled) voids the login.
		now, err := GetUser(tx, user.Username)
		if err != nil || now.Generation != user.Generation || now.Disabled {
			return ErrBadCredentials
		}
		if pair, err = a.tokens.Login(tx, now, device); err != nil {
			return err
		}
		at := a.now()
		now.LastLoginAt, now.LastDevice = &at, platform
		if err := PutUser(tx, now); err != nil {
			return err
		}
		return store.Audit(tx, a.now(), store.Actor{Username: user.Username, Unit: user.Unit, Device: device}, "auth.login", "user/"+user.Username, "")
	})
	return pair, err
}

// Refresh rotates a refresh token and answers the new pair with its user.
func (a *Accounts) Refresh(raw string) (Pair, *User, error) {
	var pair Pair
	var refreshErr error
	// A reused token must still commit the family's revocation, so the theft
	// signal is carried out of the transaction rather than rolling it back.
	err := a.db.Update(func(tx *bolt.Tx) error {
		var err error
		pair, err = a.tokens.Refresh(tx, raw)
		if ErrReused(err) {
			refreshErr = err
			return nil
		}
		return err
	})
	if err != nil {
		return Pair{}, nil, err
	}
	if refreshErr != nil {
		return Pair{}, nil, refreshErr
	}
	username := ""
	if p, _, err := a.tokens.Verify(a.db, pair.AccessToken, TypeAccess); err == nil {
		username = p.Username
	}
	user, err := a.User(username)
	if err != nil {
		return Pair{}, nil, err
	}
	return pair, user, nil
}

// Logout ends the session (token family) the caller's access token belongs
// to and audits it as auth.logout.
func (a *Accounts) Logout(by Principal, c *Claims) error {
	return a.db.Update(func(tx *bolt.Tx) error {
		if err := Logout(tx, c.Family, a.now()); err != nil {
			return err
		}
		return store.Audit(tx, a.now(), by.Actor(), "auth.logout", "user/"+c.Subject, "")
	})
}

// User reads one user.
func (a *Accounts) User(username string) (*User, error) {
	var u *User
	err := a.db.View(func(tx *bolt.Tx) error {
		var err error
		u, err = GetUser(tx, username)
		return err
	})
	return u, err
}

// CreateUser adds a user (its password already hashed: NewUser.HashPassword,
// outside the write lock) and audits it as user.create.
func (a *Accounts) CreateUser(by Principal, in NewUser) (*User, error) {
	var u *User
	err := a.db.Update(func(tx *bolt.Tx) error {
		var err error
		if u, err = CreateUser(tx, in, &by, a.now()); err != nil {
			return err
		}
		return store.Audit(tx, a.now(), by.Actor(), "user.create", "user/"+u.Username, "role="+u.Role+" unit="+u.Unit)
	})
	return u, err
}

// FindUsers pages through the users the caller may see that match f.
func (a *Accounts) FindUsers(by Principal, f UserFilter, limit int, after string) ([]*User, string, error) {
	var users []*User
	var next string
	err := a.db.View(func(tx *bolt.Tx) error {
		var err error
		users, next, err = FindUsers(tx, by, f, limit, after)
		return err
	})
	return users, next, err
}

// ListUsers pages through the users the caller may see.
func (a *Accounts) ListUsers(by Principal, limit int, after string) ([]*User, string, error) {
	var users []*User
	var next string
	err := a.db.View(func(tx *bolt.Tx) error {
		var err error
		users, next, err = ListUsers(tx, by, limit, after)
		return err
	})
	return users, next, err
}

// PatchUser changes a user (a new password already hashed:
// UserPatch.HashPassword) and audits it as user.patch, naming what changed.
func (a *Accounts) PatchUser(by Principal, username string, in UserPatch) (*User, error) {
	var u *User
	err := a.db.Update(func(tx *bolt.Tx) error {
		var err error
		if u, err = PatchUser(tx, username, in, by, a.now()); err != nil {
			return err
		}
		detail := ""
		if in.Disabled != nil {
			detail += " disabled"
		}
		if in.Password != nil {
			detail += " password"
		}
		if in.Role != nil {
			detail += " role=" + *in.Role
		}
		if in.Unit != nil {
			detail += " unit=" + *in.Unit
		}
		if in.Name != nil {
			detail += " name"
		}
		if in.Phone != nil {
			detail += " phone"
		}
		return store.Audit(tx, a.now(), by.Actor(), "user.patch", "user/"+u.Username, detail)
	})
	return u, err
}
