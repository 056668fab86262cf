package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBehindNginxTheClientAddressIsTheRealOneOnlyWhenTheProxyIsTrusted runs
// Debian's nginx with contrib/nginx-fieldcheck.conf (the file DEPLOY.md tells
// operators to install) in front of this build. Two clients come from
// distinct loopback addresses through the proxy. With the proxy trusted,
// fieldcheck logs and throttles each by its own address: a flood of bad
// passwords from one never locks the user out from the other. Untrusted, the
// header is ignored: both are the proxy's address, and share its lockout.
func TestBehindNginxTheClientAddressIsTheRealOneOnlyWhenTheProxyIsTrusted(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nginx is not installed: make test installs it (scripts/deps.sh)")
		}
		t.Skip("nginx not installed (make test installs it)")
	}
	for _, trusted := range []bool{true, false} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			dir := t.TempDir()
			env := []string{}
			if trusted {
				env = append(env, "FIELDCHECK_TRUSTED_PROXIES=127.0.0.1/32")
			}
			srv := startServerEnv(t, filepath.Join(dir, "data"), env, "--demo")
			proxy := startNginx(t, nginx, dir, srv.addr)

			tech := srv.logins["technician"]
			clientA := clientFrom(t, "127.0.0.5")
			clientB := clientFrom(t, "127.0.0.6")
			login := func(c *http.Client, password string) int {
				body, _ := json.Marshal(map[string]string{"username": tech[0], "password": password, "device_id": "nginx-test"})
				res, err := c.Post("https://"+proxy+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				return res.StatusCode
			}
			// A's flood of wrong passwords until it is throttled (bounded).
			locked := false
			for i := 0; i < 20 && !locked; i++ {
				locked = login(clientA, "wrong-password") == http.StatusTooManyRequests
			}
			if !locked {
				t.Fatal("20 wrong passwords from one address were never throttled")
			}
			status := login(clientB, tech[1])
			if trusted && status != http.StatusOK {
				t.Fatalf("trusted proxy: the real user from another address got %d", status)
			}
			if !trusted && status != http.StatusTooManyRequests {
				t.Fatalf("untrusted proxy: X-Forwarded-For must be ignored, so B shares the proxy's lockout; got %d", status)
			}
			// What the access log says the client address was.
			// (the access line is written just after the answer: wait for it)
			want := map[bool][]string{true: {"127.0.0.5", "127.0.0.6"}, false: {"127.0.0.1"}}[trusted]
			ips := loggedIPs(srv.err.String(), "/api/v1/auth/login")
			for i := 0; i < 40 && len(ips) < len(want); i++ {
				time.Sleep(50 * time.Millisecond)
				ips = loggedIPs(srv.err.String(), "/api/v1/auth/login")
			}
			for _, ip := range want {
				if !ips[ip] {
					t.Fatalf("login lines logged addresses %v, want %v", ips, want)
				}
			}
			if len(ips) != len(want) {
				t.Fatalf("login lines logged addresses %v, want only %v", ips, want)
			}
		})
	}
}

// startServerEnv is startServer with extra environment.
func startServerEnv(t *testing.T, data string, env []string, args ...string) *running {
	t.Helper()
	withEnv(t, env) // the child inherits it; undone after the test
	return startServer(t, data, args...)
}

func loggedIPs(log, path string) map[string]bool {
	ips := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Path string `json:"path"`
			IP   string `json:"ip"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "http" && line.Path == path {
			ips[line.IP] = true
		}
	}
	return ips
}

// clientFrom dials from a chosen loopback address (all of 127/8 is local).
func clientFrom(t *testing.T, local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext:     func(ctx context.Context, n, a string) (net.Conn, error) { return d.DialContext(ctx, n, a) },
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test's own self-signed certificate
	}}
}

var nginxOnce sync.Mutex

// startNginx runs nginx in the foreground with the contrib site file, its
// markers replaced, and returns the address it listens on.
func startNginx(t *testing.T, nginx, dir, upstream string) string {
	t.Helper()
	nginxOnce.Lock()
	defer nginxOnce.Unlock()
	cert, key, _ := testCert(t, dir, 7)
	site, err := os.ReadFile("../contrib/nginx-fieldcheck.conf")
	if err != nil {
		t.Fatal(err)
	}
	listen := freePort(t)
	conf := strings.NewReplacer("__LISTEN__", listen, "__UPSTREAM__", upstream, "__CERT__", cert, "__KEY__", key).Replace(string(site))
	os.WriteFile(filepath.Join(dir, "site.conf"), []byte(conf), 0o600)
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, dir)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o600)
	var out bytes.Buffer
	cmd := exec.Command(nginx, "-c", filepath.Join(dir, "nginx.conf"), "-p", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", listen, 200*time.Millisecond); err == nil {
			c.Close()
			return listen
		}
		time.Sleep(50 * time.Millisecond)
	}
	errlog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	t.Fatalf("nginx did not start: %s\n%s", out.String(), errlog)
	return ""
}
