package fines

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

func init() {
	auth.BcryptCost = bcrypt.MinCost
	Install()
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, store.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	adminP = auth.Principal{Username: "admin", Role: auth.RoleAdmin}
	supE   = auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	supW   = auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
)

type fixture struct {
	db  *store.DB
	now time.Time
	svc *Service
}

func newFixture(t *testing.T, now string) *fixture {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, now: at(now)}
	f.svc = NewService(db, func() time.Time { return f.now })
	f.update(t, func(tx *bolt.Tx) error {
		for _, u := range []auth.NewUser{
			{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"},
			{Username: "tech3", Role: auth.RoleTechnician, Unit: "chengdu-west"},
		} {
			u.Name, u.Password = u.Username, "password-123"
			if _, err := auth.CreateUser(tx, u, nil, f.now); err != nil {
				return err
			}
		}
		return nil
	})
	return f
}

func (f *fixture) update(t *testing.T, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := f.db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// order creates an order of typ for tech, accepted at `accepted`.
func (f *fixture) order(t *testing.T, id, typ, tier, kind, tech, accepted string) {
	t.Helper()
	a := at(accepted)
	wo := workorders.WorkOrder{ID: id, Type: typ, Product: "宽带 300M", SubscribedMbps: 300,
		Customer:    workorders.Customer{Name: "张三", Phone: "13800000001", Address: "成都市锦江区春熙路 1 号", Tier: tier, Kind: kind},
		Technician:  tech,
		Appointment: workorders.Window{From: a.Add(time.Hour), To: a.Add(3 * time.Hour)},
		AcceptedAt:  a,
	}
	f.update(t, func(tx *bolt.Tx) error {
		_, err := workorders.Create(tx, wo, store.Actor{Username: "admin"}, a)
		return err
	})
}

func (f *fixture) complete(t *testing.T, id, when string) {
	t.Helper()
	f.update(t, func(tx *bolt.Tx) error {
		_, err := workorders.Complete(tx, id, "sub-"+id, at(when), store.Actor{Username: "tech1"})
		return err
	})
}

func (f *fixture) fines(t *testing.T, p auth.Principal, month string) []Fine {
	t.Helper()
	list, err := f.svc.List(p, Filter{Month: month})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func byOrder(list []Fine, id string) *Fine {
	for i := range list {
		if list[i].OrderID == id {
			return &list[i]
		}
	}
	return nil
}

// The three worked examples of issue 22, exactly.
func TestWorkedExamples(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	// 第十五条: due end of Wed 11-25 (3 working days from Mon), finished Fri
	// 10:00 = 34 h over = 2 started days: 30 + 1 × 10.
	f.order(t, "INST-1", "install", "standard", "", "tech1", "2026-11-23 10:00")
	f.complete(t, "INST-1", "2026-11-27 10:00")
	// 第二十一条: VIP repair finished 6 h after acceptance: 2 started hours
	// over the 4 h limit: 50 + 1 × 10.
	f.order(t, "VIP-1", "repair", "vip", "", "tech1", "2026-11-24 08:00")
	f.complete(t, "VIP-1", "2026-11-24 14:00")
	// 第二十九条: a removal done on day 4: 10.
	f.order(t, "RM-1", "removal", "standard", "", "tech1", "2026-11-23 15:00")
	f.complete(t, "RM-1", "2026-11-26 09:00")
	// On time: no fine.
	f.order(t, "INST-2", "install", "standard", "", "tech1", "2026-11-23 10:00")
	f.complete(t, "INST-2", "2026-11-25 18:00")

	list := f.fines(t, supE, "2026-11")
	want := map[string]struct {
		item     string
		proposed float64
		min, max float64
		units    int
	}{
		"INST-1": {"art15_install_overdue", 40, 40, 200, 2},
		"VIP-1":  {"art21_priority_repair_overdue", 60, 60, 150, 2},
		"RM-1":   {"art29_removal_overdue", 10, 10, 100, 0},
	}
	if len(list) != len(want) {
		t.Fatalf("%d fines, want %d: %+v", len(list), len(want), list)
	}
	for id, w := range want {
		x := byOrder(list, id)
		if x == nil {
			t.Fatalf("no fine for %s", id)
		}
		if x.Item != w.item || x.Proposed != w.proposed || x.Min != w.min || x.Max != w.max || x.Units != w.units ||
			x.Status != StatusProposed || x.Unit != "chengdu-east" || x.Evidence.Clock == nil || x.Evidence.Sheet != "sub-"+id {
			t.Errorf("%s: got %s %v (%v–%v, %d units, %s) evidence %+v; want %+v", id, x.Item, x.Proposed, x.Min, x.Max, x.Units, x.Status, x.Evidence, w)
		}
	}
	// West's supervisor sees none of east's fines.
	if l := f.fines(t, supW, "2026-11"); len(l) != 0 {
		t.Fatalf("west sees %d east fines", len(l))
	}
}

// 第十八条: a hold without a reason is fined 30 yuan; one with a reason is
// not; lifting the hold brings the order back to assigned with its clock
// moved on by the hold.
func TestHoldWithoutReasonIsFined(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	f.order(t, "H-1", "install", "standard", "", "tech1", "2026-11-23 10:00")
	f.order(t, "H-2", "install", "standard", "", "tech1", "2026-11-23 10:00")
	hold, assigned, why := workorders.StatusOnHold, workorders.StatusAssigned, "客户新房装修，待装"
	patch := func(id string, c workorders.Changes, when string) *workorders.WorkOrder {
		var wo *workorders.WorkOrder
		f.update(t, func(tx *bolt.Tx) error {
			var err error
			wo, err = workorders.Patch(tx, id, c, store.Actor{Username: "sup1"}, at(when))
			return err
		})
		return wo
	}
	patch("H-1", workorders.Changes{Status: &hold}, "2026-11-24 09:00")
	wo := patch("H-2", workorders.Changes{Status: &hold, HoldReason: &why}, "2026-11-24 09:00")
	if wo.Status != hold || wo.HoldReason != why || len(wo.Holds) != 1 {
		t.Fatalf("on hold: %+v", wo)
	}
	due := wo.SLA.DueAt
	wo = patch("H-2", workorders.Changes{Status: &assigned}, "2026-11-26 09:00")
	if wo.Status != assigned || wo.HoldReason != "" || wo.Holds[0].To == nil || !wo.SLA.DueAt.Equal(due.Add(48*time.Hour)) {
		t.Fatalf("lifted: %+v, due %s (was %s)", wo, wo.SLA.DueAt, due)
	}
	list := f.fines(t, supE, "2026-11")
	if len(list) != 1 || list[0].OrderID != "H-1" || list[0].Item != "art18_hold_no_reason" || list[0].Proposed != 30 || list[0].Article != "第十八条" {
		t.Fatalf("fines: %+v", list)
	}
	// Lifting and holding again without a reason is a second fine.
	patch("H-1", workorders.Changes{Status: &assigned}, "2026-11-25 09:00")
	patch("H-1", workorders.Changes{Status: &hold}, "2026-11-25 10:00")
	if list := f.fines(t, supE, "2026-11"); len(list) != 2 {
		t.Fatalf("a second hold without a reason: %d fines", len(list))
	}
}

func TestReviewConfirmAdjustWaive(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	for _, id := range []string{"A", "B", "C"} {
		f.order(t, id, "install", "standard", "", "tech1", "2026-11-23 10:00")
		f.complete(t, id, "2026-11-27 10:00") // 40, range 40–200
	}
	list := f.fines(t, supE, "2026-11")
	id := func(order string) string { return byOrder(list, order).ID }
	amount := func(v float64) *float64 { return &v }

	if _, err := f.svc.Review(supW, id("A"), Review{Action: "confirm"}); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("west confirming an east fine: %v", err)
	}
	got, err := f.svc.Review(supE, id("A"), Review{Action: "confirm"})
	if err != nil || got.Status != StatusConfirmed || got.Amount != 40 || got.ReviewedBy != "sup1" {
		t.Fatalf("confirm: %+v %v", got, err)
	}
	if _, err := f.svc.Review(supE, id("B"), Review{Action: "adjust", Amount: amount(201)}); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("adjust above the range: %v", err)
	}
	if _, err := f.svc.Review(supE, id("B"), Review{Action: "adjust", Amount: amount(39)}); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("adjust below the range: %v", err)
	}
	if got, err := f.svc.Review(supE, id("B"), Review{Action: "adjust", Amount: amount(120), Reason: "多次催告未处理"}); err != nil || got.Amount != 120 {
		t.Fatalf("adjust: %+v %v", got, err)
	}
	if _, err := f.svc.Review(supE, id("C"), Review{Action: "waive"}); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("waive without a reason: %v", err)
	}
	if got, err := f.svc.Review(supE, id("C"), Review{Action: "waive", Reason: "客户原因，已核实"}); err != nil || got.Status != StatusWaived || got.Amount != 0 {
		t.Fatalf("waive: %+v %v", got, err)
	}
	// Each decision is in the audit log.
	var actions []string
	f.db.View(func(tx *bolt.Tx) error {
		return store.ScanPrefix(tx, store.BucketAudit, nil, nil, func(_, v []byte) error {
			var e store.AuditEntry
			if err := jsonUnmarshal(v, &e); err != nil {
				return err
			}
			actions = append(actions, e.Action)
			return nil
		})
	})
	for _, a := range []string{"fine.confirm", "fine.adjust", "fine.waive"} {
		if !contains(actions, a) {
			t.Errorf("no %s in the audit log: %v", a, actions)
		}
	}
	rows, err := f.svc.Report(supE, "2026-11", "")
	if err != nil || len(rows) != 1 {
		t.Fatalf("report: %+v %v", rows, err)
	}
	r := rows[0]
	if r.Confirmed != 2 || r.ConfirmedAmount != 160 || r.Waived != 1 || r.Proposed != 0 {
		t.Fatalf("report row: %+v", r)
	}
}

// A month's caps: with a 100-yuan monthly cap on 第十五条 (set by the
// admin, as the agency contract says), three confirmed 40-yuan fines are
// 120 raw and 100 confirmed; proposed ones are shown apart and uncapped.
func TestMonthlyCapAppliesToConfirmed(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	items, _ := f.svc.CatalogueOf()
	Find(items, "art15_install_overdue").MonthlyCap = 100
	if _, err := f.svc.PutCatalogue(supE, items); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("a supervisor set the catalogue: %v", err)
	}
	if _, err := f.svc.PutCatalogue(adminP, items); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"A", "B", "C", "D"} {
		f.order(t, id, "install", "standard", "", "tech1", "2026-11-23 10:00")
		f.complete(t, id, "2026-11-27 10:00")
	}
	list := f.fines(t, supE, "2026-11")
	for _, id := range []string{"A", "B", "C"} {
		if _, err := f.svc.Review(supE, byOrder(list, id).ID, Review{Action: "confirm"}); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := f.svc.Report(adminP, "2026-11", "")
	r := rows[0]
	it := r.Items[0]
	if it.Confirmed != 3 || it.ConfirmedRaw != 120 || it.Cap != 100 || it.ConfirmedAmount != 100 || !it.Capped ||
		it.Proposed != 1 || it.ProposedAmount != 40 || r.ConfirmedAmount != 100 || r.ProposedAmount != 40 {
		t.Fatalf("capped month: row %+v item %+v", r, it)
	}
}

// 第七条: the month closes on the 8th; a closed month is frozen, and a fine
// for it that arrives later (a sheet synced late) is an adjustment in the
// next open month.
func TestClosedMonthIsFrozenAndLateFinesAreAdjustments(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	f.order(t, "A", "install", "standard", "", "tech1", "2026-11-23 10:00")
	f.complete(t, "A", "2026-11-27 10:00")
	f.order(t, "LATE", "install", "standard", "", "tech1", "2026-11-23 10:00")
	if _, err := f.svc.Close(adminP, "2026-11"); !errs.IsKind(err, errs.Conflict) {
		t.Fatalf("closing a month not over: %v", err)
	}
	f.now = at("2026-12-08 23:00")
	if ms, _ := f.svc.Months(); ms[1].Month != "2026-11" || ms[1].Closed {
		t.Fatalf("11月 closed before the 9th: %+v", ms[1])
	}
	f.now = at("2026-12-09 00:00")
	ms, err := f.svc.Months()
	if err != nil || ms[1].Month != "2026-11" || !ms[1].Closed || ms[1].ClosedBy != System {
		t.Fatalf("11月 did not close on the 9th: %+v %v", ms, err)
	}
	a := byOrder(f.fines(t, supE, "2026-11"), "A")
	if _, err := f.svc.Review(supE, a.ID, Review{Action: "confirm"}); !errs.IsKind(err, errs.Conflict) {
		t.Fatalf("reviewing a fine of a closed month: %v", err)
	}
	// The sheet finished on 11-28 reaches the server in December.
	f.complete(t, "LATE", "2026-11-28 10:00")
	if l := f.fines(t, supE, "2026-11"); len(l) != 1 {
		t.Fatalf("the closed month changed: %d fines", len(l))
	}
	dec := f.fines(t, supE, "2026-12")
	late := byOrder(dec, "LATE")
	if late == nil || !late.Adjustment || late.EventMonth != "2026-11" || late.Month != "2026-12" || late.Proposed != 50 {
		t.Fatalf("late fine: %+v", late)
	}
	if _, err := f.svc.Review(supE, late.ID, Review{Action: "confirm"}); err != nil {
		t.Fatal(err)
	}
	rows, _ := f.svc.Report(supE, "2026-12", "")
	if len(rows) != 1 || rows[0].Adjustments != 1 || rows[0].AdjustmentAmount != 50 {
		t.Fatalf("December report: %+v", rows)
	}
	nov, _ := f.svc.Report(supE, "2026-11", "")
	if len(nov) != 1 || !nov[0].Closed || nov[0].Proposed != 1 || nov[0].Confirmed != 0 {
		t.Fatalf("November frozen: %+v", nov)
	}
	if _, err := f.svc.Close(adminP, "2026-11"); !errs.IsKind(err, errs.Conflict) {
		t.Fatalf("closing twice: %v", err)
	}
}

// 第五条, by hand: east has in November 4 installs/moves/removals finished
// (1 late), 5 orders accepted of which 1 repair and no complaint, 5 finished
// with an appointment of which 4 kept, and 1 confirmed 第十八条 fine.
func TestMonthlyScore(t *testing.T) {
	f := newFixture(t, "2026-11-30 12:00")
	f.order(t, "I1", "install", "standard", "", "tech1", "2026-11-23 10:00")
	f.complete(t, "I1", "2026-11-23 12:00") // kept, on time
	f.order(t, "I2", "install", "standard", "", "tech1", "2026-11-23 10:00")
	f.complete(t, "I2", "2026-11-27 10:00") // 2 days late, appointment missed
	f.order(t, "M1", "move", "standard", "", "tech1", "2026-11-24 10:00")
	f.complete(t, "M1", "2026-11-24 13:00")
	f.order(t, "R1", "removal", "standard", "", "tech1", "2026-11-24 10:00")
	f.complete(t, "R1", "2026-11-24 12:00")
	f.order(t, "F1", "repair", "standard", "", "tech1", "2026-11-25 10:00")
	f.complete(t, "F1", "2026-11-25 11:00")
	hold := workorders.StatusOnHold
	f.order(t, "H1", "install", "standard", "", "tech1", "2026-10-30 10:00") // accepted in October
	f.update(t, func(tx *bolt.Tx) error {
		_, err := workorders.Patch(tx, "H1", workorders.Changes{Status: &hold}, store.Actor{Username: "sup1"}, at("2026-11-02 09:00"))
		return err
	})
	list := f.fines(t, supE, "2026-11")
	for _, x := range list {
		if x.Item == "art18_hold_no_reason" {
			if _, err := f.svc.Review(supE, x.ID, Review{Action: "confirm"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	scores, err := f.svc.ScoresOf(supE, "2026-11", "")
	if err != nil || len(scores) != 1 {
		t.Fatalf("scores: %+v %v", scores, err)
	}
	s := scores[0]
	// 及时率 3/4 → 30; 障碍率 1/5 → 10 × 0.8 = 8; 投诉率 0/5 → 10;
	// 预约 4/5 → 24; 其它 10 − 1 = 9. Total 81.
	if s.Timely.Points != 30 || s.Faults.Points != 8 || s.Complaints.Points != 10 || s.Appointment.Points != 24 || s.Other.Points != 9 || s.Total != 81 {
		t.Fatalf("score: %+v", s)
	}
}

func TestCatalogueFromTheSeed(t *testing.T) {
	items := Builtin()
	if err := ValidateCatalogue(items); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		item string
		n    int
		lo   float64
		hi   float64
	}{
		{"第十三条 回访不满意: 100–300 a case", "art13_unsatisfied_norm", 1, 100, 300},
		{"第十五条 超时 1 天: 30–100", "art15_install_overdue", 1, 30, 100},
		{"第十五条 超时 3 天: 30+2×10 – 100+2×100", "art15_install_overdue", 3, 50, 300},
		{"第十八条 无原因缓装: 30", "art18_hold_no_reason", 1, 30, 30},
		{"第二十一条 超时 1 小时: 50", "art21_priority_repair_overdue", 1, 50, 50},
		{"第二十二条 超时 2 天: 10+10 – 100+100", "art22_repair_overdue", 2, 20, 200},
		{"第二十八条 当月 4 次障碍: 50–100 a customer", "art28_repeat_faults", 1, 50, 100},
		{"第二十九条 拆机超时 is per 户, not per day", "art29_removal_overdue", 5, 10, 100},
	}
	for _, tc := range cases {
		it := Find(items, tc.item)
		if it == nil {
			t.Fatalf("%s: no item", tc.name)
		}
		if lo, hi := it.Range(tc.n); lo != tc.lo || hi != tc.hi || it.Proposed(tc.n) != tc.lo {
			t.Errorf("%s: %v–%v", tc.name, lo, hi)
		}
	}
}
