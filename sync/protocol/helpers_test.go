package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// The fixtures of the submissions package's tests (sync/submissions/helpers_test.go),
// the part a pull test needs.

// t0 is the fake "now" of every test: Monday 2026-11-23 10:00 in Chengdu.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, store.Shanghai)

var (
	tech1 = auth.Principal{Username: "tech1", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	tech2 = auth.Principal{Username: "tech2", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	tech3 = auth.Principal{Username: "tech3", Role: auth.RoleTechnician, Unit: "chengdu-west"}
	insp1 = auth.Principal{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"}
	insp2 = auth.Principal{Username: "insp2", Role: auth.RoleInspector, Unit: "chengdu-west"}
	sup1  = auth.Principal{Username: "sup1", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	sup2  = auth.Principal{Username: "sup2", Role: auth.RoleSupervisor, Unit: "chengdu-west"}
	agent = auth.Principal{Username: "agent1", Role: auth.RoleAgent, Unit: "agency-1"}
	admin = auth.Principal{Username: "admin", Role: auth.RoleAdmin}
)

var sysActor = store.Actor{Username: "admin"}

// newDB is a real store in a temp dir with the built-in templates, the users
// above, stores s1 (east) and s2 (west), and install orders wo1, wo2 for
// tech1 and wo3 for tech3.
func newDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := checklists.EnsureBuiltins(db, t0.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *bolt.Tx) error {
		for _, p := range []auth.Principal{tech1, tech2, tech3, insp1, insp2, sup1, sup2, agent} {
			// Stored directly: bcrypt would cost most of the test's time, and
			// nothing here logs in.
			u := auth.User{ID: p.Username, Username: p.Username, Name: p.Username, Role: p.Role, Unit: p.Unit,
				CreatedAt: t0.Add(-48 * time.Hour)}
			if err := store.PutJSON(tx, store.BucketUsers, []byte(p.Username), &u); err != nil {
				return err
			}
		}
		for _, o := range []workorders.Outlet{{ID: "s1", Name: "春熙路营业厅", Unit: "chengdu-east"},
			{ID: "s2", Name: "青羊营业厅", Unit: "chengdu-west"}} {
			if _, err := workorders.CreateOutlet(tx, o, sysActor, t0.Add(-48*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	newOrder(t, db, "wo1", workorders.TypeInstall, "tech1")
	newOrder(t, db, "wo2", workorders.TypeInstall, "tech1")
	newOrder(t, db, "wo3", workorders.TypeInstall, "tech3")
	return db
}

func update(t testing.TB, db *store.DB, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func view(t testing.TB, db *store.DB, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

func newOrder(t testing.TB, db *store.DB, id, typ, tech string) {
	t.Helper()
	update(t, db, func(tx *bolt.Tx) error {
		_, err := workorders.Create(tx, workorders.WorkOrder{ID: id, Type: typ, Product: "broadband",
			SubscribedMbps: 100, Technician: tech,
			Customer:    workorders.Customer{Name: "王女士", Phone: "13800000001", Address: "锦江区红星路 1 号", Tier: workorders.TierStandard},
			Appointment: workorders.Window{From: t0.Add(-2 * time.Hour), To: t0}}, sysActor, t0.Add(-24*time.Hour))
		return err
	})
}

// fakePhoto is a made-up photo hash, distinct per sheet, item and index,
// so sheets share a photo only when a test says so.
func fakePhoto(id, item string, i int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", id, item, i)))
	return hex.EncodeToString(sum[:])
}

func raw(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func builtin(t testing.TB, db *store.DB, id string) *checklists.Template {
	t.Helper()
	var tpl *checklists.Template
	view(t, db, func(tx *bolt.Tx) error {
		var err error
		tpl, err = checklists.Get(tx, id, 0)
		return err
	})
	return tpl
}

// fill answers every required item of tpl honestly.
func fill(t testing.TB, tpl *checklists.Template, s *checklists.Submission) {
	t.Helper()
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			if !it.Required {
				continue
			}
			switch it.Type {
			case checklists.TypeCheck:
				s.Answers[it.ID] = raw(t, true)
			case checklists.TypePassFail:
				s.Answers[it.ID] = raw(t, "pass")
			case checklists.TypeCount, checklists.TypeNumber, checklists.TypeRating:
				s.Answers[it.ID] = raw(t, 0)
			case checklists.TypeChoice:
				s.Answers[it.ID] = raw(t, it.Choices[0].ID)
			case checklists.TypeText:
				s.Answers[it.ID] = raw(t, "客厅电视柜旁")
			case checklists.TypeSignature:
				s.Answers[it.ID] = raw(t, fakePhoto(s.ID, it.ID, 0))
			case checklists.TypeSpeedtest:
				s.Answers[it.ID] = raw(t, map[string]any{"down_mbps": 95.5, "up_mbps": 30, "ping_ms": 12, "jitter_ms": 2, "method": "browser"})
			case checklists.TypePhoto:
				min := 1
				if it.Photos != nil && it.Photos.Min > 0 {
					min = it.Photos.Min
				}
				for i := 0; i < min; i++ {
					s.Photos[it.ID] = append(s.Photos[it.ID], fakePhoto(s.ID, it.ID, i))
				}
			}
		}
	}
}

func newSubmission(t testing.TB, db *store.DB, id, template string, subject checklists.Subject, fn func(s *checklists.Submission)) *checklists.Submission {
	t.Helper()
	tpl := builtin(t, db, template)
	finished := t0.Add(-10 * time.Minute)
	s := &checklists.Submission{ID: id, TemplateID: tpl.ID, TemplateVersion: tpl.Version, Subject: subject,
		FinishedAt: &finished, Answers: map[string]json.RawMessage{}, Photos: map[string][]string{}}
	fill(t, tpl, s)
	if fn != nil {
		fn(s)
	}
	return s
}

// newAcceptance is a complete, honest acceptance sheet "a1" for wo1, edited by fn.
func newAcceptance(t testing.TB, db *store.DB, fn func(s *checklists.Submission)) *checklists.Submission {
	return newSubmission(t, db, "a1", "install_acceptance", checklists.Subject{WorkOrderID: "wo1"}, fn)
}

// newWalkthrough is a clean walkthrough "w1" of store s1, edited by fn.
func newWalkthrough(t testing.TB, db *store.DB, fn func(s *checklists.Submission)) *checklists.Submission {
	return newSubmission(t, db, "w1", "store_walkthrough", checklists.Subject{StoreID: "s1"}, fn)
}

// push sends subs through the protocol's Push, as POST /sync/push does.
func push(t testing.TB, db *store.DB, p auth.Principal, subs ...any) []submissions.Result {
	t.Helper()
	req := PushRequest{DeviceID: "phone-1", Lang: "en"}
	for _, s := range subs {
		req.Submissions = append(req.Submissions, raw(t, s))
	}
	res, err := Push(db, p, req, t0)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if len(res.Results) != len(subs) {
		t.Fatalf("push: %d results for %d submissions", len(res.Results), len(subs))
	}
	return res.Results
}

// expect checks one result's status, version and error code ("" for none).
func expect(t testing.TB, r submissions.Result, status string, version int, code string) {
	t.Helper()
	got := ""
	if r.Error != nil {
		got = r.Error.Code
	}
	if r.Status != status || r.Version != version || got != code {
		t.Fatalf("result %s: got %s v%d %q (%+v), want %s v%d %q", r.ID, r.Status, r.Version, got, r.Error, status, version, code)
	}
}

func order(t testing.TB, db *store.DB, id string) *workorders.WorkOrder {
	t.Helper()
	var wo *workorders.WorkOrder
	view(t, db, func(tx *bolt.Tx) error {
		var err error
		wo, err = workorders.Get(tx, id)
		return err
	})
	return wo
}
