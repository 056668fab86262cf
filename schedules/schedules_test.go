package schedules

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

func day(t *testing.T, s string) Day {
	t.Helper()
	d, err := ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func plan(versions ...Version) *Plan {
	for i := range versions {
		versions[i].N = i + 1
		versions[i].Active = !versions[i].Active // tests name the paused ones
		if versions[i].TemplateID == "" {
			versions[i].TemplateID = "store_walkthrough"
		}
	}
	return &Plan{ID: "pl-1", Versions: versions}
}

type win struct{ start, end string }

func TestWindowsOnTheShanghaiCalendar(t *testing.T) {
	cases := []struct {
		name     string
		plan     *Plan
		from, to string
		want     []win
	}{
		{"每月: the first month starts on the start day, then calendar months across a month end",
			plan(Version{From: "2026-01-15", Frequency: Monthly}), "2026-01-01", "2026-03-31",
			[]win{{"2026-01-15", "2026-01-31"}, {"2026-02-01", "2026-02-28"}, {"2026-03-01", "2026-03-31"}}},
		{"每月 in a leap year: February has 29 days",
			plan(Version{From: "2028-02-01", Frequency: Monthly}), "2028-02-10", "2028-02-10",
			[]win{{"2028-02-01", "2028-02-29"}}},
		{"每季度 (地市 at least quarterly): calendar quarters across the quarter and year end",
			plan(Version{From: "2026-11-23", Frequency: Quarterly}), "2026-11-01", "2027-06-30",
			[]win{{"2026-11-23", "2026-12-31"}, {"2027-01-01", "2027-03-31"}, {"2027-04-01", "2027-06-30"}}},
		{"每周: Monday to Sunday, the first week cut to a Wednesday start",
			plan(Version{From: "2026-12-30", Frequency: Weekly}), "2026-12-30", "2027-01-12",
			[]win{{"2026-12-30", "2027-01-03"}, {"2027-01-04", "2027-01-10"}, {"2027-01-11", "2027-01-17"}}},
		{"every 10 days counted from the start, across a month end",
			plan(Version{From: "2026-11-25", Frequency: EveryDays, EveryDays: 10}), "2026-12-01", "2026-12-20",
			[]win{{"2026-11-25", "2026-12-04"}, {"2026-12-05", "2026-12-14"}, {"2026-12-15", "2026-12-24"}}},
		{"nothing before the start day",
			plan(Version{From: "2027-01-01", Frequency: Monthly}), "2026-10-01", "2026-12-31", nil},
		{"an edit from the 10th: the old month is dropped, the new weekly plan starts that day",
			plan(Version{From: "2026-01-01", Frequency: Monthly}, Version{From: "2026-03-10", Frequency: Weekly}), "2026-01-01", "2026-03-22",
			[]win{{"2026-01-01", "2026-01-31"}, {"2026-02-01", "2026-02-28"}, {"2026-03-10", "2026-03-15"}, {"2026-03-16", "2026-03-22"}}},
		{"a paused version has no windows; resuming starts afresh",
			plan(Version{From: "2026-01-01", Frequency: Monthly}, Version{From: "2026-02-01", Frequency: Monthly, Active: true},
				Version{From: "2026-04-01", Frequency: Monthly}), "2026-01-01", "2026-04-30",
			[]win{{"2026-01-01", "2026-01-31"}, {"2026-04-01", "2026-04-30"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := spans(c.plan, day(t, c.from), day(t, c.to))
			if len(got) != len(c.want) {
				t.Fatalf("got %d windows %v, want %v", len(got), got, c.want)
			}
			for i, w := range c.want {
				if fmtDay(got[i].start) != w.start || fmtDay(got[i].end) != w.end {
					t.Errorf("window %d = %s…%s, want %s…%s", i, fmtDay(got[i].start), fmtDay(got[i].end), w.start, w.end)
				}
			}
		})
	}
}

// t0: Monday 2026-11-23 10:00 in Chengdu.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, store.Shanghai)

var (
	sup1  = auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	sup2  = auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	admin = auth.Principal{Username: "admin", Role: auth.RoleAdmin}
)

type env struct {
	db  *store.DB
	svc *Service
	now time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := checklists.EnsureBuiltins(db, t0.AddDate(0, -6, 0)); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: t0}
	e.svc = NewService(db, func() time.Time { return e.now })
	err = db.Update(func(tx *bolt.Tx) error {
		for _, u := range []auth.User{{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"},
			{Username: "insp2", Role: auth.RoleInspector, Unit: "chengdu-east"},
			{Username: "insp9", Role: auth.RoleInspector, Disabled: true},
			{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}} {
			if err := auth.PutUser(tx, &u); err != nil {
				return err
			}
		}
		_, err := workorders.CreateOutlet(tx, workorders.Outlet{ID: "s1", Name: "春熙路营业厅", Unit: "chengdu-east"}, store.Actor{Username: "admin"}, t0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) visit(t *testing.T, id string, at time.Time) {
	t.Helper()
	if err := e.db.Update(func(tx *bolt.Tx) error {
		return Visited(tx, Inspection{SubmissionID: id, Kind: checklists.KindWalkthrough, TemplateID: "store_walkthrough",
			StoreID: "s1", Unit: "chengdu-east", Author: "insp1", FinishedAt: at})
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) windows(t *testing.T, by auth.Principal, from, to string) map[string]Window {
	t.Helper()
	ws, err := e.svc.ListWindows(by, Filter{From: day(t, from), To: day(t, to)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Window{}
	for _, w := range ws {
		out[w.Start] = w
	}
	return out
}

func monthlyStore() Input {
	return Input{StoreID: "s1", TemplateID: "store_walkthrough", Frequency: Monthly, Inspectors: []string{"insp1", "insp2"}, Start: "2026-09-01"}
}

func TestDoneMissedAndDue(t *testing.T) {
	e := newEnv(t)
	p, err := e.svc.Create(sup1, monthlyStore())
	if err != nil {
		t.Fatal(err)
	}
	e.visit(t, "w-sep", time.Date(2026, 9, 30, 23, 30, 0, 0, store.Shanghai)) // late on the month's last day, Shanghai time
	ws := e.windows(t, sup1, "2026-09-01", "2026-11-30")
	if w := ws["2026-09-01"]; w.Status != StatusDone || w.SubmissionID != "w-sep" {
		t.Errorf("September: %+v, want done by w-sep", w)
	}
	if w := ws["2026-10-01"]; w.Status != StatusMissed || w.Due != "2026-10-31" {
		t.Errorf("October: %+v, want missed, due 2026-10-31", w)
	}
	if w := ws["2026-11-01"]; w.Status != StatusDue || w.StoreName != "春熙路营业厅" {
		t.Errorf("November: %+v, want due with the store's name", w)
	}
	// The inspector's phone: the missed October first, then November.
	var due []Window
	if err := e.db.View(func(tx *bolt.Tx) (err error) { due, err = DueFor(tx, "insp2", e.now); return }); err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].Status != StatusMissed || due[1].Status != StatusDue || due[1].PlanID != p.ID {
		t.Fatalf("insp2's due list = %+v", due)
	}
	// A walkthrough on 1 December (Shanghai) does not close November, even
	// though it is still 30 November in UTC.
	e.visit(t, "w-dec", time.Date(2026, 12, 1, 0, 30, 0, 0, store.Shanghai))
	e.now = time.Date(2026, 12, 1, 9, 0, 0, 0, store.Shanghai)
	ws = e.windows(t, sup1, "2026-11-01", "2026-12-31")
	if ws["2026-11-01"].Status != StatusMissed || ws["2026-12-01"].Status != StatusDone {
		t.Errorf("November %s, December %s; want missed, done", ws["2026-11-01"].Status, ws["2026-12-01"].Status)
	}
	// Another unit's supervisor sees none of it.
	if got := e.windows(t, sup2, "2026-09-01", "2026-12-31"); len(got) != 0 {
		t.Errorf("sup2 sees %d windows of another unit", len(got))
	}
}

func TestEditingAPlanKeepsThePast(t *testing.T) {
	e := newEnv(t)
	p, err := e.svc.Create(sup1, monthlyStore())
	if err != nil {
		t.Fatal(err)
	}
	e.visit(t, "w-sep", time.Date(2026, 9, 12, 10, 0, 0, 0, store.Shanghai))
	before := e.windows(t, sup1, "2026-09-01", "2026-10-31")
	// On 23 November the plan becomes weekly, with another template.
	in := monthlyStore()
	in.Frequency, in.Inspectors = Weekly, []string{"insp2"}
	p, err = e.svc.Update(sup1, p.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Versions) != 2 || p.Versions[1].From != "2026-11-23" || p.Start != "2026-09-01" {
		t.Fatalf("versions %+v, start %s", p.Versions, p.Start)
	}
	after := e.windows(t, sup1, "2026-09-01", "2026-10-31")
	for k, w := range before {
		if a := after[k]; a.Status != w.Status || a.Due != w.Due || a.SubmissionID != w.SubmissionID {
			t.Errorf("window %s changed by the edit: %+v → %+v", k, w, a)
		}
	}
	now := e.windows(t, sup1, "2026-11-23", "2026-11-29")
	if w := now["2026-11-23"]; w.Status != StatusDue || w.Frequency != Weekly || w.Due != "2026-11-29" {
		t.Errorf("this week: %+v", w)
	}
	// insp1 left the pool: no longer on their phone; insp2 is.
	var due1, due2 []Window
	_ = e.db.View(func(tx *bolt.Tx) (err error) {
		if due1, err = DueFor(tx, "insp1", e.now); err != nil {
			return err
		}
		due2, err = DueFor(tx, "insp2", e.now)
		return err
	})
	if len(due1) != 0 {
		t.Errorf("insp1 still has %+v", due1)
	}
	if len(due2) == 0 || due2[len(due2)-1].Due != "2026-11-29" {
		t.Errorf("insp2 has %+v", due2)
	}
}

func TestPlanInputIsChecked(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name  string
		by    auth.Principal
		in    func(*Input)
		field string
		kind  errs.Kind
	}{
		{"no inspector", sup1, func(in *Input) { in.Inspectors = nil }, "inspectors", errs.Invalid},
		{"a technician is no inspector", sup1, func(in *Input) { in.Inspectors = []string{"tech1"} }, "inspectors[0]", errs.Invalid},
		{"a disabled inspector", sup1, func(in *Input) { in.Inspectors = []string{"insp9"} }, "inspectors[0]", errs.Invalid},
		{"21 inspectors", sup1, func(in *Input) { in.Inspectors = make([]string, MaxInspectors+1) }, "inspectors", errs.Invalid},
		{"every 0 days", sup1, func(in *Input) { in.Frequency = EveryDays }, "every_days", errs.Invalid},
		{"yearly is not offered", sup1, func(in *Input) { in.Frequency = "yearly" }, "frequency", errs.Invalid},
		{"a bad start date", sup1, func(in *Input) { in.Start = "2026-13-01" }, "start", errs.Invalid},
		{"an unknown store", sup1, func(in *Input) { in.StoreID = "nope" }, "store_id", errs.Invalid},
		{"a spot-check template on a store", sup1, func(in *Input) { in.TemplateID = "home_visit_spotcheck" }, "template_id", errs.Invalid},
		{"a walkthrough template on a unit", sup1, func(in *Input) { in.StoreID, in.Unit = "", "chengdu-east" }, "template_id", errs.Invalid},
		{"another unit's store", sup2, func(in *Input) {}, "", errs.Forbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := monthlyStore()
			c.in(&in)
			_, err := e.svc.Create(c.by, in)
			ee, ok := errs.As(err)
			if !ok || ee.Kind != c.kind {
				t.Fatalf("err = %v, want kind %v", err, c.kind)
			}
			if c.field != "" {
				if _, ok := ee.Fields[c.field]; !ok {
					t.Errorf("fields %v lack %s", ee.Fields, c.field)
				}
			}
		})
	}
	// A spot-check plan on a unit, every 14 days, by an admin.
	p, err := e.svc.Create(admin, Input{Unit: "chengdu-east", TemplateID: "home_visit_spotcheck", Frequency: EveryDays, EveryDays: 14,
		Inspectors: []string{"insp1"}, Start: "2026-11-20"})
	if err != nil || p.Kind != checklists.KindSpotcheck || p.Unit != "chengdu-east" {
		t.Fatalf("spot-check plan %+v, %v", p, err)
	}
}

// An edit replaces only versions that have not begun: a change planned for
// next month, edited again today, is gone; the version in force stays.
func TestAnEditReplacesOnlyVersionsNotBegun(t *testing.T) {
	e := newEnv(t)
	p, err := e.svc.Create(sup1, monthlyStore())
	if err != nil {
		t.Fatal(err)
	}
	later := monthlyStore()
	later.Frequency, later.Start = Quarterly, "2027-01-01"
	if p, err = e.svc.Update(sup1, p.ID, later); err != nil || len(p.Versions) != 2 || p.Versions[1].From != "2027-01-01" {
		t.Fatalf("a change from January: %+v, %v", p, err)
	}
	now := monthlyStore()
	now.Frequency, now.Start = Weekly, "2026-01-01" // a start in the past means today
	if p, err = e.svc.Update(sup1, p.ID, now); err != nil {
		t.Fatal(err)
	}
	if len(p.Versions) != 2 || p.Versions[0].From != "2026-09-01" || p.Versions[1].From != "2026-11-23" || p.Versions[1].Frequency != Weekly || p.Versions[1].N != 3 {
		t.Fatalf("versions after the second edit: %+v", p.Versions)
	}
	if _, err := e.svc.Update(sup2, p.ID, now); err == nil {
		t.Error("another unit's supervisor edited the plan")
	}
	if _, err := e.svc.Update(sup1, "pl-nope", now); err == nil {
		t.Error("an unknown plan was edited")
	}
	moved := monthlyStore()
	moved.StoreID, moved.Unit = "", "chengdu-east"
	moved.TemplateID = "home_visit_spotcheck"
	if _, err := e.svc.Update(sup1, p.ID, moved); err == nil {
		t.Error("an edit changed what the plan inspects")
	}
}
