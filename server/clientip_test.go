package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fieldcheck/auth"

	"github.com/gofiber/fiber/v2"
)

// appTestPeer is the socket address app.Test's connection reports.
var appTestPeer = netip.MustParsePrefix("0.0.0.0/32")

func TestClientAddressBelievesForwardedForOnlyFromTrustedProxies(t *testing.T) {
	cases := []struct {
		name    string
		trusted string
		xff     []string
		want    string
	}{
		{"no proxies: the socket", "", []string{"198.51.100.7"}, "0.0.0.0"},
		{"untrusted peer: header ignored", "10.0.0.0/8", []string{"198.51.100.7"}, "0.0.0.0"},
		{"trusted peer", "0.0.0.0/32", []string{"198.51.100.7"}, "198.51.100.7"},
		{"client-written hops on the left are not believed", "0.0.0.0/32", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"trusted hops are skipped", "0.0.0.0/32,10.0.0.0/8", []string{"6.6.6.6, 198.51.100.7, 10.1.2.3"}, "198.51.100.7"},
		{"headers are one list", "0.0.0.0/32,10.0.0.0/8", []string{"6.6.6.6", "198.51.100.7, 10.0.0.5"}, "198.51.100.7"},
		{"garbage stops at the last good hop", "0.0.0.0/32", []string{"<script>"}, "0.0.0.0"},
		{"every hop trusted", "0.0.0.0/32,10.0.0.0/8", []string{"10.1.2.3"}, "10.1.2.3"},
		{"trusted peer without the header", "0.0.0.0/32", nil, "0.0.0.0"},
		{"IPv6 client", "0.0.0.0/32", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped client", "0.0.0.0/32", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{}
			for _, p := range strings.Split(tc.trusted, ",") {
				if p != "" {
					s.Cfg.TrustedProxies = append(s.Cfg.TrustedProxies, netip.MustParsePrefix(p))
				}
			}
			app := fiber.New()
			app.Use(s.resolveClientIP)
			app.Get("/", func(c *fiber.Ctx) error { return c.SendString(clientIP(c)) })
			req := httptest.NewRequest("GET", "/", nil)
			for _, h := range tc.xff {
				req.Header.Add("X-Forwarded-For", h)
			}
			res, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			if string(got) != tc.want {
				t.Fatalf("client address %q, want %q", got, tc.want)
			}
		})
	}
}

func waitBriefly() { time.Sleep(10 * time.Millisecond) }

// loginAt logs in through the real app as a client at addr behind the
// trusted proxy (app.Test's peer); it returns the status and error code.
func loginAt(env *testEnv, addr, username, password string) (int, string, error) {
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	res, err := env.srv.App.Test(req, -1)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, (&testResp{Body: data}).ErrorCode(), nil
}

func TestAFloodOfWrongLoginsFromOneAddressLeavesOthersLoggingIn(t *testing.T) {
	env := newTestEnv(t)
	env.srv.Cfg.TrustedProxies = []netip.Prefix{appTestPeer}
	// A short per-address line keeps the test's drain short (the flood
	// still has it full all along); a long wait keeps a loaded test machine
	// from turning slowness into a refusal.
	env.srv.Checks = auth.NewCheckQueue(auth.CheckSlots, 8, time.Minute)
	const flood = "203.0.113.9"
	var stop atomic.Bool
	var wg sync.WaitGroup
	var floodErr atomic.Value
	// 200 clients behind one address try random usernames, as in the
	// attack: every check costs a full bcrypt (unknown users are compared
	// with a dummy hash). Told busy, they come back half a second later.
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 120 && !stop.Load(); n++ {
				status, _, err := loginAt(env, flood, fmt.Sprintf("nobody-%d-%d", i, n), "wrong-password")
				if err != nil {
					floodErr.Store(err)
					return
				}
				if status == http.StatusTooManyRequests {
					time.Sleep(500 * time.Millisecond)
				}
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()
	for i := 0; env.srv.Checks.Waiting(flood) < 4; i++ {
		if i > 5000 {
			t.Fatal("the flood never queued")
		}
		waitBriefly()
	}
	// A technician from another address logs in while the flood goes on.
	start := time.Now()
	status, code, err := loginAt(env, "198.51.100.7", "tech1", testPassword)
	t.Logf("real login took %v during the flood", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	if status != 200 {
		t.Fatalf("real login during the flood: %d %s", status, code)
	}
	if env.srv.Checks.Waiting(flood) == 0 {
		t.Fatal("the flood had stopped before the real login: the test proved nothing")
	}
	stop.Store(true)
	wg.Wait()
	if err, _ := floodErr.Load().(error); err != nil {
		t.Fatal(err)
	}
}

func TestWrongPasswordsLockAUserOutOnlyFromTheirAddress(t *testing.T) {
	env := newTestEnv(t)
	env.srv.Cfg.TrustedProxies = []netip.Prefix{appTestPeer}
	for i := 0; i < 5; i++ {
		if status, _, _ := loginAt(env, "203.0.113.9", "tech1", "wrong-password"); status != 401 {
			t.Fatalf("wrong password %d: %d", i, status)
		}
	}
	if status, code, _ := loginAt(env, "203.0.113.9", "tech1", testPassword); status != 429 || code != "too_many_attempts" {
		t.Fatalf("from the flooding address: %d %s, want 429 too_many_attempts", status, code)
	}
	if status, code, _ := loginAt(env, "198.51.100.7", "tech1", testPassword); status != 200 {
		t.Fatalf("the user from their own address: %d %s", status, code)
	}
}

func TestOneIPv6NetworkCannotDodgeTheLockoutByChangingAddress(t *testing.T) {
	env := newTestEnv(t)
	env.srv.Cfg.TrustedProxies = []netip.Prefix{appTestPeer}
	for i := 0; i < 5; i++ {
		if status, _, _ := loginAt(env, fmt.Sprintf("2001:db8:7:8::%x", i+1), "tech1", "wrong-password"); status != 401 {
			t.Fatalf("wrong password %d: %d", i, status)
		}
	}
	if status, code, _ := loginAt(env, "2001:db8:7:8::99", "tech1", testPassword); status != 429 || code != "too_many_attempts" {
		t.Fatalf("another address of the same /64: %d %s, want 429 too_many_attempts", status, code)
	}
	if status, code, _ := loginAt(env, "2001:db8:7:9::1", "tech1", testPassword); status != 200 {
		t.Fatalf("another /64: %d %s", status, code)
	}
}

func TestForwardedForFromAnUntrustedPeerDoesNotDodgeTheLockout(t *testing.T) {
	env := newTestEnv(t) // no trusted proxies
	for i := 0; i < 5; i++ {
		if status, _, _ := loginAt(env, fmt.Sprintf("203.0.113.%d", i), "tech1", "wrong-password"); status != 401 {
			t.Fatalf("wrong password %d: %d", i, status)
		}
	}
	if status, code, _ := loginAt(env, "198.51.100.7", "tech1", testPassword); status != 429 || code != "too_many_attempts" {
		t.Fatalf("a made-up X-Forwarded-For escaped the lockout: %d %s", status, code)
	}
}
