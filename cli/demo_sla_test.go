package cli

import (
	"testing"
	"time"

	"fieldcheck/fines"
	"fieldcheck/store"
)

// The demo gives the fine review something real: orders past their limit,
// fines awaiting review, and the month before last closed with a confirmed
// fine — and its late sheet booked into the next month as an adjustment.
func TestDemoHasOverdueOrdersProposedFinesAndAClosedMonth(t *testing.T) {
	r := startServer(t, t.TempDir(), "--demo")
	sup := r.loginAs(t, "sup.east")
	var orders list[struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		SLA    *struct {
			DueAt time.Time `json:"due_at"`
		} `json:"sla"`
	}]
	r.call(t, sup, "GET", "/workorders?limit=5000", nil, &orders)
	overdue := 0
	for _, o := range orders.Items {
		if o.Status == "assigned" && o.SLA != nil && o.SLA.DueAt.Before(time.Now()) {
			overdue++
		}
	}
	if overdue == 0 {
		t.Error("no open order past its limit in the demo")
	}
	now := time.Now()
	month := fines.MonthOf(now)
	var fs list[fines.Fine]
	r.call(t, sup, "GET", "/fines?month="+month+"&status=proposed", nil, &fs)
	if len(fs.Items) == 0 {
		r.call(t, sup, "GET", "/fines?month="+fines.MonthOf(now.AddDate(0, -1, 0))+"&status=proposed", nil, &fs)
	}
	if len(fs.Items) < 2 {
		t.Errorf("proposed fines: %d, want the demo's late orders", len(fs.Items))
	}
	first := time.Date(now.In(store.Shanghai).Year(), now.In(store.Shanghai).Month(), 1, 0, 0, 0, 0, store.Shanghai)
	closed := fines.MonthOf(first.AddDate(0, -2, 0))
	var months list[fines.MonthInfo]
	r.call(t, sup, "GET", "/fines/months", nil, &months)
	found := false
	for _, m := range months.Items {
		if m.Month == closed {
			found = m.Closed
		}
	}
	if !found {
		t.Errorf("month %s is not closed: %+v", closed, months.Items)
	}
	var rows list[fines.Row]
	r.call(t, sup, "GET", "/reports/agency-fines?month="+closed, nil, &rows)
	if len(rows.Items) == 0 || rows.Items[0].Confirmed == 0 || !rows.Items[0].Closed {
		t.Errorf("closed month's report: %+v", rows.Items)
	}
	var next list[fines.Fine]
	r.call(t, sup, "GET", "/fines?month="+fines.MonthOf(first.AddDate(0, -1, 0)), nil, &next)
	adj := 0
	for _, f := range next.Items {
		if f.Adjustment && f.EventMonth == closed {
			adj++
		}
	}
	if adj != 1 {
		t.Errorf("adjustments for %s booked in the next month: %d, want 1", closed, adj)
	}
}
