package server

import (
	"bytes"
	"strings"
	"testing"
)

func TestHostileBodiesGetClearClientErrors(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"malformed JSON", "POST", "/api/v1/auth/login", "", "{\"username\":", 400, "malformed_json"},
		{"wrong type", "POST", "/api/v1/auth/login", "", `{"username": 123, "password": "x"}`, 400, "wrong_type"},
		{"empty body", "POST", "/api/v1/auth/login", "", []byte{}, 400, "empty_body"},
		{"trailing garbage", "POST", "/api/v1/auth/login", "", `{"username":"a","password":"b"} {}`, 400, "malformed_json"},
		{"deeply nested", "POST", "/api/v1/users", admin, deep, 400, "too_deep"},
		{"oversized login", "POST", "/api/v1/auth/login", "", bytes.Repeat([]byte("a"), 2<<20), 413, "too_large"},
		{"oversized user", "POST", "/api/v1/users", admin, `{"name":"` + strings.Repeat("长", 1<<20) + `"}`, 413, "too_large"},
		{"array instead of object", "POST", "/api/v1/users", admin, `[1,2,3]`, 400, "wrong_type"},
		{"missing fields", "POST", "/api/v1/users", admin, `{}`, 422, "validation_failed"},
		{"unknown API route", "GET", "/api/v1/nope", admin, nil, 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.call(t, c.method, c.path, c.token, c.body)
			if res.Status != c.status || res.ErrorCode() != c.code {
				t.Fatalf("want %d %s, got %d %.300s", c.status, c.code, res.Status, res.Body)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("error is not JSON: %s", res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestValidationMessagesFollowAcceptLanguage(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	zh := env.call(t, "POST", "/api/v1/users", admin, `{"username":"x"}`)
	en := env.call(t, "POST", "/api/v1/users", admin, `{"username":"x"}`, "Accept-Language", "en-US,en;q=0.9")
	zf := zh.JSON()["error"].(map[string]any)["fields"].(map[string]any)
	ef := en.JSON()["error"].(map[string]any)["fields"].(map[string]any)
	if !strings.Contains(ef["password"].(string), "at least 8") || strings.Contains(zf["password"].(string), "at least") {
		t.Fatalf("languages: zh=%v en=%v", zf, ef)
	}
}
