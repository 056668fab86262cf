package server

import (
	"fmt"
	"strings"
	"testing"

	"fieldcheck/auth"
)

// roleUser is the test user who plays each role.
var roleUser = map[string]string{
	auth.RoleTechnician: "tech1",
	auth.RoleInspector:  "insp1",
	auth.RoleAgent:      "agent1",
	auth.RoleSupervisor: "sup1",
	auth.RoleAdmin:      "admin",
	auth.RoleQA:         "qa1",
}

// concretePath fills route parameters with values that name nothing.
func concretePath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if !strings.HasPrefix(part, ":") {
			continue
		}
		switch strings.TrimSuffix(strings.TrimPrefix(part, ":"), "?") {
		case "sha256", "sha":
			parts[i] = strings.Repeat("0", 64)
		default:
			parts[i] = "matrix-missing"
		}
	}
	return strings.Join(parts, "/")
}

// Every API route must be registered through s.route, so it carries an
// access rule; a handler added with App.Get directly would have none.
func TestEveryAPIRouteHasAnAccessRule(t *testing.T) {
	env := newTestEnv(t)
	known := map[string]bool{}
	for _, r := range env.srv.Routes() {
		known[r.Method+" "+r.Path] = true
	}
	for _, r := range env.srv.App.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") || r.Path == "/api/*" || r.Method == "HEAD" && known["GET "+r.Path] {
			continue
		}
		if !known[r.Method+" "+r.Path] {
			t.Errorf("%s %s is served without an access rule (register it with s.route)", r.Method, r.Path)
		}
	}
}

// The role matrix: every route, every role, no token. A role the table
// refuses gets 403; a role it admits never gets 401/403 from the guard
// (the handler may still answer 400/404/422 for the empty request); without a
// token every non-public route answers 401.
func TestRoleMatrix(t *testing.T) {
	env := newTestEnv(t)
	for _, role := range auth.AllRoles { // every row tries every role, qa included
		if roleUser[role] == "" {
			t.Fatalf("no test user plays role %s", role)
		}
	}
	if !auth.ValidRole(auth.RoleQA) {
		t.Fatal("qa (品质保障员) is not a role")
	}
	tokens := map[string]string{}
	for role, u := range roleUser {
		tokens[role] = env.token(t, u)
	}
	routes := env.srv.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, r := range routes {
		path := concretePath(r.Path)
		t.Run(fmt.Sprintf("%s %s", r.Method, r.Path), func(t *testing.T) {
			res := env.call(t, r.Method, path, "", nil)
			if r.Access.Public {
				if res.Status == 401 || res.Status == 403 {
					t.Errorf("public route answered %d without a token", res.Status)
				}
				return
			}
			if res.Status != 401 {
				t.Errorf("no token: want 401, got %d %s", res.Status, res.Body)
			}
			for _, role := range auth.AllRoles {
				tok := tokens[role]
				if r.Path == "/api/v1/auth/logout" {
					tok = freshToken(t, env, roleUser[role]) // logging out must not spend the shared token
				}
				res := env.call(t, r.Method, path, tok, nil)
				if res.Status >= 500 {
					t.Errorf("%s: %d %s", role, res.Status, res.Body)
				}
				if r.Access.Allows(role) {
					if res.Status == 401 || (res.Status == 403 && res.ErrorCode() == "forbidden" && !unitScoped(r.Path)) {
						t.Errorf("%s is allowed but got %d %s", role, res.Status, res.Body)
					}
				} else if res.Status != 403 {
					t.Errorf("%s is not allowed: want 403, got %d %s", role, res.Status, res.Body)
				}
			}
		})
	}
}

// unitScoped routes may refuse an allowed role for a record outside its unit.
func unitScoped(path string) bool { return false }

func freshToken(t *testing.T, env *testEnv, username string) string {
	t.Helper()
	res := env.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": testPassword})
	if res.Status != 200 {
		t.Fatalf("login %s: %d", username, res.Status)
	}
	return res.JSON()["access_token"].(string)
}
