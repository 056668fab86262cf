package server

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"fieldcheck/errs"
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
		{"trailing close brace", "POST", "/api/v1/auth/login", "", `{"username":"a","password":"b"}}`, 400, "malformed_json"},
		{"trailing close bracket", "POST", "/api/v1/sync/push", env.token(t, "tech1"), `{"submissions":[]}]`, 400, "malformed_json"},
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

// goTypeName matches what encoding/json would say about our Go types:
// package-qualified names (sync.PushRequest), slices, maps, sized numbers.
var goTypeName = regexp.MustCompile(`\b[a-z]+\.[A-Z]|\[\]|map\[|\b(u?int(8|16|32|64)?|float(32|64)|struct|interface)\b`)

// A wrong-typed field is named by its JSON path and the JSON type it should
// have, in the caller's language — never by a Go type such as sync.PushRequest.
func TestWrongTypeNamesTheJSONFieldAndTypeNotGoTypes(t *testing.T) {
	env := newTestEnv(t)
	tech, admin := env.token(t, "tech1"), env.token(t, "admin")
	cases := []struct {
		name, path, token, body string
		field, zh, en           string
	}{
		{"push body is an array", "/api/v1/sync/push", tech, `[1,2]`, "(body)", "应为对象，而不是数组", "must be an object, not an array"},
		{"submissions is an object", "/api/v1/sync/push", tech, `{"submissions": {}}`, "submissions", "应为数组，而不是对象", "must be an array, not an object"},
		{"device_id is a number", "/api/v1/sync/push", tech, `{"device_id": 7, "submissions": []}`, "device_id", "应为字符串，而不是数字", "must be a string, not a number"},
		{"username is a bool", "/api/v1/auth/login", "", `{"username": true, "password": "x"}`, "username", "应为字符串，而不是布尔值（true 或 false）", "must be a string, not true or false"},
		{"import rows are strings", "/api/v1/workorders/import", admin, `{"workorders": ["a"]}`, "workorders", "应为对象，而不是字符串", "must be an object, not a string"},
		{"subscribed_mbps is text", "/api/v1/workorders/import", admin, `{"workorders": [{"id": "w1", "subscribed_mbps": "fast"}]}`, "workorders.subscribed_mbps", "应为数字，而不是字符串", "must be a number, not a string"},
		{"subscribed_mbps overflows", "/api/v1/workorders/import", admin, `{"workorders": [{"id": "w1", "subscribed_mbps": 1e400}]}`, "workorders.subscribed_mbps", "数值超出范围或应为整数", "is out of range or must be a whole number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, lang := range []string{"zh-CN", "en"} {
				res := env.call(t, "POST", c.path, c.token, c.body, "Accept-Language", lang)
				if res.Status != 400 || res.ErrorCode() != "wrong_type" {
					t.Fatalf("%s: want 400 wrong_type, got %d %s", lang, res.Status, res.Body)
				}
				fields, _ := res.JSON()["error"].(map[string]any)["fields"].(map[string]any)
				want := c.zh
				if lang == "en" {
					want = c.en
				}
				if got, _ := fields[c.field].(string); got != want {
					t.Fatalf("%s: fields[%q] = %q, want %q (all: %v)", lang, c.field, got, want, fields)
				}
				if goTypeName.Match(res.Body) {
					t.Fatalf("%s: a Go type name leaks: %s", lang, res.Body)
				}
			}
		})
	}
}

// decodeJSON's other failures say what is wrong in words, not Go's.
func TestDecodeJSONErrorsAreReadable(t *testing.T) {
	type in struct {
		At    time.Time         `json:"at"`
		N     int               `json:"n"`
		Tags  []string          `json:"tags"`
		Extra map[string]string `json:"extra"`
		Ptr   *struct {
			X int `json:"x"`
		} `json:"ptr"`
	}
	cases := []struct {
		body, code, field, en string
	}{
		{`{"at": "yesterday"}`, "bad_time", "", "times must be RFC 3339, e.g. 2026-11-23T19:00:00+08:00"},
		{`{"n": 1.5}`, "wrong_type", "n", "is out of range or must be a whole number"},
		{`{"tags": "a"}`, "wrong_type", "tags", "must be an array, not a string"},
		{`{"tags": [1]}`, "wrong_type", "tags", "must be a string, not a number"},
		{`{"extra": []}`, "wrong_type", "extra", "must be an object, not an array"},
		{`{"extra": {"k": {}}}`, "wrong_type", "extra", "must be a string, not an object"},
		{`{"ptr": {"x": "1"}}`, "wrong_type", "ptr.x", "must be a number, not a string"},
		{`{"n": 1,}`, "malformed_json", "", "the body is not valid JSON (near byte 9)"},
		{`{"n": `, "malformed_json", "", "the JSON ends too early"},
	}
	for _, c := range cases {
		var v in
		err := decodeJSON([]byte(c.body), &v)
		e, ok := errs.As(err)
		if !ok || e.Code != c.code {
			t.Fatalf("%s: want %s, got %v", c.body, c.code, err)
		}
		got := e.Message.En
		if c.field != "" {
			got = e.Fields[c.field].En
		}
		if got != c.en {
			t.Fatalf("%s: got %q (%v), want %q", c.body, got, e, c.en)
		}
		if goTypeName.MatchString(err.Error()) {
			t.Fatalf("%s: a Go type name leaks: %v", c.body, err)
		}
	}
}
