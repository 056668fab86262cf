package workdays

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, store.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBuiltin2026(t *testing.T) {
	cal, ok := Builtin(2026)
	if !ok {
		t.Fatal("no built-in 2026 calendar")
	}
	if err := cal.Validate(2026); err != nil {
		t.Fatalf("built-in 2026 calendar invalid: %v", err)
	}
	c := New(cal)
	cases := []struct {
		name string
		at   string
		want bool
	}{
		{"国庆 10月1日 (Thursday) is off", "2026-10-01 09:00", false},
		{"国庆 10月7日 (Wednesday) is off", "2026-10-07 09:00", false},
		{"调休 10月10日 (Saturday) is worked", "2026-10-10 09:00", true},
		{"调休 9月20日 (Sunday) is worked", "2026-09-20 09:00", true},
		{"an ordinary Saturday is off", "2026-11-28 09:00", false},
		{"an ordinary Monday is worked", "2026-11-30 09:00", true},
		{"春节 2月16日 (Monday) is off", "2026-02-16 09:00", false},
	}
	for _, tc := range cases {
		if got := c.IsWorkday(day(tc.at)); got != tc.want {
			t.Errorf("%s: IsWorkday = %v", tc.name, got)
		}
	}
}

func TestEndOfNth(t *testing.T) {
	b, _ := Builtin(2026)
	c := New(b)
	cases := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"Monday + 3 working days ends Wednesday night", "2026-11-23 10:00", 3, "2026-11-25"},
		{"Friday + 3 working days skips the weekend", "2026-11-27 10:00", 3, "2026-12-01"},
		{"Saturday: the first working day is Monday", "2026-11-28 10:00", 1, "2026-11-30"},
		{"accepted 9月30日: 国庆 off, 10月8日 is the 2nd working day", "2026-09-30 16:00", 2, "2026-10-08"},
		{"accepted 10月9日 (Friday): 10月10日 is a 调休 working day", "2026-10-09 16:00", 2, "2026-10-10"},
	}
	for _, tc := range cases {
		got := c.EndOfNth(day(tc.from), tc.n)
		if want := store.DayEnd(day(tc.want + " 00:00")); !got.Equal(want) {
			t.Errorf("%s: got %s, want %s", tc.name, got, want)
		}
	}
	if n := c.Between(day("2026-09-28 08:00"), day("2026-10-11 08:00")); n != 6 {
		t.Errorf("working days 9月28日–10月11日 = %d, want 6 (28,29,30 Sep; 8,9,10 Oct)", n)
	}
}

func TestValidate(t *testing.T) {
	bad := []struct {
		name  string
		cal   Calendar
		field string
	}{
		{"not a date", Calendar{Holidays: []string{"2026-13-01"}}, "holidays[0]"},
		{"another year", Calendar{Holidays: []string{"2025-10-01"}}, "holidays[0]"},
		{"both off and worked", Calendar{Holidays: []string{"2026-10-10"}, Workdays: []string{"2026-10-10"}}, "workdays[0]"},
		{"a worked day that is a weekday anyway", Calendar{Workdays: []string{"2026-10-09"}}, "workdays[0]"},
	}
	for _, tc := range bad {
		err := tc.cal.Validate(2026)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || e.Fields[tc.field].Zh == "" {
			t.Errorf("%s: got %v, want a 422 on %s", tc.name, err, tc.field)
		}
	}
}

func TestServicePutOverridesBuiltin(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := day("2026-12-01 09:00")
	s := NewService(db, func() time.Time { return now })
	admin := auth.Principal{Username: "admin", Role: auth.RoleAdmin}
	if _, err := s.Put(auth.Principal{Username: "sup1", Role: auth.RoleSupervisor}, 2026, Calendar{}); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("a supervisor set the calendar: %v", err)
	}
	got, err := s.Get(2026)
	if err != nil || !got.Builtin {
		t.Fatalf("before any set, 2026 should be the built-in calendar: %+v %v", got, err)
	}
	// A company-wide day off (e.g. a local holiday) on Monday 2026-11-30.
	if _, err := s.Put(admin, 2026, Calendar{Holidays: []string{"2026-11-30", "2026-11-30"}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(2026)
	if got.Builtin || len(got.Holidays) != 1 || got.SetBy != "admin" {
		t.Fatalf("stored calendar: %+v", got)
	}
	var cals Calendars
	db.View(func(tx *bolt.Tx) error { cals, err = Load(tx); return err })
	if cals.IsWorkday(day("2026-11-30 10:00")) {
		t.Error("the admin's holiday is still a working day")
	}
	if !cals.IsWorkday(day("2026-10-01 10:00")) {
		t.Error("the admin's calendar replaces the built-in one for 2026: 10月1日 is no longer listed off")
	}
	if _, err := s.Get(1999); !errs.IsKind(err, errs.NotFound) {
		t.Errorf("1999: %v", err)
	}
}
