package reports

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/finish"
	"fieldcheck/internal/fixtures"
	"fieldcheck/photos"
	"fieldcheck/store"
	"fieldcheck/sync/protocol"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// sh is a wall-clock time in Asia/Shanghai.
var sh = fixtures.Shanghai

// day0 is a Monday in Chengdu; fixtures are built around it.
var day0 = sh(2026, 11, 23, 0, 0)

var (
	tech1 = auth.Principal{Username: "tech1", Name: "张师傅", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	tech2 = auth.Principal{Username: "tech2", Name: "李师傅", Role: auth.RoleTechnician, Unit: "chengdu-east"}
	tech3 = auth.Principal{Username: "tech3", Name: "王师傅", Role: auth.RoleTechnician, Unit: "chengdu-west"}
	insp1 = auth.Principal{Username: "insp1", Role: auth.RoleInspector, Unit: "chengdu-east"}
	insp2 = auth.Principal{Username: "insp2", Role: auth.RoleInspector, Unit: "chengdu-west"}
)

var sysActor = store.Actor{Username: "admin"}

// The shared fixtures (internal/fixtures) under the names these tests use.
var (
	update   = fixtures.Update
	view     = fixtures.View
	raw      = fixtures.Raw
	template = fixtures.Template
)

// fixture is a real store with the built-in templates, the users above,
// outlets s1 (east) and s2 (west), and the callback service on a fake clock.
type fixture struct {
	db    *store.DB
	svc   *callbacks.Service
	clock *fixtures.Clock
	n     int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := fixtures.OpenDB(t)
	// Whatever a test wrote, the rollups equal the records (verify).
	t.Cleanup(func() {
		var out strings.Builder
		if n, err := Verify(db, &out); err != nil || n != 0 {
			t.Errorf("rollups verify: %d differences, err %v\n%s", n, err, out.String())
		}
	})
	created := day0.AddDate(0, -3, 0)
	if err := checklists.EnsureBuiltins(db, created); err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *bolt.Tx) error {
		for _, p := range []auth.Principal{tech1, tech2, tech3, insp1, insp2} {
			// Stored as auth stores them; bcrypt would only slow the test.
			u := auth.User{ID: p.Username, Username: p.Username, Name: p.Name, Role: p.Role, Unit: p.Unit, CreatedAt: created}
			if err := auth.PutUser(tx, &u); err != nil {
				return err
			}
		}
		for _, o := range []workorders.Outlet{{ID: "s1", Name: "春熙路营业厅", Unit: "chengdu-east"},
			{ID: "s2", Name: "青羊营业厅", Unit: "chengdu-west"}} {
			if _, err := workorders.CreateOutlet(tx, o, sysActor, created); err != nil {
				return err
			}
		}
		return nil
	})
	c := fixtures.NewClock(day0)
	return &fixture{db: db, svc: callbacks.New(db, callbacks.Config{Clock: c.Now}), clock: c}
}

// order creates an assigned order of typ for tech and returns its id.
func (f *fixture) order(t testing.TB, typ, tech string) string {
	t.Helper()
	f.n++
	id := fmt.Sprintf("WO-%04d", f.n)
	update(t, f.db, func(tx *bolt.Tx) error {
		_, err := workorders.Create(tx, workorders.WorkOrder{ID: id, Type: typ, Product: "broadband",
			SubscribedMbps: 100, Technician: tech,
			Customer:    workorders.Customer{Name: "王女士", Phone: "13800000001", Address: "锦江区红星路 1 号", Tier: workorders.TierStandard},
			Appointment: workorders.Window{From: day0.Add(-2 * time.Hour), To: day0}}, sysActor, day0.AddDate(0, 0, -7))
		return err
	})
	return id
}

// finish completes a new order of typ for tech at `at` the way POST
// /workorders/:id/complete does (callbacks.Kickoff in the same transaction)
// and returns its callback task id ("" for a removal).
func (f *fixture) finish(t testing.TB, typ, tech string, at time.Time) string {
	t.Helper()
	id := f.order(t, typ, tech)
	var task string
	update(t, f.db, func(tx *bolt.Tx) error {
		if _, err := finish.Job(tx, id, finish.Manual("", at), sysActor); err != nil {
			return err
		}
		cb, err := callbacks.TaskForOrder(tx, id)
		if cb != nil {
			task = cb.ID
		}
		return err
	})
	return task
}

// result records the customer's answer to task at `at` through the agents' path.
func (f *fixture) result(t testing.TB, task string, at time.Time, satisfaction string, reasons ...string) {
	t.Helper()
	f.clock.Set(at)
	if _, err := f.svc.Result(store.Actor{Username: "agent1"}, callbacks.Everywhere, task, callbacks.ResultInput{
		Satisfaction: satisfaction, Reasons: reasons}); err != nil {
		t.Fatalf("result %s: %v", task, err)
	}
}

func taskFor(t testing.TB, db *store.DB, workorder string) *callbacks.Task {
	t.Helper()
	var task *callbacks.Task
	view(t, db, func(tx *bolt.Tx) error {
		var err error
		task, err = callbacks.TaskForOrder(tx, workorder)
		return err
	})
	if task == nil {
		t.Fatalf("no callback task for %s", workorder)
	}
	return task
}

// sheet is a valid submission of the built-in template with every required
// item answered well (check true, pass, count 0, speed 95.5 of 100), photos
// named after the id; edit changes what differs.
func (f *fixture) sheet(t testing.TB, id, tplID string, subject checklists.Subject, finished time.Time, edit func(s *checklists.Submission)) *checklists.Submission {
	t.Helper()
	tpl := template(t, f.db, tplID)
	s := &checklists.Submission{ID: id, TemplateID: tpl.ID, TemplateVersion: tpl.Version, Subject: subject,
		FinishedAt: &finished, Answers: map[string]json.RawMessage{}, Photos: map[string][]string{}}
	fixtures.Fill(t, tpl, s, func(item string, i int) string { return shaOf(id, fmt.Sprintf("%s-%d", item, i)) })
	if edit != nil {
		edit(s)
	}
	return s
}

// shaOf is a well-formed sha256 hex made from its parts.
func shaOf(parts ...string) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(parts, "\x00"))))
}

// holdPhotos records the sheet's photos as held and uploaded by its author,
// as photos.Put does, so the sheet is complete when pushed (a photo counts
// only for whoever uploaded it).
func (f *fixture) holdPhotos(t testing.TB, by string, s *checklists.Submission) {
	t.Helper()
	update(t, f.db, func(tx *bolt.Tx) error {
		var all []string
		for _, list := range s.Photos {
			all = append(all, list...)
		}
		for _, a := range s.Answers {
			var h string
			if json.Unmarshal(a, &h) == nil && checklists.ValidSHA256(h) {
				all = append(all, h)
			}
		}
		for _, sha := range all {
			if store.Has(tx, store.BucketPhotos, []byte(sha)) {
				continue
			}
			if err := store.PutJSON(tx, store.BucketPhotos, []byte(sha), photos.Meta{SHA256: sha, Width: 10, Height: 10, Uploader: by}); err != nil {
				return err
			}
		}
		return nil
	})
}

// push sends sheets from p's phone at now through sync.Push and fails unless
// each is accepted. deviceTime nil means no skew check.
func (f *fixture) push(t testing.TB, p auth.Principal, now time.Time, deviceTime *time.Time, subs ...*checklists.Submission) {
	t.Helper()
	req := protocol.PushRequest{DeviceID: "phone-" + p.Username, DeviceTime: deviceTime, Lang: "en"}
	for _, s := range subs {
		req.Submissions = append(req.Submissions, raw(t, s))
	}
	res, err := protocol.Push(f.db, p, req, now)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	for _, r := range res.Results {
		if r.Status != submissions.StatusAccepted {
			t.Fatalf("push %s: %s %+v", r.ID, r.Status, r.Error)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// near compares rates: nil only with nil.
func rateIs(got *float64, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	d := *got - *want
	return d < 1e-9 && d > -1e-9
}
