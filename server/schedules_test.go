package server

import "testing"

// Plans over HTTP: a supervisor plans their unit's store, another unit's
// supervisor may not, bad input is a 422 naming the field, an edit is a new
// version, and the window list shows the month's walkthrough due — then
// missed once the month is over.
func TestPlansOverHTTP(t *testing.T) {
	env := newTestEnv(t)
	admin, sup1, sup2 := env.token(t, "admin"), env.token(t, "sup1"), env.token(t, "sup2")
	if res := env.call(t, "POST", "/api/v1/stores", admin, map[string]any{"id": "s1", "name": "春熙路营业厅", "unit": "chengdu-east"}); res.Status != 201 {
		t.Fatalf("store: %d %s", res.Status, res.Body)
	}
	plan := map[string]any{"store_id": "s1", "template_id": "store_walkthrough", "frequency": "monthly", "inspectors": []string{"insp1"}, "start": "2026-11-01"}
	if res := env.call(t, "POST", "/api/v1/plans", sup2, plan); res.Status != 403 {
		t.Errorf("another unit's supervisor: %d", res.Status)
	}
	bad := map[string]any{"store_id": "s1", "template_id": "store_walkthrough", "frequency": "yearly", "inspectors": []string{"tech1"}, "start": "2026-11-01"}
	if res := env.call(t, "POST", "/api/v1/plans", sup1, bad); res.Status != 422 {
		t.Errorf("bad plan: %d %s", res.Status, res.Body)
	} else if f := res.JSON()["error"].(map[string]any)["fields"].(map[string]any); f["frequency"] == nil || f["inspectors[0]"] == nil {
		t.Errorf("bad plan fields: %v", f)
	}
	res := env.call(t, "POST", "/api/v1/plans", sup1, plan)
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	id := res.JSON()["id"].(string)
	if res := env.call(t, "GET", "/api/v1/plans/"+id, sup2, nil); res.Status != 404 {
		t.Errorf("sup2 reads sup1's plan: %d", res.Status)
	}
	var windows struct {
		Items []struct {
			Status    string `json:"status"`
			Due       string `json:"due"`
			StoreName string `json:"store_name"`
		} `json:"items"`
	}
	env.call(t, "GET", "/api/v1/plan-windows?from=2026-11-01", sup1, nil).Decode(t, &windows)
	if len(windows.Items) != 1 || windows.Items[0].Status != "due" || windows.Items[0].Due != "2026-11-30" {
		t.Fatalf("windows: %+v", windows)
	}
	env.call(t, "GET", "/api/v1/plan-windows?from=2026-11-01", env.token(t, "insp1"), nil).Decode(t, &windows)
	if len(windows.Items) != 1 {
		t.Errorf("insp1's windows: %+v", windows)
	}

	plan["frequency"] = "weekly"
	res = env.call(t, "PUT", "/api/v1/plans/"+id, sup1, plan)
	if res.Status != 200 || len(res.JSON()["versions"].([]any)) != 2 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	env.clock.Set(testStart.AddDate(0, 0, 10)) // 3 December: last week's window passed unvisited
	env.tokens = map[string]string{}
	sup1 = env.token(t, "sup1")
	windows.Items = nil
	env.call(t, "GET", "/api/v1/plan-windows?status=missed", sup1, nil).Decode(t, &windows)
	if len(windows.Items) != 1 || windows.Items[0].Due != "2026-11-29" || windows.Items[0].StoreName != "春熙路营业厅" {
		t.Errorf("missed: %+v", windows)
	}
	for _, q := range []string{"status=late", "from=2026-13-01", "from=2026-12-01&to=2026-11-01", "from=2020-01-01"} {
		if res := env.call(t, "GET", "/api/v1/plan-windows?"+q, sup1, nil); res.Status != 400 {
			t.Errorf("?%s: %d", q, res.Status)
		}
	}
}
