package protocol

import (
	"testing"

	"fieldcheck/auth"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
)

// The shared fixtures (internal/fixtures) under the names these tests use.
var (
	t0    = fixtures.T0
	tech1 = fixtures.Tech1
	tech2 = fixtures.Tech2
	tech3 = fixtures.Tech3
	insp1 = fixtures.Insp1
	insp2 = fixtures.Insp2
	sup1  = fixtures.Sup1
	sup2  = fixtures.Sup2
	agent = fixtures.Agent
	admin = fixtures.Admin

	sysActor = fixtures.SysActor

	newDB          = fixtures.NewDB
	update         = fixtures.Update
	view           = fixtures.View
	newOrder       = fixtures.NewOrder
	order          = fixtures.Order
	raw            = fixtures.Raw
	newSubmission  = fixtures.NewSubmission
	newAcceptance  = fixtures.NewAcceptance
	newWalkthrough = fixtures.NewWalkthrough
)

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
