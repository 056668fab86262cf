package workorders

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// StatusOnHold is 缓装/待装 (API.md v1.1): the job waits on the customer or
// on resources; its time limit pauses, and it goes back to assigned when the
// hold lifts. A hold must say why (seed 004 第十八条: a hold without a
// reason is itself fined, so one is accepted and fined rather than refused).
const StatusOnHold = "on_hold"

// MaxHoldReasonLen bounds a hold reason (characters).
const MaxHoldReasonLen = 200

// Hold is one stretch on hold: From until To (nil while it lasts).
type Hold struct {
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to,omitempty"`
	Reason string     `json:"reason,omitempty"`
	By     string     `json:"by,omitempty"`
}

// Clock is an order's time limit as the SLA rules set it (sla/ computes it
// on every change of the order; this package only carries it, so a phone
// pulling the order can show the time left).
type Clock struct {
	// Rule names the rule that set the limit; Measure is "completion" or
	// "first_contact" (a complaint's first contact).
	Rule    string `json:"rule"`
	Measure string `json:"measure"`
	// StartAt is accepted_at, or the upgrade for orders accepted before the
	// clocks existed (FromUpgrade).
	StartAt     time.Time `json:"start_at"`
	FromUpgrade bool      `json:"from_upgrade,omitempty"`
	// DueAt is the limit, moved on by every finished hold.
	DueAt time.Time `json:"due_at"`
	// Unit is what overdue time is counted in ("day" | "hour").
	Unit          string `json:"unit"`
	PausedSeconds int64  `json:"paused_seconds,omitempty"`
	// StoppedAt is when the clock stopped (completion, first contact);
	// OverdueUnits the started units past DueAt then.
	StoppedAt    *time.Time `json:"stopped_at,omitempty"`
	OverdueUnits int        `json:"overdue_units,omitempty"`
}

// Observer sees every write of an order inside its transaction, before the
// order is stored (old is nil for a new order); it may set wo.SLA. Another
// error rolls the whole change back.
type Observer func(tx *bolt.Tx, old, wo *WorkOrder) error

var observers []Observer

// Observe adds an observer for every order write in this process (the SLA
// clocks and fines install theirs once, at start-up, before any write).
func Observe(o Observer) { observers = append(observers, o) }

func observe(tx *bolt.Tx, old, wo *WorkOrder) error {
	for _, o := range observers {
		if err := o(tx, old, wo); err != nil {
			return err
		}
	}
	return nil
}

// applyHold moves next on or off hold for a PATCH: status on_hold starts a
// hold (or corrects the reason of the one running), assigned lifts it.
func applyHold(old *WorkOrder, next *WorkOrder, status string, reason *string, by string, now time.Time) error {
	if reason != nil {
		r := strings.TrimSpace(*reason)
		if utf8.RuneCountInString(r) > MaxHoldReasonLen {
			var v errs.Validation
			v.Add("hold_reason", fmt.Sprintf("缓装原因不能超过 %d 个字", MaxHoldReasonLen), fmt.Sprintf("hold_reason must be at most %d characters", MaxHoldReasonLen))
			return v.Err()
		}
		reason = &r
	}
	next.Holds = append([]Hold(nil), old.Holds...)
	switch {
	case status == StatusOnHold && old.Status != StatusOnHold:
		h := Hold{From: now, By: by}
		if reason != nil {
			h.Reason = *reason
		}
		next.Holds = append(next.Holds, h)
		next.HoldReason = h.Reason
	case status == StatusOnHold || (status == "" && old.Status == StatusOnHold && reason != nil):
		if reason != nil && len(next.Holds) > 0 {
			next.Holds[len(next.Holds)-1].Reason = *reason
			next.HoldReason = *reason
		}
	case status != "" && status != StatusOnHold && old.Status == StatusOnHold:
		endHold(next, now)
	case status == "" && reason != nil:
		var v errs.Validation
		v.Add("hold_reason", "只有缓装工单才有缓装原因", "only an order on hold has a hold_reason")
		return v.Err()
	}
	return nil
}

// endHold closes the running hold at `at` (never before it began).
func endHold(wo *WorkOrder, at time.Time) {
	wo.HoldReason = ""
	if n := len(wo.Holds); n > 0 && wo.Holds[n-1].To == nil {
		hs := append([]Hold(nil), wo.Holds...)
		end := at
		if end.Before(hs[n-1].From) {
			end = hs[n-1].From
		}
		hs[n-1].To = &end
		wo.Holds = hs
	}
}

// Touch rewrites open order id unchanged but for what stamp sets (a new
// time limit after the rules or the calendar changed, or at the upgrade that
// brought clocks), as a new version so phones pull it again, and reports
// whether it changed. Closed orders are left as they are.
func Touch(tx *bolt.Tx, id string, now time.Time, stamp func(tx *bolt.Tx, wo *WorkOrder) error) (bool, error) {
	old, err := Get(tx, id)
	if err != nil {
		return false, err
	}
	if old.Status == StatusCompleted || old.Status == StatusCancelled {
		return false, nil
	}
	next := *old
	if err := stamp(tx, &next); err != nil {
		return false, err
	}
	if clockEqual(old.SLA, next.SLA) {
		return false, nil
	}
	next.Version++
	next.UpdatedAt = now
	return true, save(tx, old, &next)
}

func clockEqual(a, b *Clock) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Rule == b.Rule && a.DueAt.Equal(b.DueAt) && a.StartAt.Equal(b.StartAt) && a.FromUpgrade == b.FromUpgrade
}

// OpenIDs lists the ids of the orders not yet completed or cancelled.
func OpenIDs(tx *bolt.Tx) ([]string, error) {
	var ids []string
	err := store.ScanPrefix(tx, store.BucketWorkOrders, nil, nil, func(k, v []byte) error {
		wo, err := decode(k, v)
		if err != nil {
			return err
		}
		if wo.Status == StatusAssigned || wo.Status == StatusOnHold {
			ids = append(ids, wo.ID)
		}
		return nil
	})
	return ids, err
}

// Each calls fn for every order of unit ("" every unit), in id order, within
// tx (the monthly score reads them).
func Each(tx *bolt.Tx, unit string, fn func(*WorkOrder) error) error {
	if unit == "" {
		return store.ScanPrefix(tx, store.BucketWorkOrders, nil, nil, func(k, v []byte) error {
			wo, err := decode(k, v)
			if err != nil {
				return err
			}
			return fn(wo)
		})
	}
	return store.ScanPrefix(tx, store.BucketWorkOrdersByUnit, store.Prefix(unit), nil, func(k, _ []byte) error {
		wo, err := Get(tx, store.SplitLast(k))
		if err != nil {
			return err
		}
		return fn(wo)
	})
}
