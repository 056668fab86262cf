package reports

import (
	"reflect"
	"testing"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/errs"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

func callbackRows(t testing.TB, f *fixture, from, to time.Time, group, unit string) []CallbackRow {
	t.Helper()
	var rows []CallbackRow
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		rows, err = Callbacks(tx, from, to, group, unit)
		return err
	})
	return rows
}

// tenJobs builds the hand-computed fixture: ten jobs over Monday and Tuesday
// 2026-11-23/24 in chengdu-east, eight answered — six the same day, one
// the day after next (inside 三天内), one after the deadline — three very
// satisfied, four satisfied, one unsatisfied; plus a removal (no callback)
// and a job of chengdu-west, which an east report must not count.
func tenJobs(t testing.TB, f *fixture) {
	t.Helper()
	mon, tue := day0, day0.AddDate(0, 0, 1)
	var j [11]string
	for i := 1; i <= 6; i++ {
		j[i] = f.finish(t, workorders.TypeInstall, "tech1", mon.Add(10*time.Hour))
	}
	for i := 7; i <= 10; i++ {
		j[i] = f.finish(t, workorders.TypeRepair, "tech2", tue.Add(11*time.Hour))
	}
	if id := f.finish(t, workorders.TypeRemoval, "tech1", mon.Add(12*time.Hour)); id != "" {
		t.Fatalf("a removal got callback %s", id)
	}
	west := f.finish(t, workorders.TypeInstall, "tech3", mon.Add(13*time.Hour))

	f.result(t, j[1], mon.Add(15*time.Hour), callbacks.VerySatisfied)
	f.result(t, j[2], mon.Add(16*time.Hour), callbacks.VerySatisfied)
	f.result(t, j[3], mon.Add(23*time.Hour+59*time.Minute), callbacks.Satisfied)
	f.result(t, j[4], mon.AddDate(0, 0, 2).Add(12*time.Hour), callbacks.Satisfied)                    // Wednesday: within three days
	f.result(t, j[5], mon.AddDate(0, 0, 4).Add(9*time.Hour), callbacks.Unsatisfied, "上门不准时", "网速不达标") // Friday: late
	f.result(t, j[7], tue.Add(14*time.Hour), callbacks.VerySatisfied)
	f.result(t, j[8], tue.Add(15*time.Hour), callbacks.Satisfied)
	f.result(t, j[9], tue.Add(16*time.Hour), callbacks.Satisfied)
	f.result(t, west, mon.Add(14*time.Hour), callbacks.Unsatisfied, "服务态度差")
}

func TestCallbackReportHandComputed(t *testing.T) {
	f := newFixture(t)
	tenJobs(t, f)
	from, to := day0, day0.AddDate(0, 0, 2)

	rows := callbackRows(t, f, from, to, GroupMonth, "chengdu-east")
	if len(rows) != 1 {
		t.Fatalf("month rows: %+v", rows)
	}
	r := rows[0]
	want := CallbackRow{Period: "2026-11", From: "2026-11-23", To: "2026-11-24",
		Completed: 10, Callbacks: 10, Done: 8, Coverage: ptr(0.8),
		SameDay: 6, SameDayRate: ptr(0.6), Within3Days: 7, Within3DaysRate: ptr(0.7),
		VerySatisfied: 3, Satisfied: 4, Unsatisfied: 1, SatisfactionRate: ptr(0.875),
		TopReasons: []ReasonCount{{"上门不准时", 1}, {"网速不达标", 1}}}
	r.reasons = nil
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("10 jobs, 8 answered (6 same day, 7 within three days), 3/4/1:\n got %+v\nwant %+v", r, want)
	}

	days := callbackRows(t, f, from, to, GroupDay, "chengdu-east")
	if len(days) != 2 || days[0].Period != "2026-11-23" || days[1].Period != "2026-11-24" {
		t.Fatalf("day rows: %+v", days)
	}
	mon, tue := days[0], days[1]
	if mon.Completed != 6 || mon.Done != 5 || mon.SameDay != 3 || mon.Within3Days != 4 ||
		!rateIs(mon.Coverage, ptr(0.8333)) || !rateIs(mon.SatisfactionRate, ptr(0.8)) {
		t.Errorf("Monday: %+v", mon)
	}
	if tue.Completed != 4 || tue.Done != 3 || tue.SameDay != 3 || tue.Within3Days != 3 ||
		!rateIs(tue.Coverage, ptr(0.75)) || !rateIs(tue.SatisfactionRate, ptr(1.0)) || len(tue.TopReasons) != 0 {
		t.Errorf("Tuesday: %+v", tue)
	}

	all := callbackRows(t, f, from, to, GroupMonth, "")
	if all[0].Completed != 11 || all[0].Unsatisfied != 2 || all[0].TopReasons[0].Reason != "上门不准时" {
		t.Errorf("every unit: %+v", all[0])
	}
}

func TestCallbackReportSupervisorOfAnotherUnitSeesNothingOfOurs(t *testing.T) {
	f := newFixture(t)
	tenJobs(t, f)
	rows := callbackRows(t, f, day0, day0.AddDate(0, 0, 2), GroupMonth, "chengdu-west")
	r := rows[0]
	if r.Completed != 1 || r.Done != 1 || r.Unsatisfied != 1 || len(r.TopReasons) != 1 || r.TopReasons[0].Reason != "服务态度差" {
		t.Fatalf("west sees: %+v", r)
	}
	none := callbackRows(t, f, day0, day0.AddDate(0, 0, 2), GroupDay, "chengdu-north")
	for _, r := range none {
		if r.Completed != 0 || r.Coverage != nil || r.SatisfactionRate != nil {
			t.Fatalf("a unit with no jobs: %+v", r)
		}
	}
}

func TestCallbackReportEmptyPeriodsAreRowsWithNullRates(t *testing.T) {
	f := newFixture(t)
	f.finish(t, workorders.TypeInstall, "tech1", day0.Add(10*time.Hour))
	rows := callbackRows(t, f, day0.AddDate(0, 0, -2), day0.AddDate(0, 0, 1), GroupDay, "")
	if len(rows) != 3 {
		t.Fatalf("rows: %+v", rows)
	}
	if rows[0].Period != "2026-11-21" || rows[0].Completed != 0 || rows[0].Coverage != nil ||
		rows[0].SatisfactionRate != nil || rows[0].TopReasons == nil {
		t.Errorf("empty day: %+v", rows[0])
	}
	if rows[2].Completed != 1 || !rateIs(rows[2].Coverage, ptr(0.0)) || rows[2].SatisfactionRate != nil {
		t.Errorf("one job, no answer yet: coverage 0, satisfaction null: %+v", rows[2])
	}
}

func TestCallbackReportDayBoundaryIsShanghaiMidnight(t *testing.T) {
	f := newFixture(t)
	f.finish(t, workorders.TypeInstall, "tech1", day0.Add(24*time.Hour-time.Second)) // 23:59:59 Monday
	f.finish(t, workorders.TypeInstall, "tech1", day0.Add(24*time.Hour))             // 00:00 Tuesday
	// 07:30 Tuesday in Chengdu is still Monday in UTC: it counts on Tuesday.
	f.finish(t, workorders.TypeInstall, "tech1", day0.Add(31*time.Hour+30*time.Minute))

	rows := callbackRows(t, f, day0, day0.AddDate(0, 0, 2), GroupDay, "")
	if rows[0].Completed != 1 || rows[1].Completed != 2 {
		t.Fatalf("23:59:59 on Monday, 00:00 and 07:30 on Tuesday: got %d and %d", rows[0].Completed, rows[1].Completed)
	}
	// A range ending Monday leaves Tuesday's jobs out.
	rows = callbackRows(t, f, day0, day0.AddDate(0, 0, 1), GroupDay, "")
	if len(rows) != 1 || rows[0].Completed != 1 {
		t.Fatalf("range of Monday only: %+v", rows)
	}
}

func TestCallbackReportWeeksAndMonthsAcrossTheYearEnd(t *testing.T) {
	f := newFixture(t)
	f.finish(t, workorders.TypeInstall, "tech1", sh(2026, 12, 28, 9, 0)) // Monday of 2026-W53
	f.finish(t, workorders.TypeInstall, "tech1", sh(2026, 12, 31, 9, 0)) // Thursday: 2026-W53
	f.finish(t, workorders.TypeInstall, "tech1", sh(2027, 1, 1, 9, 0))   // Friday: still 2026-W53
	f.finish(t, workorders.TypeInstall, "tech1", sh(2027, 1, 3, 23, 59)) // Sunday: last day of W53
	f.finish(t, workorders.TypeInstall, "tech1", sh(2027, 1, 4, 0, 0))   // Monday: 2027-W01
	from, to := sh(2026, 12, 30, 0, 0), sh(2027, 1, 6, 0, 0)             // Wednesday to Tuesday

	weeks := callbackRows(t, f, from, to, GroupWeek, "")
	want := []struct {
		period, from, to string
		completed        int
	}{{"2026-W53", "2026-12-30", "2027-01-03", 3}, {"2027-W01", "2027-01-04", "2027-01-05", 1}}
	if len(weeks) != len(want) {
		t.Fatalf("weeks: %+v", weeks)
	}
	for i, w := range want {
		g := weeks[i]
		if g.Period != w.period || g.From != w.from || g.To != w.to || g.Completed != w.completed {
			t.Errorf("week %d: got %s %s..%s %d, want %+v", i, g.Period, g.From, g.To, g.Completed, w)
		}
	}

	months := callbackRows(t, f, from, to, GroupMonth, "")
	if len(months) != 2 || months[0].Period != "2026-12" || months[0].Completed != 1 ||
		months[1].Period != "2027-01" || months[1].Completed != 3 {
		t.Fatalf("months: %+v", months)
	}
}

func TestPeriodOf(t *testing.T) {
	for _, c := range []struct {
		name  string
		at    time.Time
		group string
		want  string
	}{
		{"a day is the Shanghai date", sh(2026, 11, 23, 23, 59), GroupDay, "2026-11-23"},
		{"UTC evening is the next Shanghai day", time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC), GroupDay, "2026-11-24"},
		{"ISO week, Monday first", sh(2026, 11, 23, 0, 0), GroupWeek, "2026-W48"},
		{"Sunday closes the week", sh(2026, 11, 29, 23, 59), GroupWeek, "2026-W48"},
		{"2026-12-31 is in W53", sh(2026, 12, 31, 12, 0), GroupWeek, "2026-W53"},
		{"2027-01-01 still belongs to 2026-W53", sh(2027, 1, 1, 12, 0), GroupWeek, "2026-W53"},
		{"2027-01-04 starts 2027-W01", sh(2027, 1, 4, 0, 0), GroupWeek, "2027-W01"},
		{"a month", sh(2026, 11, 30, 23, 59), GroupMonth, "2026-11"},
	} {
		if got := PeriodOf(c.at, c.group); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestSatisfactionRate(t *testing.T) {
	for _, c := range []struct {
		name                         string
		very, satisfied, unsatisfied int
		want                         *float64
	}{
		{"(非常满意 + 满意) ÷ (非常满意 + 满意 + 不满意): 3+4 of 8", 3, 4, 1, ptr(0.875)},
		{"nobody answered: null, not 0", 0, 0, 0, nil},
		{"only 不满意: 0", 0, 0, 2, ptr(0.0)},
		{"two thirds rounds to four decimals", 1, 1, 1, ptr(0.6667)},
	} {
		if got := SatisfactionRate(c.very, c.satisfied, c.unsatisfied); !rateIs(got, c.want) {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestCallbackReportRefusesAnUnknownGroup(t *testing.T) {
	f := newFixture(t)
	var err error
	f.db.View(func(tx *bolt.Tx) error { _, err = Callbacks(tx, day0, day0.AddDate(0, 0, 1), "year", ""); return nil })
	if e, ok := errs.As(err); !ok || e.Kind != errs.BadRequest || e.Fields["group"].En == "" {
		t.Fatalf("group=year: %v", err)
	}
}
