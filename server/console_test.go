package server

import (
	"net/url"
	"strings"
	"testing"
)

// The console's people screen shows when and on what each person last
// logged in: a platform a person reads, never the device id.
func TestUserListShowsLastLoginAndPlatform(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	before := env.call(t, "GET", "/api/v1/users?q=tech2", admin, nil)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	before.Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["last_login_at"] != nil {
		t.Fatalf("tech2 never logged in: %s", before.Body)
	}
	env.clock.Advance(60e9)
	res := env.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "tech2", "password": testPassword, "device_id": "dev-secret-1"},
		"User-Agent", "Mozilla/5.0 (Linux; Android 13; V2217A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36")
	if res.Status != 200 {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	env.call(t, "GET", "/api/v1/users?q=tech2", admin, nil).Decode(t, &list)
	u := list.Items[0]
	if u["last_device"] != "Android · Chrome" || u["last_login_at"] != "2026-11-23T09:01:00+08:00" {
		t.Fatalf("after login: %v", u)
	}
	for k, v := range u {
		if s, ok := v.(string); ok && s == "dev-secret-1" {
			t.Fatalf("the device id is shown as %s", k)
		}
	}
}

func TestUserSearchAndPhone(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	sup := env.token(t, "sup2") // chengdu-west
	res := env.call(t, "POST", "/api/v1/users", admin, map[string]any{"username": "tech9", "password": "password-999",
		"name": "孙师傅", "role": "technician", "unit": "chengdu-east", "phone": "138 0000 0009"})
	if res.Status != 201 || res.JSON()["phone"] != "138 0000 0009" {
		t.Fatalf("create with phone: %d %s", res.Status, res.Body)
	}
	bad := env.call(t, "POST", "/api/v1/users", admin, map[string]any{"username": "tech8", "password": "password-999",
		"role": "technician", "unit": "chengdu-east", "phone": "call me"})
	if bad.Status != 422 || bad.JSON()["error"].(map[string]any)["fields"].(map[string]any)["phone"] == nil {
		t.Fatalf("bad phone: %d %s", bad.Status, bad.Body)
	}
	if p := env.call(t, "PATCH", "/api/v1/users/tech9", admin, map[string]any{"phone": "x"}); p.Status != 422 {
		t.Fatalf("bad phone patch: %d %s", p.Status, p.Body)
	}
	names := func(tok, q string) []string {
		var list struct {
			Items []struct {
				Username string `json:"username"`
			} `json:"items"`
		}
		env.call(t, "GET", "/api/v1/users?"+q, tok, nil).Decode(t, &list)
		var out []string
		for _, it := range list.Items {
			out = append(out, it.Username)
		}
		return out
	}
	for q, want := range map[string]string{
		"q=" + url.QueryEscape("孙"):         "[tech9]",
		"q=0009":                            "[tech9]",
		"q=TECH9":                           "[tech9]",
		"role=supervisor":                   "[sup1 sup2]",
		"role=technician&unit=chengdu-west": "[tech3]",
	} {
		if got := names(admin, q); fmtList(got) != want {
			t.Errorf("admin %s: %v, want %s", q, got, want)
		}
	}
	// A supervisor of another unit finds nobody of chengdu-east, whatever the search.
	if got := names(sup, "q=tech"); fmtList(got) != "[tech3]" {
		t.Errorf("sup2 q=tech: %v", got)
	}
	if got := names(sup, "unit=chengdu-east"); len(got) != 0 {
		t.Errorf("sup2 sees chengdu-east: %v", got)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

func TestAuditFilters(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	sup := env.token(t, "sup1")
	if r := env.call(t, "PATCH", "/api/v1/users/tech1", admin, map[string]any{"name": "张师傅二"}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if r := env.call(t, "PATCH", "/api/v1/users/tech2", sup, map[string]any{"phone": "13800000002"}); r.Status != 200 {
		t.Fatalf("patch by sup: %d %s", r.Status, r.Body)
	}
	type entry struct {
		Actor, Action, Object, Device string
	}
	get := func(tok, q string) []entry {
		var list struct {
			Items []entry `json:"items"`
		}
		r := env.call(t, "GET", "/api/v1/audit?"+q, tok, nil)
		if r.Status != 200 {
			t.Fatalf("audit %s: %d %s", q, r.Status, r.Body)
		}
		r.Decode(t, &list)
		return list.Items
	}
	if got := get(admin, "action=user."); len(got) != 2 {
		t.Fatalf("action=user.: %v", got)
	}
	if got := get(admin, "action=user.patch&object=user/tech1"); len(got) != 1 || got[0].Actor != "admin" {
		t.Fatalf("object filter: %v", got)
	}
	if got := get(admin, "action=user.&device=test-sup1"); len(got) != 1 || got[0].Object != "user/tech2" {
		t.Fatalf("device filter: %v", got)
	}
	if got := get(admin, "action=auth.login&device=no-such-device"); len(got) != 0 {
		t.Fatalf("unknown device: %v", got)
	}
	// A supervisor of another unit sees nothing of chengdu-east's changes.
	if got := get(env.token(t, "sup2"), "action=user."); len(got) != 0 {
		t.Fatalf("sup2 sees: %v", got)
	}
}

func TestAdminStatus(t *testing.T) {
	env := newTestEnv(t)
	env.srv.Cfg.SMSWebhookURL = "https://user:key@sms.example.test/send?token=abc"
	env.srv.Cfg.PublicURL = "https://fc.example.test"
	res := env.call(t, "GET", "/api/v1/admin/status", env.token(t, "admin"), nil)
	if res.Status != 200 {
		t.Fatalf("status: %d %s", res.Status, res.Body)
	}
	var st struct {
		Status     string `json:"status"`
		AppVersion string `json:"app_version"`
		Data       struct {
			DBBytes int64 `json:"db_bytes"`
			Photos  int   `json:"photos"`
		} `json:"data"`
		Settings struct {
			SMSWaitSeconds int64  `json:"sms_wait_seconds"`
			SMSWebhook     string `json:"sms_webhook"`
			PublicURL      string `json:"public_url"`
			MetricsOpen    bool   `json:"metrics_open"`
		} `json:"settings"`
	}
	res.Decode(t, &st)
	if st.Status != "ready" || st.AppVersion == "" || st.Data.DBBytes <= 0 || st.Data.Photos != 0 {
		t.Fatalf("status: %s", res.Body)
	}
	if st.Settings.SMSWaitSeconds != 4*3600 || st.Settings.SMSWebhook != "https://sms.example.test" || st.Settings.PublicURL != "https://fc.example.test" || st.Settings.MetricsOpen {
		t.Fatalf("settings: %s", res.Body)
	}
	for _, who := range []string{"sup1", "tech1"} {
		if r := env.call(t, "GET", "/api/v1/admin/status", env.token(t, who), nil); r.Status != 403 {
			t.Fatalf("%s: %d", who, r.Status)
		}
	}
}

func TestStoreLocation(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	res := env.call(t, "POST", "/api/v1/stores", admin, map[string]any{"id": "S-LOC", "name": "春熙路营业厅", "address": "春熙路 1 号",
		"unit": "chengdu-east", "location": map[string]float64{"lat": 30.657, "lng": 104.08}})
	if res.Status != 201 || res.JSON()["location"] == nil {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	bad := env.call(t, "POST", "/api/v1/stores", admin, map[string]any{"id": "S-BAD", "name": "x", "unit": "chengdu-east",
		"location": map[string]float64{"lat": 95, "lng": 104}})
	if bad.Status != 422 || bad.JSON()["error"].(map[string]any)["fields"].(map[string]any)["location"] == nil {
		t.Fatalf("bad location: %d %s", bad.Status, bad.Body)
	}
}

// The console edits a store: a supervisor their own unit's only (another
// unit's is as if absent, and cannot be moved away); the change reaches
// inspectors on their next pull.
func TestPatchStore(t *testing.T) {
	env := newTestEnv(t)
	admin, sup1, sup2 := env.token(t, "admin"), env.token(t, "sup1"), env.token(t, "sup2")
	if r := env.call(t, "POST", "/api/v1/stores", admin, map[string]any{"id": "S-东1", "name": "东门营业厅", "unit": "chengdu-east"}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	path := "/api/v1/stores/" + url.PathEscape("S-东1")
	res := env.call(t, "PATCH", path, sup1, map[string]any{"address": "东大街 9 号", "location": map[string]float64{"lat": 30.65, "lng": 104.08}})
	if res.Status != 200 || res.JSON()["address"] != "东大街 9 号" || res.JSON()["location"] == nil || res.JSON()["name"] != "东门营业厅" {
		t.Fatalf("patch by sup1: %d %s", res.Status, res.Body)
	}
	if r := env.call(t, "PATCH", path, sup1, map[string]any{"name": " ", "location": map[string]float64{"lat": 91, "lng": 0}}); r.Status != 422 ||
		r.JSON()["error"].(map[string]any)["fields"].(map[string]any)["name"] == nil || r.JSON()["error"].(map[string]any)["fields"].(map[string]any)["location"] == nil {
		t.Fatalf("bad patch: %d %s", r.Status, r.Body)
	}
	if r := env.call(t, "PATCH", path, sup1, map[string]any{"unit": "chengdu-west"}); r.Status != 403 {
		t.Fatalf("sup1 moves it away: %d %s", r.Status, r.Body)
	}
	if r := env.call(t, "PATCH", path, sup2, map[string]any{"name": "西边改的"}); r.Status != 404 {
		t.Fatalf("sup2 edits another unit's store: %d %s", r.Status, r.Body)
	}
	if r := env.call(t, "PATCH", "/api/v1/stores/nope", admin, map[string]any{"name": "x"}); r.Status != 404 {
		t.Fatalf("unknown store: %d", r.Status)
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	env.call(t, "GET", "/api/v1/stores?unit=chengdu-east", admin, nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["name"] != "东门营业厅" || list.Items[0]["address"] != "东大街 9 号" {
		t.Fatalf("stored: %v", list.Items)
	}
	// An inspector's pull carries the changed store.
	pull := env.call(t, "GET", "/api/v1/sync/pull", env.token(t, "insp1"), nil)
	if !strings.Contains(string(pull.Body), "东大街 9 号") {
		t.Fatalf("the inspector's pull lacks the change: %s", pull.Body)
	}
}
