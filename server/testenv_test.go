package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// testPassword is every test user's password.
const testPassword = "password-123"

// fakeClock is a settable clock shared by the server and the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time)         { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type testEnv struct {
	srv    *Server
	db     *store.DB
	dir    string
	clock  *fakeClock
	tokens map[string]string
}

// testUsers: one or more per role; units chengdu-east and chengdu-west.
var testUsers = []auth.NewUser{
	{Username: "tech1", Name: "张师傅", Role: auth.RoleTechnician, Unit: "chengdu-east"},
	{Username: "tech2", Name: "李师傅", Role: auth.RoleTechnician, Unit: "chengdu-east"},
	{Username: "tech3", Name: "王师傅", Role: auth.RoleTechnician, Unit: "chengdu-west"},
	{Username: "insp1", Name: "赵稽查", Role: auth.RoleInspector, Unit: "chengdu-east"},
	{Username: "agent1", Name: "刘回访", Role: auth.RoleAgent, Unit: "chengdu-east"},
	{Username: "agent2", Name: "陈回访", Role: auth.RoleAgent, Unit: "chengdu-east"},
	{Username: "sup1", Name: "周班长", Role: auth.RoleSupervisor, Unit: "chengdu-east"},
	{Username: "sup2", Name: "吴班长", Role: auth.RoleSupervisor, Unit: "chengdu-west"},
	{Username: "admin", Name: "管理员", Role: auth.RoleAdmin},
	{Username: "qa1", Name: "周品质", Role: auth.RoleQA}, // no unit: reviews every unit's calls
}

// testStart is a weekday morning in Chengdu.
var testStart = time.Date(2026, 11, 23, 9, 0, 0, 0, store.Shanghai)

func init() { auth.BcryptCost = bcrypt.MinCost }

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	return newTestEnvAt(t, t.TempDir())
}

// newTestEnvAt opens (or reopens) a server on dir; users are created once.
func newTestEnvAt(t testing.TB, dir string) *testEnv {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	clock := &fakeClock{t: testStart}
	srv, err := New(db, Config{DataDir: dir, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OnAnswer: recordAnswer})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, u := range testUsers {
			if store.Has(tx, store.BucketUsers, []byte(u.Username)) {
				continue
			}
			u.Password = testPassword
			if _, err := auth.CreateUser(tx, u, nil, clock.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("create users: %v", err)
	}
	// As `fieldcheck serve` does on every start.
	if err := checklists.EnsureBuiltins(db, clock.Now()); err != nil {
		t.Fatalf("built-in templates: %v", err)
	}
	env := &testEnv{srv: srv, db: db, dir: dir, clock: clock, tokens: map[string]string{}}
	t.Cleanup(func() { env.close() })
	return env
}

func (e *testEnv) close() {
	if e.db != nil {
		e.srv.Shutdown(time.Second)
		e.db.Close()
		e.db = nil
	}
}

// token logs username in once and caches the access token.
func (e *testEnv) token(t testing.TB, username string) string {
	t.Helper()
	if tok, ok := e.tokens[username]; ok {
		return tok
	}
	res := e.call(t, "POST", "/api/v1/auth/login", "", map[string]string{
		"username": username, "password": testPassword, "device_id": "test-" + username})
	if res.Status != 200 {
		t.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	tok := res.JSON()["access_token"].(string)
	e.tokens[username] = tok
	return tok
}

type testResp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object (nil when it is not one).
func (r *testResp) JSON() map[string]any {
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return m
}

// Decode decodes the body into v or fails the test.
func (r *testResp) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// ErrorCode is error.code of an error answer.
func (r *testResp) ErrorCode() string {
	if e, ok := r.JSON()["error"].(map[string]any); ok {
		code, _ := e["code"].(string)
		return code
	}
	return ""
}

// call sends a request through the real Fiber app. body may be nil, []byte
// (sent as is), a string (sent as is) or anything else (sent as JSON).
func (e *testEnv) call(t testing.TB, method, path, token string, body any, headers ...string) *testResp {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
		ctype = "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(data)
		ctype = "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.App.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &testResp{Status: resp.StatusCode, Header: resp.Header, Body: data}
}
