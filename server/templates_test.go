package server

import (
	"testing"

	"fieldcheck/checklists"
)

// newTemplateBody is a small valid definition, edited by fn.
func newTemplateBody(fn func(m map[string]any)) map[string]any {
	m := map[string]any{
		"id":    "ignored_body_id",
		"kind":  "walkthrough",
		"title": map[string]any{"zh": "夜间巡检", "en": "Night walkthrough"},
		"sections": []any{map[string]any{
			"id": "hall", "title": map[string]any{"zh": "厅内", "en": "Hall"},
			"items": []any{
				map[string]any{"id": "hall_environment", "type": "count", "required": true,
					"label": map[string]any{"zh": "厅内环境", "en": "Hall environment"},
					"score": map[string]any{"max": 5, "per_instance": 1, "cap": 4, "fine_per_point": 50, "fine_cap": 200}},
			},
		}},
	}
	if fn != nil {
		fn(m)
	}
	return m
}

func TestTemplatesListAndGet(t *testing.T) {
	env := newTestEnv(t)
	if err := checklists.EnsureBuiltins(env.db, env.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"tech1", "insp1", "agent1", "sup1", "admin"} {
		res := env.call(t, "GET", "/api/v1/templates", env.token(t, user), nil)
		var list struct {
			Items []checklists.Summary `json:"items"`
			Next  *string              `json:"next"`
		}
		res.Decode(t, &list)
		if res.Status != 200 || len(list.Items) != 7 || list.Next != nil { // call_review and the 2 mystery-visit templates too
			t.Fatalf("%s: list %d %s", user, res.Status, res.Body)
		}
	}
	tok := env.token(t, "tech1")
	res := env.call(t, "GET", "/api/v1/templates?limit=2", tok, nil)
	if m := res.JSON(); res.Status != 200 || m["next"] != "callback_script" {
		t.Errorf("page of 2: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "GET", "/api/v1/templates?limit=2&after=install_acceptance", tok, nil) // the last 2 of 6
	if m := res.JSON(); res.Status != 200 || m["next"] != nil || len(m["items"].([]any)) != 2 {
		t.Errorf("second page: %d %s", res.Status, res.Body)
	}

	res = env.call(t, "GET", "/api/v1/templates/store_walkthrough", tok, nil)
	var tpl checklists.Template
	res.Decode(t, &tpl)
	if res.Status != 200 || tpl.ID != "store_walkthrough" || tpl.Version != 1 || tpl.Kind != "walkthrough" || len(tpl.Sections) == 0 {
		t.Errorf("get walkthrough: %d %s", res.Status, res.Body)
	}

	cases := []struct {
		name   string
		path   string
		status int
		code   string
	}{
		{"an explicit version", "/api/v1/templates/store_walkthrough?version=1", 200, ""},
		{"a version that does not exist", "/api/v1/templates/store_walkthrough?version=2", 404, "not_found"},
		{"an unknown template", "/api/v1/templates/no_such_template", 404, "not_found"},
		{"a version that is not a number", "/api/v1/templates/store_walkthrough?version=abc", 400, "bad_version"},
		{"version 0 is not a version", "/api/v1/templates/store_walkthrough?version=0", 400, "bad_version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.call(t, "GET", c.path, tok, nil)
			if res.Status != c.status || (c.code != "" && res.ErrorCode() != c.code) {
				t.Errorf("%d %s, want %d %s", res.Status, res.Body, c.status, c.code)
			}
		})
	}
	if res := env.call(t, "GET", "/api/v1/templates", "", nil); res.Status != 401 {
		t.Errorf("no token: %d", res.Status)
	}
}

func TestTemplatePutVersions(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")

	res := env.call(t, "PUT", "/api/v1/templates/night_walk", sup, newTemplateBody(nil))
	if m := res.JSON(); res.Status != 201 || m["id"] != "night_walk" || m["version"] != float64(1) {
		t.Fatalf("new id: %d %s, want 201 {id: night_walk, version: 1} (the path id wins)", res.Status, res.Body)
	}
	res = env.call(t, "PUT", "/api/v1/templates/night_walk", env.token(t, "admin"), newTemplateBody(func(m map[string]any) {
		m["title"] = map[string]any{"zh": "夜间巡检（第二版）"}
		m["version"] = 42 // ignored: the server numbers versions
	}))
	if m := res.JSON(); res.Status != 200 || m["version"] != float64(2) {
		t.Fatalf("new version: %d %s, want 200 version 2", res.Status, res.Body)
	}

	var v1, v2 checklists.Template
	env.call(t, "GET", "/api/v1/templates/night_walk?version=1", sup, nil).Decode(t, &v1)
	env.call(t, "GET", "/api/v1/templates/night_walk", sup, nil).Decode(t, &v2)
	if v1.Version != 1 || v1.Title.Zh != "夜间巡检" || v2.Version != 2 || v2.Title.Zh != "夜间巡检（第二版）" || v2.CreatedBy != "admin" {
		t.Errorf("v1 %+v / v2 %+v", v1, v2)
	}

	// The list shows the latest version once.
	res = env.call(t, "GET", "/api/v1/templates", env.token(t, "tech1"), nil)
	seen := 0
	for _, it := range res.JSON()["items"].([]any) {
		if m := it.(map[string]any); m["id"] == "night_walk" {
			seen++
			if m["version"] != float64(2) {
				t.Errorf("list shows night_walk version %v, want 2", m["version"])
			}
		}
	}
	if seen != 1 {
		t.Errorf("night_walk listed %d times: %s", seen, res.Body)
	}
}

func TestTemplateRoundTripEditsABuiltin(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")
	if err := checklists.EnsureBuiltins(env.db, env.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// What GET answers is a valid PUT body: a supervisor edits a built-in.
	var tpl map[string]any
	env.call(t, "GET", "/api/v1/templates/store_walkthrough", sup, nil).Decode(t, &tpl)
	tpl["title"] = map[string]any{"zh": "营业网点巡检（成都东）", "en": "Outlet walkthrough (Chengdu East)"}
	res := env.call(t, "PUT", "/api/v1/templates/store_walkthrough", sup, tpl)
	if m := res.JSON(); res.Status != 200 || m["version"] != float64(2) {
		t.Fatalf("edit built-in: %d %s", res.Status, res.Body)
	}
	var v1 checklists.Template
	env.call(t, "GET", "/api/v1/templates/store_walkthrough?version=1", sup, nil).Decode(t, &v1)
	if v1.Title.Zh != "营业网点服务现场巡检" {
		t.Errorf("version 1 changed: %+v", v1.Title)
	}
}

func TestTemplatePutRefusals(t *testing.T) {
	env := newTestEnv(t)
	cases := []struct {
		name   string
		user   string
		path   string
		body   any
		status int
		code   string
		fields []string
	}{
		{"a technician may not publish templates", "tech1", "/api/v1/templates/x", newTemplateBody(nil), 403, "", nil},
		{"an inspector may not publish templates", "insp1", "/api/v1/templates/x", newTemplateBody(nil), 403, "", nil},
		{"an agent may not publish templates", "agent1", "/api/v1/templates/x", newTemplateBody(nil), 403, "", nil},
		{"malformed JSON is a 400", "sup1", "/api/v1/templates/x", "{not json", 400, "malformed_json", nil},
		{"an id outside a–z 0–9 _ is named", "sup1", "/api/v1/templates/Night-Walk", newTemplateBody(nil), 422, "validation_failed", []string{"id"}},
		{"every problem of a definition is named", "sup1", "/api/v1/templates/x", newTemplateBody(func(m map[string]any) {
			m["kind"] = "audit"
			m["title"] = map[string]any{"zh": ""}
			item := m["sections"].([]any)[0].(map[string]any)["items"].([]any)[0].(map[string]any)
			item["type"] = "yesno"
			m["grading"] = []any{map[string]any{"id": "a", "min": 50, "label": map[string]any{"zh": "甲"}}, map[string]any{"id": "b", "min": 60, "label": map[string]any{"zh": "乙"}}}
		}), 422, "validation_failed", []string{"kind", "title.zh", "sections[0].items[0].type", "grading[1].min"}},
		{"a cap above max is named", "sup1", "/api/v1/templates/x", newTemplateBody(func(m map[string]any) {
			item := m["sections"].([]any)[0].(map[string]any)["items"].([]any)[0].(map[string]any)
			item["score"].(map[string]any)["cap"] = 9
		}), 422, "validation_failed", []string{"sections[0].items[0].score.cap"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.call(t, "PUT", c.path, env.token(t, c.user), c.body, "Accept-Language", "en")
			if res.Status != c.status || (c.code != "" && res.ErrorCode() != c.code) {
				t.Fatalf("%d %s, want %d %s", res.Status, res.Body, c.status, c.code)
			}
			if len(c.fields) == 0 {
				return
			}
			fields, _ := res.JSON()["error"].(map[string]any)["fields"].(map[string]any)
			for _, p := range c.fields {
				if msg, ok := fields[p].(string); !ok || msg == "" {
					t.Errorf("want %s named, got %v", p, fields)
				}
			}
		})
	}
	for _, id := range []string{"x", "Night-Walk"} {
		if res := env.call(t, "GET", "/api/v1/templates/"+id, env.token(t, "sup1"), nil); res.Status != 404 {
			t.Errorf("refused PUTs must store nothing: %s answers %d", id, res.Status)
		}
	}
}
