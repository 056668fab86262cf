package server

import (
	"strings"
	"testing"
	"time"

	"fieldcheck/reports"
	"fieldcheck/rollups"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// TestRollupsRebuildOnUpgrade: a data dir written without rollups (as the
// previous release left it) starts with a background rebuild. Meanwhile the
// field roles are served, the reports answer 503 rollups_building with
// Retry-After, and /readyz names the rebuild; once it is done the reports
// answer the same figures as before.
func TestRollupsRebuildOnUpgrade(t *testing.T) {
	dir := t.TempDir()
	env := newTestEnvAt(t, dir)
	sup := env.token(t, "sup1")
	env.createOrder(t, "sup1", orderBody("WO-R", func(m map[string]any) {
		m["type"], m["subscribed_mbps"], m["appointment"] = "complaint", 0, nil
	}))
	if res := env.call(t, "POST", "/api/v1/workorders/WO-R/complete", sup, `{"note":"done by phone"}`); res.Status != 200 {
		t.Fatalf("complete: %d %s", res.Status, res.Body)
	}
	path := "/api/v1/reports/callbacks?from=2026-11-23&to=2026-11-23"
	before := env.call(t, "GET", path, sup, nil)
	if before.Status != 200 || !strings.Contains(string(before.Body), `"completed":1`) {
		t.Fatalf("before: %d %s", before.Status, before.Body)
	}
	env.close()

	// The previous release's data dir: no rollup buckets at all.
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{rollups.BucketCells, rollups.BucketFacts, rollups.BucketMeta} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	release := make(chan struct{})
	reports.BeforeRebuild = func() { <-release }
	defer func() { reports.BeforeRebuild = nil }()
	env = newTestEnvAt(t, dir)
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	sup = env.token(t, "sup1")
	res := env.call(t, "GET", path, sup, nil)
	if res.Status != 503 || res.Header.Get("Retry-After") == "" || !strings.Contains(string(res.Body), "rollups_building") {
		t.Fatalf("report during the rebuild: %d %v %s", res.Status, res.Header, res.Body)
	}
	ready := env.call(t, "GET", "/readyz", "", nil)
	if ready.Status != 503 || !strings.Contains(string(ready.Body), "rebuilding report rollups") {
		t.Fatalf("readyz during the rebuild: %d %s", ready.Status, ready.Body)
	}
	// The field roles are served meanwhile: a technician reads and pulls.
	tech := env.token(t, "tech1")
	if res := env.call(t, "GET", "/api/v1/sync/pull", tech, nil); res.Status != 200 {
		t.Fatalf("pull during the rebuild: %d %s", res.Status, res.Body)
	}
	close(release)
	released = true
	if err := env.srv.Rollups.Wait(); err != nil {
		t.Fatal(err)
	}
	after := env.call(t, "GET", path, sup, nil)
	if after.Status != 200 || string(after.Body) != string(before.Body) {
		t.Fatalf("after the rebuild: %d %s\nbefore: %s", after.Status, after.Body, before.Body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ready = env.call(t, "GET", "/readyz", "", nil)
		if ready.Status == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ready.Status != 200 {
		t.Fatalf("readyz after the rebuild: %d %s", ready.Status, ready.Body)
	}
}
