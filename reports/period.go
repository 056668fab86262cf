package reports

import (
	"fmt"
	"math"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"
)

// Groupings of the callback report (seed 004 第五十五条: 按日、周、月统计).
const (
	GroupDay   = "day"
	GroupWeek  = "week"
	GroupMonth = "month"
)

// ErrBadGroup is a group other than day, week or month.
var ErrBadGroup = func() *errs.Error {
	e := errs.New(errs.BadRequest, "bad_group", "group 须为 day、week 或 month", "group must be day, week or month")
	e.Fields = map[string]errs.Msg{"group": e.Message}
	return e
}()

// ValidGroup reports whether g is day, week or month ("" is not: callers
// default it first).
func ValidGroup(g string) bool { return g == GroupDay || g == GroupWeek || g == GroupMonth }

// PeriodOf names the period t falls in, on Asia/Shanghai days: "2026-11-23",
// "2026-W48" (ISO 8601 weeks, Monday first; 2026-12-31 is in 2026-W53 and
// 2027-01-01 too) or "2026-11".
func PeriodOf(t time.Time, group string) string {
	t = t.In(store.Shanghai)
	switch group {
	case GroupWeek:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case GroupMonth:
		return t.Format("2006-01")
	default:
		return t.Format("2006-01-02")
	}
}

// Period is one row's span: the days of the range that fall in it, so the
// first and last week or month of a range may be partial.
type Period struct {
	Key  string    // PeriodOf
	From time.Time // first day (start of day)
	To   time.Time // the day after the last day (exclusive)
}

// Periods lists the periods that cover [from, to) day by day, oldest first.
// from and to are Asia/Shanghai day starts, as dateRange gives them.
func Periods(from, to time.Time, group string) []Period {
	var out []Period
	for d := store.DayStart(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		k := PeriodOf(d, group)
		if n := len(out); n > 0 && out[n-1].Key == k {
			out[n-1].To = d.AddDate(0, 0, 1)
			continue
		}
		out = append(out, Period{Key: k, From: d, To: d.AddDate(0, 0, 1)})
	}
	return out
}

// Rate is n ÷ d rounded to four decimals, or nil when d is 0.
func Rate(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(d)*10000) / 10000
	return &r
}

// round2 rounds money and points to the fen / hundredth.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// day formats a day start as YYYY-MM-DD.
func day(t time.Time) string { return t.In(store.Shanghai).Format("2006-01-02") }

// lastDay is the inclusive last day of [from, to).
func lastDay(to time.Time) string { return day(to.AddDate(0, 0, -1)) }

// MonthRange parses "YYYY-MM" as [first day, first day of the next month)
// in Asia/Shanghai.
func MonthRange(month string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", month, store.Shanghai)
	if err != nil || len(month) != 7 {
		e := errs.New(errs.BadRequest, "bad_month", "month 格式应为 YYYY-MM", "month must be YYYY-MM")
		e.Fields = map[string]errs.Msg{"month": e.Message}
		return time.Time{}, time.Time{}, e
	}
	return t, t.AddDate(0, 1, 0), nil
}
