package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

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
	old := buildRelease(t, previousRelease)
	tmp := t.TempDir()
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

// buildRelease builds the fieldcheck of commit rev from this clone's git
// history, skipping the test when the clone does not hold it (shallow).
func buildRelease(t *testing.T, rev string) string {
	t.Helper()
	root, _ := filepath.Abs("..")
	if err := exec.Command("git", "-C", root, "cat-file", "-e", rev+"^{commit}").Run(); err != nil {
		t.Skipf("the release %s is not in this clone (shallow?): %v", rev[:12], err)
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	archive := exec.Command("sh", "-c", "git -C \"$ROOT\" archive \"$REV\" | tar -x -C \"$SRC\"")
	archive.Env = append(os.Environ(), "ROOT="+root, "REV="+rev, "SRC="+src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive: %v\n%s", err, out)
	}
	bin := filepath.Join(tmp, "fieldcheck-"+rev[:12])
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the release %s: %v\n%s", rev[:12], err, out)
	}
	return bin
}

var lastLogin = regexp.MustCompile(`"last_login_at":"[^"]*"`)

// lastRelease is the last commit that landed (passed CI): the release a
// server runs today. Bump it with each landing that changes what is on disk.
const lastRelease = "1e749dbdb6aa0d3f5695b831231b2cf1c560ae88"

// TestUpgradeFromTheLastReleaseShowsEveryRoleTheSame lets the last landed
// release make a demo data dir and stop, then starts this build on it: what
// the screens read — the names book, the supervisor's technicians report,
// the agent's queue, the technician's orders — answers byte for byte the
// same, the structures this build adds on disk are built once, and a clean
// stop of this build lets the next start skip the page walk.
func TestUpgradeFromTheLastReleaseShowsEveryRoleTheSame(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the last release")
	}
	old := buildRelease(t, lastRelease)
	data := filepath.Join(t.TempDir(), "data")
	prev := startBinary(t, old, data, "--demo")
	logins := prev.logins
	today := time.Now().In(store.Shanghai)
	reads := []struct{ role, path string }{
		{"technician", "/api/v1/workorders?limit=500"},
		{"technician", "/api/v1/names"},
		{"supervisor", "/api/v1/names"},
		{"supervisor", "/api/v1/reports/technicians?from=" + today.AddDate(0, 0, -30).Format("2006-01-02") + "&to=" + today.Format("2006-01-02")},
		{"agent", "/api/v1/names"},
		{"agent", "/api/v1/callbacks?limit=200"},
		{"agent", "/api/v1/callbacks/summary"}, // the counters, pruned of their past by this build's first sweep
		{"supervisor", "/api/v1/callbacks/summary"},
		{"admin", "/api/v1/users?limit=500"},
	}
	read := func(r *running) []string {
		t.Helper()
		var out []string
		for _, rd := range reads {
			tok := r.login(t, rd.role)
			req, _ := http.NewRequest("GET", "http://"+r.addr+rd.path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("%s %s: %d %s", rd.role, rd.path, res.StatusCode, b.String())
			}
			// Each read logs in, so the login times move; nothing else may.
			out = append(out, lastLogin.ReplaceAllString(b.String(), `"last_login_at":…`))
		}
		return out
	}
	before := read(prev)
	prev.cmd.Process.Signal(syscall.SIGTERM)
	prev.cmd.Wait()

	cur := startServer(t, data)
	cur.logins = logins
	after := read(cur)
	for i := range reads {
		if before[i] != after[i] {
			t.Errorf("%s %s after the upgrade:\n%.600s\nbefore:\n%.600s", reads[i].role, reads[i].path, after[i], before[i])
		}
	}
	// The last release stopped cleanly and had the user index: this build
	// neither checks every page nor builds it again.
	log := cur.err.String()
	if strings.Contains(log, "every page checked") || strings.Contains(log, "built the user index") {
		t.Errorf("first start on the last release's data dir checked pages or rebuilt the user index:\n%s", log)
	}
	cur.cmd.Process.Signal(syscall.SIGTERM)
	cur.cmd.Wait()
	again := startServer(t, data)
	again.logins = logins
	if log := again.err.String(); strings.Contains(log, "every page checked") || strings.Contains(log, "built the user index") {
		t.Errorf("a start after a clean stop checked pages or rebuilt the user index:\n%s", log)
	}
	if got := read(again); strings.Join(got, "\n") != strings.Join(after, "\n") {
		t.Error("a restart changed what the roles read")
	}
	again.cmd.Process.Signal(syscall.SIGTERM)
	again.cmd.Wait()
	// The counters this build pruned still equal a rebuild from the records.
	if out, err := exec.Command(binary, "rollups", "verify", "--data", data).CombinedOutput(); err != nil {
		t.Errorf("rollups verify after the upgrade: %v\n%s", err, out)
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
