package sla

import (
	"testing"
	"time"

	"fieldcheck/store"
	"fieldcheck/workdays"
	"fieldcheck/workorders"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, store.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

func env() Env {
	cal, _ := workdays.Builtin(2026)
	return Env{Rules: Builtin(), Cal: workdays.New(cal)}
}

func order(typ, tier, kind, accepted string) *workorders.WorkOrder {
	return &workorders.WorkOrder{ID: "WO", Type: typ, Product: "宽带 300M", Status: workorders.StatusAssigned,
		Customer: workorders.Customer{Tier: tier, Kind: kind}, AcceptedAt: at(accepted)}
}

func done(wo *workorders.WorkOrder, s string) *workorders.WorkOrder {
	wo.Status, wo.CompletedAt = workorders.StatusCompleted, ptr(at(s))
	return wo
}

func TestClocksFromTheArticles(t *testing.T) {
	cases := []struct {
		name    string
		wo      *workorders.WorkOrder
		rule    string
		due     string
		overdue int
	}{
		{"第十五条 装机 3 个工作日: accepted Monday, due Wednesday night, finished Friday 10:00 is 2 started days over",
			done(order("install", "standard", "", "2026-11-23 10:00"), "2026-11-27 10:00"), "install_move", "2026-11-25 23:59", 2},
		{"working-day boundary: accepted Friday, the weekend does not count, due Tuesday night",
			done(order("move", "standard", "", "2026-11-27 16:00"), "2026-12-01 20:00"), "install_move", "2026-12-01 23:59", 0},
		{"working-day boundary: 国庆 does not count, accepted 9月30日 is due 10月9日 (10月8日, 9日 worked)",
			done(order("install", "standard", "", "2026-09-30 09:00"), "2026-10-09 18:00"), "install_move", "2026-10-09 23:59", 0},
		{"第二十一条 VIP 修障 ≤ 4 h: accepted 08:00, finished 14:00 is 2 started hours over",
			done(order("repair", "vip", "", "2026-11-23 08:00"), "2026-11-23 14:00"), "repair_vip", "2026-11-23 12:00", 2},
		{"第二十一条 政企 修障 ≤ 4 h: 4 h 01 min is 1 started hour over",
			done(order("repair", "standard", "enterprise", "2026-11-23 08:00"), "2026-11-23 12:01"), "repair_enterprise", "2026-11-23 12:00", 1},
		{"第二十二条 普通修障 24 h, counted by the day: 26 h is 1 started day over",
			done(order("repair", "high_value", "residential", "2026-11-23 08:00"), "2026-11-24 10:00"), "repair", "2026-11-24 08:00", 1},
		{"第二十九条 拆机三天内: accepted day 1, removed on day 4 is 1 day over",
			done(order("removal", "standard", "", "2026-11-23 15:00"), "2026-11-26 09:00"), "removal", "2026-11-25 23:59", 1},
		{"第二十九条 拆机 on day 3 is on time",
			done(order("removal", "standard", "", "2026-11-23 15:00"), "2026-11-25 22:00"), "removal", "2026-11-25 23:59", 0},
		{"a complaint's first contact within 2 hours",
			order("complaint", "standard", "", "2026-11-23 15:00"), "complaint_contact", "2026-11-23 17:00", 0},
	}
	for _, tc := range cases {
		c := Compute(env(), tc.wo)
		if c == nil {
			t.Errorf("%s: no clock", tc.name)
			continue
		}
		if c.Rule != tc.rule || c.DueAt.Truncate(time.Minute) != at(tc.due) || c.OverdueUnits != tc.overdue {
			t.Errorf("%s:\n got rule %s due %s over %d\nwant rule %s due %s over %d", tc.name,
				c.Rule, c.DueAt.In(store.Shanghai).Format("2006-01-02 15:04"), c.OverdueUnits, tc.rule, tc.due, tc.overdue)
		}
	}
}

// 缓装: two days on hold (第十八条, with a reason) move the limit by two days,
// so an install finished on Friday is on time instead of 2 days late.
func TestHoldPausesTheClock(t *testing.T) {
	wo := done(order("install", "standard", "", "2026-11-23 10:00"), "2026-11-27 10:00")
	wo.Holds = []workorders.Hold{{From: at("2026-11-24 09:00"), To: ptr(at("2026-11-26 09:00")), Reason: "客户装修，待装"}}
	c := Compute(env(), wo)
	if c.PausedSeconds != 48*3600 || c.OverdueUnits != 0 || c.DueAt.Truncate(time.Minute) != at("2026-11-27 23:59") {
		t.Fatalf("paused %d s, due %s, over %d; want 172800 s, 11-27 23:59, 0", c.PausedSeconds, c.DueAt, c.OverdueUnits)
	}
	// A hold still running does not move the due time yet (the phone shows
	// the clock paused); once it ends, it does.
	open := order("install", "standard", "", "2026-11-23 10:00")
	open.Status = workorders.StatusOnHold
	open.Holds = []workorders.Hold{{From: at("2026-11-24 09:00")}}
	if c := Compute(env(), open); c.PausedSeconds != 0 || c.StoppedAt != nil {
		t.Fatalf("a running hold: %+v", c)
	}
	// A hold that began before the clock started counts only from the start.
	if d := Paused([]workorders.Hold{{From: at("2026-11-22 09:00"), To: ptr(at("2026-11-23 12:00"))}}, at("2026-11-23 10:00"), time.Time{}); d != 2*time.Hour {
		t.Fatalf("hold clipped to the start: %s", d)
	}
}

func TestOrdersAcceptedBeforeTheUpgradeStartThen(t *testing.T) {
	e := env()
	e.Since = at("2026-11-25 00:00")
	wo := order("repair", "vip", "", "2026-11-20 08:00")
	c := Compute(e, wo)
	if !c.FromUpgrade || !c.StartAt.Equal(e.Since) || !c.DueAt.Equal(e.Since.Add(4*time.Hour)) {
		t.Fatalf("clock of an order accepted before the upgrade: %+v", c)
	}
	if c := Compute(e, done(order("repair", "vip", "", "2026-11-20 08:00"), "2026-11-21 08:00")); c != nil {
		t.Fatalf("an order finished before the upgrade got a clock: %+v", c)
	}
	after := order("repair", "vip", "", "2026-11-26 08:00")
	if c := Compute(e, after); c.FromUpgrade {
		t.Fatal("an order accepted after the upgrade is marked from_upgrade")
	}
}

func TestUnitsAreStarted(t *testing.T) {
	cases := []struct {
		d    time.Duration
		unit string
		want int
	}{
		{0, UnitHour, 0}, {-time.Hour, UnitDay, 0}, {time.Minute, UnitHour, 1}, {time.Hour, UnitHour, 1},
		{61 * time.Minute, UnitHour, 2}, {24 * time.Hour, UnitDay, 1}, {25 * time.Hour, UnitDay, 2},
	}
	for _, tc := range cases {
		if got := Units(tc.d, tc.unit); got != tc.want {
			t.Errorf("Units(%s, %s) = %d, want %d", tc.d, tc.unit, got, tc.want)
		}
	}
}

func TestValidateRules(t *testing.T) {
	if err := ValidateRules(Builtin()); err != nil {
		t.Fatalf("built-in rules: %v", err)
	}
	bad := Builtin()
	bad[0].Per = "week"
	bad[1].ID = bad[0].ID
	if err := ValidateRules(bad); err == nil {
		t.Fatal("a rule per week and a repeated id passed")
	}
}
