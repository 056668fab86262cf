package server

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"fieldcheck/auth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

func TestHealthReadyAndMetrics(t *testing.T) {
	env := newTestEnv(t)
	if res := env.call(t, "GET", "/healthz", "", nil); res.Status != 200 {
		t.Fatalf("healthz: %d", res.Status)
	}
	if res := env.call(t, "GET", "/readyz", "", nil); res.Status != 200 {
		t.Fatalf("readyz: %d", res.Status)
	}
	if res := env.call(t, "GET", "/metrics", env.token(t, "sup1"), nil); res.Status != 403 {
		t.Fatalf("metrics for a supervisor: %d", res.Status)
	}
	res := env.call(t, "GET", "/metrics", env.token(t, "admin"), nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), "fieldcheck_http_requests_total") {
		t.Fatalf("metrics: %d %.200s", res.Status, res.Body)
	}
}

func TestDataSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	env := newTestEnvAt(t, dir)
	admin := env.token(t, "admin")
	if res := env.call(t, "POST", "/api/v1/users", admin, map[string]any{"username": "newtech", "password": "password-456", "role": "technician", "unit": "chengdu-east"}); res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	env.close()

	env2 := newTestEnvAt(t, dir)
	if res := login(t, env2, "newtech", "password-456"); res.Status != 200 {
		t.Fatalf("login after restart: %d %s", res.Status, res.Body)
	}
	// The signing key is kept in the store, so tokens issued before the restart still work.
	if res := env2.call(t, "GET", "/api/v1/me", admin, nil); res.Status != 200 {
		t.Fatalf("token from before the restart: %d", res.Status)
	}
}

// A backup taken while writers commit holds every record committed before
// it started, and opens cleanly after restore.
func TestBackupUnderConcurrentWritesHoldsEveryCommittedRecord(t *testing.T) {
	env := newTestEnv(t)
	var committed sync.Map
	var n, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("load%05d", n.Add(1))
				err := env.db.Batch(func(tx *bolt.Tx) error {
					return auth.PutUser(tx, &auth.User{Username: name, Role: auth.RoleTechnician, Unit: "chengdu-east"})
				})
				if err != nil {
					t.Error(err)
					return
				}
				committed.Store(name, true)
				done.Add(1)
			}
		}()
	}
	for done.Load() < 200 {
		runtime.Gosched() // let the writers get going
	}
	var before []string
	committed.Range(func(k, _ any) bool { before = append(before, k.(string)); return true })

	res := env.call(t, "GET", "/api/v1/admin/backup", env.token(t, "admin"), nil)
	close(stop)
	wg.Wait()
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/x-tar" {
		t.Fatalf("backup: %d %.200s", res.Status, res.Body)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if err := store.Restore(restored, bytes.NewReader(res.Body)); err != nil {
		t.Fatalf("restore: %v", err)
	}
	db, err := store.Open(restored)
	if err != nil {
		t.Fatalf("open restored: %v", err)
	}
	defer db.Close()
	missing := 0
	db.View(func(tx *bolt.Tx) error {
		for _, name := range before {
			if !store.Has(tx, store.BucketUsers, []byte(name)) {
				missing++
			}
		}
		for err := range tx.Check() {
			t.Errorf("restored file is inconsistent: %v", err)
		}
		return nil
	})
	if missing > 0 || len(before) < 200 {
		t.Fatalf("%d of %d committed records missing from the backup", missing, len(before))
	}
}

func TestRestoreRefusesUnsafeArchives(t *testing.T) {
	if err := store.Restore(t.TempDir(), strings.NewReader("not a tar")); err == nil {
		t.Fatal("garbage accepted")
	}
}
