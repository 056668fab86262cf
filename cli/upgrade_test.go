package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"fieldcheck/store"
)

// previousRelease is the last commit before data dirs recorded a schema
// version (the release an operator upgrades from). Bump it when a release
// changes what is on disk, so this test always starts from the one before.
const previousRelease = "46039c0d7d0fe11403627dc836e86219c1cf10c4"

// TestUpgradeFromThePreviousReleaseSnapshotsMigratesAndServes builds the
// previous release from git, lets it make a data dir (demo month included),
// then starts this build on it: the dir is snapshotted, migrated, and every
// record and login is still there.
func TestUpgradeFromThePreviousReleaseSnapshotsMigratesAndServes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the previous release")
	}
	root, _ := filepath.Abs("..")
	if err := exec.Command("git", "-C", root, "cat-file", "-e", previousRelease+"^{commit}").Run(); err != nil {
		t.Skipf("the previous release %s is not in this clone (shallow?): %v", previousRelease[:12], err)
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	archive := exec.Command("sh", "-c", "git -C \"$ROOT\" archive \"$REV\" | tar -x -C \"$SRC\"")
	archive.Env = append(os.Environ(), "ROOT="+root, "REV="+previousRelease, "SRC="+src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive: %v\n%s", err, out)
	}
	old := filepath.Join(tmp, "fieldcheck-old")
	build := exec.Command("go", "build", "-o", old, ".")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the previous release: %v\n%s", err, out)
	}

	data := filepath.Join(tmp, "data")
	prev := startBinary(t, old, data, "--demo")
	tech := prev.login(t, "technician")
	before := countOrders(t, prev.addr, tech)
	if before == 0 {
		t.Fatal("the previous release's demo has no orders")
	}
	prev.cmd.Process.Signal(syscall.SIGTERM)
	prev.cmd.Wait()

	cur := startServer(t, data, "--demo")
	if !strings.Contains(cur.err.String(), "data dir upgraded") {
		t.Fatalf("no upgrade logged:\n%s", cur.err.String())
	}
	snaps, _ := filepath.Glob(filepath.Join(data, store.BackupDir, "fieldcheck-schema1-*.db"))
	if len(snaps) != 1 {
		t.Fatalf("pre-upgrade snapshots: %v", snaps)
	}
	if st, _ := os.Stat(snaps[0]); st.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot mode %v", st.Mode().Perm())
	}
	res, err := http.Get("http://" + cur.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Schema int `json:"schema"`
	}
	json.NewDecoder(res.Body).Decode(&ready)
	res.Body.Close()
	if ready.Schema != store.SchemaVersion {
		t.Fatalf("readyz schema %d after the upgrade", ready.Schema)
	}
	// The same people log in with the same passwords and see the same orders.
	if got := countOrders(t, cur.addr, cur.login(t, "technician")); got != before {
		t.Fatalf("%d orders after the upgrade, %d before", got, before)
	}
	// A second start migrates nothing more.
	cur.cmd.Process.Signal(syscall.SIGTERM)
	cur.cmd.Wait()
	again := startServer(t, data)
	if strings.Contains(again.err.String(), "data dir upgraded") {
		t.Fatal("upgraded twice")
	}
}

func countOrders(t *testing.T, addr, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/workorders?limit=5000", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil || res.StatusCode != 200 {
		t.Fatalf("workorders: %d %s", res.StatusCode, buf.String())
	}
	return len(out.Items)
}
