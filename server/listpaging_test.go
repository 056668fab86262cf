package server

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

// TestWorkOrderListPagesByIndexOverHTTP: a supervisor's assigned orders with
// a date range, paged 4 at a time by following next, come once each, in
// appointment order, though orders are added between the pages; a cursor
// the list never gave is a 400.
func TestWorkOrderListPagesByIndexOverHTTP(t *testing.T) {
	env := newTestEnv(t)
	mk := func(i int) {
		env.createOrder(t, "admin", orderBody(fmt.Sprintf("WO-%03d", i), func(m map[string]any) {
			m["technician"] = []string{"tech1", "tech2", "tech3"}[i%3]
			from := testStart.Add(time.Duration((i*37)%(48*60)) * time.Minute)
			m["appointment"] = map[string]any{"from": from, "to": from.Add(time.Hour)}
		}))
	}
	for i := 0; i < 30; i++ {
		mk(i)
	}
	sup := env.token(t, "sup1")
	q := url.Values{"status": {"assigned"}, "from": {testStart.Format(time.RFC3339)},
		"to": {testStart.Add(36 * time.Hour).Format(time.RFC3339)}, "limit": {"4"}}
	var got []string
	var last time.Time
	for page, n := 0, 100; ; page++ {
		res := env.call(t, "GET", "/api/v1/workorders?"+q.Encode(), sup, nil)
		if res.Status != 200 {
			t.Fatalf("page %d: %d %s", page, res.Status, res.Body)
		}
		var body struct {
			Items []struct {
				ID          string
				Unit        string
				Appointment struct{ From time.Time }
			}
			Next *string
		}
		res.Decode(t, &body)
		for _, w := range body.Items {
			if w.Unit != "chengdu-east" || slices.Contains(got, w.ID) || w.Appointment.From.Before(last) {
				t.Fatalf("page %d: %s (%s, %v) out of place after %v", page, w.ID, w.Unit, w.Appointment.From, got)
			}
			last = w.Appointment.From
			got = append(got, w.ID)
		}
		if body.Next == nil {
			break
		}
		q.Set("after", *body.Next)
		mk(n) // another order meanwhile
		n++
	}
	want := 0
	for i := 0; i < 30; i++ {
		if i%3 != 2 && (i*37)%(48*60) < 36*60 {
			want++
		}
	}
	original := 0
	for _, id := range got {
		if id < "WO-100" {
			original++
		}
	}
	if original != want {
		t.Fatalf("listed %d of the %d orders there from the start: %v", original, want, got)
	}
	q.Set("after", "WO-001")
	if res := env.call(t, "GET", "/api/v1/workorders?"+q.Encode(), sup, nil); res.Status != 400 {
		t.Fatalf("a made-up cursor: %d %s", res.Status, res.Body)
	}
}
