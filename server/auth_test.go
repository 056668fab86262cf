package server

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func login(t *testing.T, env *testEnv, username, password string) *testResp {
	t.Helper()
	return env.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password, "device_id": "phone-1"})
}

func TestLoginAnswersTokensAndUser(t *testing.T) {
	env := newTestEnv(t)
	res := login(t, env, "tech1", testPassword)
	if res.Status != 200 {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	var out struct {
		AccessToken, RefreshToken string
		ExpiresIn                 int `json:"expires_in"`
		User                      map[string]string
	}
	res.Decode(t, &out)
	m := res.JSON()
	if m["access_token"] == "" || m["refresh_token"] == "" || out.ExpiresIn != 900 {
		t.Fatalf("missing tokens: %s", res.Body)
	}
	if out.User["username"] != "tech1" || out.User["role"] != "technician" || out.User["unit"] != "chengdu-east" || out.User["id"] == "" {
		t.Fatalf("user: %+v", out.User)
	}
	me := env.call(t, "GET", "/api/v1/me", m["access_token"].(string), nil)
	if me.Status != 200 || me.JSON()["username"] != "tech1" {
		t.Fatalf("me: %d %s", me.Status, me.Body)
	}
}

func TestLoginWrongPasswordAndUnknownUserLookTheSame(t *testing.T) {
	env := newTestEnv(t)
	a := login(t, env, "tech1", "wrong-password")
	b := login(t, env, "nobody", "wrong-password")
	if a.Status != 401 || b.Status != 401 || a.ErrorCode() != "invalid_credentials" || b.ErrorCode() != "invalid_credentials" {
		t.Fatalf("want 401 invalid_credentials twice, got %d %s / %d %s", a.Status, a.Body, b.Status, b.Body)
	}
}

func TestRepeatedFailedLoginsAreThrottledPerUsername(t *testing.T) {
	env := newTestEnv(t)
	for i := 0; i < 5; i++ {
		if res := login(t, env, "tech1", "wrong-password"); res.Status != 401 {
			t.Fatalf("attempt %d: %d", i, res.Status)
		}
	}
	res := login(t, env, "tech1", testPassword)
	if res.Status != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: want 429 with Retry-After, got %d %s", res.Status, res.Body)
	}
	// Another technician behind the same carrier NAT is not locked out.
	if res := login(t, env, "tech2", testPassword); res.Status != 200 {
		t.Fatalf("other user: %d %s", res.Status, res.Body)
	}
	// The window passes.
	env.clock.Advance(16 * time.Minute)
	if res := login(t, env, "tech1", testPassword); res.Status != 200 {
		t.Fatalf("after window: %d %s", res.Status, res.Body)
	}
}

func refresh(t *testing.T, env *testEnv, rt string) *testResp {
	t.Helper()
	return env.call(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": rt})
}

func TestRefreshRotatesAndForgivesALostReply(t *testing.T) {
	env := newTestEnv(t)
	first := login(t, env, "tech1", testPassword).JSON()
	rt0 := first["refresh_token"].(string)

	r1 := refresh(t, env, rt0)
	if r1.Status != 200 {
		t.Fatalf("refresh: %d %s", r1.Status, r1.Body)
	}
	rt1 := r1.JSON()["refresh_token"].(string)
	if rt1 == rt0 {
		t.Fatal("refresh token was not rotated")
	}
	// The reply was lost on 3G: the phone presents rt0 again before ever using rt1.
	again := refresh(t, env, rt0)
	if again.Status != 200 || again.JSON()["refresh_token"] != rt1 {
		t.Fatalf("lost-reply retry: want the same successor, got %d %s", again.Status, again.Body)
	}
	// The successor works.
	r2 := refresh(t, env, rt1)
	if r2.Status != 200 {
		t.Fatalf("successor: %d %s", r2.Status, r2.Body)
	}
	acc2 := r2.JSON()["access_token"].(string)
	if env.call(t, "GET", "/api/v1/me", acc2, nil).Status != 200 {
		t.Fatal("new access token refused")
	}
}

func TestRefreshReuseAfterSuccessorWasUsedRevokesTheFamily(t *testing.T) {
	env := newTestEnv(t)
	rt0 := login(t, env, "tech1", testPassword).JSON()["refresh_token"].(string)
	r1 := refresh(t, env, rt0).JSON()
	rt1 := r1["refresh_token"].(string)
	r2 := refresh(t, env, rt1).JSON() // successor used: rt0 is now stale
	acc2, rt2 := r2["access_token"].(string), r2["refresh_token"].(string)

	theft := refresh(t, env, rt0)
	if theft.Status != 401 || theft.ErrorCode() != "refresh_token_reused" {
		t.Fatalf("replay of a spent token: want 401 refresh_token_reused, got %d %s", theft.Status, theft.Body)
	}
	if res := refresh(t, env, rt2); res.Status != 401 {
		t.Fatalf("family's live refresh token still works: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/me", acc2, nil); res.Status != 401 {
		t.Fatalf("family's access token still works: %d", res.Status)
	}
	// A separate login (another phone) is untouched.
	if res := login(t, env, "tech1", testPassword); res.Status != 200 {
		t.Fatalf("fresh login after revocation: %d", res.Status)
	}
}

func TestLogoutRevokesTheSession(t *testing.T) {
	env := newTestEnv(t)
	m := login(t, env, "tech1", testPassword).JSON()
	acc, rt := m["access_token"].(string), m["refresh_token"].(string)
	if res := env.call(t, "POST", "/api/v1/auth/logout", acc, nil); res.Status != 204 {
		t.Fatalf("logout: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/me", acc, nil); res.Status != 401 {
		t.Fatalf("access after logout: %d", res.Status)
	}
	if res := refresh(t, env, rt); res.Status != 401 {
		t.Fatalf("refresh after logout: %d", res.Status)
	}
}

func TestForgedTokensAreRefused(t *testing.T) {
	env := newTestEnv(t)
	good := env.token(t, "tech1")
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)

	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	claims["role"] = "admin"
	tampered := parts[0] + "." + enc(claims) + "." + parts[2]
	none := enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + parts[1] + "."
	wrongKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString([]byte("not-the-server-key-not-the-server-key"))
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims(claims)).SignedString([]byte("x"))
	fileTok := env.call(t, "POST", "/api/v1/auth/file-token", good, nil).JSON()["token"].(string)

	cases := map[string]string{
		"alg none":                     none,
		"wrong key":                    wrongKey,
		"other algorithm":              hs512,
		"tampered role claim":          tampered,
		"garbage":                      "not.a.token",
		"file token on a normal route": fileTok,
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			if res := env.call(t, "GET", "/api/v1/me", tok, nil); res.Status != 401 {
				t.Fatalf("want 401, got %d %s", res.Status, res.Body)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		env.clock.Advance(16 * time.Minute)
		if res := env.call(t, "GET", "/api/v1/me", good, nil); res.Status != 401 || res.ErrorCode() != "invalid_token" {
			t.Fatalf("want 401 invalid_token, got %d %s", res.Status, res.Body)
		}
	})
}

func TestDisablingOrNewPasswordRevokesSessions(t *testing.T) {
	env := newTestEnv(t)
	tech := login(t, env, "tech1", testPassword).JSON()
	sup := env.token(t, "sup1")
	res := env.call(t, "PATCH", "/api/v1/users/tech1", sup, map[string]any{"password": "another-secret-9"})
	if res.Status != 200 {
		t.Fatalf("patch password: %d %s", res.Status, res.Body)
	}
	if env.call(t, "GET", "/api/v1/me", tech["access_token"].(string), nil).Status != 401 {
		t.Fatal("old access token survives a password change")
	}
	if refresh(t, env, tech["refresh_token"].(string)).Status != 401 {
		t.Fatal("old refresh token survives a password change")
	}
	tok := login(t, env, "tech1", "another-secret-9").JSON()["access_token"].(string)
	if res := env.call(t, "PATCH", "/api/v1/users/tech1", sup, map[string]any{"disabled": true}); res.Status != 200 {
		t.Fatalf("disable: %d %s", res.Status, res.Body)
	}
	if env.call(t, "GET", "/api/v1/me", tok, nil).Status != 401 {
		t.Fatal("a disabled user's token still works")
	}
	if login(t, env, "tech1", "another-secret-9").Status != 401 {
		t.Fatal("a disabled user can log in")
	}
}

func TestSupervisorsManageOnlyFieldRolesOfTheirUnit(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")
	cases := []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"technician of own unit", map[string]any{"username": "tech9", "password": "password-999", "role": "technician", "unit": "chengdu-east"}, 201},
		{"unit defaults to own", map[string]any{"username": "agent9", "password": "password-999", "role": "agent"}, 201},
		{"other unit", map[string]any{"username": "tech10", "password": "password-999", "role": "technician", "unit": "chengdu-west"}, 403},
		{"another supervisor", map[string]any{"username": "sup9", "password": "password-999", "role": "supervisor", "unit": "chengdu-east"}, 403},
		{"short password", map[string]any{"username": "tech11", "password": "short", "role": "technician"}, 422},
		{"taken username", map[string]any{"username": "tech1", "password": "password-999", "role": "technician"}, 409},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.call(t, "POST", "/api/v1/users", sup, c.body)
			if res.Status != c.status {
				t.Fatalf("want %d, got %d %s", c.status, res.Status, res.Body)
			}
		})
	}
	var list struct{ Items []map[string]any }
	env.call(t, "GET", "/api/v1/users", sup, nil).Decode(t, &list)
	for _, u := range list.Items {
		if u["unit"] != "chengdu-east" {
			t.Fatalf("supervisor sees a user of another unit: %v", u)
		}
		if _, leaked := u["password_hash"]; leaked {
			t.Fatal("password hash in user list")
		}
	}
	if res := env.call(t, "PATCH", "/api/v1/users/tech3", sup, map[string]any{"disabled": true}); res.Status != 404 {
		t.Fatalf("patch a user of another unit: want 404, got %d", res.Status)
	}
}

func TestFileTokensEndWithTheSessionThatMintedThem(t *testing.T) {
	env := newTestEnv(t)
	photo := "/api/v1/photos/" + strings.Repeat("ab", 32) + "?token="
	fileToken := func(acc string) string {
		res := env.call(t, "POST", "/api/v1/auth/file-token", acc, nil)
		if res.Status != 200 {
			t.Fatalf("file-token: %d %s", res.Status, res.Body)
		}
		return res.JSON()["token"].(string)
	}
	acc := login(t, env, "tech1", testPassword).JSON()["access_token"].(string)
	ft := fileToken(acc)
	if res := env.call(t, "GET", photo+ft, "", nil); res.Status == 401 {
		t.Fatalf("file token of a live session refused: %s", res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/auth/logout", acc, nil); res.Status != 204 {
		t.Fatalf("logout: %d", res.Status)
	}
	if res := env.call(t, "GET", photo+ft, "", nil); res.Status != 401 {
		t.Fatalf("file token after logout: want 401, got %d %s", res.Status, res.Body)
	}

	acc = login(t, env, "tech1", testPassword).JSON()["access_token"].(string)
	ft = fileToken(acc)
	if res := env.call(t, "PATCH", "/api/v1/users/tech1", env.token(t, "sup1"), map[string]any{"disabled": true}); res.Status != 200 {
		t.Fatalf("disable: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", photo+ft, "", nil); res.Status != 401 {
		t.Fatalf("file token of a disabled user: want 401, got %d %s", res.Status, res.Body)
	}
}
