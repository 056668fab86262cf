package server

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	"github.com/xuri/excelize/v2"
)

// The console's 导入: a preview writes nothing, a confirm of an unchanged
// preview commits, and all-or-nothing refuses the whole file for one bad row.
func TestImportPreviewThenConfirm(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")
	csv := []byte(csvHeader +
		"WO-1,install,宽带 300M,300,张三,13800000001,春熙路 1 号,vip,tech1,2026-11-24 09:00,2026-11-24 11:00\n" +
		"WO-2,install,宽带 300M,300,李四,13800000002,春熙路 2 号,standard,tech1,someday,2026-11-24 11:00\n")
	imp := func(q string) *testResp {
		return env.call(t, "POST", "/api/v1/workorders/import"+q, sup, csv, "Content-Type", "text/csv")
	}
	res := imp("?dry_run=1&mode=all")
	if got := importSummary(t, res); got != "[2 WO-1 created 3 WO-2 rejected:validation_failed]" {
		t.Fatalf("preview %s", got)
	}
	var prev struct {
		Digest    string
		Committed bool
		Results   []struct{ Order *workorders.WorkOrder }
	}
	res.Decode(t, &prev)
	if prev.Committed || prev.Digest == "" || prev.Results[0].Order == nil || prev.Results[0].Order.Customer.Name != "张三" ||
		prev.Results[1].Order == nil || prev.Results[1].Order.Customer.Name != "李四" {
		t.Fatalf("preview body %s", res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/workorders/WO-1", sup, nil); res.Status != 404 {
		t.Fatalf("the preview wrote WO-1: %d", res.Status)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeUser("tech1"))); got != "[]" {
		t.Fatalf("the preview published %s", got)
	}
	// All or nothing: the bad row keeps WO-1 out too.
	res = imp("?mode=all&expect=" + prev.Digest)
	if res.Status != 422 || res.ErrorCode() != "import_rejected" || res.JSON()["committed"] != false {
		t.Fatalf("all-or-nothing with a bad row: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/workorders/WO-1", sup, nil); res.Status != 404 {
		t.Fatalf("a refused all-or-nothing import wrote WO-1: %d", res.Status)
	}

	// The fixed file: preview, someone creates WO-2 meanwhile, the confirm
	// answers 409 with the new outcome and writes nothing; a confirm of the
	// new preview commits.
	csv = bytes.Replace(csv, []byte("someday"), []byte("2026-11-24 09:00"), 1)
	res = imp("?dry_run=1&mode=all")
	res.Decode(t, &prev)
	env.createOrder(t, "admin", orderBody("WO-2"))
	res = imp("?mode=all&expect=" + prev.Digest)
	if res.Status != 409 || res.ErrorCode() != "import_changed" {
		t.Fatalf("confirm of a stale preview: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/workorders/WO-1", sup, nil); res.Status != 404 {
		t.Fatalf("a stale confirm wrote WO-1: %d", res.Status)
	}
	res.Decode(t, &prev)
	res = imp("?mode=all&expect=" + prev.Digest)
	if got := importSummary(t, res); got != "[2 WO-1 created 3 WO-2 updated]" || res.JSON()["committed"] != true {
		t.Fatalf("confirm: %s %s", got, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/workorders/import?mode=some", sup, csv, "Content-Type", "text/csv"); res.Status != 400 {
		t.Fatalf("bad mode: %d", res.Status)
	}
}

// An .xlsx as Excel saves it: Chinese headers, a phone number and Mbps as
// numbers, a date-time cell, a bad row named by its sheet row.
func TestImportXLSX(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	rows := [][]any{
		{"工单号", "类型", "产品", "签约速率", "客户姓名", "联系电话", "地址", "客户等级", "装维人员", "预约开始", "预约结束"},
		{"X-1", "装机", "宽带", 500, "王五", 13900000002, "成都市武侯区", "高价值客户", "tech1", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), "2026-11-24 11:30"},
		{},
		{"X-2", "装机", "宽带", "很快", "赵六", "13900000003", "成都市武侯区", "普通", "tech1", "2026-11-24 09:00", "2026-11-24 11:30"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm, as Excel shows a date-time
	f.SetCellStyle(sh, "J2", "J2", style)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	res := env.call(t, "POST", "/api/v1/workorders/import", env.token(t, "sup1"), buf.Bytes(), "Content-Type", workorders.XLSXType)
	if got := importSummary(t, res); got != "[2 X-1 created 4 X-2 rejected:validation_failed]" {
		t.Fatalf("got %s %s", got, res.Body)
	}
	wo := env.call(t, "GET", "/api/v1/workorders/X-1", env.token(t, "tech1"), nil).JSON()
	c := wo["customer"].(map[string]any)
	if c["phone"] != "13900000002" || c["tier"] != "high_value" || wo["subscribed_mbps"] != float64(500) ||
		wo["appointment"].(map[string]any)["from"] != "2026-11-24T09:00:00+08:00" {
		t.Fatalf("X-1 %v", wo)
	}
	res = env.call(t, "POST", "/api/v1/workorders/import", env.token(t, "sup1"), []byte("PK not a workbook"), "Content-Type", workorders.XLSXType)
	if res.Status != 422 || res.ErrorCode() != "xlsx_unreadable" {
		t.Fatalf("not a workbook: %d %s", res.Status, res.Body)
	}
}

// 批量改派 moves all or none; a stale version is a 409 naming the order; the
// old technician's feed says removed.
func TestReassignManyAllOrNone(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")
	env.createOrder(t, "sup1", orderBody("WO-1"))
	env.createOrder(t, "sup1", orderBody("WO-2"))
	env.createOrder(t, "admin", orderBody("WO-W", func(m map[string]any) { m["technician"] = "tech3" }))
	res := env.call(t, "POST", "/api/v1/workorders/reassign", sup,
		`{"technician":"tech2","orders":[{"id":"WO-1","version":1},{"id":"WO-W"}]}`)
	if res.Status != 403 || res.JSON()["error"].(map[string]any)["fields"].(map[string]any)["orders[1]"] == nil {
		t.Fatalf("another unit's order in the batch: %d %s", res.Status, res.Body)
	}
	if wo := env.call(t, "GET", "/api/v1/workorders/WO-1", sup, nil).JSON(); wo["technician"] != "tech1" {
		t.Fatalf("a refused batch moved WO-1: %v", wo)
	}
	res = env.call(t, "POST", "/api/v1/workorders/reassign", sup, `{"technician":"tech2","orders":[{"id":"WO-1","version":1},{"id":"WO-2","version":7}]}`)
	if res.Status != 409 || res.ErrorCode() != "version_conflict" {
		t.Fatalf("stale version: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", "/api/v1/workorders/reassign", sup, `{"technician":"tech2","orders":[{"id":"WO-1","version":1},{"id":"WO-2","version":1}]}`)
	if res.Status != 200 {
		t.Fatalf("reassign: %d %s", res.Status, res.Body)
	}
	if got := fmt.Sprint(env.feedKinds(t, store.ScopeUser("tech1"))); got != "[workorder:WO-1 workorder:WO-2 removed:WO-1 removed:WO-2]" {
		t.Fatalf("tech1 feed %s", got)
	}
	if res := env.call(t, "POST", "/api/v1/workorders/reassign", sup, `{"technician":"","orders":[]}`); res.Status != 422 {
		t.Fatalf("empty: %d %s", res.Status, res.Body)
	}
}

// Cancel with a reason (kept on the order) and a version: a stale one is 409.
func TestCancelWithReasonAndVersion(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")
	env.createOrder(t, "sup1", orderBody("WO-1"))
	res := env.call(t, "PATCH", "/api/v1/workorders/WO-1", sup, `{"status":"cancelled","reason":"客户退订","version":2}`)
	if res.Status != 409 || res.ErrorCode() != "version_conflict" {
		t.Fatalf("stale cancel: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "PATCH", "/api/v1/workorders/WO-1", sup, `{"status":"cancelled","reason":"客户退订","version":1}`)
	if res.Status != 200 || res.JSON()["cancel_reason"] != "客户退订" {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	// The type filter.
	env.createOrder(t, "sup1", orderBody("WO-R", func(m map[string]any) { m["type"] = "repair" }))
	var list struct{ Items []workorders.WorkOrder }
	env.call(t, "GET", "/api/v1/workorders?type=repair", sup, nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != "WO-R" {
		t.Fatalf("type filter %+v", list.Items)
	}
}

// The template editor: a dry run validates and stores nothing; a save from a
// base version that is no longer the latest is 409 and stores nothing.
func TestTemplatePutDryRunAndBaseVersion(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")
	res := env.call(t, "PUT", "/api/v1/templates/night_walk?dry_run=1", sup, newTemplateBody(nil))
	if res.Status != 200 || res.JSON()["version"] != float64(1) {
		t.Fatalf("dry run: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/templates/night_walk", sup, nil); res.Status != 404 {
		t.Fatalf("a dry run stored the template: %d", res.Status)
	}
	res = env.call(t, "PUT", "/api/v1/templates/night_walk?dry_run=1", sup, newTemplateBody(func(m map[string]any) { m["kind"] = "nope" }))
	if res.Status != 422 {
		t.Fatalf("dry run of a bad one: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "PUT", "/api/v1/templates/night_walk", sup, newTemplateBody(nil)); res.Status != 201 {
		t.Fatalf("v1: %d", res.Status)
	}
	if res := env.call(t, "PUT", "/api/v1/templates/night_walk?base_version=1", sup, newTemplateBody(nil)); res.Status != 200 || res.JSON()["version"] != float64(2) {
		t.Fatalf("v2 from v1: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "PUT", "/api/v1/templates/night_walk?base_version=1", sup, newTemplateBody(nil))
	if res.Status != 409 || res.ErrorCode() != "template_changed" {
		t.Fatalf("a second edit from v1: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/templates/night_walk?version=3", sup, nil); res.Status != 404 {
		t.Fatalf("the stale edit stored v3: %d", res.Status)
	}
}
