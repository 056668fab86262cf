package submissions

import (
	"encoding/json"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The shared fixtures (internal/fixtures) under the names these tests use.
var (
	t0       = fixtures.T0
	tech1    = fixtures.Tech1
	tech2    = fixtures.Tech2
	tech3    = fixtures.Tech3
	insp1    = fixtures.Insp1
	insp2    = fixtures.Insp2
	sup1     = fixtures.Sup1
	sup2     = fixtures.Sup2
	agent    = fixtures.Agent
	admin    = fixtures.Admin
	sysActor = fixtures.SysActor

	newDB          = fixtures.NewDB
	update         = fixtures.Update
	view           = fixtures.View
	newOrder       = fixtures.NewOrder
	order          = fixtures.Order
	fakePhoto      = fixtures.FakePhoto
	raw            = fixtures.Raw
	builtin        = fixtures.Template
	newSubmission  = fixtures.NewSubmission
	newAcceptance  = fixtures.NewAcceptance
	newWalkthrough = fixtures.NewWalkthrough
)

// fill answers every required item of tpl honestly (fakePhoto names its pictures).
func fill(t testing.TB, tpl *checklists.Template, s *checklists.Submission) {
	t.Helper()
	fixtures.Fill(t, tpl, s, func(item string, i int) string { return fakePhoto(s.ID, item, i) })
}

func pushAt(t testing.TB, db *store.DB, p auth.Principal, now time.Time, deviceTime *time.Time, subs ...any) []Result {
	t.Helper()
	req := Batch{DeviceID: "phone-1", DeviceTime: deviceTime, Lang: "en"}
	for _, s := range subs {
		if r, ok := s.(json.RawMessage); ok {
			req.Submissions = append(req.Submissions, r)
			continue
		}
		req.Submissions = append(req.Submissions, raw(t, s))
	}
	res, err := Merge(db, p, req, now)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if len(res.Results) != len(subs) {
		t.Fatalf("push: %d results for %d submissions", len(res.Results), len(subs))
	}
	return res.Results
}

func push(t testing.TB, db *store.DB, p auth.Principal, subs ...any) []Result {
	t.Helper()
	return pushAt(t, db, p, t0, nil, subs...)
}

// expect checks one result's status, version and error code ("" for none).
func expect(t testing.TB, r Result, status string, version int, code string) {
	t.Helper()
	got := ""
	if r.Error != nil {
		got = r.Error.Code
	}
	if r.Status != status || r.Version != version || got != code {
		t.Fatalf("result %s: got %s v%d %q (%+v), want %s v%d %q", r.ID, r.Status, r.Version, got, r.Error, status, version, code)
	}
}

func count(t testing.TB, db *store.DB, bucket []byte, prefix string) int {
	t.Helper()
	n := 0
	view(t, db, func(tx *bolt.Tx) error {
		var p []byte
		if prefix != "" {
			p = store.Prefix(prefix)
		}
		return store.ScanPrefix(tx, bucket, p, nil, func(k, v []byte) error { n++; return nil })
	})
	return n
}

func get(t testing.TB, db *store.DB, p auth.Principal, id string, version int) *View {
	t.Helper()
	var v *View
	view(t, db, func(tx *bolt.Tx) error {
		var err error
		v, err = Get(tx, p, id, version, t0)
		return err
	})
	return v
}

// storePhoto records photo sha as held, uploaded by tech1, the way
// photos.Put does, and runs the hook photos runs in the same transaction.
func storePhoto(t testing.TB, db *store.DB, sha string) {
	t.Helper()
	storePhotoBy(t, db, sha, tech1.Username)
}

// storePhotoBy is storePhoto uploaded by username (its possessor through
// Meta.Uploader, as photos reads it).
func storePhotoBy(t testing.TB, db *store.DB, sha, username string) {
	t.Helper()
	fixtures.StorePhotoBy(t, db, sha, username, PhotoArrived)
}

// waitingFor counts the sheets whose latest version waits for photo sha
// (what PhotoArrived derives from the refs and the heads).
func waitingFor(t testing.TB, db *store.DB, sha string) int {
	t.Helper()
	var n int
	view(t, db, func(tx *bolt.Tx) error {
		ids, _, err := waitingOn(tx, sha)
		n = len(ids)
		return err
	})
	return n
}
