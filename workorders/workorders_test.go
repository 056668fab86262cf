package workorders

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// Test users' passwords need no real cost.
func init() { auth.BcryptCost = bcrypt.MinCost }

var (
	t0    = time.Date(2026, 11, 20, 9, 0, 0, 0, store.Shanghai)
	admin = store.Actor{Username: "admin"}
)

// newDB opens a store in t.TempDir() with technicians tech1, tech2
// (chengdu-east), tech3 (chengdu-west), a disabled technician and an inspector.
func newDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users := []auth.NewUser{
		{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"},
		{Username: "tech2", Role: auth.RoleTechnician, Unit: "chengdu-east"},
		{Username: "tech3", Role: auth.RoleTechnician, Unit: "chengdu-west"},
		{Username: "gone", Role: auth.RoleTechnician, Unit: "chengdu-east"},
		{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"},
	}
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		for _, u := range users {
			u.Name, u.Password = u.Username, "password-123"
			if _, err := auth.CreateUser(tx, u, nil, t0); err != nil {
				return err
			}
		}
		disabled := true
		_, err := auth.PatchUser(tx, "gone", auth.UserPatch{Disabled: &disabled}, auth.Principal{Username: "admin", Role: auth.RoleAdmin}, t0)
		return err
	})
	return db
}

func mustUpdate(t testing.TB, db *store.DB, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// newOrder is a valid broadband install for tech1; edit changes what a case needs.
func newOrder(id string, edit ...func(*WorkOrder)) WorkOrder {
	wo := WorkOrder{
		ID: id, Type: TypeInstall, Product: "宽带 300M", SubscribedMbps: 300,
		Customer:    Customer{Name: "张三", Phone: "13800000001", Address: "成都市锦江区春熙路 1 号", Tier: TierStandard},
		Technician:  "tech1",
		Appointment: Window{From: t0, To: t0.Add(2 * time.Hour)},
	}
	for _, e := range edit {
		e(&wo)
	}
	return wo
}

func mustCreate(t *testing.T, db *store.DB, wo WorkOrder) *WorkOrder {
	t.Helper()
	var out *WorkOrder
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		var err error
		out, err = Create(tx, wo, admin, t0)
		return err
	})
	return out
}

func feed(t *testing.T, db *store.DB, scope string) []string {
	t.Helper()
	var out []string
	if err := db.View(func(tx *bolt.Tx) error {
		ch, err := store.FeedSince(tx, scope, 0, 1000)
		for _, c := range ch {
			out = append(out, c.Kind+":"+c.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func fieldsOf(err error) map[string]errs.Msg {
	if e, ok := errs.As(err); ok {
		return e.Fields
	}
	return nil
}

func TestCreateRefusesInvalidOrdersNamingTheField(t *testing.T) {
	db := newDB(t)
	cases := []struct {
		name, field string
		edit        func(*WorkOrder)
	}{
		{"id is required", "id", func(w *WorkOrder) { w.ID = "" }},
		{"id longer than 64 characters", "id", func(w *WorkOrder) { w.ID = fmt.Sprintf("%065d", 1) }},
		{"id with a slash", "id", func(w *WorkOrder) { w.ID = "WO/1" }},
		{"id with a control character", "id", func(w *WorkOrder) { w.ID = "WO\x001" }},
		{"unknown type", "type", func(w *WorkOrder) { w.Type = "upgrade" }},
		{"broadband install without subscribed rate", "subscribed_mbps", func(w *WorkOrder) { w.SubscribedMbps = 0 }},
		{"broadband repair without subscribed rate", "subscribed_mbps", func(w *WorkOrder) { w.Type, w.SubscribedMbps = TypeRepair, 0 }},
		{"negative subscribed rate", "subscribed_mbps", func(w *WorkOrder) { w.SubscribedMbps = -1 }},
		{"phone too short", "customer.phone", func(w *WorkOrder) { w.Customer.Phone = "1380000" }},
		{"mobile starting 12", "customer.phone", func(w *WorkOrder) { w.Customer.Phone = "12800000001" }},
		{"landline without area code", "customer.phone", func(w *WorkOrder) { w.Customer.Phone = "85551234" }},
		{"unknown tier", "customer.tier", func(w *WorkOrder) { w.Customer.Tier = "gold" }},
		{"tier missing", "customer.tier", func(w *WorkOrder) { w.Customer.Tier = "" }},
		{"customer name missing", "customer.name", func(w *WorkOrder) { w.Customer.Name = " " }},
		{"home visit without address", "customer.address", func(w *WorkOrder) { w.Customer.Address = "" }},
		{"unknown technician", "technician", func(w *WorkOrder) { w.Technician = "nobody" }},
		{"disabled technician", "technician", func(w *WorkOrder) { w.Technician = "gone" }},
		{"inspector is not a technician", "technician", func(w *WorkOrder) { w.Technician = "insp1" }},
		{"appointment ends before it starts", "appointment.to", func(w *WorkOrder) { w.Appointment.To = w.Appointment.From.Add(-time.Hour) }},
		{"appointment of zero length", "appointment.to", func(w *WorkOrder) { w.Appointment.To = w.Appointment.From }},
		{"home visit without appointment", "appointment", func(w *WorkOrder) { w.Appointment = Window{} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := db.Update(func(tx *bolt.Tx) error {
				_, err := Create(tx, newOrder("WO-1", c.edit), admin, t0)
				return err
			})
			if _, ok := fieldsOf(err)[c.field]; !ok {
				t.Fatalf("want a %q field error, got %v", c.field, err)
			}
		})
	}
}

func TestCreateAcceptsWhatTheRulesAllow(t *testing.T) {
	db := newDB(t)
	cases := []struct {
		name string
		edit func(*WorkOrder)
	}{
		{"removal of broadband needs no rate", func(w *WorkOrder) { w.Type, w.SubscribedMbps = TypeRemoval, 0 }},
		{"complaint needs no rate, address or appointment", func(w *WorkOrder) {
			w.Type, w.SubscribedMbps, w.Customer.Address, w.Appointment = TypeComplaint, 0, "", Window{}
		}},
		{"phone line install needs no rate", func(w *WorkOrder) { w.Product, w.SubscribedMbps = "固话", 0 }},
		{"landline with area code", func(w *WorkOrder) { w.Customer.Phone = "028-85551234" }},
		{"mobile with +86 and spaces", func(w *WorkOrder) { w.Customer.Phone = "+86 138 0000 0001" }},
		{"Chinese id", func(w *WorkOrder) { w.ID = "装机-成都-0001" }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wo := mustCreate(t, db, newOrder(fmt.Sprintf("OK-%d", i), c.edit))
			if wo.Status != StatusAssigned || wo.Version != 1 || wo.Unit != "chengdu-east" {
				t.Fatalf("got status %q version %d unit %q", wo.Status, wo.Version, wo.Unit)
			}
		})
	}
}

func TestCreateTwiceIsAConflict(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	err := db.Update(func(tx *bolt.Tx) error { _, err := Create(tx, newOrder("WO-1"), admin, t0); return err })
	if err != ErrExists {
		t.Fatalf("got %v", err)
	}
}

func TestCreatePublishesToTechnicianAndUnitAndAudits(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	if got := feed(t, db, store.ScopeUser("tech1")); fmt.Sprint(got) != "[workorder:WO-1]" {
		t.Fatalf("tech1 feed %v", got)
	}
	if got := feed(t, db, store.ScopeUnit("chengdu-east")); fmt.Sprint(got) != "[workorder:WO-1]" {
		t.Fatalf("unit feed %v", got)
	}
	var actions []string
	db.View(func(tx *bolt.Tx) error {
		return store.AuditRange(tx, t0.Add(-time.Hour), t0.Add(time.Hour), func(e store.AuditEntry) error {
			actions = append(actions, e.Action+" "+e.Object)
			return nil
		})
	})
	if fmt.Sprint(actions) != "[workorder.create workorder/WO-1]" {
		t.Fatalf("audit %v", actions)
	}
}

func patch(t *testing.T, db *store.DB, id string, p Changes) (*WorkOrder, error) {
	t.Helper()
	var out *WorkOrder
	err := db.Update(func(tx *bolt.Tx) error {
		var err error
		out, err = Patch(tx, id, p, admin, t0.Add(time.Hour))
		return err
	})
	return out, err
}

func ptr[T any](v T) *T { return &v }

func TestReassignMovesTheOrderOffTheOldTechniciansPhone(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	wo, err := patch(t, db, "WO-1", Changes{Technician: ptr("tech3")})
	if err != nil {
		t.Fatal(err)
	}
	if wo.Technician != "tech3" || wo.Unit != "chengdu-west" || wo.Version != 2 {
		t.Fatalf("got %+v", wo)
	}
	if got := feed(t, db, store.ScopeUser("tech1")); fmt.Sprint(got) != "[workorder:WO-1 removed:WO-1]" {
		t.Fatalf("old technician feed %v", got)
	}
	if got := feed(t, db, store.ScopeUser("tech3")); fmt.Sprint(got) != "[workorder:WO-1]" {
		t.Fatalf("new technician feed %v", got)
	}
	if got := feed(t, db, store.ScopeUnit("chengdu-east")); fmt.Sprint(got) != "[workorder:WO-1 removed:WO-1]" {
		t.Fatalf("old unit feed %v", got)
	}
	db.View(func(tx *bolt.Tx) error {
		if store.Has(tx, store.BucketWorkOrdersByTech, store.Key("tech1", "WO-1")) ||
			!store.Has(tx, store.BucketWorkOrdersByTech, store.Key("tech3", "WO-1")) ||
			store.Has(tx, store.BucketWorkOrdersByUnit, store.Key("chengdu-east", "WO-1")) ||
			!store.Has(tx, store.BucketWorkOrdersByUnit, store.Key("chengdu-west", "WO-1")) {
			t.Error("indexes not moved")
		}
		return nil
	})
}

func TestRescheduleKeepsTheTechnician(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	from := t0.Add(24 * time.Hour)
	wo, err := patch(t, db, "WO-1", Changes{Appointment: &Window{From: from, To: from.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if !wo.Appointment.From.Equal(from) || wo.Version != 2 {
		t.Fatalf("got %+v", wo)
	}
	if got := feed(t, db, store.ScopeUser("tech1")); fmt.Sprint(got) != "[workorder:WO-1 workorder:WO-1]" {
		t.Fatalf("feed %v", got)
	}
	// The same window again changes nothing.
	again, err := patch(t, db, "WO-1", Changes{Appointment: &Window{From: from, To: from.Add(time.Hour)}})
	if err != nil || again.Version != 2 {
		t.Fatalf("unchanged patch: %v version %d", err, again.Version)
	}
}

func TestCancelRemovesTheOrderAndClosesIt(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	wo, err := patch(t, db, "WO-1", Changes{Status: ptr(StatusCancelled)})
	if err != nil || wo.Status != StatusCancelled {
		t.Fatalf("cancel: %v %+v", err, wo)
	}
	if got := feed(t, db, store.ScopeUser("tech1")); fmt.Sprint(got) != "[workorder:WO-1 removed:WO-1]" {
		t.Fatalf("feed %v", got)
	}
	if _, err := patch(t, db, "WO-1", Changes{Technician: ptr("tech2")}); err != ErrCancelled {
		t.Fatalf("patch after cancel: %v", err)
	}
}

func TestCancelWorksWhenTheTechnicianWasDisabled(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1", func(w *WorkOrder) { w.Technician = "tech2" }))
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		_, err := auth.PatchUser(tx, "tech2", auth.UserPatch{Disabled: ptr(true)}, auth.Principal{Role: auth.RoleAdmin}, t0)
		return err
	})
	if _, err := patch(t, db, "WO-1", Changes{Status: ptr(StatusCancelled)}); err != nil {
		t.Fatal(err)
	}
}

func TestPatchStatusCompletedIsRefused(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	_, err := patch(t, db, "WO-1", Changes{Status: ptr(StatusCompleted)})
	if _, ok := fieldsOf(err)["status"]; !ok {
		t.Fatalf("got %v", err)
	}
}

func TestCompletedOrderCannotBePatchedOrCompletedAgain(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-1"))
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		wo, err := CompleteWith(tx, "WO-1", Completion{By: CompletedManually, Note: "resolved by billing", At: t0, Now: t0}, admin)
		if err == nil && (wo.Status != StatusCompleted || wo.CompletedBy != CompletedManually || wo.CompletionNote != "resolved by billing") {
			t.Errorf("got %+v", wo)
		}
		return err
	})
	if _, err := patch(t, db, "WO-1", Changes{Technician: ptr("tech2")}); err != ErrCompleted {
		t.Fatalf("patch: %v", err)
	}
	err := db.Update(func(tx *bolt.Tx) error { _, err := Complete(tx, "WO-1", "sub-1", t0, admin); return err })
	if err != ErrCompleted {
		t.Fatalf("complete again: %v", err)
	}
}

func TestGetUnknownIsNotFound(t *testing.T) {
	db := newDB(t)
	db.View(func(tx *bolt.Tx) error {
		_, err := Get(tx, "nope")
		if e, ok := errs.As(err); !ok || e.Kind != errs.NotFound {
			t.Fatalf("got %v", err)
		}
		return nil
	})
}

func TestInUnitConfinesSupervisors(t *testing.T) {
	wo := &WorkOrder{Unit: "chengdu-east"}
	if InUnit("", wo) != nil || InUnit("chengdu-east", wo) != nil {
		t.Fatal("admin or same unit refused")
	}
	if e, ok := errs.As(InUnit("chengdu-west", wo)); !ok || e.Kind != errs.Forbidden {
		t.Fatal("other unit allowed")
	}
}

func TestListUsesFiltersAndPages(t *testing.T) {
	db := newDB(t)
	for i, tech := range []string{"tech1", "tech2", "tech1", "tech3", "tech1"} {
		mustCreate(t, db, newOrder(fmt.Sprintf("WO-%d", i+1), func(w *WorkOrder) {
			w.Technician = tech
			w.Appointment.From = t0.Add(time.Duration(i) * 24 * time.Hour)
			w.Appointment.To = w.Appointment.From.Add(time.Hour)
		}))
	}
	patch(t, db, "WO-5", Changes{Status: ptr(StatusCancelled)})
	list := func(f Filter, limit int, after string) string {
		var out []string
		var next string
		db.View(func(tx *bolt.Tx) error {
			items, n, err := List(tx, f, limit, after)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range items {
				out = append(out, w.ID)
			}
			next = n
			return nil
		})
		return fmt.Sprint(out, " next=", next)
	}
	cases := []struct {
		name  string
		f     Filter
		limit int
		after string
		want  string
	}{
		{"everything", Filter{}, 0, "", "[WO-1 WO-2 WO-3 WO-4 WO-5] next="},
		{"one technician", Filter{Technician: "tech1"}, 0, "", "[WO-1 WO-3 WO-5] next="},
		{"one unit", Filter{Unit: "chengdu-east"}, 0, "", "[WO-1 WO-2 WO-3 WO-5] next="},
		{"other unit", Filter{Unit: "chengdu-west"}, 0, "", "[WO-4] next="},
		{"assigned only", Filter{Technician: "tech1", Status: StatusAssigned}, 0, "", "[WO-1 WO-3] next="},
		{"appointments in a range", Filter{From: t0.Add(24 * time.Hour), To: t0.Add(72 * time.Hour)}, 0, "", "[WO-2 WO-3] next="},
		{"first page", Filter{Unit: "chengdu-east"}, 2, "", "[WO-1 WO-2] next=WO-2"},
		{"second page", Filter{Unit: "chengdu-east"}, 2, "WO-2", "[WO-3 WO-5] next="},
		{"page by technician", Filter{Technician: "tech1"}, 1, "WO-1", "[WO-3] next=WO-3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := list(c.f, c.limit, c.after); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestOutlets(t *testing.T) {
	db := newDB(t)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		for _, o := range []Outlet{{ID: "S2", Name: "春熙路营业厅", Unit: "chengdu-east"}, {ID: "S1", Name: "天府营业厅", Unit: "chengdu-west"}} {
			if _, err := CreateOutlet(tx, o, admin, t0); err != nil {
				return err
			}
		}
		return nil
	})
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := CreateOutlet(tx, Outlet{ID: "S1", Name: "x", Unit: "u"}, admin, t0)
		return err
	})
	if err != ErrOutletExists {
		t.Fatalf("duplicate: %v", err)
	}
	err = db.Update(func(tx *bolt.Tx) error { _, err := CreateOutlet(tx, Outlet{ID: "a/b"}, admin, t0); return err })
	if f := fieldsOf(err); len(f) != 3 {
		t.Fatalf("want id, name, unit errors, got %v", err)
	}
	if got := feed(t, db, store.ScopeAll); fmt.Sprint(got) != "[store:S2 store:S1]" {
		t.Fatalf("feed %v", got)
	}
	db.View(func(tx *bolt.Tx) error {
		all, next, _ := ListOutlets(tx, "", 1, "")
		if len(all) != 1 || all[0].ID != "S1" || next != "S1" {
			t.Errorf("page 1: %v %q", all, next)
		}
		rest, next, _ := ListOutlets(tx, "", 1, "S1")
		if len(rest) != 1 || rest[0].ID != "S2" || next != "" {
			t.Errorf("page 2: %v %q", rest, next)
		}
		east, _, _ := ListOutlets(tx, "chengdu-east", 0, "")
		if len(east) != 1 || east[0].ID != "S2" {
			t.Errorf("unit: %v", east)
		}
		return nil
	})
}

// v1.1's optional order fields: accepted_at defaults to the server's time
// (and reads as created_at on an order stored without it), customer.kind
// is checked, and the CSV's extra columns fill them.
func TestOrderV11Fields(t *testing.T) {
	db := newDB(t)
	now := t0
	made := mustCreate(t, db, newOrder("wo-v11"))
	if !made.AcceptedAt.Equal(now) {
		t.Fatalf("accepted_at = %v, want the server's time %v", made.AcceptedAt, now)
	}
	bad := newOrder("wo-v11b", func(w *WorkOrder) { w.Customer.Kind = "alien" })
	err := db.Update(func(tx *bolt.Tx) error { _, err := Create(tx, bad, admin, now); return err })
	if e, ok := errs.As(err); !ok || e.Fields["customer.kind"].Zh == "" {
		t.Fatalf("a wrong customer.kind: %v, want a field error", err)
	}
	// An order stored before v1.1 has no accepted_at: it reads as created_at.
	err = db.Update(func(tx *bolt.Tx) error {
		raw := tx.Bucket(store.BucketWorkOrders).Get([]byte("wo-v11"))
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		delete(m, "accepted_at")
		m["created_at"] = now.Add(-time.Hour).Format(time.RFC3339)
		b, _ := json.Marshal(m)
		return tx.Bucket(store.BucketWorkOrders).Put([]byte("wo-v11"), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		wo, err := Get(tx, "wo-v11")
		if err != nil {
			t.Fatal(err)
		}
		if !wo.AcceptedAt.Equal(now.Add(-time.Hour)) {
			t.Fatalf("old order's accepted_at = %v, want its created_at", wo.AcceptedAt)
		}
		return nil
	})
	csv := "id,type,product,subscribed_mbps,customer_name,customer_phone,customer_address,customer_tier,technician,appointment_from,appointment_to,受理时间,客户类型,线路类型\n" +
		"wo-csv,install,宽带,300,张三,13800000000,成都,standard,tech1,2026-12-02 09:00,2026-12-02 11:00,2026-11-30 16:20,政企,专线\n"
	rows, results, err := ParseCSV(strings.NewReader(csv))
	if err != nil || len(results) != 0 || len(rows) != 1 {
		t.Fatalf("parse: %v %v %d", err, results, len(rows))
	}
	o := rows[0].Order
	if o.Customer.Kind != KindEnterprise || o.Line != "专线" || !o.AcceptedAt.Equal(time.Date(2026, 11, 30, 16, 20, 0, 0, store.Shanghai)) {
		t.Fatalf("csv v1.1 columns: kind %q line %q accepted %v", o.Customer.Kind, o.Line, o.AcceptedAt)
	}
}
