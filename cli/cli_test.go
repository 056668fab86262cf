package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

var binary string

func TestMain(m *testing.M) {
	auth.BcryptCost = bcrypt.MinCost
	dir, err := os.MkdirTemp("", "fieldcheck-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "fieldcheck")
	build := exec.Command("go", "build", "-o", binary, "..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var freePort = fixtures.FreeAddr // the shared fixtures (internal/fixtures)

// running is a real `fieldcheck serve` process.
type running struct {
	cmd    *exec.Cmd
	addr   string
	logins map[string][2]string // role → username, password (first of each role)
	out    *bytes.Buffer
	err    *lockedBuffer // stderr: the JSON log, read while the server writes it
}

func startServer(t *testing.T, data string, args ...string) *running {
	t.Helper()
	return startBinary(t, binary, data, args...)
}

// startBinary runs `bin serve` (this build, or another release's binary).
func startBinary(t *testing.T, bin, data string, args ...string) *running {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", data}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	var errBuf lockedBuffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, addr: addr, logins: map[string][2]string{}, out: &bytes.Buffer{}, err: &errBuf}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		r.out.WriteString(line + "\n")
		if f := strings.Fields(line); len(f) == 5 && f[0] == "demo" && f[1] == "login:" {
			if _, seen := r.logins[f[2]]; !seen {
				r.logins[f[2]] = [2]string{f[3], f[4]}
			}
		}
		if f := strings.Fields(line); len(f) >= 6 && strings.HasPrefix(line, "created user admin with password:") {
			r.logins["admin"] = [2]string{"admin", f[5]}
		}
		if strings.HasPrefix(line, "fieldcheck listening") {
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s\n%s", r.out, errBuf.String())
	return nil
}

func (r *running) login(t *testing.T, role string) string {
	t.Helper()
	l := r.logins[role]
	body, _ := json.Marshal(map[string]string{"username": l[0], "password": l[1], "device_id": "cli-test"})
	res, err := http.Post("http://"+r.addr+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 || out.AccessToken == "" {
		t.Fatalf("login as %s (%s): %d", role, l[0], res.StatusCode)
	}
	return out.AccessToken
}

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestServePrintsEveryRolesDemoLoginAndTheAdmin(t *testing.T) {
	r := startServer(t, t.TempDir(), "--demo")
	for _, role := range auth.AllRoles {
		if _, ok := r.logins[role]; !ok {
			t.Errorf("no demo login printed for %s:\n%s", role, r.out)
			continue
		}
		r.login(t, role)
	}
}

func TestARestartedDemoPrintsTheSameLogins(t *testing.T) {
	data := t.TempDir()
	first := startServer(t, data, "--demo")
	first.cmd.Process.Signal(syscall.SIGTERM)
	first.cmd.Wait()
	second := startServer(t, data, "--demo")
	for role, l := range first.logins {
		if second.logins[role] != l {
			t.Errorf("%s: first run printed %v, second %v", role, l, second.logins[role])
		}
	}
	second.login(t, "technician")
}

func TestServeRefusesADataDirHeldByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	fixtures.OpenDir(t, dir) // held open by this process while serve tries it
	start := time.Now()
	out, err := run(t, "", "serve", "--addr", freePort(t), "--data", dir)
	if err == nil || !strings.Contains(out, "in use by another fieldcheck process") {
		t.Fatalf("want a clear lock error, got err=%v out=%s", err, out)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("waited %s for the lock", time.Since(start))
	}
}

func TestUserAddReadsThePasswordFromStdin(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "a-long-password\n", "user", "add", "--data", dir, "--username", "wang.tech", "--role", "technician", "--unit", "chengdu-east", "--name", "王工"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	if out, err := run(t, "short\n", "user", "add", "--data", dir, "--username", "x.tech", "--role", "technician", "--unit", "u"); err == nil {
		t.Fatalf("short password accepted: %s", out)
	}
	db := fixtures.OpenDir(t, dir)
	db.View(func(tx *bolt.Tx) error {
		u, err := auth.Authenticate(tx, "wang.tech", "a-long-password")
		if err != nil || u.Name != "王工" || u.Unit != "chengdu-east" {
			t.Fatalf("user: %+v %v", u, err)
		}
		return nil
	})
}

// backup while the server runs (through its control socket), restore into an
// empty dir and find the data there.
func TestHotBackupAndRestore(t *testing.T) {
	data := t.TempDir()
	r := startServer(t, data, "--demo")
	admin := r.login(t, "admin")
	body := `{"username":"backup.check","password":"password-789","role":"agent","unit":"chengdu-east"}`
	req, _ := http.NewRequest("POST", "http://"+r.addr+"/api/v1/users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create user: %v %v", err, res.Status)
	}
	res.Body.Close()
	// user add also reaches the running server.
	if out, err := run(t, "password-000\n", "user", "add", "--data", data, "--username", "live.add", "--role", "technician", "--unit", "chengdu-east"); err != nil {
		t.Fatalf("user add while running: %v %s", err, out)
	}

	tarPath := filepath.Join(t.TempDir(), "b.tar")
	if out, err := run(t, "", "backup", "--data", data, "--out", tarPath); err != nil {
		t.Fatalf("backup while running: %v %s", err, out)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := run(t, "", "restore", "--data", restored, "--in", tarPath); err != nil {
		t.Fatalf("restore: %v %s", err, out)
	}
	if out, err := run(t, "", "restore", "--data", restored, "--in", tarPath); err == nil {
		t.Fatalf("restore into a non-empty dir accepted: %s", out)
	}
	db := fixtures.OpenDir(t, restored)
	db.View(func(tx *bolt.Tx) error {
		for _, u := range []string{"backup.check", "live.add", "tech.zhang", "admin"} {
			if !store.Has(tx, store.BucketUsers, []byte(u)) {
				t.Errorf("user %s missing from the restored copy", u)
			}
		}
		return nil
	})
}

// SIGTERM lets an in-flight request finish before the process exits.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	r := startServer(t, t.TempDir(), "--demo")
	tech := r.login(t, "technician")
	req, _ := http.NewRequest("GET", "http://"+r.addr+"/api/v1/speedtest/download?mb=20", nil)
	req.Header.Set("Authorization", "Bearer "+tech)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("speed test download: %d", res.StatusCode)
	}
	// Read part of it so the response is still in flight when the signal lands.
	buf := make([]byte, 256<<10)
	n, _ := io.ReadFull(res.Body, buf)
	r.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	rest, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || int64(n)+rest != 20<<20 {
		t.Fatalf("in-flight download cut short: %d bytes, err %v", int64(n)+rest, err)
	}
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
}

// lockedBuffer is a bytes.Buffer a test may read while a child process's
// output is still being copied into it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
