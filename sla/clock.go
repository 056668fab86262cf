package sla

import (
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Compute is wo's clock under env, or nil when no rule matches, the order
// is cancelled, or it was finished before this data dir had clocks.
//
// The clock starts at accepted_at (the upgrade, for orders accepted before
// it) and is due per the rule; every hold that ended before the clock
// stopped moves the due time on by its length (第十八条: 缓装 pauses the
// limit), so the time counted against the limit is the time not on hold.
// Overdue time is counted in started units of the rule's Overdue: 1 minute
// past is 1 hour (or day) over.
func Compute(env Env, wo *workorders.WorkOrder) *workorders.Clock {
	if wo.Status == workorders.StatusCancelled {
		return nil
	}
	r := Match(env.Rules, wo)
	if r == nil {
		return nil
	}
	start, fromUpgrade := wo.AcceptedAt, false
	if !env.Since.IsZero() && start.Before(env.Since) {
		if wo.CompletedAt != nil && wo.CompletedAt.Before(env.Since) {
			return nil
		}
		start, fromUpgrade = env.Since, true
	}
	c := &workorders.Clock{Rule: r.ID, Measure: r.Measure, StartAt: start, FromUpgrade: fromUpgrade, Unit: r.Overdue}
	var stop time.Time
	if wo.Status == workorders.StatusCompleted && wo.CompletedAt != nil {
		stop = *wo.CompletedAt
		if stop.Before(start) {
			stop = start
		}
		c.StoppedAt = &stop
	}
	paused := Paused(wo.Holds, start, stop)
	c.PausedSeconds = int64(paused / time.Second)
	c.DueAt = base(r, start, env).Add(paused)
	if c.StoppedAt != nil {
		c.OverdueUnits = Units(stop.Sub(c.DueAt), r.Overdue)
	}
	return c
}

// base is the due time before any hold.
func base(r *Rule, start time.Time, env Env) time.Time {
	switch r.Per {
	case PerWorkday:
		return env.Cal.EndOfNth(start, r.Limit)
	case PerDay:
		// 三天内: the start's day and the next two (as the callback's deadline).
		d := start.In(store.Shanghai)
		return time.Date(d.Year(), d.Month(), d.Day()+r.Limit, 0, 0, 0, 0, d.Location()).Add(-time.Nanosecond)
	default:
		return start.Add(time.Duration(r.Limit) * time.Hour)
	}
}

// Paused is how long the holds that ended overlap [start, stop) (stop zero:
// still running). A hold still running does not count yet: while it lasts
// the phone shows the clock paused, and its length counts once it ends.
func Paused(holds []workorders.Hold, start, stop time.Time) time.Duration {
	var d time.Duration
	for _, h := range holds {
		if h.To == nil {
			continue
		}
		from, to := h.From, *h.To
		if from.Before(start) {
			from = start
		}
		if !stop.IsZero() && to.After(stop) {
			to = stop
		}
		if to.After(from) {
			d += to.Sub(from)
		}
	}
	return d
}

// Units is d in started units ("hour" or "day"); 0 when d ≤ 0.
func Units(d time.Duration, unit string) int {
	if d <= 0 {
		return 0
	}
	size := time.Hour
	if unit == UnitDay {
		size = 24 * time.Hour
	}
	return int((d + size - 1) / size)
}

// Stamp sets wo's clock as it is about to be written.
func Stamp(tx *bolt.Tx, wo *workorders.WorkOrder) error {
	env, err := LoadEnv(tx)
	if err != nil {
		return err
	}
	wo.SLA = Compute(env, wo)
	return nil
}
