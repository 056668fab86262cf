package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"fieldcheck/checklists"
)

// syncOrder creates install order id for tech through the API.
func syncOrder(t *testing.T, env *testEnv, id, tech string) {
	t.Helper()
	from := env.clock.Now().Add(-2 * time.Hour)
	res := env.call(t, "POST", "/api/v1/workorders", env.token(t, "admin"), map[string]any{
		"id": id, "type": "install", "product": "broadband", "subscribed_mbps": 100,
		"customer":    map[string]any{"name": "王女士", "phone": "13800000001", "address": "锦江区红星路 1 号", "tier": "standard"},
		"technician":  tech,
		"appointment": map[string]any{"from": from, "to": from.Add(2 * time.Hour)},
	})
	if res.Status != 201 {
		t.Fatalf("create order %s: %d %s", id, res.Status, res.Body)
	}
}

// syncSheet is an honest sheet of template tplID about subject, every
// required item answered, photos referenced by made-up hashes.
func syncSheet(t *testing.T, env *testEnv, id, tplID string, subject map[string]string) map[string]any {
	t.Helper()
	res := env.call(t, "GET", "/api/v1/templates/"+tplID, env.token(t, "admin"), nil)
	if res.Status != 200 {
		t.Fatalf("template %s: %d", tplID, res.Status)
	}
	var tpl checklists.Template
	res.Decode(t, &tpl)
	answers, photos := map[string]any{}, map[string][]string{}
	n := 0
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			if !it.Required {
				continue
			}
			switch it.Type {
			case "check":
				answers[it.ID] = true
			case "pass_fail":
				answers[it.ID] = "pass"
			case "count", "number", "rating":
				answers[it.ID] = 0
			case "choice":
				answers[it.ID] = it.Choices[0].ID
			case "text":
				answers[it.ID] = "ok"
			case "signature":
				n++
				answers[it.ID] = fmt.Sprintf("%064x", n)
			case "speedtest":
				answers[it.ID] = map[string]any{"down_mbps": 96, "method": "browser"}
			case "photo":
				for i := 0; i < max(1, it.Photos.Min); i++ {
					n++
					photos[it.ID] = append(photos[it.ID], fmt.Sprintf("%064x", n))
				}
			}
		}
	}
	return map[string]any{"id": id, "template_id": tpl.ID, "template_version": tpl.Version, "subject": subject,
		"base_version": 0, "finished_at": env.clock.Now().Add(-5 * time.Minute), "answers": answers, "photos": photos}
}

type pushAnswer struct {
	Results []struct {
		ID            string   `json:"id"`
		Status        string   `json:"status"`
		Version       int      `json:"version"`
		MissingPhotos []string `json:"missing_photos"`
		Error         *struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	} `json:"results"`
}

func TestSyncPushAndPullOverHTTP(t *testing.T) {
	env := newTestEnv(t)
	syncOrder(t, env, "wo1", "tech1")
	tech1 := env.token(t, "tech1")

	res := env.call(t, "GET", "/api/v1/sync/pull", tech1, nil)
	if res.Status != 200 {
		t.Fatalf("pull: %d %s", res.Status, res.Body)
	}
	var first struct {
		Cursor     string           `json:"cursor"`
		More       bool             `json:"more"`
		WorkOrders []map[string]any `json:"workorders"`
		Templates  []map[string]any `json:"templates"`
		Removed    []string         `json:"removed"`
	}
	res.Decode(t, &first)
	if len(first.WorkOrders) != 1 || first.WorkOrders[0]["id"] != "wo1" || len(first.Templates) == 0 || first.Removed == nil {
		t.Fatalf("first pull: %s", res.Body)
	}

	sheet := syncSheet(t, env, "a1", "install_acceptance", map[string]string{"workorder_id": "wo1"})
	body := map[string]any{"device_id": "phone-1", "device_time": env.clock.Now(), "submissions": []any{sheet}}
	var ans pushAnswer
	res = env.call(t, "POST", "/api/v1/sync/push", tech1, body)
	res.Decode(t, &ans)
	if res.Status != 200 || ans.Results[0].Status != "accepted" || ans.Results[0].Version != 1 || len(ans.Results[0].MissingPhotos) == 0 {
		t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", "/api/v1/sync/push", tech1, body)
	res.Decode(t, &ans)
	if ans.Results[0].Status != "duplicate" || ans.Results[0].Version != 1 {
		t.Fatalf("replay: %s", res.Body)
	}

	// Someone else's push of a sheet for wo1 is refused per item, in English on request.
	other := syncSheet(t, env, "x1", "install_acceptance", map[string]string{"workorder_id": "wo1"})
	res = env.call(t, "POST", "/api/v1/sync/push", env.token(t, "tech2"), map[string]any{"submissions": []any{other}},
		"Accept-Language", "en")
	res.Decode(t, &ans)
	if ans.Results[0].Status != "rejected" || ans.Results[0].Error == nil || ans.Results[0].Error.Code != "not_assigned" {
		t.Fatalf("tech2's push: %s", res.Body)
	}

	res = env.call(t, "GET", "/api/v1/sync/pull?cursor="+first.Cursor, tech1, nil)
	var next struct {
		WorkOrders  []map[string]any `json:"workorders"`
		Submissions []map[string]any `json:"submissions"`
	}
	res.Decode(t, &next)
	if len(next.Submissions) != 1 || next.Submissions[0]["id"] != "a1" || len(next.WorkOrders) != 1 ||
		next.WorkOrders[0]["status"] != "completed" {
		t.Fatalf("incremental pull: %s", res.Body)
	}

	res = env.call(t, "GET", "/api/v1/sync/pull?cursor=garbage!", tech1, nil)
	if res.Status != 400 || res.ErrorCode() != "bad_cursor" {
		t.Fatalf("garbage cursor: %d %s", res.Status, res.Body)
	}
}

func TestSyncPushRefusesBadInput(t *testing.T) {
	env := newTestEnv(t)
	tech1 := env.token(t, "tech1")
	many := make([]any, 101)
	for i := range many {
		many[i] = map[string]any{"id": fmt.Sprint(i)}
	}
	cases := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
	}{
		{"more than 100 sheets", tech1, map[string]any{"submissions": many}, 413, "too_many_submissions"},
		{"not JSON", tech1, "{nope", 400, ""},
		{"submissions not a list", tech1, `{"submissions": 5}`, 400, ""},
		{"device_time not a time", tech1, `{"device_time": "yesterday", "submissions": []}`, 400, ""},
		{"agent", env.token(t, "agent1"), map[string]any{"submissions": []any{}}, 403, "forbidden"},
		{"supervisor", env.token(t, "sup1"), map[string]any{"submissions": []any{}}, 403, "forbidden"},
		{"no token", "", map[string]any{"submissions": []any{}}, 401, ""},
		{"over the push body limit", tech1, `{"submissions": ["` + strings.Repeat("x", pushLimit) + `"]}`, 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.call(t, "POST", "/api/v1/sync/push", c.token, c.body)
			if res.Status != c.status || (c.code != "" && res.ErrorCode() != c.code) {
				t.Fatalf("got %d %s, want %d %s", res.Status, res.Body, c.status, c.code)
			}
		})
	}
	// An item that is not an object is rejected on its own.
	res := env.call(t, "POST", "/api/v1/sync/push", tech1, `{"submissions": [42, {"id": "a"}]}`)
	var ans pushAnswer
	res.Decode(t, &ans)
	if res.Status != 200 || len(ans.Results) != 2 || ans.Results[0].Status != "rejected" || ans.Results[1].Status != "rejected" {
		t.Fatalf("bad items: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/sync/pull?limit=0", tech1, nil); res.Status != 400 {
		t.Fatalf("limit=0: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/sync/pull", env.token(t, "sup1"), nil); res.Status != 403 {
		t.Fatalf("supervisor pull: %d", res.Status)
	}
}

func TestSubmissionReadsFollowTheRoleTable(t *testing.T) {
	env := newTestEnv(t)
	syncOrder(t, env, "wo1", "tech1")
	sheet := syncSheet(t, env, "a1", "install_acceptance", map[string]string{"workorder_id": "wo1"})
	res := env.call(t, "POST", "/api/v1/sync/push", env.token(t, "tech1"), map[string]any{"submissions": []any{sheet}})
	if res.Status != 200 {
		t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	for user, want := range map[string]int{"tech1": 200, "tech2": 404, "tech3": 404, "insp1": 404,
		"agent1": 404, "sup1": 200, "sup2": 404, "admin": 200} {
		res := env.call(t, "GET", "/api/v1/submissions/a1", env.token(t, user), nil)
		if res.Status != want {
			t.Errorf("%s reads a1: %d, want %d", user, res.Status, want)
		}
	}
	res = env.call(t, "GET", "/api/v1/submissions/a1?version=1", env.token(t, "tech1"), nil)
	v := res.JSON()
	if res.Status != 200 || v["version"] != 1.0 || v["complete"] != false || v["flags"] == nil || v["passed"] != true {
		t.Fatalf("a1 v1: %s", res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/submissions/a1?version=2", env.token(t, "tech1"), nil); res.Status != 404 {
		t.Fatalf("a version that does not exist: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/submissions/a1?version=x", env.token(t, "tech1"), nil); res.Status != 400 {
		t.Fatalf("version=x: %d", res.Status)
	}

	list := func(user, query string) (int, []string) {
		res := env.call(t, "GET", "/api/v1/submissions"+query, env.token(t, user), nil)
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		json.Unmarshal(res.Body, &page)
		var ids []string
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		return res.Status, ids
	}
	for _, c := range []struct {
		user, query string
		status      int
		ids         string
	}{
		{"tech1", "", 200, "[a1]"},
		{"tech2", "", 200, "[]"},
		{"sup1", "?workorder_id=wo1", 200, "[a1]"},
		{"sup2", "", 200, "[]"},
		{"admin", "?complete=false", 200, "[a1]"},
		{"admin", "?complete=true", 200, "[]"},
		{"admin", "?from=2000-01-01&to=2100-01-01", 200, "[a1]"},
		{"admin", "?flag=clock_skew", 200, "[]"},
		{"agent1", "", 403, "[]"},
		{"admin", "?complete=maybe", 400, "[]"},
		{"admin", "?from=last-week", 400, "[]"},
		{"admin", "?after=%21%21", 400, "[]"},
	} {
		status, ids := list(c.user, c.query)
		if status != c.status || fmt.Sprint(ids) != c.ids {
			t.Errorf("%s lists %q: %d %v, want %d %s", c.user, c.query, status, ids, c.status, c.ids)
		}
	}
}
