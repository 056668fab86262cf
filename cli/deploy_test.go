package cli

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// testCert writes a self-signed certificate for fieldcheck.test and
// 127.0.0.1 with the given serial; it returns the cert and key paths and a
// pool that trusts it.
func testCert(t *testing.T, dir string, serial int64) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "fieldcheck.test"},
		DNSNames: []string{"fieldcheck.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	// Written whole then renamed, as certbot does, so a reload never reads half a file.
	writeAtomic(t, certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeAtomic(t, keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

func writeAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path+".new", data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

func TestVersionNamesTheBuildAndTheSchema(t *testing.T) {
	out, err := run(t, "", "version")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.HasPrefix(out, "fieldcheck ") || !strings.Contains(out, "data schema version "+strconv.Itoa(store.SchemaVersion)) {
		t.Fatalf("version says %q", out)
	}
}

func TestServesHTTPSWithHSTSRedirectsPlainHTTPAndReloadsTheCertificateOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, pool1 := testCert(t, dir, 1)
	addr, redirect := freePort(t), freePort(t)
	cmd := exec.Command(binary, "serve", "--addr", addr, "--data", filepath.Join(dir, "data"),
		"--tls-cert", certPath, "--tls-key", keyPath, "--http-redirect-addr", redirect)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "fieldcheck listening on https://") {
			break
		}
	}
	go io.Copy(io.Discard, stdout)

	client := func(pool *x509.CertPool) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "fieldcheck.test"}}}
	}
	c1 := client(pool1)
	var res *http.Response
	var err error
	for i := 0; i < 100; i++ {
		if res, err = c1.Get("https://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("https: %v\n%s", err, stderr.String())
	}
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
		Schema int               `json:"schema"`
		Build  struct {
			Version string `json:"version"`
			Schema  int    `json:"schema"`
		} `json:"build"`
	}
	json.NewDecoder(res.Body).Decode(&ready)
	res.Body.Close()
	if res.StatusCode != 200 || ready.Status != "ready" || ready.Schema != store.SchemaVersion || ready.Build.Schema != store.SchemaVersion || ready.Checks["store"] != "ok" {
		t.Fatalf("readyz: %d %+v", res.StatusCode, ready)
	}
	if hsts := res.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Fatalf("no HSTS over TLS: %q", hsts)
	}

	// Plain HTTP only redirects, to the same path on HTTPS.
	noFollow := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noFollow.Get("http://" + redirect + "/api/v1/me?x=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, port, _ := net.SplitHostPort(addr)
	if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != "https://127.0.0.1:"+port+"/api/v1/me?x=1" {
		t.Fatalf("redirect: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("HSTS sent over plain HTTP")
	}

	// A keep-alive connection opened before the reload.
	res, err = c1.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()

	// Renew: a new pair in the same files, then SIGHUP.
	_, _, pool2 := testCert(t, dir, 2)
	cmd.Process.Signal(syscall.SIGHUP)
	c2 := client(pool2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err = c2.Get("https://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.TLS.PeerCertificates[0].SerialNumber.Int64() == 2 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate was not served after SIGHUP: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The connection opened before the reload was not dropped.
	res, err = c1.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("connection from before the reload: %v", err)
	}
	res.Body.Close()
	if !strings.Contains(stderr.String(), "certificate reloaded") {
		t.Fatalf("no reload logged:\n%s", stderr.String())
	}
}

func TestServeRefusesBadTLSSettingsWithAUsageError(t *testing.T) {
	out, err := run(t, "", "serve", "--data", t.TempDir(), "--tls-cert", "/nonexistent.pem")
	if code := exitCode(err); code != 2 || !strings.Contains(out, "--tls-key") {
		t.Fatalf("cert without key: exit %d, %s", code, out)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "c.pem"), []byte("not a cert"), 0o600)
	out, err = run(t, "", "serve", "--data", t.TempDir(), "--tls-cert", filepath.Join(dir, "c.pem"), "--tls-key", filepath.Join(dir, "c.pem"))
	if code := exitCode(err); code != 1 || !strings.Contains(out, "tls: load") || strings.Contains(out, "goroutine") {
		t.Fatalf("bad pair: exit %d, %s", code, out)
	}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestEveryCommandRefusesADataDirFromANewerRelease(t *testing.T) {
	data := t.TempDir()
	r := startServer(t, data)
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
	db, err := bolt.Open(filepath.Join(data, store.FileName), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketMeta).Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	})
	db.Close()
	for _, args := range [][]string{
		{"serve", "--addr", freePort(t), "--data", data},
		{"backup", "--data", data, "--out", filepath.Join(t.TempDir(), "b.tar")},
	} {
		out, err := run(t, "", args...)
		if exitCode(err) != 1 || !strings.Contains(out, "newer fieldcheck") || !strings.Contains(out, "schema version 99") {
			t.Fatalf("%s on a newer dir: %v\n%s", args[0], err, out)
		}
	}
}
