package server

import (
	"testing"

	"fieldcheck/checklists"
)

// PUT /templates explains a condition that refers to a missing or a later
// item, or has the wrong op or value for the item's type, by its path (422);
// a good one round-trips through GET.
func TestTemplatePutExplainsConditions(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")
	if err := checklists.EnsureBuiltins(env.db, env.clock.Now()); err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	env.call(t, "GET", "/api/v1/templates/install_acceptance", sup, nil).Decode(t, &tpl)
	sec := func(i int) map[string]any { return tpl["sections"].([]any)[i].(map[string]any) }
	item := func(i, j int) map[string]any { return sec(i)["items"].([]any)[j].(map[string]any) }
	if item(1, 4)["when"] == nil || sec(2)["when"] == nil {
		t.Fatalf("GET lost the built-in's conditions: %v", item(1, 4))
	}
	// sections[1].items[2] is shoe_covers; sections[0].items[0] the first item.
	item(1, 2)["when"] = map[string]any{"all": []any{
		map[string]any{"item": "no_such_item", "op": "answered"},
		map[string]any{"item": "site_cleaned", "op": "eq", "value": true}, // a later item
		map[string]any{"item": "self_introduction", "op": "gt", "value": 1},
		map[string]any{"subject": "order_type", "op": "eq", "value": "upgrade"},
	}}
	res := env.call(t, "PUT", "/api/v1/templates/install_acceptance", sup, tpl, "Accept-Language", "en")
	if res.Status != 422 || res.ErrorCode() != "validation_failed" {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	fields, _ := res.JSON()["error"].(map[string]any)["fields"].(map[string]any)
	for _, p := range []string{"sections[1].items[2].when.all[0].item", "sections[1].items[2].when.all[1].item",
		"sections[1].items[2].when.all[2].op", "sections[1].items[2].when.all[3].value"} {
		if msg, _ := fields[p].(string); msg == "" {
			t.Errorf("want %s explained, got %v", p, fields)
		}
	}
	// A good condition is stored and read back as sent.
	item(1, 2)["when"] = map[string]any{"any": []any{map[string]any{"subject": "customer_kind", "op": "ne", "value": "enterprise"}}}
	if res := env.call(t, "PUT", "/api/v1/templates/install_acceptance", sup, tpl); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	var back checklists.Template
	env.call(t, "GET", "/api/v1/templates/install_acceptance", sup, nil).Decode(t, &back)
	w := back.Sections[1].Items[2].When
	if w == nil || len(w.Any) != 1 || w.Any[0].Subject != "customer_kind" || string(w.Any[0].Value) != `"enterprise"` {
		t.Fatalf("stored condition: %+v", w)
	}
}
