package server

import (
	"testing"
	"time"

	"fieldcheck/rectifications"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The console's 整改 actions: assign to someone of the unit, resolve with the
// version seen, reopen with a reason; a stale version is 409 and writes
// nothing; another unit's supervisor finds nothing; a technician cannot.
func TestRectificationAssignResolveReopen(t *testing.T) {
	env := newTestEnv(t)
	var r *rectifications.Rectification
	if err := env.db.Update(func(tx *bolt.Tx) error {
		var err error
		r, err = rectifications.OpenNow(tx, "chengdu-east", rectifications.SourceWalkthrough, "submission/s1", "厅内环境 −2", testStart.Add(15*24*time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sup, sup2 := env.token(t, "sup1"), env.token(t, "sup2")
	base := "/api/v1/rectifications/" + r.ID
	if res := env.call(t, "POST", base+"/assign", sup2, map[string]any{"assignee": "tech1"}); res.Status != 404 {
		t.Fatalf("another unit's supervisor: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/assign", env.token(t, "tech1"), map[string]any{"assignee": "tech1"}); res.Status != 403 {
		t.Fatalf("a technician assigning: %d", res.Status)
	}
	if res := env.call(t, "POST", base+"/assign", sup, map[string]any{"assignee": "tech3"}); res.Status != 422 || res.JSON()["error"].(map[string]any)["fields"].(map[string]any)["assignee"] == nil {
		t.Fatalf("assignee of another unit: %d %s", res.Status, res.Body)
	}
	res := env.call(t, "POST", base+"/assign", sup, map[string]any{"assignee": "tech1", "version": 1})
	if res.Status != 200 || res.JSON()["assignee"] != "tech1" || res.JSON()["version"] != float64(2) {
		t.Fatalf("assign: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/resolve", sup, map[string]any{"note": "已整改", "version": 1}); res.Status != 409 || res.ErrorCode() != "version_conflict" {
		t.Fatalf("resolve on a stale version: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/reopen", sup, map[string]any{"reason": "x"}); res.Status != 409 || res.ErrorCode() != "not_resolved" {
		t.Fatalf("reopen an open one: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/resolve", sup, map[string]any{"note": "已整改", "version": 2}); res.Status != 200 {
		t.Fatalf("resolve: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/reopen", sup, map[string]any{"reason": " "}); res.Status != 422 {
		t.Fatalf("reopen without a reason: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", base+"/reopen", sup, map[string]any{"reason": "复查未通过", "version": 3})
	if res.Status != 200 || res.JSON()["status"] != "open" || len(res.JSON()["reopened"].([]any)) != 1 {
		t.Fatalf("reopen: %d %s", res.Status, res.Body)
	}
	var list struct {
		Items []rectifications.Rectification
	}
	env.call(t, "GET", "/api/v1/rectifications?status=open", sup, nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Reopened[0].Note != "已整改" {
		t.Fatalf("open after reopen: %+v", list.Items)
	}
}

// A rectification stored before versions existed (no "version" field) reads
// as version 0, and the console's actions work on it.
func TestRectificationStoredBeforeVersions(t *testing.T) {
	env := newTestEnv(t)
	old := `{"id":"rc-0000000099","unit":"chengdu-east","source":"callback","subject_ref":"callback/x","reason":"上门不准时","status":"open","opened_at":"2026-11-01T10:00:00+08:00","due_at":"2026-11-16T10:00:00+08:00"}`
	if err := env.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketRectifications).Put([]byte("rc-0000000099"), []byte(old))
	}); err != nil {
		t.Fatal(err)
	}
	sup := env.token(t, "sup1")
	res := env.call(t, "POST", "/api/v1/rectifications/rc-0000000099/assign", sup, map[string]any{"assignee": "tech1", "version": 0})
	if res.Status != 200 || res.JSON()["version"] != float64(1) || res.JSON()["reason"] != "上门不准时" {
		t.Fatalf("assign an old record: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/rectifications/rc-0000000099/resolve", sup, map[string]any{"note": "已回访致歉", "version": 1}); res.Status != 200 {
		t.Fatalf("resolve: %d %s", res.Status, res.Body)
	}
}
