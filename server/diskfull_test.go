package server

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// mountTmpfs mounts a small tmpfs, or skips when this machine does not let
// the test (not root, no mount namespace).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the disk-full test needs root", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a filler file until the disk is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return path
			}
			t.Fatalf("filling the disk: %v", err)
		}
	}
}

// A full disk answers 507 on writes, never corrupts the store, and recovers
// when space returns.
func TestDiskFullAnswers507AndRecovers(t *testing.T) {
	dir := mountTmpfs(t, "4m")
	env := newTestEnvAt(t, dir)
	admin := env.token(t, "admin")
	create := func(i int) *testResp {
		return env.call(t, "POST", "/api/v1/users", admin, map[string]any{
			"username": fmt.Sprintf("filler%03d", i), "password": "password-123", "role": "technician",
			"unit": "chengdu-east", "name": strings.Repeat("名", 20)})
	}
	var acknowledged []string
	for i := 0; i < 5; i++ {
		if res := create(i); res.Status != 201 {
			t.Fatalf("before the disk fills: %d %s", res.Status, res.Body)
		}
		acknowledged = append(acknowledged, fmt.Sprintf("filler%03d", i))
	}
	filler := fill(t, dir)

	full := 0
	for i := 5; i < 400 && full == 0; i++ {
		res := create(i)
		switch res.Status {
		case 201:
			acknowledged = append(acknowledged, fmt.Sprintf("filler%03d", i))
		case 507:
			if res.ErrorCode() != "disk_full" {
				t.Fatalf("507 with code %q", res.ErrorCode())
			}
			full = i
		default:
			t.Fatalf("disk full: want 507, got %d %s", res.Status, res.Body)
		}
	}
	if full == 0 {
		t.Fatal("never saw 507 on a full disk")
	}
	// Reads still work while the disk is full.
	if res := env.call(t, "GET", "/api/v1/users", admin, nil); res.Status != 200 {
		t.Fatalf("read on a full disk: %d", res.Status)
	}

	os.Remove(filler)
	if res := create(full); res.Status != 201 {
		t.Fatalf("after space returns: %d %s", res.Status, res.Body)
	}
	acknowledged = append(acknowledged, fmt.Sprintf("filler%03d", full))

	env.close()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("store corrupted: %v", err)
		}
		for _, u := range acknowledged {
			if !store.Has(tx, store.BucketUsers, []byte(u)) {
				t.Errorf("acknowledged user %s lost", u)
			}
		}
		return nil
	})
}
