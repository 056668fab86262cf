package audits

import (
	"time"

	"fieldcheck/workdays"
	"fieldcheck/workorders"
)

// Timeliness is a time-limit item's figure over the orders with a 方案 request.
type Timeliness struct {
	Orders  int            `json:"orders"`  // requests whose limit has passed or that were answered
	OnTime  int            `json:"on_time"` // answered within the limit
	Pending int            `json:"pending"` // not answered, limit not yet passed (not counted)
	Percent float64        `json:"percent"` // OnTime / Orders × 100 (0 with no orders)
	Target  float64        `json:"target_percent"`
	Late    []LateProposal `json:"late"`
}

// LateProposal names an order that missed its limit.
type LateProposal struct {
	Order       string     `json:"order"`
	RequestedAt time.Time  `json:"requested_at"`
	Deadline    time.Time  `json:"deadline"`
	SubmittedAt *time.Time `json:"submitted_at"`
}

// Deadline is the end of the last working day an order's proposal may come
// on: 4 working days counted from the request's day (7 for large-bandwidth,
// ≥ LargeMbps, or low-latency orders).
func (tl TimeLimit) Deadline(cal workdays.Calendars, wo workorders.WorkOrder) time.Time {
	days := tl.OrdinaryDays
	if large(tl, wo) {
		days = tl.LargeDays
	}
	return cal.EndOfNth(*wo.ProposalRequestedAt, days)
}

func large(tl TimeLimit, wo workorders.WorkOrder) bool {
	if tl.LargeMbps > 0 && wo.SubscribedMbps >= tl.LargeMbps {
		return true
	}
	for _, s := range []string{wo.Product, wo.Line} {
		if containsAny(s, "低时延", "大带宽") {
			return true
		}
	}
	return false
}

// Measure computes the figure over orders (those without a request time are
// skipped) as of now.
func (tl TimeLimit) Measure(cal workdays.Calendars, orders []workorders.WorkOrder, now time.Time) Timeliness {
	t := Timeliness{Target: tl.TargetPercent, Late: []LateProposal{}}
	for _, wo := range orders {
		if wo.ProposalRequestedAt == nil {
			continue
		}
		dl := tl.Deadline(cal, wo)
		sub := wo.ProposalSubmittedAt
		switch {
		case sub != nil && !sub.After(dl):
			t.Orders++
			t.OnTime++
		case sub == nil && !now.After(dl):
			t.Pending++
		default:
			t.Orders++
			t.Late = append(t.Late, LateProposal{Order: wo.ID, RequestedAt: *wo.ProposalRequestedAt, Deadline: dl, SubmittedAt: sub})
		}
	}
	if t.Orders > 0 {
		t.Percent = float64(t.OnTime) * 100 / float64(t.Orders)
	}
	return t
}
