package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// User is an account. Usernames are stable ids.
type User struct {
	ID           string `json:"id"`
	Username     string `json:"username"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	Unit         string `json:"unit"`
	Disabled     bool   `json:"disabled"`
	PasswordHash []byte `json:"password_hash,omitempty"`
	// Generation changes whenever a password changes or the user is disabled;
	// access tokens carry it, so older ones stop working at once.
	Generation int       `json:"generation"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Phone is the person's contact number (the console shows it; optional).
	Phone string `json:"phone,omitempty"`
	// LastLoginAt and LastDevice are set by each login: when, and on what
	// (a platform a person reads, "Android · Chrome", never the device id).
	// Records written before they existed read as never logged in.
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	LastDevice  string     `json:"last_device,omitempty"`
}

// Public is the user as the API shows it.
func (u *User) Public() map[string]any {
	return map[string]any{"id": u.Username, "username": u.Username, "name": u.Name, "role": u.Role,
		"unit": u.Unit, "disabled": u.Disabled, "created_at": u.CreatedAt, "updated_at": u.UpdatedAt,
		"phone": u.Phone, "last_login_at": u.LastLoginAt, "last_device": u.LastDevice}
}

// Principal is the user as a request caller.
func (u *User) Principal(device string) Principal {
	return Principal{Username: u.Username, Name: u.Name, Role: u.Role, Unit: u.Unit, Device: device}
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// bcrypt reads at most 72 bytes; longer passwords are refused rather than
// silently truncated.
const maxPasswordBytes = 72

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// BcryptCost is the bcrypt work factor. Tests lower it to bcrypt.MinCost so
// suites that log in hundreds of times stay fast; production keeps the default.
var BcryptCost = bcrypt.DefaultCost

// HashPassword hashes with bcrypt at BcryptCost.
func HashPassword(pw string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
}

// dummyHash makes a failed lookup cost as much as a wrong password, so
// response times do not reveal which usernames exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("fieldcheck-timing-guard"), bcrypt.DefaultCost)

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 -]{2,23}$`)

func checkPhone(v *errs.Validation, phone string) {
	if phone != "" && !phoneRE.MatchString(phone) {
		v.Add("phone", "电话号码只能包含数字、空格、- 和开头的 +", "phone may hold only digits, spaces, '-' and a leading '+'")
	}
}

func checkPassword(v *errs.Validation, path, pw string) {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		v.Add(path, "密码至少 8 个字符", "password must be at least 8 characters")
	case len(pw) > maxPasswordBytes:
		v.Add(path, "密码不能超过 72 字节", "password must be at most 72 bytes")
	}
}

// GeneratePassword returns a random password for the bootstrap admin.
func GeneratePassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the OS random source never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Unit     string `json:"unit"`
	Phone    string `json:"phone"`
	hashed   hashed
}

// UserPatch changes a user; nil fields stay.
type UserPatch struct {
	Name     *string `json:"name"`
	Role     *string `json:"role"`
	Unit     *string `json:"unit"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
	Phone    *string `json:"phone"`
	hashed   hashed
}

// hashed is a bcrypt hash made ahead of the write transaction, with the
// password it was made from (so a later change of the password is noticed).
type hashed struct {
	pw   string
	hash []byte
}

func (h *hashed) prepare(pw string) error {
	var v errs.Validation
	if checkPassword(&v, "password", pw); v.Err() != nil {
		return nil // CreateUser/PatchUser report it with the other fields
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	*h = hashed{pw: pw, hash: hash}
	return nil
}

func (h *hashed) get(pw string) ([]byte, error) {
	if h.hash != nil && h.pw == pw {
		return h.hash, nil
	}
	return HashPassword(pw)
}

// HashPassword hashes the password now, outside any transaction: bcrypt
// takes ~80 ms and a bbolt write transaction holds every other writer.
// CreateUser then uses the prepared hash.
func (in *NewUser) HashPassword() error { return in.hashed.prepare(in.Password) }

// HashPassword prepares the new password's hash for PatchUser (see
// NewUser.HashPassword); a patch without a password does nothing.
func (p *UserPatch) HashPassword() error {
	if p.Password == nil {
		return nil
	}
	return p.hashed.prepare(*p.Password)
}

// fieldRole reports whether a supervisor may manage this role.
func fieldRole(r string) bool {
	return r == RoleTechnician || r == RoleInspector || r == RoleAgent
}

// GetUser loads a user.
func GetUser(tx *bolt.Tx, username string) (*User, error) {
	var u User
	if err := store.GetJSON(tx, store.BucketUsers, []byte(username), &u); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errs.NotFoundf("user", username)
		}
		return nil, err
	}
	return &u, nil
}

// CreateUser adds a user. by is nil for the command line (trusted).
func CreateUser(tx *bolt.Tx, in NewUser, by *Principal, now time.Time) (*User, error) {
	in.Username = strings.TrimSpace(in.Username)
	in.Name = strings.TrimSpace(in.Name)
	in.Unit = strings.TrimSpace(in.Unit)
	in.Phone = strings.TrimSpace(in.Phone)
	if by != nil && by.Role == RoleSupervisor && in.Unit == "" {
		in.Unit = by.Unit
	}
	var v errs.Validation
	if !usernameRE.MatchString(in.Username) {
		v.Add("username", "用户名须为 2–32 位小写字母、数字或 . _ -", "username must be 2–32 lowercase letters, digits, '.', '_' or '-'")
	}
	checkPassword(&v, "password", in.Password)
	checkPhone(&v, in.Phone)
	if !ValidRole(in.Role) {
		v.Add("role", "角色无效", "role must be one of technician, inspector, agent, supervisor, admin, qa")
	}
	if len(in.Name) > 64 {
		v.Add("name", "姓名过长", "name must be at most 64 characters")
	}
	if len(in.Unit) > 64 || strings.ContainsAny(in.Unit, "\x00/") {
		v.Add("unit", "单位名称无效", "unit must be at most 64 characters without '/'")
	}
	// An agent without a unit is a central call centre: it works every
	// unit's callbacks (API.md v1.1).
	// A QA reviewer without a unit reviews every unit's calls.
	if in.Role != RoleAdmin && in.Role != RoleAgent && in.Role != RoleQA && in.Unit == "" {
		v.Add("unit", "必须指定单位", "unit is required for this role")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if by != nil && by.Role == RoleSupervisor {
		if !fieldRole(in.Role) || in.Unit != by.Unit {
			return nil, errs.New(errs.Forbidden, "forbidden", "班组长只能为本单位创建装维、稽查或回访人员", "a supervisor may only create technicians, inspectors and agents of their own unit")
		}
	}
	if store.Has(tx, store.BucketUsers, []byte(in.Username)) {
		return nil, errs.New(errs.Conflict, "username_taken", "用户名已存在", "that username is taken")
	}
	hash, err := in.hashed.get(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: in.Username, Username: in.Username, Name: in.Name, Role: in.Role, Unit: in.Unit,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now, Phone: in.Phone}
	if u.Name == "" {
		u.Name = u.Username
	}
	if err := PutUser(tx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// PatchUser changes a user. Disabling or a new password revokes every session.
func PatchUser(tx *bolt.Tx, username string, p UserPatch, by Principal, now time.Time) (*User, error) {
	u, err := GetUser(tx, username)
	if err != nil {
		return nil, err
	}
	if by.Role == RoleSupervisor && (!fieldRole(u.Role) || u.Unit != by.Unit) {
		return nil, errs.NotFoundf("user", username) // outside their unit: as if absent
	}
	var v errs.Validation
	if p.Role != nil && !ValidRole(*p.Role) {
		v.Add("role", "角色无效", "role must be one of technician, inspector, agent, supervisor, admin, qa")
	}
	if p.Password != nil {
		checkPassword(&v, "password", *p.Password)
	}
	if p.Phone != nil {
		*p.Phone = strings.TrimSpace(*p.Phone)
		checkPhone(&v, *p.Phone)
	}
	if p.Name != nil && len(*p.Name) > 64 {
		v.Add("name", "姓名过长", "name must be at most 64 characters")
	}
	if p.Unit != nil && (len(*p.Unit) > 64 || strings.ContainsAny(*p.Unit, "\x00/")) {
		v.Add("unit", "单位名称无效", "unit must be at most 64 characters without '/'")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if by.Role == RoleSupervisor {
		if (p.Role != nil && !fieldRole(*p.Role)) || (p.Unit != nil && *p.Unit != by.Unit) {
			return nil, errs.New(errs.Forbidden, "forbidden", "班组长只能管理本单位的现场人员", "a supervisor may only manage field roles of their own unit")
		}
	}
	if err := keepAnAdmin(tx, u, p); err != nil {
		return nil, err
	}
	if by.Username == u.Username && p.Disabled != nil && *p.Disabled {
		return nil, errs.New(errs.Conflict, "cannot_disable_self", "不能停用自己的账号", "you cannot disable your own account")
	}
	revoke := false
	if p.Name != nil {
		u.Name = strings.TrimSpace(*p.Name)
	}
	if p.Phone != nil {
		u.Phone = *p.Phone
	}
	if p.Role != nil && *p.Role != u.Role {
		u.Role = *p.Role
		revoke = true // a token's role claim must not outlive the role
	}
	if p.Unit != nil && *p.Unit != u.Unit {
		u.Unit = *p.Unit
		revoke = true
	}
	if p.Disabled != nil && *p.Disabled != u.Disabled {
		u.Disabled = *p.Disabled
		revoke = revoke || u.Disabled
	}
	if p.Password != nil {
		if u.PasswordHash, err = p.hashed.get(*p.Password); err != nil {
			return nil, err
		}
		revoke = true
	}
	if revoke {
		u.Generation++
		if err := RevokeUserSessions(tx, u.Username, "user changed", now); err != nil {
			return nil, err
		}
	}
	u.UpdatedAt = now
	if err := PutUser(tx, u); err != nil {
		return nil, err
	}
	return u, nil
}

var errLastAdmin = errs.New(errs.Conflict, "last_admin", "这是最后一个启用的管理员账号，不能降级或停用；请先设置另一名管理员",
	"this is the last enabled admin; make another user admin before demoting or disabling this one")

// keepAnAdmin refuses a patch that would leave no enabled admin: nobody
// could then manage users, supervisors or backups from the app.
func keepAnAdmin(tx *bolt.Tx, u *User, p UserPatch) error {
	if u.Role != RoleAdmin || u.Disabled {
		return nil
	}
	if (p.Role == nil || *p.Role == RoleAdmin) && (p.Disabled == nil || !*p.Disabled) {
		return nil
	}
	others := false
	err := tx.Bucket(store.BucketUsers).ForEach(func(k, v []byte) error {
		if others || string(k) == u.Username {
			return nil
		}
		var o struct {
			Role     string `json:"role"`
			Disabled bool   `json:"disabled"`
		}
		if err := jsonUnmarshal(v, &o); err != nil {
			return err
		}
		others = o.Role == RoleAdmin && !o.Disabled
		return nil
	})
	if err != nil {
		return err
	}
	if !others {
		return errLastAdmin
	}
	return nil
}

// UserFilter narrows a user list (the console's search): Q is matched,
// case-insensitively, in the username, name and phone; Role and Unit are
// exact; empty fields match all.
type UserFilter struct {
	Q, Role, Unit string
}

func (f UserFilter) match(u *User) bool {
	if f.Role != "" && u.Role != f.Role {
		return false
	}
	if f.Unit != "" && u.Unit != f.Unit {
		return false
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		return strings.Contains(u.Username, q) || strings.Contains(strings.ToLower(u.Name), q) || strings.Contains(u.Phone, q)
	}
	return true
}

// ListUsers lists users visible to by (a supervisor sees their unit).
func ListUsers(tx *bolt.Tx, by Principal, limit int, after string) ([]*User, string, error) {
	return FindUsers(tx, by, UserFilter{}, limit, after)
}

// FindUsers lists the users visible to by that match f, a page at a time.
func FindUsers(tx *bolt.Tx, by Principal, f UserFilter, limit int, after string) ([]*User, string, error) {
	var out []*User
	next := ""
	c := tx.Bucket(store.BucketUsers).Cursor()
	k, v := c.First()
	if after != "" {
		k, v = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	for ; k != nil; k, v = c.Next() {
		var u User
		if err := jsonUnmarshal(v, &u); err != nil {
			return nil, "", err
		}
		if by.Role == RoleSupervisor && u.Unit != by.Unit {
			continue
		}
		if !f.match(&u) {
			continue
		}
		if len(out) == limit {
			next = out[len(out)-1].Username
			break
		}
		u.PasswordHash = nil
		out = append(out, &u)
	}
	return out, next, nil
}

// ErrBadCredentials is every failed login's answer: which part was wrong
// is not told.
var ErrBadCredentials = errs.New(errs.Unauthorized, "invalid_credentials", "用户名或密码错误", "wrong username or password")

// Authenticate checks a username and password inside tx.
func Authenticate(tx *bolt.Tx, username, password string) (*User, error) {
	u, err := GetUser(tx, username)
	if err != nil && !errs.IsKind(err, errs.NotFound) {
		return nil, err
	}
	return checkLogin(u, password)
}

// Authenticate checks a username and password from client address addr,
// waiting its turn for a check slot (see CheckQueue): a shift's worth of
// phones logging in at once would otherwise queue hundreds of ~80 ms bcrypt
// checks on two cores, and a flood from one address would take every slot.
// The bcrypt comparison runs outside any transaction (a ~80 ms read
// transaction would hold up a write that needs to grow the file); the caller
// re-reads the user in its write transaction and compares Generation before
// issuing tokens.
func (q *CheckQueue) Authenticate(db *store.DB, addr, username, password string) (*User, error) {
	release, err := q.Acquire(addr)
	if err != nil {
		return nil, err
	}
	defer release()
	var u *User
	err = db.View(func(tx *bolt.Tx) error {
		var err error
		if u, err = GetUser(tx, username); errs.IsKind(err, errs.NotFound) {
			u, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return checkLogin(u, password)
}

// CheckSlots is how many password checks run at once: bcrypt is CPU-bound.
var CheckSlots = 2 * runtime.NumCPU()

// ErrLoginBusy: too many logins waiting; retry shortly.
var ErrLoginBusy = errs.New(errs.RateLimited, "login_busy", "登录人数较多，请几秒后重试", "too many logins at once; retry in a few seconds")

func checkLogin(u *User, password string) (*User, error) {
	if u == nil {
		// An unknown user costs as much as a wrong password.
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrBadCredentials
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil || u.Disabled {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// EnsureAdmin creates the "admin" user with a generated password when the
// store has no users at all. It returns the password when it created one.
func EnsureAdmin(db *store.DB, now time.Time) (string, error) {
	var pw string
	err := db.Update(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(store.BucketUsers).Cursor().First(); k != nil {
			return nil
		}
		pw = GeneratePassword()
		_, err := CreateUser(tx, NewUser{Username: "admin", Password: pw, Name: "系统管理员", Role: RoleAdmin}, nil, now)
		if err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: "system"}, "user.create", "user/admin", "bootstrap admin")
	})
	return pw, err
}
