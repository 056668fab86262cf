package fines

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"fieldcheck/errs"
	"fieldcheck/sla"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Fine statuses.
const (
	StatusProposed  = "proposed"
	StatusConfirmed = "confirmed"
	StatusWaived    = "waived"
)

// Evidence is what a fine rests on: the order, its clock when late, the
// sheet that completed it, the hold.
type Evidence struct {
	OrderID   string            `json:"order_id,omitempty"`
	OrderType string            `json:"order_type,omitempty"`
	Clock     *workorders.Clock `json:"clock,omitempty"`
	// Sheet is the acceptance submission that completed the order ("manual"
	// for a completion by hand).
	Sheet      string     `json:"sheet,omitempty"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// Fine is one fine of one agency (unit).
type Fine struct {
	ID         string `json:"id"`
	Item       string `json:"item"`
	Article    string `json:"article"`
	Unit       string `json:"unit"`
	OrderID    string `json:"order_id,omitempty"`
	Technician string `json:"technician,omitempty"`
	// EventAt is when what is fined happened; EventMonth its month. Month
	// is the month the fine counts in: EventMonth, or the next open month
	// when EventMonth had closed before the fine arrived (Adjustment).
	EventAt    time.Time `json:"event_at"`
	EventMonth string    `json:"event_month"`
	Month      string    `json:"month"`
	Adjustment bool      `json:"adjustment,omitempty"`
	// Units is the started days or hours overdue (0 for a fine per case).
	Units    int      `json:"units,omitempty"`
	Proposed float64  `json:"proposed"`
	Min      float64  `json:"min"`
	Max      float64  `json:"max"`
	Evidence Evidence `json:"evidence"`
	Status   string   `json:"status"`
	// Amount is the confirmed amount (0 when proposed or waived).
	Amount     float64    `json:"amount"`
	Reason     string     `json:"reason,omitempty"`
	ProposedBy string     `json:"proposed_by"`
	ReviewedBy string     `json:"reviewed_by,omitempty"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
}

// System is who proposes the fines events raise.
const System = "system"

// MonthOf is t's "YYYY-MM" in Asia/Shanghai.
func MonthOf(t time.Time) string { return t.In(store.Shanghai).Format("2006-01") }

// nextMonth is the month after m ("2026-12" → "2027-01").
func nextMonth(m string) string {
	t, err := time.ParseInLocation("2006-01", m, store.Shanghai)
	if err != nil {
		return m
	}
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// Closed reports whether month m has closed.
func Closed(tx *bolt.Tx, m string) bool {
	return tx.Bucket(store.BucketFineMonths).Get([]byte(m)) != nil
}

// bookMonth is the month a fine for an event in m counts in: m, or the first
// later month still open.
func bookMonth(tx *bolt.Tx, m string) (string, bool) {
	book := m
	for i := 0; i < 120 && Closed(tx, book); i++ {
		book = nextMonth(book)
	}
	return book, book != m
}

// orderKey names one event of an order: the item, and for events that may
// repeat (a second hold) which one.
func orderKey(orderID, event string) []byte { return store.Key(orderID, event) }

// propose stores a new fine unless key (an order's event) already has one;
// a nil key never repeats (a fine a supervisor raised by hand).
func propose(tx *bolt.Tx, f Fine, key []byte) (*Fine, error) {
	if key != nil && tx.Bucket(store.BucketFinesByOrder).Get(key) != nil {
		return nil, nil
	}
	seq, err := store.NextSeq(tx, store.BucketFines)
	if err != nil {
		return nil, err
	}
	f.ID = fmt.Sprintf("fn-%010d", seq)
	f.EventMonth = MonthOf(f.EventAt)
	f.Month, f.Adjustment = bookMonth(tx, f.EventMonth)
	f.Status = StatusProposed
	if err := store.PutJSON(tx, store.BucketFines, []byte(f.ID), &f); err != nil {
		return nil, err
	}
	if err := store.Mark(tx, store.BucketFinesByMonth, store.Key(f.Month, f.Unit, f.ID)); err != nil {
		return nil, err
	}
	if key != nil {
		if err := tx.Bucket(store.BucketFinesByOrder).Put(key, []byte(f.ID)); err != nil {
			return nil, err
		}
	}
	return &f, nil
}

// Get loads fine id.
func Get(tx *bolt.Tx, id string) (*Fine, error) {
	var f Fine
	err := store.GetJSON(tx, store.BucketFines, []byte(id), &f)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.New(errs.NotFound, "not_found", "未找到该罚款", "fine not found")
	}
	return &f, err
}

// eachInMonth calls fn for every fine booked in month (unit "" every unit).
func eachInMonth(tx *bolt.Tx, month, unit string, fn func(*Fine) error) error {
	prefix := store.Prefix(month)
	if unit != "" {
		prefix = store.Prefix(month, unit)
	}
	return store.ScanPrefix(tx, store.BucketFinesByMonth, prefix, nil, func(k, _ []byte) error {
		var f Fine
		raw := tx.Bucket(store.BucketFines).Get([]byte(store.SplitLast(k)))
		if raw == nil {
			return nil
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("fines: decode %s: %w", k, err)
		}
		return fn(&f)
	})
}

// Observe is the workorders observer: it stamps the order's clock and
// proposes the fines the write makes due — an order finished past its
// limit (第十五、二十一、二十二、二十九条), an order put on hold without a
// reason (第十八条).
func Observe(tx *bolt.Tx, old, wo *workorders.WorkOrder) error {
	env, err := sla.LoadEnv(tx)
	if err != nil {
		return err
	}
	wo.SLA = sla.Compute(env, wo)
	var cat []Item
	catalogue := func() ([]Item, error) {
		if cat == nil {
			var err error
			cat, err = Catalogue(tx)
			return cat, err
		}
		return cat, nil
	}
	if err := observeFault(tx, old, wo, catalogue); err != nil {
		return err
	}
	if old == nil {
		return nil
	}
	// 第十八条: a hold begun without a reason.
	if wo.Status == workorders.StatusOnHold && old.Status != workorders.StatusOnHold && wo.HoldReason == "" {
		items, err := catalogue()
		if err != nil {
			return err
		}
		if it := Find(items, "art18_hold_no_reason"); it != nil {
			at := wo.UpdatedAt
			if n := len(wo.Holds); n > 0 {
				at = wo.Holds[n-1].From
			}
			f := fromItem(*it, wo, at, 0)
			// One fine per hold: each hold without a reason is one 工单.
			key := orderKey(wo.ID, fmt.Sprintf("%s#%d", it.ID, len(wo.Holds)))
			if _, err := propose(tx, f, key); err != nil {
				return err
			}
		}
	}
	// 第十四条: an appointment recorded as not kept (没有履约).
	if n := len(wo.Appointments); n > len(old.Appointments) && wo.Appointments[n-1].Event == workorders.ApptMissed {
		items, err := catalogue()
		if err != nil {
			return err
		}
		if it := Find(items, "art14_appointment_missed"); it != nil {
			rec := wo.Appointments[n-1]
			f := fromItem(*it, wo, rec.At, 0)
			f.Evidence.Note = "未履约：" + rec.Reason
			if _, err := propose(tx, f, orderKey(wo.ID, fmt.Sprintf("%s#%d", it.ID, n))); err != nil {
				return err
			}
		}
	}
	// An order finished past its time limit.
	if wo.Status == workorders.StatusCompleted && old.Status != workorders.StatusCompleted &&
		wo.SLA != nil && wo.SLA.OverdueUnits > 0 && wo.SLA.Measure == sla.MeasureCompletion &&
		wo.CompletedBy != workorders.CompletedUnreachable { // 第二十四条: the customer's doing, confirmed by the callback
		r := ruleByID(env.Rules, wo.SLA.Rule)
		if r == nil || r.Fine == "" {
			return nil
		}
		items, err := catalogue()
		if err != nil {
			return err
		}
		it := Find(items, r.Fine)
		if it == nil {
			return nil
		}
		f := fromItem(*it, wo, *wo.SLA.StoppedAt, wo.SLA.OverdueUnits)
		f.Evidence.Clock = wo.SLA
		f.Evidence.Sheet = wo.CompletedBy
		f.Evidence.DoneAt = wo.SLA.StoppedAt
		if _, err := propose(tx, f, orderKey(wo.ID, it.ID)); err != nil {
			return err
		}
	}
	return nil
}

func ruleByID(rules []sla.Rule, id string) *sla.Rule {
	for i := range rules {
		if rules[i].ID == id {
			return &rules[i]
		}
	}
	return nil
}

// fromItem is a proposed fine of item for wo's event at `at`, n units late.
func fromItem(it Item, wo *workorders.WorkOrder, at time.Time, n int) Fine {
	units := n
	if it.Per == PerCase {
		units = 0
	}
	lo, hi := it.Range(n)
	acc := wo.AcceptedAt
	return Fine{
		Item: it.ID, Article: it.Article, Unit: wo.Unit, OrderID: wo.ID, Technician: wo.Technician,
		EventAt: at, Units: units, Proposed: it.Proposed(n), Min: lo, Max: hi, ProposedBy: System,
		Evidence: Evidence{OrderID: wo.ID, OrderType: wo.Type, AcceptedAt: &acc},
	}
}

var installOnce sync.Once

// Install makes every order write in this process stamp its clock and
// propose its fines (once; the server calls it at start-up).
func Install() { installOnce.Do(func() { workorders.Observe(Observe) }) }
