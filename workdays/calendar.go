package workdays

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"
)

// Calendar is one year's exceptions to Monday–Friday: Holidays are days off
// (a weekend day listed is harmless), Workdays are weekend days worked
// (调休上班). Dates are Asia/Shanghai "YYYY-MM-DD".
type Calendar struct {
	Year     int       `json:"year"`
	Note     string    `json:"note,omitempty"`
	Holidays []string  `json:"holidays"`
	Workdays []string  `json:"workdays"`
	Builtin  bool      `json:"builtin,omitempty"`
	SetBy    string    `json:"set_by,omitempty"`
	SetAt    time.Time `json:"set_at,omitempty"`
}

//go:embed data/*.json
var builtinFS embed.FS

// builtins are the shipped calendars, decoded once (every order write
// counts working days).
var builtins = sync.OnceValue(func() map[int]Calendar {
	out := map[int]Calendar{}
	entries, _ := builtinFS.ReadDir("data")
	for _, e := range entries {
		raw, err := builtinFS.ReadFile("data/" + e.Name())
		if err != nil {
			panic("workdays: " + err.Error())
		}
		var c Calendar
		if err := json.Unmarshal(raw, &c); err != nil {
			panic("workdays: built-in calendar " + e.Name() + ": " + err.Error())
		}
		c.Builtin = true
		out[c.Year] = c
	}
	return out
})

// Builtin is the calendar shipped for year, or false when none is.
func Builtin(year int) (Calendar, bool) {
	c, ok := builtins()[year]
	if !ok {
		return Calendar{}, false
	}
	c.Holidays, c.Workdays = slices.Clone(c.Holidays), slices.Clone(c.Workdays)
	return c, true
}

const dateLayout = "2006-01-02"

// Validate checks a calendar for year: real dates inside the year, no date
// both a holiday and a workday, no workday that is already a weekday.
func (c *Calendar) Validate(year int) error {
	var v errs.Validation
	if c.Year != 0 && c.Year != year {
		v.Add("year", "年份与路径不一致", "year differs from the one in the path")
	}
	if year < 2000 || year > 2100 {
		v.Add("year", "年份须在 2000–2100 之间", "year must be between 2000 and 2100")
	}
	if len(c.Holidays)+len(c.Workdays) > 366 {
		v.Add("holidays", "日期太多", "too many dates")
	}
	seen := map[string]string{}
	check := func(field string, list []string) {
		for i, s := range list {
			path := fmt.Sprintf("%s[%d]", field, i)
			d, err := time.ParseInLocation(dateLayout, s, store.Shanghai)
			switch {
			case err != nil:
				v.Add(path, "日期格式须为 YYYY-MM-DD", "a date must read YYYY-MM-DD")
			case d.Year() != year:
				v.Add(path, "日期不在该年份内", "the date is not in this year")
			case seen[s] != "" && seen[s] != field:
				v.Add(path, "同一天不能既是假日又是调休上班日", "a day cannot be both a holiday and a worked day")
			case field == "workdays" && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday:
				v.Add(path, "调休上班日须为周六或周日", "a worked day must be a Saturday or Sunday")
			}
			seen[s] = field
		}
	}
	check("holidays", c.Holidays)
	check("workdays", c.Workdays)
	return v.Err()
}

// Calendars answers working-day questions across years. The zero value is
// Monday–Friday with no holidays.
type Calendars struct {
	off, on map[string]bool
}

// New merges calendars (one per year) into a Calendars.
func New(cals ...Calendar) Calendars {
	c := Calendars{off: map[string]bool{}, on: map[string]bool{}}
	for _, cal := range cals {
		for _, d := range cal.Holidays {
			c.off[d] = true
		}
		for _, d := range cal.Workdays {
			c.on[d] = true
		}
	}
	return c
}

// IsWorkday reports whether t's Asia/Shanghai day is a working day.
func (c Calendars) IsWorkday(t time.Time) bool {
	t = t.In(store.Shanghai)
	d := t.Format(dateLayout)
	if c.on[d] {
		return true
	}
	if c.off[d] {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// EndOfNth is the last instant of the n-th working day counting from t's
// own day (t's day is the first when it is a working day): "within n
// working days" of t. n < 1 counts as 1.
func (c Calendars) EndOfNth(t time.Time, n int) time.Time {
	d := store.DayStart(t)
	// Bounded: a calendar that took every day off for years would otherwise
	// never end; past ~3 years the limit is meaningless anyway.
	for count, i := 0, 0; i < 3*366; d, i = d.AddDate(0, 0, 1), i+1 {
		if c.IsWorkday(d) {
			count++
			if count >= n {
				return store.DayEnd(d)
			}
		}
	}
	return store.DayEnd(d)
}

// Between counts the working days from a's day to b's day, both included
// (0 when b is before a).
func (c Calendars) Between(a, b time.Time) int {
	n := 0
	for d, end := store.DayStart(a), store.DayStart(b); !d.After(end); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// sortDates orders and de-duplicates a list of dates in place.
func sortDates(list []string) []string {
	slices.Sort(list)
	return slices.Compact(list)
}
