package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"

	"github.com/golang-jwt/jwt/v5"
	bolt "go.etcd.io/bbolt"
)

type keyFileJSON struct {
	Current struct {
		ID     string `json:"kid"`
		Secret []byte `json:"secret"`
	} `json:"current"`
	Previous []struct {
		ID string `json:"kid"`
	} `json:"previous"`
}

func readKeys(t *testing.T, data string) keyFileJSON {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, auth.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	var k keyFileJSON
	if err := json.Unmarshal(b, &k); err != nil || len(k.Current.Secret) < 32 {
		t.Fatalf("key file: %v %s", err, b)
	}
	return k
}

func kid(t *testing.T, raw string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tok.Header["kid"].(string)
	return s
}

func (r *running) get(t *testing.T, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+r.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
}

// loginFull answers the whole login pair.
func (r *running) loginFull(t *testing.T, username, password string) (int, string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password, "device_id": "cli-test"})
	res, err := http.Post("http://"+r.addr+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.AccessToken, out.RefreshToken
}

func (r *running) refresh(t *testing.T, refresh string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"refresh_token": refresh})
	res, err := http.Post("http://"+r.addr+"/api/v1/auth/refresh", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func runEnv(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.CombinedOutput()
	return string(out), cmd.ProcessState.ExitCode()
}

// The backup file is 0600 — whether the running server or the CLI itself
// writes it, and also when an older file with wider bits was there — and the
// signing key is nowhere in it.
func TestBackupIs0600AndHoldsNoSigningKey(t *testing.T) {
	data := t.TempDir()
	r := startServer(t, data)
	r.login(t, "admin")
	key := readKeys(t, data).Current.Secret
	out := filepath.Join(t.TempDir(), "b.tar")
	os.WriteFile(out, []byte("old"), 0o644)
	check := func(how string) {
		if o, err := run(t, "", "backup", "--data", data, "--out", out); err != nil {
			t.Fatalf("backup %s: %v %s", how, err, o)
		}
		st, err := os.Stat(out)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("backup %s: mode %v %v, want 0600", how, st.Mode().Perm(), err)
		}
		tarBytes, _ := os.ReadFile(out)
		for _, form := range [][]byte{key, []byte(base64.StdEncoding.EncodeToString(key)), []byte(base64.RawURLEncoding.EncodeToString(key))} {
			if bytes.Contains(tarBytes, form) {
				t.Fatalf("backup %s holds the signing key", how)
			}
		}
		if bytes.Contains(tarBytes, []byte(auth.KeyFile)) {
			t.Fatalf("backup %s holds the key file", how)
		}
	}
	check("through the running server")
	r.stop(t)
	check("by the CLI")
}

// A restored server makes a new key and restores no session: tokens from
// before are refused, refresh tokens too, and a fresh login works.
func TestARestoredServerSignsEveryoneInAgain(t *testing.T) {
	data := t.TempDir()
	a := startServer(t, data)
	admin := a.logins["admin"]
	_, access, refresh := a.loginFull(t, admin[0], admin[1])
	tarPath := filepath.Join(t.TempDir(), "b.tar")
	if o, err := run(t, "", "backup", "--data", data, "--out", tarPath); err != nil {
		t.Fatalf("backup: %v %s", err, o)
	}
	a.stop(t)
	restored := filepath.Join(t.TempDir(), "restored")
	if o, err := run(t, "", "restore", "--data", restored, "--in", tarPath); err != nil {
		t.Fatalf("restore: %v %s", err, o)
	}
	b := startServer(t, restored)
	if readKeys(t, restored).Current.ID == readKeys(t, data).Current.ID {
		t.Fatal("the restored server signs with the old key")
	}
	if code := b.get(t, "/api/v1/me", access); code != 401 {
		t.Fatalf("access token from before the restore: %d, want 401", code)
	}
	if code := b.refresh(t, refresh); code != 401 {
		t.Fatalf("refresh token from before the restore: %d, want 401", code)
	}
	code, fresh, _ := b.loginFull(t, admin[0], admin[1])
	if code != 200 || b.get(t, "/api/v1/me", fresh) != 200 {
		t.Fatalf("fresh login on the restored server: %d", code)
	}
}

func TestKeysRotateWhileTheServerRuns(t *testing.T) {
	data := t.TempDir()
	r := startServer(t, data)
	before := r.login(t, "admin")
	oldKid := readKeys(t, data).Current.ID
	if kid(t, before) != oldKid {
		t.Fatalf("token kid %q, key file %q", kid(t, before), oldKid)
	}
	out, err := run(t, "", "keys", "rotate", "--data", data)
	if err != nil || !strings.Contains(out, "running server") {
		t.Fatalf("keys rotate: %v %s", err, out)
	}
	k := readKeys(t, data)
	if k.Current.ID == oldKid || len(k.Previous) != 1 || k.Previous[0].ID != oldKid {
		t.Fatalf("key file after rotation: current %q previous %v (old %q)", k.Current.ID, k.Previous, oldKid)
	}
	if !strings.Contains(out, k.Current.ID) {
		t.Fatalf("output does not name the new key: %s", out)
	}
	if code := r.get(t, "/api/v1/me", before); code != 200 {
		t.Fatalf("token signed with the previous key, right after the rotation: %d", code)
	}
	after := r.login(t, "admin")
	if kid(t, after) != k.Current.ID {
		t.Fatalf("new token kid %q, want the new key %q", kid(t, after), k.Current.ID)
	}
	// The audit log names the rotation.
	r.stop(t)
	db := fixtures.OpenDir(t, data)
	found := false
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketAudit).ForEach(func(_, v []byte) error {
			found = found || bytes.Contains(v, []byte("keys.rotate"))
			return nil
		})
	})
	db.Close()
	if !found {
		t.Fatal("no audit entry for the rotation")
	}
	// With the server stopped, the CLI rotates the file itself.
	if out, err := run(t, "", "keys", "rotate", "--data", data); err != nil || strings.Contains(out, "running server") {
		t.Fatalf("keys rotate, server stopped: %v %s", err, out)
	}
	if again := readKeys(t, data); again.Current.ID == k.Current.ID {
		t.Fatal("the offline rotation did not change the key")
	}
}

func TestKeysRotateRefusesAnEnvironmentKey(t *testing.T) {
	data := t.TempDir()
	envKey := "FIELDCHECK_JWT_KEY=" + strings.Repeat("k", 40)
	out, code := runEnv(t, []string{envKey}, "keys", "rotate", "--data", data)
	if code != 1 || !strings.Contains(out, "FIELDCHECK_JWT_KEY") {
		t.Fatalf("exit %d: %s", code, out)
	}
	// A server started with the variable refuses too, when asked by a shell
	// that does not have it.
	cmd := exec.Command(binary, "serve", "--addr", freePort(t), "--data", data)
	cmd.Env = append(os.Environ(), envKey)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(filepath.Join(data, controlName)); err == nil {
			break
		}
		exec.Command("sleep", "0.05").Run()
	}
	out, code = runEnv(t, []string{"FIELDCHECK_JWT_KEY="}, "keys", "rotate", "--data", data)
	if code != 1 || !strings.Contains(out, "FIELDCHECK_JWT_KEY") {
		t.Fatalf("through the running server: exit %d: %s\n%s", code, out, log.String())
	}
	if _, err := os.Stat(filepath.Join(data, auth.KeyFile)); err == nil {
		t.Fatal("a key file was written although the key comes from the environment")
	}
}

// damagedDataDir is a data dir whose db file has its data pages zeroed.
func damagedDataDir(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	db := fixtures.OpenDir(t, data)
	db.Update(func(tx *bolt.Tx) error {
		for i := range 500 {
			tx.Bucket(store.BucketUsers).Put([]byte(fmt.Sprintf("u%04d", i)), bytes.Repeat([]byte("x"), 300))
		}
		return nil
	})
	db.Close()
	path := filepath.Join(data, store.FileName)
	b, _ := os.ReadFile(path)
	clear(b[2*4096 : len(b)/2])
	os.WriteFile(path, b, 0o600)
	return data
}

func assertCleanFailure(t *testing.T, what, out string, code int) {
	t.Helper()
	if code != 1 {
		t.Errorf("%s: exit %d, want 1: %s", what, code, out)
	}
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
		t.Errorf("%s: a Go panic reached the operator:\n%.2000s", what, out)
	}
	if !strings.Contains(out, "damaged") || !strings.Contains(out, "已损坏") {
		t.Errorf("%s: no clear message: %.500s", what, out)
	}
}

func TestServeAndRestoreAnswerADamagedFileWithAClearError(t *testing.T) {
	data := damagedDataDir(t)
	out, code := runEnv(t, nil, "serve", "--addr", freePort(t), "--data", data)
	assertCleanFailure(t, "serve", out, code)

	// A backup whose db file is damaged: restore refuses and leaves nothing.
	tarPath := filepath.Join(t.TempDir(), "b.tar")
	f, _ := os.Create(tarPath)
	db := fixtures.OpenDB(t)
	db.Update(func(tx *bolt.Tx) error {
		for i := range 500 {
			tx.Bucket(store.BucketUsers).Put([]byte(fmt.Sprintf("u%04d", i)), bytes.Repeat([]byte("x"), 300))
		}
		return nil
	})
	var buf bytes.Buffer
	db.WriteBackup(&buf)
	db.Close()
	b := buf.Bytes()
	clear(b[512+2*4096 : len(b)/2]) // after the tar header and the two meta pages
	f.Write(b)
	f.Close()
	parent := t.TempDir()
	target := filepath.Join(parent, "restored")
	out, code = runEnv(t, nil, "restore", "--data", target, "--in", tarPath)
	assertCleanFailure(t, "restore", out, code)
	if es, _ := os.ReadDir(parent); len(es) != 0 {
		t.Fatalf("a failed restore left %d entries beside the target", len(es))
	}
}

// A data dir written the old way (the key in meta/jwt_key): the first start
// drops that key and makes a new one; the second start keeps it.
func TestServeRotatesTheKeyOnceOnUpgrade(t *testing.T) {
	data := t.TempDir()
	legacy := bytes.Repeat([]byte{0x42}, 32)
	db := fixtures.OpenDir(t, data)
	in := auth.NewUser{Username: "old.admin", Password: "password-123", Role: auth.RoleAdmin}
	if err := in.HashPassword(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if _, err := auth.CreateUser(tx, in, nil, time.Now()); err != nil {
			return err
		}
		return tx.Bucket(store.BucketMeta).Put([]byte("jwt_key"), legacy)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// What the leaked backups allowed: a token signed with the old key.
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "old.admin", "typ": "access", "role": "admin",
		"gen": 0, "exp": time.Now().Add(10 * 365 * 24 * time.Hour).Unix()}).SignedString(legacy)

	first := startServer(t, data)
	if code := first.get(t, "/api/v1/me", forged); code != 401 {
		t.Fatalf("token signed with the pre-upgrade key: %d, want 401", code)
	}
	_, token, _ := first.loginFull(t, "old.admin", "password-123")
	kid1 := readKeys(t, data).Current.ID
	first.stop(t)

	db = fixtures.OpenDir(t, data)
	db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketMeta)
		if b.Get([]byte("jwt_key")) != nil || b.Get([]byte("jwt_key_rotated")) == nil {
			t.Error("after the upgrade: the old key is still in the db, or no record of the rotation")
		}
		return nil
	})
	db.Close()

	second := startServer(t, data)
	if kid2 := readKeys(t, data).Current.ID; kid2 != kid1 {
		t.Fatalf("the second start rotated again: %q → %q", kid1, kid2)
	}
	if code := second.get(t, "/api/v1/me", token); code != 200 {
		t.Fatalf("token from after the upgrade, after a restart: %d", code)
	}
}
