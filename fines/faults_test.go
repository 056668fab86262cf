package fines

import (
	"strings"
	"testing"
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

func (f *fixture) repair(t *testing.T, id, phone, accepted string) {
	t.Helper()
	a := at(accepted)
	wo := workorders.WorkOrder{ID: id, Type: workorders.TypeRepair, Product: "宽带 300M", SubscribedMbps: 300,
		Customer:    workorders.Customer{Name: "李四", Phone: phone, Address: "成都市锦江区东大街 1 号", Tier: workorders.TierStandard},
		Technician:  "tech1",
		Appointment: workorders.Window{From: a.Add(time.Hour), To: a.Add(3 * time.Hour)},
		AcceptedAt:  a,
	}
	f.update(t, func(tx *bolt.Tx) error {
		_, err := workorders.Create(tx, wo, store.Actor{Username: "admin"}, a)
		return err
	})
}

func itemsOf(list []Fine, item string) []Fine {
	var out []Fine
	for _, f := range list {
		if f.Item == item {
			out = append(out, f)
		}
	}
	return out
}

// 第二十八条: the 4th fault of one broadband customer in one month is fined
// (50–100 a customer), once; faults of another month or customer do not count.
func TestFourthFaultInAMonth(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	f.repair(t, "F-OCT", "13811112222", "2026-10-30 09:00")
	f.repair(t, "F-1", "13811112222", "2026-11-02 09:00")
	f.repair(t, "F-2", "13811112222", "2026-11-09 09:00")
	f.repair(t, "OTHER", "13833334444", "2026-11-10 09:00")
	if got := itemsOf(f.fines(t, supE, "2026-11"), "art28_repeat_faults"); len(got) != 0 {
		t.Fatalf("fined before the 4th fault: %+v", got)
	}
	f.repair(t, "F-3", "13811112222", "2026-11-16 09:00")
	f.repair(t, "F-4", "13811112222", "2026-11-23 09:00") // the 4th in November
	f.repair(t, "F-5", "13811112222", "2026-11-25 09:00")
	got := itemsOf(f.fines(t, supE, "2026-11"), "art28_repeat_faults")
	if len(got) != 1 || got[0].OrderID != "F-4" || got[0].Proposed != 50 || got[0].Max != 100 ||
		!strings.Contains(got[0].Evidence.Note, "F-1、F-2、F-3") {
		t.Fatalf("第二十八条: %+v", got)
	}
}

// 第二十三条: a fault reported again within 72 hours of its clearance makes
// the clearance suspect; the fine (20–100) is proposed on the cleared order,
// for the supervisor to confirm or waive. A fault days later is not.
func TestFaultReopenedSoonAfterClearance(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	f.repair(t, "R-1", "13855556666", "2026-11-10 09:00")
	f.complete(t, "R-1", "2026-11-10 11:00")
	f.repair(t, "R-2", "13855556666", "2026-11-10 21:00") // 10 h after the clearance
	got := itemsOf(f.fines(t, supE, "2026-11"), "art23_false_clear")
	if len(got) != 1 || got[0].OrderID != "R-1" || got[0].Proposed != 20 || got[0].Evidence.DoneAt == nil ||
		!strings.Contains(got[0].Evidence.Note, "R-2") || !strings.Contains(got[0].Evidence.Note, "10 小时") {
		t.Fatalf("第二十三条: %+v", got)
	}
	f.complete(t, "R-2", "2026-11-11 10:00")
	f.repair(t, "R-3", "13855556666", "2026-11-16 10:00") // 5 days later
	if got := itemsOf(f.fines(t, supE, "2026-11"), "art23_false_clear"); len(got) != 1 {
		t.Fatalf("a fault 5 days after the clearance flagged: %+v", got)
	}
}

// 预约服务: an order's appointment record decides 履约 when it has one.
func TestAppointmentKeptByRecord(t *testing.T) {
	done := at("2026-11-23 11:00")
	wo := &workorders.WorkOrder{CompletedAt: &done, Appointment: workorders.Window{From: at("2026-11-23 09:00"), To: at("2026-11-23 11:00")}}
	if !kept(wo) {
		t.Fatal("finished on the appointment day without a record: not kept")
	}
	wo.Appointments = []workorders.ApptRecord{{Event: workorders.ApptMade}, {Event: workorders.ApptMissed, Reason: "未上门"}}
	if kept(wo) {
		t.Fatal("a missed appointment counted as kept")
	}
	late := at("2026-11-25 11:00")
	wo.CompletedAt = &late
	wo.Appointments = []workorders.ApptRecord{{Event: workorders.ApptMade}, {Event: workorders.ApptKept}}
	if !kept(wo) {
		t.Fatal("a kept appointment (finished on a later visit) counted as missed")
	}
}
