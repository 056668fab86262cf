package server

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"fieldcheck/store"
)

// loginFrom logs username in from a device (device_id in the body, "" for
// none) with a User-Agent, and answers the access token.
func loginFrom(t *testing.T, env *testEnv, username, device, ua string) string {
	t.Helper()
	res := env.call(t, "POST", "/api/v1/auth/login", "", map[string]string{
		"username": username, "password": testPassword, "device_id": device}, "User-Agent", ua)
	if res.Status != 200 {
		t.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	return res.JSON()["access_token"].(string)
}

// Every change to a user, template, work order, submission, photo, callback
// result (an agent's or the customer's survey answer) and rectification is in
// the audit log with who made it, when, from which device — the device_id
// the client sent, or its User-Agent and IP when it sent none — and what
// it changed.
func TestEveryChangeIsAuditedWithActorTimeDeviceAndTarget(t *testing.T) {
	env := newTestEnv(t)
	// The admin works in a browser and sent no device_id.
	admin := loginFrom(t, env, "admin", "", "AdminBrowser/1.0")
	sup := loginFrom(t, env, "sup1", "sup1-tablet", "PWA")
	tech := loginFrom(t, env, "tech1", "tech1-phone", "PWA")
	agent := loginFrom(t, env, "agent1", "agent1-desk", "PWA")
	ok := func(res *testResp, want int, what string) *testResp {
		t.Helper()
		if res.Status != want {
			t.Fatalf("%s: %d %s", what, res.Status, res.Body)
		}
		return res
	}

	ok(env.call(t, "POST", "/api/v1/users", admin, map[string]any{"username": "newtech", "password": "password-456",
		"name": "新师傅", "role": "technician", "unit": "chengdu-east"}, "User-Agent", "AdminBrowser/1.0"), 201, "create user")
	ok(env.call(t, "PATCH", "/api/v1/users/newtech", admin, map[string]any{"name": "新师傅二"},
		"User-Agent", "AdminBrowser/1.0"), 200, "patch user")
	ok(env.call(t, "PUT", "/api/v1/templates/night_walk", sup, newTemplateBody(nil)), 201, "put template")
	from := env.clock.Now().Add(-2 * time.Hour)
	ok(env.call(t, "POST", "/api/v1/workorders", sup, map[string]any{
		"id": "WO-AUDIT", "type": "install", "product": "broadband", "subscribed_mbps": 100, "technician": "tech1",
		"customer":    map[string]any{"name": "王女士", "phone": "13800000001", "address": "锦江区红星路 1 号", "tier": "standard"},
		"appointment": map[string]any{"from": from, "to": from.Add(time.Hour)}}), 201, "create order")
	photo := phoneJPEG(t, 7)
	ok(env.call(t, "PUT", "/api/v1/photos/"+hexSHA(photo), tech, photo, "Content-Type", "image/jpeg"), 201, "upload photo")
	// The push names its own device: that one is recorded, not the login's.
	sheet := syncSheet(t, env, "sub-audit", "install_acceptance", map[string]string{"workorder_id": "WO-AUDIT"})
	var pushed pushAnswer
	ok(env.call(t, "POST", "/api/v1/sync/push", tech, map[string]any{"device_id": "tech1-phone-outbox",
		"submissions": []any{sheet}}), 200, "push").Decode(t, &pushed)
	if len(pushed.Results) != 1 || pushed.Results[0].Status != "accepted" {
		t.Fatalf("push: %+v", pushed)
	}

	// The customer answers the SMS survey from a phone browser: unsatisfied.
	var tasks struct {
		Items []struct {
			ID          string `json:"id"`
			WorkOrderID string `json:"workorder_id"`
			SurveyURL   string `json:"survey_url"`
		} `json:"items"`
	}
	ok(env.call(t, "GET", "/api/v1/callbacks", admin, nil), 200, "callbacks").Decode(t, &tasks)
	var taskID, surveyPath string
	for _, it := range tasks.Items {
		if it.WorkOrderID == "WO-AUDIT" {
			taskID, surveyPath = it.ID, it.SurveyURL
		}
	}
	if taskID == "" || !strings.HasPrefix(surveyPath, "/s/") {
		t.Fatalf("no SMS callback for WO-AUDIT: %+v", tasks)
	}
	form := url.Values{"satisfaction": {"unsatisfied"}, "reasons": {"上门迟到"}}.Encode()
	ok(env.call(t, "POST", surveyPath, "", []byte(form), "Content-Type", "application/x-www-form-urlencoded",
		"User-Agent", "CustomerPhone/2.0"), 200, "survey")
	// The agent hears the reason and records the result; it opens a rectification.
	ok(env.call(t, "POST", "/api/v1/callbacks/"+taskID+"/result", agent, map[string]any{
		"satisfaction": "unsatisfied", "reasons": []string{"上门迟到"}}), 200, "result")
	var rects struct {
		Items []struct {
			ID         string `json:"id"`
			SubjectRef string `json:"subject_ref"`
		} `json:"items"`
	}
	ok(env.call(t, "GET", "/api/v1/rectifications", sup, nil), 200, "rectifications").Decode(t, &rects)
	if len(rects.Items) != 1 {
		t.Fatalf("rectifications: %+v", rects)
	}
	rectID := rects.Items[0].ID
	ok(env.call(t, "POST", "/api/v1/rectifications/"+rectID+"/resolve", sup, map[string]any{"note": "已培训"}), 200, "resolve")

	var log struct {
		Items []store.AuditEntry `json:"items"`
	}
	ok(env.call(t, "GET", "/api/v1/audit?limit=5000", admin, nil), 200, "audit").Decode(t, &log)
	browser := "ua=AdminBrowser/1.0; ip="
	cases := []struct {
		change, action, object, actor, device string
	}{
		{"user created", "user.create", "user/newtech", "admin", browser},
		{"user changed", "user.patch", "user/newtech", "admin", browser},
		{"template version", "template.put", "template/night_walk", "sup1", "sup1-tablet"},
		{"work order created", "workorder.create", "workorder/WO-AUDIT", "sup1", "sup1-tablet"},
		{"photo uploaded", "photo.upload", "photo/" + hexSHA(photo), "tech1", "tech1-phone"},
		{"submission accepted", "submission.", "submission/sub-audit", "tech1", "tech1-phone-outbox"},
		{"survey answered by the customer", "callback.survey", "callback/" + taskID, "customer", "ua=CustomerPhone/2.0; ip="},
		{"callback result", "callback.result", "callback/" + taskID, "agent1", "agent1-desk"},
		{"rectification opened", "rectification.open", "rectification/" + rectID, "agent1", "agent1-desk"},
		{"rectification resolved", "rectification.resolve", "rectification/" + rectID, "sup1", "sup1-tablet"},
	}
	for _, c := range cases {
		t.Run(c.change, func(t *testing.T) {
			for _, e := range log.Items {
				if strings.HasPrefix(e.Action, c.action) && e.Object == c.object {
					if e.Actor != c.actor || !strings.HasPrefix(e.Device, c.device) || !e.At.Equal(env.clock.Now()) {
						t.Fatalf("entry %+v: want actor %s, device %s…, at %v", e, c.actor, c.device, env.clock.Now())
					}
					return
				}
			}
			t.Fatalf("no %s entry for %s among %d entries", c.action, c.object, len(log.Items))
		})
	}
}

// The audit log pages like every other list: more entries than limit give a
// page and a next cursor (once a 500: the walk's own stop signal was taken
// for an error), and walking every page yields every entry exactly once —
// also entries written in the same instant by the same actor on one object.
func TestAuditPagesWalkEveryEntryOnce(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	for i := 0; i < 9; i++ { // the fake clock stands still: all nine share one instant
		res := env.call(t, "PATCH", "/api/v1/users/tech1", admin, map[string]any{"name": "张师傅" + strings.Repeat("一", i+1)})
		if res.Status != 200 {
			t.Fatalf("patch %d: %d %s", i, res.Status, res.Body)
		}
	}
	type page struct {
		Items []store.AuditEntry `json:"items"`
		Next  *string            `json:"next"`
	}
	get := func(q string) page {
		t.Helper()
		res := env.call(t, "GET", "/api/v1/audit?"+q, admin, nil)
		if res.Status != 200 {
			t.Fatalf("audit?%s: %d %s", q, res.Status, res.Body)
		}
		var p page
		res.Decode(t, &p)
		return p
	}
	all := get("limit=5000")
	if all.Next != nil || len(all.Items) < 10 {
		t.Fatalf("one big page: %d entries, next %v", len(all.Items), all.Next)
	}
	seen := map[string]int{}
	pages := 0
	for q := "limit=2"; ; {
		p := get(q)
		pages++
		if len(p.Items) == 0 || len(p.Items) > 2 {
			t.Fatalf("page %d holds %d entries", pages, len(p.Items))
		}
		for _, e := range p.Items {
			seen[e.Action+"|"+e.Detail+"|"+e.Device]++
		}
		if p.Next == nil {
			break
		}
		q = "limit=2&after=" + url.QueryEscape(*p.Next)
		if pages > len(all.Items) {
			t.Fatalf("paging does not end")
		}
	}
	want := map[string]int{}
	for _, e := range all.Items {
		want[e.Action+"|"+e.Detail+"|"+e.Device]++
	}
	if pages != (len(all.Items)+1)/2 {
		t.Errorf("%d entries in %d pages of 2", len(all.Items), pages)
	}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("entry %q seen %d times over the pages, %d in the log", k, seen[k], n)
		}
	}
	if res := env.call(t, "GET", "/api/v1/audit?after=not-a-cursor", admin, nil); res.Status != 400 || res.ErrorCode() != "bad_after" {
		t.Errorf("a made-up cursor: %d %s", res.Status, res.Body)
	}
}
