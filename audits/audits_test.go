package audits

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workdays"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

var (
	now   = time.Date(2026, 12, 4, 10, 0, 0, 0, store.Shanghai)
	insp  = auth.Principal{Username: "insp1", Role: auth.RoleInspector, Unit: "province"}
	sup   = auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	sup2  = auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	tech  = auth.Principal{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	admin = store.Actor{Username: "admin"}
)

func newService(t *testing.T) (*Service, *store.DB) {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		for _, u := range []auth.NewUser{
			{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"},
			{Username: "tech3", Role: auth.RoleTechnician, Unit: "chengdu-west"},
		} {
			u.Name, u.Password = u.Username, "password-123"
			if _, err := auth.CreateUser(tx, u, nil, now.AddDate(-1, 0, 0)); err != nil {
				return err
			}
		}
		return nil
	})
	return NewService(db, func() time.Time { return now }), db
}

func mustUpdate(t *testing.T, db *store.DB, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// order stores an order of line for tech; done ≠ zero completes it then.
func order(t *testing.T, db *store.DB, id, techn, line string, done time.Time) {
	t.Helper()
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		wo := workorders.WorkOrder{ID: id, Type: "install", Product: line, SubscribedMbps: 100, Technician: techn, Line: line,
			Customer:    workorders.Customer{Name: "某某公司", Phone: "13800000001", Address: "春熙路 1 号", Tier: "standard", Kind: "enterprise"},
			Appointment: workorders.Window{From: now.AddDate(0, -5, 0), To: now.AddDate(0, -5, 0).Add(2 * time.Hour)}}
		if _, err := workorders.Create(tx, wo, admin, now.AddDate(0, -5, 0)); err != nil {
			return err
		}
		if !done.IsZero() {
			_, err := workorders.Complete(tx, id, "sub-"+id, done, admin)
			return err
		}
		return nil
	})
}

func isCode(err error, code string) bool {
	e, ok := errs.As(err)
	return ok && e.Code == code
}

func start(t *testing.T, s *Service, unclaimed ...string) Audit {
	t.Helper()
	a, err := s.Create(insp, CreateInput{Unit: "chengdu-east", AuditorName: "王稽查", AuditorContact: "13900000000", Unclaimed: unclaimed})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func result(t *testing.T, s *Service, id, item string) ItemResult {
	t.Helper()
	r, err := s.Results(insp, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, ir := range r.Items {
		if ir.Item.ID == item {
			return ir
		}
	}
	t.Fatalf("no item %s", item)
	return ItemResult{}
}

// Seed 000 工单抽查: orders finished in the last 3 months of the item's lines,
// in the audited unit. 40 专线 candidates; the draw of 3 is stored with its
// seed and comes out again from it; a second draw is refused.
func TestDrawThreeOfFortyReproducibleFromItsSeed(t *testing.T) {
	s, db := newService(t)
	var want []string
	for i := 1; i <= 40; i++ {
		id := fmt.Sprintf("ZX-%02d", i)
		order(t, db, id, "tech1", "专线", now.AddDate(0, 0, -i*2)) // 2 to 80 days ago
		want = append(want, id)
	}
	order(t, db, "ZX-OLD", "tech1", "专线", now.AddDate(0, -3, -1)) // finished over 3 months ago
	order(t, db, "ZX-OPEN", "tech1", "专线", time.Time{})           // not finished
	order(t, db, "ZX-WEST", "tech3", "专线", now.AddDate(0, 0, -3)) // another unit
	order(t, db, "BW-1", "tech1", "带宽型", now.AddDate(0, 0, -3))   // another line
	a := start(t, s)
	a, err := s.DrawSample(insp, a.ID, "basic-22", 3)
	if err != nil {
		t.Fatal(err)
	}
	ds := a.Draws["basic-22"]
	if len(ds) != 3 {
		t.Fatalf("draws %+v, want one per line (带宽型, 专线, 物联网)", ds)
	}
	var zx Draw
	for _, d := range ds {
		if d.Line == "专线" {
			zx = d
		}
	}
	if zx.Candidates != 40 || zx.Want != 3 || zx.Short || len(zx.Orders) != 3 || !zx.At.Equal(now) ||
		!zx.From.Equal(now.AddDate(0, -3, 0)) {
		t.Fatalf("专线 draw %+v, want 3 of 40 candidates from the last 3 months", zx)
	}
	if again := Pick(want, zx.Seed, 3); !slices.Equal(again, zx.Orders) {
		t.Fatalf("drawn %v, the stored seed %d gives %v", zx.Orders, zx.Seed, again)
	}
	for _, o := range zx.Orders {
		if !slices.Contains(want, o) {
			t.Fatalf("drew %s, not a candidate", o)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(zx.Orders)))) != 3 {
		t.Fatalf("drew an order twice: %v", zx.Orders)
	}
	// The stored draw reads back the same.
	got, err := s.Get(insp, a.ID)
	if err != nil || !slices.Equal(got.Draws["basic-22"][1].Orders, ds[1].Orders) || got.Draws["basic-22"][1].Seed != ds[1].Seed {
		t.Fatalf("stored draw %+v (%v)", got.Draws, err)
	}
	// The auditor cannot draw again to pick other orders.
	if _, err := s.DrawSample(insp, a.ID, "basic-22", 3); !isCode(err, "already_drawn") {
		t.Fatalf("second draw: %v", err)
	}
	// 带宽型 had 1 candidate and 物联网 none: said, not hidden.
	for _, d := range ds {
		if d.Line == "带宽型" && (d.Candidates != 1 || !d.Short || !slices.Equal(d.Orders, []string{"BW-1"})) {
			t.Fatalf("带宽型 draw %+v", d)
		}
		if d.Line == "物联网" && (d.Candidates != 0 || !d.Short || len(d.Orders) != 0) {
			t.Fatalf("物联网 draw %+v", d)
		}
	}
	if r := result(t, s, a.ID, "basic-22"); r.Result != ResultShort {
		t.Fatalf("result %q with too few candidates, want short", r.Result)
	}
}

// Pick is a pure function of the sorted candidates, the seed and n: the
// same seed picks the same orders whatever order the candidates came in,
// and another seed (almost surely) picks others.
func TestPickDependsOnlyOnSeedAndSet(t *testing.T) {
	var ids []string
	for i := 40; i >= 1; i-- {
		ids = append(ids, fmt.Sprintf("WO-%02d", i))
	}
	a := Pick(ids, 20261204, 3)
	b := Pick(slices.Sorted(slices.Values(ids)), 20261204, 3)
	if !slices.Equal(a, b) || len(a) != 3 {
		t.Fatalf("%v vs %v", a, b)
	}
	if c := Pick(ids, 20261205, 3); slices.Equal(a, c) {
		t.Fatalf("seeds 20261204 and 20261205 drew the same %v", a)
	}
	if all := Pick(ids[:2], 1, 3); len(all) != 2 {
		t.Fatalf("2 candidates for 3 gave %v", all)
	}
}

// Seed 000: "有1单不符合要求即视为不达标" — one bad order fails the item even
// when every other drawn order conforms; all conforming passes.
func TestOneNonConformingOrderFailsTheItem(t *testing.T) {
	s, db := newService(t)
	for i, line := range []string{"带宽型", "专线", "物联网"} {
		for j := 0; j < 5; j++ {
			order(t, db, fmt.Sprintf("L%d-%d", i, j), "tech1", line, now.AddDate(0, 0, -10-j))
		}
	}
	a := start(t, s)
	a, err := s.DrawSample(insp, a.ID, "basic-22", 0) // the item's own count: 1 per line
	if err != nil {
		t.Fatal(err)
	}
	var drawnOrders []string
	for _, d := range a.Draws["basic-22"] {
		if d.Candidates != 5 || len(d.Orders) != 1 || d.Short {
			t.Fatalf("draw %+v", d)
		}
		drawnOrders = append(drawnOrders, d.Orders...)
	}
	yes, no := true, false
	for _, o := range drawnOrders[:2] {
		if _, err := s.Judge(insp, a.ID, "basic-22", JudgeInput{Order: o, OK: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	if r := result(t, s, a.ID, "basic-22"); r.Result != ResultPending || r.Judged != 2 {
		t.Fatalf("2 of 3 judged: %+v", r)
	}
	if _, err := s.Judge(insp, a.ID, "basic-22", JudgeInput{Order: drawnOrders[2], OK: &no, Note: "无测试报告"}); err != nil {
		t.Fatal(err)
	}
	if r := result(t, s, a.ID, "basic-22"); r.Result != ResultFail || !slices.Equal(r.Bad, drawnOrders[2:]) {
		t.Fatalf("one bad order: %+v", r)
	}
	if _, err := s.Judge(insp, a.ID, "basic-22", JudgeInput{Order: drawnOrders[2], OK: &yes}); err != nil {
		t.Fatal(err)
	}
	if r := result(t, s, a.ID, "basic-22"); r.Result != ResultPass {
		t.Fatalf("all conforming: %+v", r)
	}
	// An order outside the draw cannot be judged into it.
	var other string
	for i := 0; i < 5 && other == ""; i++ {
		if id := fmt.Sprintf("L1-%d", i); !slices.Contains(drawnOrders, id) {
			other = id
		}
	}
	if _, err := s.Judge(insp, a.ID, "basic-22", JudgeInput{Order: other, OK: &yes}); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("judging an undrawn order: %v", err)
	}
}

// 认领目标 不提供: the item is not applicable — out of the totals, and no
// verdict or draw can be recorded on it.
func TestUnclaimedItemIsExcluded(t *testing.T) {
	s, _ := newService(t)
	a := start(t, s, "common-21", "basic-22")
	r, err := s.Results(insp, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != len(Builtin().Items) || r.Applicable != len(Builtin().Items)-2 {
		t.Fatalf("applicable %d of %d items, want all but the 2 unclaimed", r.Applicable, len(r.Items))
	}
	if ir := result(t, s, a.ID, "common-21"); ir.Result != ResultNotApplicable {
		t.Fatalf("unclaimed item: %q", ir.Result)
	}
	yes := true
	if _, err := s.Judge(insp, a.ID, "common-21", JudgeInput{OK: &yes}); !isCode(err, "not_claimed") {
		t.Fatalf("judging an unclaimed item: %v", err)
	}
	if _, err := s.DrawSample(insp, a.ID, "basic-22", 1); !isCode(err, "not_claimed") {
		t.Fatalf("drawing for an unclaimed item: %v", err)
	}
	if _, _, err := s.AddEvidence(insp, a.ID, "common-21", strings.Repeat("a", 64), "jpg"); !isCode(err, "not_claimed") {
		t.Fatalf("evidence for an unclaimed item: %v", err)
	}
	// A claimed documents item passes on the auditor's verdict and counts.
	if _, err := s.Judge(insp, a.ID, "basic-29", JudgeInput{OK: &yes}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Results(insp, a.ID); r.Passed != 1 || r.Failed != 0 {
		t.Fatalf("passed %d failed %d", r.Passed, r.Failed)
	}
	if _, err := s.Create(insp, CreateInput{Unit: "chengdu-east", AuditorName: "王", AuditorContact: "1", Unclaimed: []string{"basic-99"}}); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("unclaiming an unknown item: %v", err)
	}
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, store.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(s string) *time.Time { t := at(s); return &t }

// 方案响应及时率 by hand on the 2026 calendar (State Council: 9-25..27
// 中秋 off, 10-01..07 国庆 off, Saturday 10-10 worked), counting the
// request's own day as the first working day:
//   - 100M requested Thu 09-24: 09-24, 28, 29, 30 → due by 09-30 end.
//     Submitted 09-30 17:00 on time; 10-08 09:00 late.
//   - 1000M (large, 7 days) requested 09-24: 24, 28, 29, 30, 10-08, 09, 10
//     (a worked Saturday) → due by 10-10 end. Submitted 10-10 16:00 on time.
//   - 100M requested Fri 11-20 (a plain weekend): 20, 23, 24, 25 → due by
//     11-25 end. Submitted 11-25 18:00 on time; 11-26 10:00 late.
//   - 100M requested Tue 12-01, not submitted: due 12-04 end, still open
//     at now (12-04 10:00) → pending, not counted.
//
// 3 of 5 on time = 60% < 95%: the item fails.
func TestProposalTimesAcrossWeekendAndHoliday(t *testing.T) {
	tl := *mustItem(t, "basic-4").TimeLimit
	cal := workdays.New(mustBuiltin(t, 2026))
	mk := func(id string, mbps float64, req, sub string) workorders.WorkOrder {
		wo := workorders.WorkOrder{ID: id, SubscribedMbps: mbps, Line: "带宽型", ProposalRequestedAt: tp(req)}
		if sub != "" {
			wo.ProposalSubmittedAt = tp(sub)
		}
		return wo
	}
	orders := []workorders.WorkOrder{
		mk("A", 100, "2026-09-24 10:00", "2026-09-30 17:00"),
		mk("B", 100, "2026-09-24 10:00", "2026-10-08 09:00"),
		mk("C", 1000, "2026-09-24 10:00", "2026-10-10 16:00"),
		mk("D", 100, "2026-11-20 15:00", "2026-11-25 18:00"),
		mk("E", 100, "2026-11-20 15:00", "2026-11-26 10:00"),
		mk("F", 100, "2026-12-01 09:00", ""),
	}
	for id, want := range map[string]string{"A": "2026-09-30", "C": "2026-10-10", "D": "2026-11-25", "F": "2026-12-04"} {
		for _, wo := range orders {
			if wo.ID == id {
				if got := tl.Deadline(cal, wo); !got.Equal(store.DayEnd(at(want + " 12:00"))) {
					t.Errorf("%s due %v, want the end of %s", id, got, want)
				}
			}
		}
	}
	m := tl.Measure(cal, orders, now)
	if m.Orders != 5 || m.OnTime != 3 || m.Pending != 1 || m.Percent != 60 || len(m.Late) != 2 ||
		m.Late[0].Order != "B" || m.Late[1].Order != "E" {
		t.Fatalf("measure %+v", m)
	}

	// Through the service: the unit's 带宽型 orders with 方案 times.
	s, db := newService(t)
	for _, wo := range orders {
		wo := wo
		mustUpdate(t, db, func(tx *bolt.Tx) error {
			wo.Type, wo.Product, wo.Technician = "install", "带宽型", "tech1"
			wo.Customer = workorders.Customer{Name: "某某公司", Phone: "13800000001", Address: "春熙路 1 号", Tier: "standard", Kind: "enterprise"}
			wo.Appointment = workorders.Window{From: now, To: now.Add(time.Hour)}
			_, err := workorders.Create(tx, wo, admin, now.AddDate(0, -3, 0))
			return err
		})
	}
	a := start(t, s)
	r := result(t, s, a.ID, "basic-4")
	if r.Result != ResultFail || r.Timeliness == nil || r.Timeliness.Percent != 60 || r.Timeliness.Target != 95 {
		t.Fatalf("basic-4 %+v %+v", r, r.Timeliness)
	}
}

func mustItem(t *testing.T, id string) Item {
	t.Helper()
	it, ok := itemByID(id)
	if !ok {
		t.Fatalf("no item %s", id)
	}
	return it
}

func mustBuiltin(t *testing.T, y int) workdays.Calendar {
	c, ok := workdays.Builtin(y)
	if !ok {
		t.Fatalf("no built-in %d calendar", y)
	}
	return c
}

// The seed's rule: 标准分类_编号_服务环节_服务标准_序号, its own example
// 基础类_22_验收交付_客户交付_交付报告_1; evidence is numbered per item.
func TestEvidenceNamesByTheSeedsRule(t *testing.T) {
	if got := EvidenceName(mustItem(t, "basic-22"), 1); got != "基础类_22_验收交付_客户交付_交付报告_1" {
		t.Fatalf("got %s", got)
	}
	if got := EvidenceName(mustItem(t, "basic-42"), 3); got != "基础类_42_业务变更、退订_业务变更_变更渠道_3" {
		t.Fatalf("got %s", got)
	}
	s, _ := newService(t)
	a := start(t, s)
	sha := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	other := "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
	var names []string
	// Two files on basic-22 (the same file sent again is kept once: see
	// server's TestAuditResendsCountOnce), the first file again on common-20.
	for i, it := range []string{"basic-22", "basic-22", "common-20"} {
		file := sha
		if i == 1 {
			file = other
		}
		_, ev, err := s.AddEvidence(insp, a.ID, it, file, ".JPG")
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, ev.Name+"."+ev.Ext)
	}
	want := []string{"基础类_22_验收交付_客户交付_交付报告_1.jpg", "基础类_22_验收交付_客户交付_交付报告_2.jpg", "共性能力_20_客户关怀_客户级_关怀回馈_1.jpg"}
	if !slices.Equal(names, want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	if _, _, err := s.AddEvidence(insp, a.ID, "basic-22", "../../etc/passwd", "jpg"); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("bad sha: %v", err)
	}
}

// Inspectors and admins audit any unit, a supervisor only their own;
// technicians none. Another unit's supervisor does not see the audit.
// A filed audit no longer changes.
func TestWhoMayAudit(t *testing.T) {
	s, _ := newService(t)
	in := CreateInput{Unit: "chengdu-east", AuditorName: "王稽查", AuditorContact: "13900000000"}
	if _, err := s.Create(tech, in); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("technician: %v", err)
	}
	if _, err := s.Create(sup2, in); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("other unit's supervisor: %v", err)
	}
	a, err := s.Create(sup, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(sup2, a.ID); !errs.IsKind(err, errs.NotFound) {
		t.Fatalf("other unit's supervisor reads: %v", err)
	}
	if _, err := s.File(sup, a.ID, "加强交付文档管理"); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := s.Judge(insp, a.ID, "basic-29", JudgeInput{OK: &yes}); !isCode(err, "audit_filed") {
		t.Fatalf("judging a filed audit: %v", err)
	}
	if _, err := s.Create(insp, CreateInput{Unit: "chengdu-east"}); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("no auditor name: %v", err)
	}
}

// List pages by id and keeps a supervisor to their unit.
func TestListPagesAndScopes(t *testing.T) {
	s, _ := newService(t)
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, start(t, s).ID)
	}
	if _, err := s.Create(insp, CreateInput{Unit: "chengdu-west", AuditorName: "王稽查", AuditorContact: "1"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for {
		page, next, err := s.List(insp, "chengdu-east", 2, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			got = append(got, a.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	if !slices.Equal(got, slices.Sorted(slices.Values(ids))) {
		t.Fatalf("paged %v, want %v", got, ids)
	}
	if l, _, _ := s.List(sup2, "", 10, ""); len(l) != 1 || l[0].Unit != "chengdu-west" {
		t.Fatalf("west supervisor sees %+v", l)
	}
	if _, _, err := s.List(tech, "", 10, ""); !errs.IsKind(err, errs.Forbidden) {
		t.Fatalf("technician: %v", err)
	}
}
