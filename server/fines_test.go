package server

import (
	"strings"
	"testing"
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// 缓装 through PATCH (API.md v1.1): on_hold with a reason pauses the clock
// and back to assigned moves the due time by the hold; on_hold without a
// reason proposes the 第十八条 fine.
func TestOnHoldThroughPatch(t *testing.T) {
	e := newTestEnv(t)
	sup := e.token(t, "sup1")
	wo := e.createOrder(t, "sup1", orderBody("HOLD-1"))
	clock := wo["sla"].(map[string]any)
	if clock["rule"] != "install_move" || clock["due_at"] == "" {
		t.Fatalf("a new install has no clock: %v", wo["sla"])
	}
	due0, _ := time.Parse(time.RFC3339Nano, clock["due_at"].(string))
	res := e.call(t, "PATCH", "/api/v1/workorders/HOLD-1", sup, map[string]any{"status": "on_hold", "hold_reason": "客户新房装修，待装"})
	if res.Status != 200 || res.JSON()["status"] != "on_hold" || res.JSON()["hold_reason"] != "客户新房装修，待装" {
		t.Fatalf("hold: %d %s", res.Status, res.Body)
	}
	e.clock.Advance(26 * time.Hour)
	sup = e.fresh(t, "sup1")
	res = e.call(t, "PATCH", "/api/v1/workorders/HOLD-1", sup, map[string]any{"status": "assigned"})
	if res.Status != 200 || res.JSON()["status"] != "assigned" {
		t.Fatalf("lift: %d %s", res.Status, res.Body)
	}
	due1, _ := time.Parse(time.RFC3339Nano, res.JSON()["sla"].(map[string]any)["due_at"].(string))
	if due1.Sub(due0) != 26*time.Hour {
		t.Fatalf("the hold moved the due time by %s, want 26h", due1.Sub(due0))
	}
	if res := e.call(t, "PATCH", "/api/v1/workorders/HOLD-1", sup, map[string]any{"status": "on_hold", "hold_reason": strings.Repeat("长", 201)}); res.Status != 422 {
		t.Fatalf("a 201-character reason: %d", res.Status)
	}
	if res := e.call(t, "PATCH", "/api/v1/workorders/HOLD-1", sup, map[string]any{"status": "on_hold"}); res.Status != 200 {
		t.Fatalf("hold without a reason: %d %s", res.Status, res.Body)
	}
	res = e.call(t, "GET", "/api/v1/fines?month=2026-11", sup, nil)
	var list struct{ Items []map[string]any }
	res.Decode(t, &list)
	if res.Status != 200 || len(list.Items) != 1 || list.Items[0]["item"] != "art18_hold_no_reason" || list.Items[0]["proposed"] != 30.0 {
		t.Fatalf("fines after a hold without a reason: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "GET", "/api/v1/fines?month=2026-11", e.token(t, "tech1"), nil); res.Status != 403 {
		t.Fatalf("a technician listing fines: %d", res.Status)
	}
}

// An install finished 2 started days past its limit proposes 40 yuan; the
// supervisor confirms it; the agency report shows it confirmed, and the
// exports download.
func TestFineReviewAndReport(t *testing.T) {
	e := newTestEnv(t)
	sup := e.token(t, "sup1")
	e.createOrder(t, "sup1", orderBody("LATE-1")) // accepted Mon 11-23 09:00: due Wed night
	e.clock.Set(time.Date(2026, 11, 27, 10, 0, 0, 0, store.Shanghai))
	sup = e.fresh(t, "sup1")
	if res := e.call(t, "POST", "/api/v1/workorders/LATE-1/complete", sup, map[string]any{"note": "已装通"}); res.Status != 200 {
		t.Fatalf("complete: %d %s", res.Status, res.Body)
	}
	var list struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/fines?month=2026-11&status=proposed", sup, nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["proposed"] != 40.0 || list.Items[0]["min"] != 40.0 || list.Items[0]["max"] != 200.0 {
		t.Fatalf("proposed: %+v", list.Items)
	}
	id := list.Items[0]["id"].(string)
	if res := e.call(t, "GET", "/api/v1/fines/"+id, e.token(t, "sup2"), nil); res.Status != 403 {
		t.Fatalf("west reading an east fine: %d", res.Status)
	}
	if res := e.call(t, "POST", "/api/v1/fines/"+id+"/review", sup, map[string]any{"action": "waive"}); res.Status != 422 || res.ErrorCode() == "" {
		t.Fatalf("waive without a reason: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", "/api/v1/fines/"+id+"/review", sup, map[string]any{"action": "adjust", "amount": 500}); res.Status != 422 {
		t.Fatalf("adjust out of range: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", "/api/v1/fines/fn-404/review", sup, map[string]any{"action": "confirm"}); res.Status != 404 {
		t.Fatalf("unknown fine: %d", res.Status)
	}
	res := e.call(t, "POST", "/api/v1/fines/"+id+"/review", sup, map[string]any{"action": "adjust", "amount": 60, "reason": "客户多次投诉"})
	if res.Status != 200 || res.JSON()["status"] != "confirmed" || res.JSON()["amount"] != 60.0 {
		t.Fatalf("adjust: %d %s", res.Status, res.Body)
	}
	var pg struct {
		Items []map[string]any
		Next  *string
	}
	e.call(t, "GET", "/api/v1/fines?month=2026-11&limit=1", sup, nil).Decode(t, &pg)
	if len(pg.Items) != 1 || pg.Next != nil {
		t.Fatalf("one fine, one page: %+v", pg)
	}
	if res := e.call(t, "GET", "/api/v1/fines?month=2026-11&after=x", sup, nil); res.Status != 400 {
		t.Fatalf("a bad page token: %d", res.Status)
	}
	var rows struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/reports/agency-fines?month=2026-11", sup, nil).Decode(t, &rows)
	if len(rows.Items) != 1 || rows.Items[0]["confirmed_amount"] != 60.0 || rows.Items[0]["proposed"] != 0.0 {
		t.Fatalf("report: %+v", rows.Items)
	}
	csv := e.call(t, "GET", "/api/v1/reports/agency-fines?month=2026-11&format=csv", sup, nil)
	if csv.Status != 200 || !strings.Contains(string(csv.Body), "第十五条") || !strings.Contains(string(csv.Body), "已确认金额(封顶后)") {
		t.Fatalf("csv: %d %s", csv.Status, csv.Body)
	}
	if x := e.call(t, "GET", "/api/v1/reports/agency-fines?month=2026-11&format=xlsx", sup, nil); x.Status != 200 || !strings.HasPrefix(string(x.Body), "PK") {
		t.Fatalf("xlsx: %d", x.Status)
	}
	var score struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/reports/agency-score?month=2026-11", sup, nil).Decode(t, &score)
	if len(score.Items) != 1 || score.Items[0]["timely"].(map[string]any)["points"] != 0.0 {
		t.Fatalf("score: %+v", score.Items)
	}
	if res := e.call(t, "GET", "/api/v1/reports/agency-score?month=2026-13", sup, nil); res.Status != 400 {
		t.Fatalf("bad month: %d", res.Status)
	}
	if res := e.call(t, "GET", "/api/v1/reports/agency-score?month=2026-11&format=xlsx", sup, nil); res.Status != 200 {
		t.Fatalf("score xlsx: %d", res.Status)
	}
	// The month closes: only the admin closes early, and only once.
	e.clock.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, store.Shanghai))
	sup = e.fresh(t, "sup1")
	e.fresh(t, "admin")
	if res := e.call(t, "POST", "/api/v1/fines/months/2026-11/close", sup, nil); res.Status != 403 {
		t.Fatalf("a supervisor closing the month: %d", res.Status)
	}
	if res := e.call(t, "POST", "/api/v1/fines/months/2026-11/close", e.token(t, "admin"), nil); res.Status != 200 {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", "/api/v1/fines/months/2026-11/close", e.token(t, "admin"), nil); res.Status != 409 {
		t.Fatalf("close twice: %d", res.Status)
	}
	if res := e.call(t, "POST", "/api/v1/fines/"+id+"/review", sup, map[string]any{"action": "waive", "reason": "x"}); res.Status != 409 || res.ErrorCode() != "month_closed" {
		t.Fatalf("review in a closed month: %d %s", res.Status, res.Body)
	}
	var months struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/fines/months", sup, nil).Decode(t, &months)
	if len(months.Items) != 12 || months.Items[1]["month"] != "2026-11" || months.Items[1]["closed"] != true {
		t.Fatalf("months: %+v", months.Items[:2])
	}
	// A hand-raised fine (第十七条 虚假竣工 found on a check).
	res = e.call(t, "POST", "/api/v1/fines", sup, map[string]any{"order_id": "LATE-1", "item": "art17_false_completion", "note": "抽查发现未装通"})
	if res.Status != 201 || res.JSON()["proposed"] != 50.0 || res.JSON()["month"] != "2026-12" {
		t.Fatalf("raise: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", "/api/v1/fines", sup, map[string]any{"order_id": "LATE-1", "item": "nope"}); res.Status != 422 {
		t.Fatalf("raise an unknown item: %d", res.Status)
	}
}

func TestWorkdaysAndRulesAPI(t *testing.T) {
	e := newTestEnv(t)
	res := e.call(t, "GET", "/api/v1/workdays/2026", e.token(t, "tech1"), nil)
	if res.Status != 200 || res.JSON()["builtin"] != true {
		t.Fatalf("2026: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "GET", "/api/v1/workdays/abc", e.token(t, "tech1"), nil); res.Status != 404 {
		t.Fatalf("bad year: %d", res.Status)
	}
	cal := map[string]any{"holidays": []string{"2026-11-24", "2026-11-25"}, "workdays": []string{}}
	if res := e.call(t, "PUT", "/api/v1/workdays/2026", e.token(t, "sup1"), cal); res.Status != 403 {
		t.Fatalf("a supervisor setting the calendar: %d", res.Status)
	}
	if res := e.call(t, "PUT", "/api/v1/workdays/2026", e.token(t, "admin"), map[string]any{"holidays": []string{"2026-02-30"}}); res.Status != 422 {
		t.Fatalf("a bad date: %d", res.Status)
	}
	wo := e.createOrder(t, "sup1", orderBody("CAL-1")) // Monday 11-23: due Wednesday night
	due0 := wo["sla"].(map[string]any)["due_at"].(string)
	if res := e.call(t, "PUT", "/api/v1/workdays/2026", e.token(t, "admin"), cal); res.Status != 200 {
		t.Fatalf("set: %d %s", res.Status, res.Body)
	}
	// Tuesday and Wednesday are now off: 3 working days end on Friday.
	got := e.call(t, "GET", "/api/v1/workorders/CAL-1", e.token(t, "sup1"), nil).JSON()
	due1 := got["sla"].(map[string]any)["due_at"].(string)
	if d, _ := time.Parse(time.RFC3339Nano, due1); due0 == due1 || !d.Equal(time.Date(2026, 11, 28, 0, 0, 0, 0, store.Shanghai).Add(-time.Nanosecond)) {
		t.Fatalf("re-timed due %s (was %s), want Friday night", due1, due0)
	}
	res = e.call(t, "GET", "/api/v1/sla/rules", e.token(t, "sup1"), nil)
	if res.Status != 200 || res.JSON()["builtin"] != true {
		t.Fatalf("rules: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "PUT", "/api/v1/sla/rules", e.token(t, "admin"), map[string]any{"rules": []map[string]any{{"id": "x"}}}); res.Status != 422 {
		t.Fatalf("bad rules: %d", res.Status)
	}
	if res := e.call(t, "PUT", "/api/v1/fines/catalogue", e.token(t, "admin"), map[string]any{"items": []map[string]any{}}); res.Status != 422 {
		t.Fatalf("a catalogue without the seed's items: %d", res.Status)
	}
	var items struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/fines/catalogue", e.token(t, "sup1"), nil).Decode(t, &items)
	if len(items.Items) < 19 {
		t.Fatalf("catalogue: %d items", len(items.Items))
	}
	items.Items[4]["monthly_cap"] = 300
	if res := e.call(t, "PUT", "/api/v1/fines/catalogue", e.token(t, "admin"), map[string]any{"items": items.Items}); res.Status != 200 {
		t.Fatalf("set a cap: %d %s", res.Status, res.Body)
	}
	r := []map[string]any{{"id": "all", "name": map[string]any{"zh": "全部 5 天"}, "types": []string{"install"}, "limit": 5, "per": "day", "overdue": "day", "measure": "completion"}}
	if res := e.call(t, "PUT", "/api/v1/sla/rules", e.token(t, "admin"), map[string]any{"rules": r}); res.Status != 200 {
		t.Fatalf("set rules: %d %s", res.Status, res.Body)
	}
	got = e.call(t, "GET", "/api/v1/workorders/CAL-1", e.token(t, "sup1"), nil).JSON()
	if got["sla"].(map[string]any)["rule"] != "all" {
		t.Fatalf("open order not re-timed under the new rules: %v", got["sla"])
	}
}

// A data dir with orders from before the clocks: on first open the open
// orders are timed from the upgrade (marked from_upgrade), finished ones
// get no clock, and the phone is told (a new version in the feed).
func TestUpgradeStartsClocksOfOldOrders(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2026, 11, 1, 9, 0, 0, 0, store.Shanghai)
	done := old.Add(time.Hour)
	for _, wo := range []workorders.WorkOrder{
		{ID: "OLD-OPEN", Type: "repair", Customer: workorders.Customer{Tier: "vip"}, Technician: "tech1", Unit: "chengdu-east", Status: "assigned", Version: 1, CreatedAt: old, UpdatedAt: old},
		{ID: "OLD-DONE", Type: "repair", Customer: workorders.Customer{Tier: "vip"}, Technician: "tech1", Unit: "chengdu-east", Status: "completed", Version: 2, CreatedAt: old, UpdatedAt: done, CompletedAt: &done},
	} {
		if err := db.Update(func(tx *bolt.Tx) error {
			if err := store.PutJSON(tx, store.BucketWorkOrders, []byte(wo.ID), wo); err != nil {
				return err
			}
			return store.Mark(tx, store.BucketWorkOrdersByUnit, store.Key(wo.Unit, []byte(wo.ID)))
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	e := newTestEnvAt(t, dir)
	got := e.call(t, "GET", "/api/v1/workorders/OLD-OPEN", e.token(t, "sup1"), nil).JSON()
	c, _ := got["sla"].(map[string]any)
	if c == nil || c["from_upgrade"] != true || !startsAt(c["start_at"], testStart) || got["version"] != 2.0 {
		t.Fatalf("old open order: %v", got)
	}
	if got := e.call(t, "GET", "/api/v1/workorders/OLD-DONE", e.token(t, "sup1"), nil).JSON(); got["sla"] != nil {
		t.Fatalf("an order finished before the upgrade got a clock: %v", got["sla"])
	}
}

// fresh logs username in again (after the fake clock moved past the token).
func (e *testEnv) fresh(t *testing.T, username string) string {
	t.Helper()
	delete(e.tokens, username)
	return e.token(t, username)
}

func startsAt(v any, want time.Time) bool {
	s, _ := v.(string)
	got, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && got.Equal(want)
}

// 预约登记 (第十四条): made, changed with a reason (改约: the order's window
// moves), kept; a missed appointment needs a reason and proposes the 10–50
// yuan fine. A technician records on their own orders only.
func TestAppointmentRecords(t *testing.T) {
	e := newTestEnv(t)
	e.createOrder(t, "sup1", orderBody("APPT-1"))
	tech := e.token(t, "tech1")
	path := "/api/v1/workorders/APPT-1/appointments"
	if res := e.call(t, "POST", path, tech, map[string]any{"event": "made"}); res.Status != 200 {
		t.Fatalf("made: %d %s", res.Status, res.Body)
	}
	from := testStart.Add(26 * time.Hour)
	w := map[string]any{"from": from.Format(time.RFC3339), "to": from.Add(2 * time.Hour).Format(time.RFC3339)}
	if res := e.call(t, "POST", path, tech, map[string]any{"event": "changed", "window": w}); res.Status != 422 {
		t.Fatalf("changed without a reason: %d", res.Status)
	}
	res := e.call(t, "POST", path, tech, map[string]any{"event": "changed", "window": w, "reason": "客户临时出差"})
	if res.Status != 200 {
		t.Fatalf("changed: %d %s", res.Status, res.Body)
	}
	var wo workorders.WorkOrder
	res.Decode(t, &wo)
	if !wo.Appointment.From.Equal(from) || len(wo.Appointments) != 2 || wo.Appointments[1].Reason != "客户临时出差" || wo.Appointments[1].By != "tech1" {
		t.Fatalf("after 改约: %+v", wo)
	}
	if res := e.call(t, "POST", path, e.token(t, "tech2"), map[string]any{"event": "kept"}); res.Status != 403 {
		t.Fatalf("another technician recording: %d", res.Status)
	}
	if res := e.call(t, "POST", path, tech, map[string]any{"event": "lost"}); res.Status != 422 {
		t.Fatalf("an unknown event: %d", res.Status)
	}
	if res := e.call(t, "POST", path, e.token(t, "sup1"), map[string]any{"event": "missed", "reason": "装维人员未按约上门"}); res.Status != 200 {
		t.Fatalf("missed: %d %s", res.Status, res.Body)
	}
	var list struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/fines?month=2026-11", e.token(t, "sup1"), nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["item"] != "art14_appointment_missed" || list.Items[0]["proposed"] != 10.0 || list.Items[0]["max"] != 50.0 {
		t.Fatalf("fines after a missed appointment: %+v", list.Items)
	}
	if res := e.call(t, "POST", "/api/v1/workorders/NOPE/appointments", tech, map[string]any{"event": "made"}); res.Status != 404 {
		t.Fatalf("unknown order: %d", res.Status)
	}
}

// 第二十四条: a repair customer who cannot be reached: attempts and the
// photo of the note left; after 24 hours the technician closes the fault,
// its callback is created to confirm it, and no overdue fine is proposed.
func TestUnreachableRepairCustomer(t *testing.T) {
	e := newTestEnv(t)
	e.createOrder(t, "sup1", orderBody("UR-1", func(m map[string]any) {
		m["type"] = "repair"
		m["customer"].(map[string]any)["tier"] = "vip"
	}))
	e.createOrder(t, "sup1", orderBody("UR-INST"))
	tech := e.token(t, "tech1")
	p := "/api/v1/workorders/UR-1/unreachable"
	if res := e.call(t, "POST", "/api/v1/workorders/UR-INST/unreachable", tech, map[string]any{"note": "x"}); res.Status != 409 || res.ErrorCode() != "not_repair" {
		t.Fatalf("an install: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", p, tech, map[string]any{"photo": "not-a-hash"}); res.Status != 422 {
		t.Fatalf("a bad photo hash: %d", res.Status)
	}
	if res := e.call(t, "POST", p, tech, map[string]any{"note": "电话无人接听"}); res.Status != 200 {
		t.Fatalf("attempt: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", p+"/close", tech, nil); res.Status != 409 || res.ErrorCode() != "no_note_photo" {
		t.Fatalf("close without a note photo: %d %s", res.Status, res.Body)
	}
	note := phoneJPEG(t, 24)
	if res := e.putPhoto(t, "tech1", note, "image/jpeg"); res.Status != 201 {
		t.Fatalf("the note's photo: %d %s", res.Status, res.Body)
	}
	sha := hexSHA(note)
	if res := e.call(t, "POST", p, tech, map[string]any{"note": "上门无人，已贴留言条", "photo": sha}); res.Status != 200 || res.JSON()["unreachable"].(map[string]any)["note_photo"] != sha {
		t.Fatalf("attempt with the note: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", p+"/close", tech, nil); res.Status != 409 || res.ErrorCode() != "unreachable_too_soon" {
		t.Fatalf("close before 24 h: %d %s", res.Status, res.Body)
	}
	e.clock.Advance(25 * time.Hour)
	tech = e.fresh(t, "tech1")
	res := e.call(t, "POST", p+"/close", tech, nil)
	if res.Status != 200 || res.JSON()["status"] != "completed" || res.JSON()["completed_by"] != "unreachable" {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
	var cbs struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/callbacks?workorder_id=UR-1", e.fresh(t, "sup1"), nil).Decode(t, &cbs)
	if len(cbs.Items) != 1 || cbs.Items[0]["completed_by"] != "unreachable" {
		t.Fatalf("no callback to confirm the closure, or it does not say so: %+v", cbs.Items)
	}
	var list struct{ Items []map[string]any }
	e.call(t, "GET", "/api/v1/fines?month=2026-11", e.token(t, "sup1"), nil).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("a fine for a customer who could not be reached: %+v", list.Items)
	}
}

// 第二十四条's note photo must be one the caller uploaded: a hash alone (a
// photo never uploaded, or a colleague's) proves no note was left.
func TestUnreachableNotePhotoIsTheCallers(t *testing.T) {
	e := newTestEnv(t)
	e.createOrder(t, "sup1", orderBody("UR-2", func(m map[string]any) { m["type"] = "repair" }))
	tech := e.token(t, "tech1")
	p := "/api/v1/workorders/UR-2/unreachable"
	mine, theirs := phoneJPEG(t, 31), phoneJPEG(t, 32)
	if res := e.putPhoto(t, "tech2", theirs, "image/jpeg"); res.Status != 201 {
		t.Fatalf("tech2's photo: %d %s", res.Status, res.Body)
	}
	for name, sha := range map[string]string{"never uploaded": hexSHA(mine), "uploaded by another technician": hexSHA(theirs)} {
		res := e.call(t, "POST", p, tech, map[string]any{"note": "已贴留言条", "photo": sha})
		if res.Status != 422 || res.ErrorCode() != "photo_not_uploaded" || !strings.Contains(string(res.Body), "留言条照片") {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	if res := e.call(t, "POST", p, tech, map[string]any{"note": "已贴留言条", "photo": hexSHA(mine)}, "Accept-Language", "en"); !strings.Contains(string(res.Body), "not been uploaded by you") {
		t.Fatalf("the English message: %d %s", res.Status, res.Body)
	}
	var wo workorders.WorkOrder
	e.call(t, "GET", "/api/v1/workorders/UR-2", tech, nil).Decode(t, &wo)
	if wo.Unreachable != nil {
		t.Fatalf("a refused attempt was recorded: %+v", wo.Unreachable)
	}
	if res := e.putPhoto(t, "tech1", mine, "image/jpeg"); res.Status != 201 {
		t.Fatalf("tech1's photo: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", p, tech, map[string]any{"note": "已贴留言条", "photo": hexSHA(mine)}); res.Status != 200 {
		t.Fatalf("own uploaded photo: %d %s", res.Status, res.Body)
	}
	// The other technician's bytes, once tech1 uploads them too, are tech1's.
	if res := e.putPhoto(t, "tech1", theirs, "image/jpeg"); res.Status != 200 && res.Status != 201 {
		t.Fatalf("re-upload: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", p, tech, map[string]any{"photo": hexSHA(theirs)}); res.Status != 200 {
		t.Fatalf("bytes re-uploaded by the caller: %d %s", res.Status, res.Body)
	}
}

// A phone's outbox retries a request whose reply it never saw: with the
// same key the server records the appointment or the attempt once.
func TestAppointmentAndUnreachableRetriesRecordOnce(t *testing.T) {
	e := newTestEnv(t)
	e.createOrder(t, "sup1", orderBody("IDEM-1", func(m map[string]any) { m["type"] = "repair" }))
	tech := e.token(t, "tech1")
	from := testStart.Add(30 * time.Hour)
	w := map[string]any{"from": from.Format(time.RFC3339), "to": from.Add(2 * time.Hour).Format(time.RFC3339)}
	change := map[string]any{"event": "changed", "window": w, "reason": "客户改约", "key": "3f1c-change-1"}
	for i := 0; i < 3; i++ {
		if res := e.call(t, "POST", "/api/v1/workorders/IDEM-1/appointments", tech, change); res.Status != 200 {
			t.Fatalf("send %d: %d %s", i, res.Status, res.Body)
		}
	}
	if res := e.call(t, "POST", "/api/v1/workorders/IDEM-1/appointments", tech, map[string]any{"event": "kept", "key": "3f1c-change-1"}); res.Status != 409 || res.ErrorCode() != "key_reused" {
		t.Fatalf("a key reused for another event: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", "/api/v1/workorders/IDEM-1/appointments", tech, map[string]any{"event": "kept", "key": strings.Repeat("k", 65)}); res.Status != 422 {
		t.Fatalf("an overlong key: %d %s", res.Status, res.Body)
	}
	for i := 0; i < 2; i++ {
		if res := e.call(t, "POST", "/api/v1/workorders/IDEM-1/unreachable", tech, map[string]any{"note": "无人接听", "key": "attempt-1"}); res.Status != 200 {
			t.Fatalf("attempt send %d: %d %s", i, res.Status, res.Body)
		}
	}
	var wo workorders.WorkOrder
	e.call(t, "GET", "/api/v1/workorders/IDEM-1", tech, nil).Decode(t, &wo)
	if len(wo.Appointments) != 1 || wo.Appointments[0].Reason != "客户改约" || wo.Unreachable == nil || len(wo.Unreachable.Attempts) != 1 {
		t.Fatalf("after retries: appointments %+v, unreachable %+v", wo.Appointments, wo.Unreachable)
	}
	// A retry after the order was completed still answers 200 (it was
	// recorded before), while a new entry is refused.
	if res := e.call(t, "POST", "/api/v1/workorders/IDEM-1/complete", e.token(t, "sup1"), map[string]any{"note": "已修复"}); res.Status != 200 {
		t.Fatalf("complete: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", "/api/v1/workorders/IDEM-1/appointments", tech, change); res.Status != 200 {
		t.Fatalf("retry after completion: %d %s", res.Status, res.Body)
	}
	if res := e.call(t, "POST", "/api/v1/workorders/IDEM-1/appointments", tech, map[string]any{"event": "kept", "key": "new"}); res.Status != 409 {
		t.Fatalf("a new entry on a completed order: %d %s", res.Status, res.Body)
	}
}
