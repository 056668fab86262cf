package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// orderBody is a valid broadband install for tech1 (chengdu-east); edit
// changes what a case needs.
func orderBody(id string, edit ...func(map[string]any)) map[string]any {
	from := testStart.Add(2 * time.Hour)
	m := map[string]any{
		"id": id, "type": "install", "product": "宽带 300M", "subscribed_mbps": 300,
		"customer":    map[string]any{"name": "张三", "phone": "13800000001", "address": "成都市锦江区春熙路 1 号", "tier": "standard"},
		"technician":  "tech1",
		"appointment": map[string]any{"from": from.Format(time.RFC3339), "to": from.Add(2 * time.Hour).Format(time.RFC3339)},
	}
	for _, e := range edit {
		e(m)
	}
	return m
}

func (e *testEnv) createOrder(t *testing.T, by string, body map[string]any) map[string]any {
	t.Helper()
	res := e.call(t, "POST", "/api/v1/workorders", e.token(t, by), body)
	if res.Status != 201 {
		t.Fatalf("create order: %d %s", res.Status, res.Body)
	}
	return res.JSON()
}

// feedKinds lists scope's feed entries as "kind:id".
func (e *testEnv) feedKinds(t *testing.T, scope string) []string {
	t.Helper()
	var out []string
	if err := e.db.View(func(tx *bolt.Tx) error {
		ch, err := store.FeedSince(tx, scope, 0, 1000)
		for _, c := range ch {
			out = append(out, c.Kind+":"+c.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreateWorkOrder(t *testing.T) {
	env := newTestEnv(t)
	wo := env.createOrder(t, "sup1", orderBody("WO-1"))
	if wo["status"] != "assigned" || wo["version"] != float64(1) || wo["unit"] != "chengdu-east" || wo["completed_at"] != nil {
		t.Fatalf("got %v", wo)
	}
	res := env.call(t, "POST", "/api/v1/workorders", env.token(t, "admin"), orderBody("WO-1"))
	if res.Status != 409 || res.ErrorCode() != "workorder_exists" {
		t.Fatalf("duplicate: %d %s", res.Status, res.Body)
	}
}

func TestCreateWorkOrderValidationNamesFields(t *testing.T) {
	env := newTestEnv(t)
	body := orderBody("WO/1", func(m map[string]any) {
		m["type"] = "upgrade"
		m["subscribed_mbps"] = 0
		m["type"] = "install"
		m["customer"].(map[string]any)["phone"] = "12345"
		m["customer"].(map[string]any)["tier"] = "gold"
		m["technician"] = "insp1"
		m["appointment"] = map[string]any{"from": "2026-11-23T11:00:00+08:00", "to": "2026-11-23T10:00:00+08:00"}
	})
	res := env.call(t, "POST", "/api/v1/workorders", env.token(t, "admin"), body, "Accept-Language", "en")
	if res.Status != 422 {
		t.Fatalf("want 422, got %d %s", res.Status, res.Body)
	}
	fields := res.JSON()["error"].(map[string]any)["fields"].(map[string]any)
	for _, f := range []string{"id", "subscribed_mbps", "customer.phone", "customer.tier", "technician", "appointment.to"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("no %s in %v", f, fields)
		}
	}
	if msg := fields["subscribed_mbps"]; msg != "subscribed_mbps must be > 0 for a broadband install, move or repair" {
		t.Errorf("subscribed_mbps message %q", msg)
	}
	res = env.call(t, "POST", "/api/v1/workorders", env.token(t, "admin"), `{"id": 5}`)
	if res.Status != 400 {
		t.Fatalf("wrong type: %d %s", res.Status, res.Body)
	}
}

func TestSupervisorActsOnlyWithinTheirUnit(t *testing.T) {
	env := newTestEnv(t)
	sup2 := env.token(t, "sup2")
	// Creating an order for another unit's technician.
	if res := env.call(t, "POST", "/api/v1/workorders", sup2, orderBody("WO-1")); res.Status != 403 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	env.createOrder(t, "sup1", orderBody("WO-1"))
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/api/v1/workorders/WO-1", `{"status":"cancelled"}`},
		{"POST", "/api/v1/workorders/WO-1/complete", `{"note":"x"}`},
		{"GET", "/api/v1/workorders/WO-1", ""},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		if res := env.call(t, c.method, c.path, sup2, body); res.Status != 403 {
			t.Errorf("%s %s: %d %s", c.method, c.path, res.Status, res.Body)
		}
	}
	// Handing the order to another unit's technician.
	if res := env.call(t, "PATCH", "/api/v1/workorders/WO-1", env.token(t, "sup1"), `{"technician":"tech3"}`); res.Status != 403 {
		t.Fatalf("reassign across units: %d %s", res.Status, res.Body)
	}
	// Nothing changed.
	res := env.call(t, "GET", "/api/v1/workorders/WO-1", env.token(t, "sup1"), nil)
	if wo := res.JSON(); wo["technician"] != "tech1" || wo["status"] != "assigned" || wo["version"] != float64(1) {
		t.Fatalf("got %s", res.Body)
	}
	// A supervisor's import of another unit's row rejects that row only.
	res = env.call(t, "POST", "/api/v1/workorders/import", sup2, map[string]any{"workorders": []any{
		orderBody("WO-W", func(m map[string]any) { m["technician"] = "tech3" }), orderBody("WO-E")}})
	if got := importSummary(t, res); got != "[1 WO-W created 2 WO-E rejected:other_unit]" {
		t.Fatalf("import: %s", got)
	}
}

func importSummary(t *testing.T, res *testResp) string {
	t.Helper()
	if res.Status != 200 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	var body struct {
		Results []struct {
			Row    int
			ID     string
			Status string
			Error  *struct{ Code string }
		}
	}
	res.Decode(t, &body)
	var out []string
	for _, r := range body.Results {
		s := fmt.Sprintf("%d %s %s", r.Row, r.ID, r.Status)
		if r.Error != nil {
			s += ":" + r.Error.Code
		}
		out = append(out, s)
	}
	return fmt.Sprint(out)
}

func TestReassignTellsTheOldTechnicianToRemoveIt(t *testing.T) {
	env := newTestEnv(t)
	env.createOrder(t, "sup1", orderBody("WO-1"))
	res := env.call(t, "PATCH", "/api/v1/workorders/WO-1", env.token(t, "sup1"), `{"technician":"tech2"}`)
	if res.Status != 200 || res.JSON()["technician"] != "tech2" || res.JSON()["version"] != float64(2) {
		t.Fatalf("reassign: %d %s", res.Status, res.Body)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeUser("tech1"))); got != "[workorder:WO-1 removed:WO-1]" {
		t.Fatalf("tech1 feed %s", got)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeUser("tech2"))); got != "[workorder:WO-1]" {
		t.Fatalf("tech2 feed %s", got)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeUnit("chengdu-east"))); got != "[workorder:WO-1 workorder:WO-1]" {
		t.Fatalf("unit feed %s", got)
	}
	// The old technician can no longer read it; the new one can.
	if res := env.call(t, "GET", "/api/v1/workorders/WO-1", env.token(t, "tech1"), nil); res.Status != 403 {
		t.Fatalf("old technician read: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/workorders/WO-1", env.token(t, "tech2"), nil); res.Status != 200 {
		t.Fatalf("new technician read: %d", res.Status)
	}
}

func TestRescheduleAndCancel(t *testing.T) {
	env := newTestEnv(t)
	env.createOrder(t, "sup1", orderBody("WO-1"))
	sup := env.token(t, "sup1")
	res := env.call(t, "PATCH", "/api/v1/workorders/WO-1", sup,
		`{"appointment":{"from":"2026-11-24T14:00:00+08:00","to":"2026-11-24T16:00:00+08:00"}}`)
	if res.Status != 200 || res.JSON()["version"] != float64(2) {
		t.Fatalf("reschedule: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "PATCH", "/api/v1/workorders/WO-1", sup, `{"status":"cancelled"}`)
	if res.Status != 200 || res.JSON()["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeUser("tech1"))); got != "[workorder:WO-1 workorder:WO-1 removed:WO-1]" {
		t.Fatalf("tech1 feed %s", got)
	}
	res = env.call(t, "PATCH", "/api/v1/workorders/WO-1", sup, `{"technician":"tech2"}`)
	if res.Status != 409 || res.ErrorCode() != "workorder_cancelled" {
		t.Fatalf("patch cancelled: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "PATCH", "/api/v1/workorders/nope", sup, `{"status":"cancelled"}`); res.Status != 404 {
		t.Fatalf("unknown: %d", res.Status)
	}
}

func TestCompleteManuallyStartsTheCallback(t *testing.T) {
	env := newTestEnv(t)
	env.createOrder(t, "sup1", orderBody("WO-C", func(m map[string]any) {
		m["type"], m["subscribed_mbps"], m["appointment"] = "complaint", 0, nil
	}))
	sup := env.token(t, "sup1")
	res := env.call(t, "POST", "/api/v1/workorders/WO-C/complete", sup, `{"note":"billing refunded the fee"}`)
	if res.Status != 200 || res.JSON()["status"] != "completed" || res.JSON()["completed_by"] != "manual" || res.JSON()["completed_at"] == nil {
		t.Fatalf("complete: %d %s", res.Status, res.Body)
	}
	env.db.View(func(tx *bolt.Tx) error {
		if !store.Has(tx, store.BucketCallbacksByOrder, []byte("WO-C")) {
			t.Error("no callback task for the completed complaint")
		}
		return nil
	})
	res = env.call(t, "POST", "/api/v1/workorders/WO-C/complete", sup, nil)
	if res.Status != 409 || res.ErrorCode() != "workorder_completed" {
		t.Fatalf("complete twice: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "PATCH", "/api/v1/workorders/WO-C", sup, `{"technician":"tech2"}`); res.Status != 409 {
		t.Fatalf("patch completed: %d %s", res.Status, res.Body)
	}
}

const csvHeader = "id,type,product,subscribed_mbps,customer_name,customer_phone,customer_address,customer_tier,technician,appointment_from,appointment_to\n"

func TestImportCSVWithBadRows(t *testing.T) {
	env := newTestEnv(t)
	env.createOrder(t, "admin", orderBody("WO-OLD"))
	csv := csvHeader +
		"WO-1,install,宽带 300M,300,张三,13800000001,春熙路 1 号,vip,tech1,2026-11-24 09:00,2026-11-24 11:00\n" +
		"WO-2,install,宽带 300M,0,李四,13800000002,春熙路 2 号,standard,tech1,2026-11-24 09:00,2026-11-24 11:00\n" +
		"WO-3,repair,宽带,100,王五,13800000003,春熙路 3 号,standard,tech2,someday,2026-11-24 11:00\n" +
		"WO-OLD,install,宽带 300M,300,张三,13800000001,春熙路 1 号,standard,tech2,2026-11-24 09:00,2026-11-24 11:00\n"
	res := env.call(t, "POST", "/api/v1/workorders/import", env.token(t, "sup1"), []byte(csv), "Content-Type", "text/csv; charset=utf-8")
	if got := importSummary(t, res); got != "[2 WO-1 created 3 WO-2 rejected:validation_failed 4 WO-3 rejected:validation_failed 5 WO-OLD updated]" {
		t.Fatalf("got %s\n%s", got, res.Body)
	}
	var body struct {
		Results []struct {
			Error *struct {
				Message string
				Fields  map[string]string
			}
		}
	}
	res.Decode(t, &body)
	if e := body.Results[1].Error; e == nil || e.Fields["subscribed_mbps"] == "" {
		t.Fatalf("row 3 error %+v", e)
	}
	if e := body.Results[2].Error; e == nil || e.Fields["appointment.from"] == "" {
		t.Fatalf("row 4 error %+v", e)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeUser("tech1"))); got != "[workorder:WO-OLD workorder:WO-1 removed:WO-OLD]" {
		t.Fatalf("tech1 feed %s", got)
	}
}

func TestImportCSVAsChineseExcelSavesIt(t *testing.T) {
	text := "工单号,类型,产品,签约速率,客户姓名,联系电话,地址,客户等级,装维人员,预约开始,预约结束\r\n" +
		"装-001,装机,宽带,500,王五,13900000002,成都市武侯区,高价值客户,tech1,2026/11/24 9:00,2026/11/24 11:30\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"GB18030": gb, "UTF-8 with BOM": append([]byte("\xEF\xBB\xBF"), text...)} {
		t.Run(name, func(t *testing.T) {
			env := newTestEnv(t)
			res := env.call(t, "POST", "/api/v1/workorders/import", env.token(t, "admin"), data, "Content-Type", "text/csv")
			if got := importSummary(t, res); got != "[2 装-001 created]" {
				t.Fatalf("got %s %s", got, res.Body)
			}
			res = env.call(t, "GET", "/api/v1/workorders/%E8%A3%85-001", env.token(t, "tech1"), nil)
			wo := res.JSON()
			if res.Status != 200 || wo["customer"].(map[string]any)["name"] != "王五" || wo["customer"].(map[string]any)["tier"] != "high_value" ||
				wo["appointment"].(map[string]any)["from"] != "2026-11-24T09:00:00+08:00" {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
	}
}

func TestImportRefusesWhatItCannotRead(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	res := env.call(t, "POST", "/api/v1/workorders/import", admin, []byte("name,phone\nx,y\n"), "Content-Type", "text/csv")
	if res.Status != 422 || res.ErrorCode() != "csv_header" {
		t.Fatalf("header: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", "/api/v1/workorders/import", admin, []byte("<xml/>"), "Content-Type", "application/xml")
	if res.Status != 415 {
		t.Fatalf("xml: %d %s", res.Status, res.Body)
	}
	big := csvHeader + strings.Repeat("x", workorders.MaxCSVBytes)
	res = env.call(t, "POST", "/api/v1/workorders/import", admin, []byte(big), "Content-Type", "text/csv")
	if res.Status != 413 {
		t.Fatalf("too large: %d %s", res.Status, res.Body)
	}
	// A CSV larger than the default JSON limit is fine.
	row := "WO-%d,removal,固话,0,张三,13800000001,春熙路" + strings.Repeat("号", 150) + ",standard,tech1,2026-11-24 09:00,2026-11-24 11:00\n"
	var sb strings.Builder
	sb.WriteString(csvHeader)
	for i := 0; sb.Len() < 2<<20; i++ {
		fmt.Fprintf(&sb, row, i)
	}
	res = env.call(t, "POST", "/api/v1/workorders/import", admin, []byte(sb.String()), "Content-Type", "text/csv")
	if res.Status != 200 || res.JSON()["rejected"] != float64(0) {
		t.Fatalf("2 MB CSV: %d %.300s", res.Status, res.Body)
	}
}

func TestListWorkOrdersByRoleAndFilter(t *testing.T) {
	env := newTestEnv(t)
	for i, tech := range []string{"tech1", "tech2", "tech1", "tech3"} {
		env.createOrder(t, "admin", orderBody(fmt.Sprintf("WO-%d", i+1), func(m map[string]any) {
			m["technician"] = tech
			from := testStart.AddDate(0, 0, i)
			m["appointment"] = map[string]any{"from": from, "to": from.Add(time.Hour)}
		}))
	}
	env.call(t, "PATCH", "/api/v1/workorders/WO-3", env.token(t, "admin"), `{"status":"cancelled"}`)
	ids := func(who, query string) string {
		res := env.call(t, "GET", "/api/v1/workorders"+query, env.token(t, who), nil)
		if res.Status != 200 {
			return fmt.Sprint(res.Status)
		}
		var body struct {
			Items []struct{ ID string }
			Next  *string
		}
		res.Decode(t, &body)
		var out []string
		for _, w := range body.Items {
			out = append(out, w.ID)
		}
		if body.Next != nil {
			out = append(out, "next="+*body.Next)
		}
		return strings.Join(out, " ")
	}
	cases := []struct{ name, who, query, want string }{
		{"technician sees own", "tech1", "", "WO-1 WO-3"},
		{"technician own assigned", "tech1", "?status=assigned", "WO-1"},
		{"technician may not ask for another's", "tech1", "?technician=tech2", "403"},
		{"inspector sees unit", "insp1", "", "WO-1 WO-2 WO-3"},
		{"supervisor sees unit", "sup2", "", "WO-4"},
		{"supervisor filters technician", "sup1", "?technician=tech2", "WO-2"},
		{"supervisor may not ask for another unit", "sup1", "?unit=chengdu-west", "403"},
		{"admin sees all", "admin", "", "WO-1 WO-2 WO-3 WO-4"},
		{"admin pages", "admin", "?limit=2", "WO-1 WO-2 next=WO-2"},
		{"admin next page", "admin", "?limit=2&after=WO-2", "WO-3 WO-4"},
		{"dates, to inclusive", "admin", "?from=2026-11-24&to=2026-11-25", "WO-2 WO-3"},
		{"RFC 3339 from", "admin", "?from=2026-11-25T00:00:00%2B08:00", "WO-3 WO-4"},
		{"bad status", "admin", "?status=done", "400"},
		{"bad date", "admin", "?from=yesterday", "400"},
		{"agents have no list", "agent1", "", "403"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(c.who, c.query); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestStores(t *testing.T) {
	env := newTestEnv(t)
	sup1 := env.token(t, "sup1")
	res := env.call(t, "POST", "/api/v1/stores", sup1, `{"id":"S-1","name":"春熙路营业厅","address":"春熙路 8 号"}`)
	if res.Status != 201 || res.JSON()["unit"] != "chengdu-east" {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/stores", sup1, `{"id":"S-2","name":"x","unit":"chengdu-west"}`); res.Status != 403 {
		t.Fatalf("other unit: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/stores", sup1, `{"id":"S-1","name":"again"}`); res.Status != 409 {
		t.Fatalf("duplicate: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", "/api/v1/stores", env.token(t, "admin"), `{"id":"S/3","name":""}`)
	if res.Status != 422 {
		t.Fatalf("invalid: %d %s", res.Status, res.Body)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeAll)); !strings.Contains(got, "store:S-1") {
		t.Fatalf("feed %s", got)
	}
	res = env.call(t, "GET", "/api/v1/stores", env.token(t, "insp1"), nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"id":"S-1"`) {
		t.Fatalf("list: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/stores", env.token(t, "tech1"), nil); res.Status != 403 {
		t.Fatalf("technician list: %d", res.Status)
	}
}
