package server

import (
	"net/url"
	"sort"
	"strings"
	"testing"

	"fieldcheck/names"
	"fieldcheck/store"
)

func getBook(t *testing.T, env *testEnv, user string) names.Book {
	t.Helper()
	res := env.call(t, "GET", "/api/v1/names", env.token(t, user), nil)
	if res.Status != 200 {
		t.Fatalf("GET /names as %s: %d %s", user, res.Status, res.Body)
	}
	var b names.Book
	res.Decode(t, &b)
	return b
}

func putName(t *testing.T, env *testEnv, kind, code string, body any) *testResp {
	t.Helper()
	return env.call(t, "PUT", "/api/v1/names/"+kind+"/"+url.PathEscape(code), env.token(t, "admin"), body)
}

func keys(m map[string]names.Label) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// Every role reads the built-in role and product names, and the people its
// screens name — no more.
func TestNamesBookPeopleByRole(t *testing.T) {
	env := newTestEnv(t)
	cases := []struct{ user, people string }{
		{"tech1", "tech1"},
		{"insp1", "insp1,tech1,tech2"},
		{"agent1", "agent1,sup1,sup2,tech1,tech2,tech3"},
		{"sup1", "admin,agent1,agent2,insp1,qa1,sup1,tech1,tech2"},
		{"admin", "admin,agent1,agent2,insp1,qa1,sup1,sup2,tech1,tech2,tech3"},
		{"qa1", "agent1,agent2,qa1,sup1,sup2"},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			b := getBook(t, env, c.user)
			if got := keys(b.People); got != c.people {
				t.Errorf("people: got %s, want %s", got, c.people)
			}
			if b.Roles["technician"].Zh != "技术员" || b.Roles["qa"].Zh != "品质保障员" || b.Roles["agent"].En != "Callback agent" {
				t.Errorf("roles: %+v", b.Roles)
			}
			if b.Products["broadband"].Zh != "宽带" || b.Products["broadband+iptv"].Zh != "宽带+IPTV" || b.Products["phone+broadband"].Zh != "固话+宽带" {
				t.Errorf("products: %+v", b.Products)
			}
			if b.People[c.user].Zh == "" {
				t.Errorf("own name missing: %+v", b.People)
			}
		})
	}
}

// An admin names units (with their parent), products and roles; the names
// reach the book, a technician gets their own unit's chain, and each change
// is audited.
func TestAdminNamesCodes(t *testing.T) {
	env := newTestEnv(t)
	must := func(res *testResp) *testResp {
		t.Helper()
		if res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		return res
	}
	must(putName(t, env, "unit", "chengdu", map[string]any{"zh": "成都分公司", "en": "Chengdu branch"}))
	n := must(putName(t, env, "unit", "chengdu-east", map[string]any{"zh": " 成都东区 ", "en": "Chengdu East", "parent": "chengdu"})).JSON()
	if n["zh"] != "成都东区" || n["parent"] != "chengdu" || n["kind"] != "unit" || n["code"] != "chengdu-east" {
		t.Errorf("answer: %v", n)
	}
	must(putName(t, env, "unit", "chengdu-west", map[string]any{"zh": "成都西区", "en": "Chengdu West", "parent": "chengdu"}))
	must(putName(t, env, "role", "technician", map[string]any{"zh": "装维人员", "en": "Installer"}))
	must(putName(t, env, "product", "宽带+天翼看家", map[string]any{"zh": "宽带+看家", "en": "Broadband + home camera"}))
	// Codes come from CSV text: a slash or a percent sign travels escaped.
	must(putName(t, env, "unit", "成都/郫都 100%", map[string]any{"zh": "郫都区"}))
	// A unit renamed without a parent keeps it.
	must(putName(t, env, "unit", "chengdu-east", map[string]any{"zh": "成都东区分局", "en": "Chengdu East"}))

	b := getBook(t, env, "sup1")
	if got := b.Units["chengdu-east"]; got.Zh != "成都东区分局" || got.Parent != "chengdu" {
		t.Errorf("unit: %+v", got)
	}
	if b.Roles["technician"].Zh != "装维人员" || b.Roles["inspector"].Zh != "巡检员" {
		t.Errorf("roles: %+v", b.Roles)
	}
	if b.Units["成都/郫都 100%"].Zh != "郫都区" {
		t.Errorf("escaped code: %+v", b.Units)
	}
	if b.Products["宽带+天翼看家"].Zh != "宽带+看家" || b.Products["broadband"].Zh != "宽带" {
		t.Errorf("products: %+v", b.Products)
	}
	if got := keys(getBook(t, env, "tech1").Units); got != "chengdu,chengdu-east" {
		t.Errorf("technician's units: %s", got)
	}
	if got := keys(getBook(t, env, "insp1").Units); got != "chengdu,chengdu-east,chengdu-west,成都/郫都 100%" {
		t.Errorf("inspector's units: %s", got)
	}

	var log struct {
		Items []store.AuditEntry `json:"items"`
	}
	env.call(t, "GET", "/api/v1/audit?limit=100", env.token(t, "admin"), nil).Decode(t, &log)
	var set []string
	for _, e := range log.Items {
		if e.Action == "names.set" && e.Actor == "admin" {
			set = append(set, e.Object)
		}
	}
	if want := "unit/chengdu unit/chengdu-east unit/chengdu-west role/technician product/宽带+天翼看家 unit/成都/郫都 100% unit/chengdu-east"; strings.Join(set, " ") != want {
		t.Errorf("audit: %v", set)
	}
}

// Bad names are 422 with the field named, and nothing of them is stored.
func TestNameValidation(t *testing.T) {
	env := newTestEnv(t)
	if res := putName(t, env, "unit", "chengdu", map[string]any{"zh": "成都分公司"}); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if res := putName(t, env, "unit", "chengdu-east", map[string]any{"zh": "成都东区", "parent": "chengdu"}); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	long := strings.Repeat("名", names.MaxNameLen+1)
	cases := []struct {
		name, kind, code string
		body             any
		status           int
		field            string
	}{
		{"empty zh", "unit", "chengdu-east", map[string]any{"zh": "  ", "en": "East"}, 422, "zh"},
		{"zh over 64 characters", "unit", "chengdu-east", map[string]any{"zh": long}, 422, "zh"},
		{"en over 64 characters", "product", "broadband", map[string]any{"zh": "宽带", "en": strings.Repeat("x", 65)}, 422, "en"},
		{"control character", "role", "agent", map[string]any{"zh": "回访\n坐席"}, 422, "zh"},
		{"parent that was never named", "unit", "chengdu-east", map[string]any{"zh": "成都东区", "parent": "sichuan"}, 422, "parent"},
		{"parent is the unit itself", "unit", "chengdu-east", map[string]any{"zh": "成都东区", "parent": "chengdu-east"}, 422, "parent"},
		{"parent below the unit (a cycle)", "unit", "chengdu", map[string]any{"zh": "成都分公司", "parent": "chengdu-east"}, 422, "parent"},
		{"a product has no parent", "product", "broadband", map[string]any{"zh": "宽带", "parent": "chengdu"}, 422, "parent"},
		{"code with a control character", "unit", "a\tb", map[string]any{"zh": "甲"}, 422, "code"},
		{"unknown kind", "person", "tech1", map[string]any{"zh": "张"}, 404, ""},
		{"zh of the wrong type", "unit", "chengdu-east", map[string]any{"zh": 5}, 400, ""},
		{"no body", "unit", "chengdu-east", nil, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := putName(t, env, c.kind, c.code, c.body)
			if res.Status != c.status {
				t.Fatalf("want %d, got %d %s", c.status, res.Status, res.Body)
			}
			if c.field != "" {
				fields, _ := res.JSON()["error"].(map[string]any)["fields"].(map[string]any)
				if f, _ := fields[c.field].(string); f == "" {
					t.Errorf("fields.%s missing: %s", c.field, res.Body)
				}
			}
		})
	}
	b := getBook(t, env, "admin")
	if b.Units["chengdu-east"].Zh != "成都东区" || b.Units["chengdu"].Parent != "" || b.Products["broadband"].En != "Broadband" || b.Roles["agent"].Zh != "回访坐席" {
		t.Errorf("a refused change was stored: %+v %+v %+v", b.Units, b.Products["broadband"], b.Roles["agent"])
	}
	if res := env.call(t, "PUT", "/api/v1/names/unit/x", env.token(t, "sup1"), map[string]any{"zh": "甲"}); res.Status != 403 {
		t.Errorf("supervisor: %d", res.Status)
	}
}

// Downloads name units and people: the technicians' export shows 张师傅 of
// 成都东区 (no username), the audit export 周班长 of 成都东区, and the JSON
// report rows add unit_name beside the code.
func TestExportsShowNames(t *testing.T) {
	env := newTestEnv(t)
	reportFixture(t, env)
	if res := putName(t, env, "unit", "chengdu-east", map[string]any{"zh": "成都东区", "en": "Chengdu East"}); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	sup := fresh(t, env, "sup1")
	techs := env.call(t, "GET", "/api/v1/reports/technicians?from=2026-11-23&to=2026-11-23&format=csv", sup, nil)
	if techs.Status != 200 || !strings.Contains(string(techs.Body), "张师傅,成都东区") || strings.Contains(string(techs.Body), "tech1") ||
		strings.Contains(string(techs.Body), "chengdu-east") {
		t.Errorf("technicians csv: %d %s", techs.Status, techs.Body)
	}
	audit := env.call(t, "GET", "/api/v1/audit?from=2026-11-23&to=2026-11-23&format=csv", sup, nil)
	if audit.Status != 200 || !strings.Contains(string(audit.Body), ",周班长,成都东区,") {
		t.Errorf("audit csv: %d %s", audit.Status, audit.Body)
	}
	var rows struct {
		Items []struct{ Technician, Name, Unit, UnitName string } `json:"items"`
	}
	env.call(t, "GET", "/api/v1/reports/technicians?from=2026-11-23&to=2026-11-23", sup, nil).Decode(t, &rows)
	if len(rows.Items) == 0 || rows.Items[0].Unit != "chengdu-east" || rows.Items[0].Technician != "tech1" {
		t.Errorf("json rows: %+v", rows.Items)
	}
	var raw struct {
		Items []map[string]any `json:"items"`
	}
	env.call(t, "GET", "/api/v1/reports/technicians?from=2026-11-23&to=2026-11-23", sup, nil).Decode(t, &raw)
	if raw.Items[0]["unit_name"] != "成都东区" || raw.Items[0]["name"] != "张师傅" {
		t.Errorf("json row: %v", raw.Items[0])
	}
}
