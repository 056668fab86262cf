package server

import (
	"strings"
	"testing"
)

func TestTheLastEnabledAdminCannotBeDemotedOrDisabled(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	lastAdmin := func(t *testing.T, res *testResp) {
		t.Helper()
		if res.Status != 409 || res.ErrorCode() != "last_admin" {
			t.Fatalf("want 409 last_admin, got %d %s", res.Status, res.Body)
		}
	}
	t.Run("demote itself", func(t *testing.T) {
		res := env.call(t, "PATCH", "/api/v1/users/admin", admin, map[string]any{"role": "technician", "unit": "chengdu-east"})
		lastAdmin(t, res)
		msg := res.JSON()["error"].(map[string]any)["message"].(string)
		if !strings.Contains(msg, "管理员") {
			t.Fatalf("zh message: %q", msg)
		}
		en := env.call(t, "PATCH", "/api/v1/users/admin", admin, map[string]any{"role": "technician"}, "Accept-Language", "en")
		lastAdmin(t, en)
		if msg := en.JSON()["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "last enabled admin") {
			t.Fatalf("en message: %q", msg)
		}
	})
	t.Run("disable itself", func(t *testing.T) {
		lastAdmin(t, env.call(t, "PATCH", "/api/v1/users/admin", admin, map[string]any{"disabled": true}))
	})
	// Nothing changed: the admin is still an enabled admin with a working token.
	if me := env.call(t, "GET", "/api/v1/me", admin, nil); me.Status != 200 || me.JSON()["role"] != "admin" {
		t.Fatalf("admin after refusals: %d %s", me.Status, me.Body)
	}

	res := env.call(t, "POST", "/api/v1/users", admin, map[string]any{"username": "admin2", "password": "password-999", "role": "admin"})
	if res.Status != 201 {
		t.Fatalf("create admin2: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "PATCH", "/api/v1/users/admin2", admin, map[string]any{"disabled": true}); res.Status != 200 {
		t.Fatalf("disable the second admin: %d %s", res.Status, res.Body)
	}
	t.Run("a disabled admin does not count", func(t *testing.T) {
		lastAdmin(t, env.call(t, "PATCH", "/api/v1/users/admin", admin, map[string]any{"role": "supervisor", "unit": "chengdu-east"}))
	})
	if res := env.call(t, "PATCH", "/api/v1/users/admin2", admin, map[string]any{"disabled": false}); res.Status != 200 {
		t.Fatalf("enable the second admin: %d %s", res.Status, res.Body)
	}
	t.Run("with another enabled admin, stepping down is fine", func(t *testing.T) {
		if res := env.call(t, "PATCH", "/api/v1/users/admin", admin, map[string]any{"role": "supervisor", "unit": "chengdu-east"}); res.Status != 200 {
			t.Fatalf("demote with another admin: %d %s", res.Status, res.Body)
		}
	})
	t.Run("now the second admin is the last", func(t *testing.T) {
		admin2 := login(t, env, "admin2", "password-999").JSON()["access_token"].(string)
		lastAdmin(t, env.call(t, "PATCH", "/api/v1/users/admin2", admin2, map[string]any{"role": "technician", "unit": "chengdu-east"}))
		lastAdmin(t, env.call(t, "PATCH", "/api/v1/users/admin2", admin2, map[string]any{"disabled": true}))
	})
}
