package server

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"fieldcheck/store"

	"github.com/xuri/excelize/v2"
	bolt "go.etcd.io/bbolt"
)

// completeJob creates an install for tech (through the supervisor of its
// unit), completes it at `at` through POST /workorders/:id/complete (which
// starts its callback) and returns the callback task id.
func completeJob(t *testing.T, env *testEnv, id, tech string, at time.Time) string {
	t.Helper()
	sup := "sup1"
	if tech == "tech3" {
		sup = "sup2"
	}
	env.clock.Set(at)
	tok := fresh(t, env, sup)
	res := env.call(t, "POST", "/api/v1/workorders", tok, map[string]any{"id": id, "type": "install",
		"product": "broadband", "subscribed_mbps": 100, "technician": tech,
		"customer":    map[string]any{"name": "王女士", "phone": "13800000001", "address": "锦江区红星路 1 号", "tier": "standard"},
		"appointment": map[string]any{"from": at.Add(-2 * time.Hour), "to": at.Add(-time.Hour)}})
	if res.Status != 201 {
		t.Fatalf("create %s: %d %s", id, res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/workorders/"+id+"/complete", tok, nil); res.Status != 200 {
		t.Fatalf("complete %s: %d %s", id, res.Status, res.Body)
	}
	var list struct {
		Items []struct {
			ID          string `json:"id"`
			WorkOrderID string `json:"workorder_id"`
		} `json:"items"`
	}
	env.call(t, "GET", "/api/v1/callbacks", fresh(t, env, "admin"), nil).Decode(t, &list)
	for _, it := range list.Items {
		if it.WorkOrderID == id {
			return it.ID
		}
	}
	t.Fatalf("no callback for %s", id)
	return ""
}

func answer(t *testing.T, env *testEnv, task string, at time.Time, satisfaction string, reasons ...string) {
	t.Helper()
	env.clock.Set(at)
	// The admin works every unit's callbacks (agent1 only chengdu-east's).
	res := env.call(t, "POST", "/api/v1/callbacks/"+task+"/result", fresh(t, env, "admin"),
		map[string]any{"satisfaction": satisfaction, "reasons": reasons})
	if res.Status != 200 {
		t.Fatalf("result %s: %d %s", task, res.Status, res.Body)
	}
}

// reportFixture: three east jobs on Monday 2026-11-23 (two answered the same
// day, one unsatisfied with a phone number in its reason) and one west job.
func reportFixture(t *testing.T, env *testEnv) {
	t.Helper()
	mon := time.Date(2026, 11, 23, 0, 0, 0, 0, store.Shanghai)
	a := completeJob(t, env, "WO-E1", "tech1", mon.Add(10*time.Hour))
	b := completeJob(t, env, "WO-E2", "tech2", mon.Add(11*time.Hour))
	completeJob(t, env, "WO-E3", "tech1", mon.Add(12*time.Hour))
	w := completeJob(t, env, "WO-W1", "tech3", mon.Add(10*time.Hour))
	answer(t, env, a, mon.Add(15*time.Hour), "very_satisfied")
	answer(t, env, b, mon.Add(16*time.Hour), "unsatisfied", "=HYPERLINK(\"http://x\") 回电13912345678")
	answer(t, env, w, mon.Add(16*time.Hour), "satisfied")
	env.clock.Set(mon.Add(20 * time.Hour))
	clear(env.tokens) // tokens issued under the fixture's clock
}

// fresh logs in again: access tokens live minutes, and the fixture moves the
// clock by hours.
func fresh(t *testing.T, env *testEnv, who string) string {
	t.Helper()
	delete(env.tokens, who)
	return env.token(t, who)
}

type callbackPage struct {
	Items []struct {
		Period           string   `json:"period"`
		Completed        int      `json:"completed"`
		Callbacks        int      `json:"callbacks"`
		Done             int      `json:"done"`
		Coverage         *float64 `json:"coverage"`
		SameDayRate      *float64 `json:"same_day_rate"`
		SatisfactionRate *float64 `json:"satisfaction_rate"`
		TopReasons       []struct {
			Reason string `json:"reason"`
			Count  int    `json:"count"`
		} `json:"top_reasons"`
	} `json:"items"`
	Next *string `json:"next"`
}

func TestReportRoutesRolesAndUnits(t *testing.T) {
	env := newTestEnv(t)
	reportFixture(t, env)
	const q = "/api/v1/reports/callbacks?from=2026-11-23&to=2026-11-23"

	for _, path := range []string{q, "/api/v1/reports/inspections", "/api/v1/reports/technicians", "/api/v1/reports/fines", "/api/v1/audit"} {
		for _, who := range []string{"tech1", "insp1", "agent1"} {
			if res := env.call(t, "GET", path, env.token(t, who), nil); res.Status != 403 {
				t.Errorf("%s %s: %d", who, path, res.Status)
			}
		}
		if res := env.call(t, "GET", path, "", nil); res.Status != 401 {
			t.Errorf("no token %s: %d", path, res.Status)
		}
	}

	var east callbackPage
	res := env.call(t, "GET", q, env.token(t, "sup1"), nil)
	res.Decode(t, &east)
	if res.Status != 200 || len(east.Items) != 1 || east.Next != nil {
		t.Fatalf("sup1: %d %s", res.Status, res.Body)
	}
	e := east.Items[0]
	if e.Period != "2026-11-23" || e.Completed != 3 || e.Callbacks != 3 || e.Done != 2 || *e.Coverage != 0.6667 ||
		*e.SatisfactionRate != 0.5 || len(e.TopReasons) != 1 || strings.Contains(e.TopReasons[0].Reason, "13912345678") {
		t.Errorf("east: %s", res.Body)
	}

	// The supervisor of another unit sees nothing of ours.
	var west callbackPage
	env.call(t, "GET", q, env.token(t, "sup2"), nil).Decode(t, &west)
	if w := west.Items[0]; w.Completed != 1 || w.Done != 1 || *w.SatisfactionRate != 1 || len(w.TopReasons) != 0 {
		t.Errorf("west: %+v", west)
	}
	if res := env.call(t, "GET", q+"&unit=chengdu-east", env.token(t, "sup2"), nil); res.Status != 403 {
		t.Errorf("sup2 asking for east: %d %s", res.Status, res.Body)
	}
	var all callbackPage
	env.call(t, "GET", q, env.token(t, "admin"), nil).Decode(t, &all)
	var one callbackPage
	env.call(t, "GET", q+"&unit=chengdu-west", env.token(t, "admin"), nil).Decode(t, &one)
	if all.Items[0].Completed != 4 || one.Items[0].Completed != 1 {
		t.Errorf("admin: all %+v, west %+v", all.Items, one.Items)
	}

	// Defaults: the 30 days to today, by day, oldest first.
	var month callbackPage
	env.call(t, "GET", "/api/v1/reports/callbacks", env.token(t, "sup1"), nil).Decode(t, &month)
	if len(month.Items) != 30 || month.Items[0].Period != "2026-10-25" || month.Items[29].Period != "2026-11-23" ||
		month.Items[29].Completed != 3 || month.Items[0].Coverage != nil {
		t.Errorf("defaults: %d rows, %+v", len(month.Items), month.Items[29])
	}
	var weeks callbackPage
	env.call(t, "GET", "/api/v1/reports/callbacks?from=2026-11-01&to=2026-11-30&group=week", env.token(t, "sup1"), nil).Decode(t, &weeks)
	// 2026-11-01 is a Sunday (the end of W44) and 11-30 a Monday (W49).
	if len(weeks.Items) != 6 || weeks.Items[0].Period != "2026-W44" || weeks.Items[4].Period != "2026-W48" ||
		weeks.Items[4].Completed != 3 || weeks.Items[5].Period != "2026-W49" {
		t.Errorf("weeks: %+v", weeks.Items)
	}
	// limit/after page through the rows.
	var p1, p2 callbackPage
	env.call(t, "GET", "/api/v1/reports/callbacks?from=2026-11-22&to=2026-11-24&limit=2", env.token(t, "sup1"), nil).Decode(t, &p1)
	if len(p1.Items) != 2 || p1.Next == nil {
		t.Fatalf("page 1: %+v", p1)
	}
	env.call(t, "GET", "/api/v1/reports/callbacks?from=2026-11-22&to=2026-11-24&limit=2&after="+*p1.Next, env.token(t, "sup1"), nil).Decode(t, &p2)
	if len(p2.Items) != 1 || p2.Next != nil || p2.Items[0].Period != "2026-11-24" {
		t.Fatalf("page 2: %+v", p2)
	}
}

func TestReportBadInputIs400WithFields(t *testing.T) {
	env := newTestEnv(t)
	tok := env.token(t, "sup1")
	for _, c := range []struct{ path, field string }{
		{"/api/v1/reports/callbacks?from=2026-13-01", "from"},
		{"/api/v1/reports/callbacks?to=yesterday", "to"},
		{"/api/v1/reports/callbacks?from=2026-11-24&to=2026-11-23", "from"},
		{"/api/v1/reports/callbacks?group=year", "group"},
		{"/api/v1/reports/inspections?format=pdf", "format"},
		{"/api/v1/reports/technicians?from=23/11/2026", "from"},
		{"/api/v1/reports/fines?month=2026-13", "month"},
		{"/api/v1/reports/fines?month=2026-1", "month"},
		{"/api/v1/audit?format=xls", "format"},
		{"/api/v1/reports/callbacks?limit=0", "limit"},
	} {
		res := env.call(t, "GET", c.path, tok, nil)
		fields, _ := res.JSON()["error"].(map[string]any)["fields"].(map[string]any)
		if res.Status != 400 || fields[c.field] == nil {
			t.Errorf("%s: %d %s", c.path, res.Status, res.Body)
		}
	}
}

func TestReportExports(t *testing.T) {
	env := newTestEnv(t)
	reportFixture(t, env)
	tok := env.token(t, "sup1")

	res := env.call(t, "GET", "/api/v1/reports/callbacks?from=2026-11-23&to=2026-11-23&format=csv", tok, nil)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		res.Header.Get("Content-Disposition") != `attachment; filename="callbacks-2026-11-23_2026-11-23-day.csv"` {
		t.Fatalf("csv: %d %v", res.Status, res.Header)
	}
	if !bytes.HasPrefix(res.Body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0][0] != "统计期" || recs[1][3] != "3" || recs[1][6] != "66.67%" {
		t.Fatalf("csv rows: %q", recs)
	}
	reasons := recs[1][len(recs[1])-1]
	if !strings.HasPrefix(reasons, "'=HYPERLINK") || !strings.Contains(reasons, "139****5678") {
		t.Errorf("reason cell not neutralised and masked: %q", reasons)
	}

	for _, path := range []string{
		"/api/v1/reports/callbacks?format=xlsx&group=month",
		"/api/v1/reports/inspections?format=xlsx",
		"/api/v1/reports/technicians?format=xlsx",
		"/api/v1/reports/fines?month=2026-11&format=xlsx",
	} {
		res := env.call(t, "GET", path, tok, nil)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="`) ||
			!strings.HasSuffix(res.Header.Get("Content-Disposition"), `.xlsx"`) {
			t.Fatalf("%s: %d %v %s", path, res.Status, res.Header, res.Body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rows, err := f.GetRows(f.GetSheetList()[0])
		f.Close()
		if err != nil || len(rows) < 1 {
			t.Fatalf("%s: %v %v", path, rows, err)
		}
	}
	res = env.call(t, "GET", "/api/v1/reports/callbacks?from=2026-11-23&to=2026-11-23&format=xlsx", tok, nil)
	f, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	if v, _ := f.GetCellValue(sheet, "A1"); v != "统计期" {
		t.Errorf("header A1 %q", v)
	}
	if v, _ := f.GetCellValue(sheet, "G2"); v != "66.67%" {
		t.Errorf("coverage shown %q", v)
	}
	if v, _ := f.GetCellValue(sheet, "G2", excelize.Options{RawCellValue: true}); v != "0.6667" {
		t.Errorf("coverage raw %q", v)
	}
	if v, _ := f.GetCellValue(sheet, "Q2"); !strings.HasPrefix(v, "'=") || strings.Contains(v, "13912345678") {
		t.Errorf("reasons cell %q", v)
	}
}

func TestAuditExport(t *testing.T) {
	env := newTestEnv(t)
	reportFixture(t, env)
	// An entry as a careless detail could write it: a formula and a phone.
	if err := env.db.Update(func(tx *bolt.Tx) error {
		return store.Audit(tx, env.clock.Now(), store.Actor{Username: "sup1", Unit: "chengdu-east", Device: "@phone"},
			"workorder.patch", "workorder/WO-E3", "=1+2 customer.phone 13800000001")
	}); err != nil {
		t.Fatal(err)
	}
	res := env.call(t, "GET", "/api/v1/audit?from=2026-11-23&to=2026-11-23&format=csv", env.token(t, "sup1"), nil)
	if res.Status != 200 || res.Header.Get("Content-Disposition") != `attachment; filename="audit-2026-11-23_2026-11-23.csv"` ||
		!bytes.HasPrefix(res.Body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("audit csv: %d %v", res.Status, res.Header)
	}
	recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[0][0] != "时间" {
		t.Errorf("header %q", recs[0])
	}
	found := false
	for _, r := range recs[1:] {
		if r[2] != "chengdu-east" {
			t.Errorf("sup1 sees another unit's entry: %q", r)
		}
		if r[4] == "workorder.patch" {
			found = true
			if r[3] != "'@phone" || r[6] != "'=1+2 customer.phone 138****0001" {
				t.Errorf("entry not neutralised/masked: %q", r)
			}
		}
	}
	if !found || len(recs) < 3 {
		t.Errorf("audit rows: %q", recs)
	}
	if bytes.Contains(res.Body, []byte("13800000001")) {
		t.Errorf("phone unmasked in the audit export")
	}

	res = env.call(t, "GET", "/api/v1/audit?from=2026-11-23&to=2026-11-23&format=xlsx", env.token(t, "admin"), nil)
	f, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatalf("audit xlsx: %d %v", res.Status, err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	var jsonPage struct {
		Items []map[string]any `json:"items"`
	}
	env.call(t, "GET", "/api/v1/audit?from=2026-11-23&to=2026-11-23&limit=5000", env.token(t, "admin"), nil).Decode(t, &jsonPage)
	if len(rows) != len(jsonPage.Items)+1 {
		t.Errorf("xlsx has %d rows for %d entries", len(rows), len(jsonPage.Items))
	}
	// The JSON answer is unchanged by the export.
	if res := env.call(t, "GET", "/api/v1/audit?from=2026-11-23&to=2026-11-23", env.token(t, "sup1"), nil); res.Status != 200 ||
		!strings.Contains(string(res.Body), `"items"`) {
		t.Errorf("audit json: %d %s", res.Status, res.Body)
	}
}
