package schedules

import (
	"fmt"
	"time"

	"fieldcheck/store"
)

// Frequencies a plan may have.
const (
	Weekly    = "weekly"    // ISO weeks, Monday to Sunday
	Monthly   = "monthly"   // calendar months
	Quarterly = "quarterly" // calendar quarters (Jan–Mar, …)
	EveryDays = "days"      // every N days counted from the version's start
)

// Window statuses.
const (
	StatusDue      = "due"      // today falls in it and nothing matched yet
	StatusDone     = "done"     // a matching inspection was finished in it
	StatusMissed   = "missed"   // it ended without one (漏检)
	StatusUpcoming = "upcoming" // it starts after today
)

// DateLayout is how plan dates travel and are kept: Asia/Shanghai days.
const DateLayout = "2006-01-02"

// Day is one Asia/Shanghai calendar day, at its midnight.
type Day = time.Time

// ParseDay reads a YYYY-MM-DD date as an Asia/Shanghai day.
func ParseDay(s string) (Day, error) {
	d, err := time.ParseInLocation(DateLayout, s, store.Shanghai)
	if err != nil {
		return Day{}, fmt.Errorf("schedules: bad date %q", s)
	}
	return d, nil
}

// Today is the Asia/Shanghai day of t.
func Today(t time.Time) Day { return store.DayStart(t) }

func fmtDay(d Day) string { return d.In(store.Shanghai).Format(DateLayout) }

// period is the calendar period of a frequency that contains d: its first
// and last day. Every-N-days periods are counted from anchor.
func period(freq string, every int, anchor, d Day) (Day, Day) {
	switch freq {
	case Weekly:
		back := (int(d.Weekday()) + 6) % 7 // days since Monday
		s := d.AddDate(0, 0, -back)
		return s, s.AddDate(0, 0, 6)
	case Monthly:
		s := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, store.Shanghai)
		return s, s.AddDate(0, 1, -1)
	case Quarterly:
		m := (int(d.Month())-1)/3*3 + 1
		s := time.Date(d.Year(), time.Month(m), 1, 0, 0, 0, 0, store.Shanghai)
		return s, s.AddDate(0, 3, -1)
	}
	if every < 1 {
		every = 1
	}
	n := daysBetween(anchor, d) / every
	s := anchor.AddDate(0, 0, n*every)
	return s, s.AddDate(0, 0, every-1)
}

// daysBetween counts calendar days from a to b (both midnights; no DST in
// Shanghai, but dates are compared by calendar to stay exact).
func daysBetween(a, b Day) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// span is a window before its outcome is known.
type span struct {
	start, end Day
	idx        int // into Plan.Versions
}

// spans lists the windows of plan p that overlap [from, to], oldest first.
// A version's windows start at its From (the first one cut to it) and stop
// where the next version takes over: a window the next version cuts short
// is dropped (the edit replaced it), so each day belongs to one window.
func spans(p *Plan, from, to Day) []span {
	var out []span
	for i, v := range p.Versions {
		if !v.Active {
			continue
		}
		vFrom, err := ParseDay(v.From)
		if err != nil {
			continue
		}
		var until Day // exclusive; zero: open-ended
		if i+1 < len(p.Versions) {
			if until, err = ParseDay(p.Versions[i+1].From); err != nil {
				continue
			}
		}
		d := vFrom
		if from.After(d) {
			d = from
		}
		for !d.After(to) && (until.IsZero() || d.Before(until)) {
			s, e := period(v.Frequency, v.EveryDays, vFrom, d)
			if s.Before(vFrom) {
				s = vFrom
			}
			if !until.IsZero() && !e.Before(until) {
				break // cut short by the next version: the edit replaced it
			}
			out = append(out, span{start: s, end: e, idx: i})
			d = e.AddDate(0, 0, 1)
		}
	}
	return out
}
