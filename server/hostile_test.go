package server

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"fieldcheck/pwa"
)

// secrets are strings that only a file outside the served set contains.
var secrets = [][]byte{[]byte("module fieldcheck"), []byte("root:"), []byte("package server")}

// Traversal on the photo and static routes is refused (400) or unknown
// (404); it never answers a file from outside the photo store or the
// embedded app, nor the app page in place of one.
func TestPathTraversalIsRefused(t *testing.T) {
	env := newTestEnv(t)
	tech := env.token(t, "tech1")
	hex64 := strings.Repeat("ab", 32)
	cases := []struct {
		name, method, path, token string
	}{
		{"photo: encoded ../", "GET", "/api/v1/photos/..%2f..%2fetc%2fpasswd", tech},
		{"photo: encoded ../, bad file token", "GET", "/api/v1/photos/..%2f..%2fgo.mod?token=x", ""}, // 401
		{"photo: dot segments", "GET", "/api/v1/photos/../../go.mod", tech},
		{"photo: double encoded", "GET", "/api/v1/photos/%252e%252e%252fgo.mod", tech},
		{"photo: backslashes", "GET", `/api/v1/photos/..\..\go.mod`, tech},
		{"photo: encoded backslashes", "GET", "/api/v1/photos/..%5c..%5cgo.mod", tech},
		{"photo: not hex", "GET", "/api/v1/photos/" + strings.Repeat("zz", 32), tech},
		{"photo: uppercase hex", "GET", "/api/v1/photos/" + strings.ToUpper(hex64), tech},
		{"photo: too long", "GET", "/api/v1/photos/" + hex64 + "ab", tech},
		{"photo: far too long", "GET", "/api/v1/photos/" + strings.Repeat("a", 5000), tech},
		{"photo: NUL", "GET", "/api/v1/photos/" + hex64[:63] + "%00", tech},
		{"photo HEAD: encoded ../", "HEAD", "/api/v1/photos/..%2f..%2fetc%2fpasswd", tech},
		{"photo HEAD: uppercase", "HEAD", "/api/v1/photos/" + strings.ToUpper(hex64), tech},
		{"photo PUT: encoded ../", "PUT", "/api/v1/photos/..%2f..%2fgo.mod", tech},
		{"photo PUT: uppercase", "PUT", "/api/v1/photos/" + strings.ToUpper(hex64), tech},
		{"photo PUT: too long", "PUT", "/api/v1/photos/" + hex64 + "00", tech},
		{"static: encoded ../", "GET", "/..%2fgo.mod", ""},
		{"static: dot segments", "GET", "/js/../../go.mod", ""},
		{"static: dot segments to /etc", "GET", "/js/../../../../etc/passwd", ""},
		{"static: encoded dots", "GET", "/%2e%2e/%2e%2e/etc/passwd", ""},
		{"static: mixed encoded dots", "GET", "/.%2e/.%2e/go.mod", ""},
		{"static: double encoded", "GET", "/%252e%252e%252fgo.mod", ""},
		{"static: double encoded to /etc", "GET", "/%252e%252e%252f%252e%252e%252fetc%252fpasswd", ""},
		{"static: backslashes", "GET", `/..\..\go.mod`, ""},
		{"static: encoded backslashes", "GET", "/js%5c..%5c..%5cgo.mod", ""},
		{"static: NUL", "GET", "/index.html%00.js", ""},
		{"static: source file", "GET", "/server/server.go", ""},
		{"static: repo file", "GET", "/go.mod", ""},
		{"static: absolute-looking", "GET", "//etc/passwd", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			var hdr []string
			if c.method == "PUT" {
				body, hdr = []byte("\xff\xd8\xff not a photo"), []string{"Content-Type", "image/jpeg"}
			}
			res := env.call(t, c.method, c.path, c.token, body, hdr...)
			if res.Status != 400 && res.Status != 404 && (res.Status != 401 || c.token != "" || !strings.HasPrefix(c.path, "/api/")) {
				t.Fatalf("status %d, want 400 or 404 (401 without a token): %.200s", res.Status, res.Body)
			}
			for _, s := range secrets {
				if bytes.Contains(res.Body, s) {
					t.Fatalf("answered a file: %.200s", res.Body)
				}
			}
			if c.method != "HEAD" && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("not the JSON error shape: %s %.200s", res.Header.Get("Content-Type"), res.Body)
			}
		})
	}
}

// corsHeaders are the grants a browser looks for before letting another
// origin read an answer or send a non-simple request.
var corsHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers"}

// The API, the app and the survey page are same-origin only: another
// origin's preflight gets no grant and its simple requests no
// Access-Control-Allow-Origin, so a browser never lets it read an answer.
func TestCrossOriginRequestsGetNoCORSGrant(t *testing.T) {
	env := newTestEnv(t)
	tech := env.token(t, "tech1")
	evil := "https://evil.example"
	preflight := []string{"Origin", evil, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization, content-type"}
	cases := []struct {
		name, method, path, token string
		headers                   []string
	}{
		{"preflight to the API", "OPTIONS", "/api/v1/sync/push", "", preflight},
		{"preflight to login", "OPTIONS", "/api/v1/auth/login", "", preflight},
		{"preflight to a photo", "OPTIONS", "/api/v1/photos/" + strings.Repeat("ab", 32), "", preflight},
		{"preflight to the survey", "OPTIONS", "/s/some-token", "", preflight},
		{"preflight to the app", "OPTIONS", "/", "", preflight},
		{"simple GET of the API with a token", "GET", "/api/v1/me", tech, []string{"Origin", evil}},
		{"simple GET of the API, null origin", "GET", "/api/v1/me", tech, []string{"Origin", "null"}},
		{"simple POST to login", "POST", "/api/v1/auth/login", "", []string{"Origin", evil}},
		{"simple GET of the survey", "GET", "/s/some-token", "", []string{"Origin", evil}},
		{"simple POST to the survey", "POST", "/s/some-token", "", []string{"Origin", evil}},
		{"simple GET of the app", "GET", "/", "", []string{"Origin", evil}},
		{"simple GET of health", "GET", "/healthz", "", []string{"Origin", evil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := env.call(t, c.method, c.path, c.token, nil, c.headers...)
			if res.Status >= 500 {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			for _, h := range corsHeaders {
				if v := res.Header.Get(h); v != "" {
					t.Fatalf("%s: %q granted to another origin", h, v)
				}
			}
			if c.method == "OPTIONS" && res.Status < 300 {
				t.Fatalf("preflight answered %d: a browser would go on", res.Status)
			}
		})
	}
}

// Each kind of answer carries the security headers that fit it.
func TestSecurityHeadersPerResponseKind(t *testing.T) {
	env := newTestEnv(t)
	tech := env.token(t, "tech1")
	photo := phoneJPEG(t, 3)
	if res := env.putPhoto(t, "tech1", photo, "image/jpeg"); res.Status != 201 {
		t.Fatalf("put photo: %d %s", res.Status, res.Body)
	}
	task := finishJob(t, env, "WO-HDR", "standard", "chengdu-east")
	if task.SurveyURL == "" {
		t.Fatalf("no survey link: %+v", task)
	}
	cases := []struct {
		name, path, token, ctype string
		status                   int
		csp                      []string // parts the policy must hold
		cache                    string   // Cache-Control prefix
	}{
		{"app page", "/", "", "text/html", 200,
			[]string{"default-src 'self'", "script-src 'self' 'sha256-", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"}, "no-cache"},
		{"app route (deep link)", "/orders/WO-1", "", "text/html", 200,
			[]string{"script-src 'self' 'sha256-", "frame-ancestors 'none'"}, "no-cache"},
		{"API JSON", "/api/v1/me", tech, "application/json", 200, []string{"default-src 'self'", "frame-ancestors 'none'"}, "no-store"},
		{"API error", "/api/v1/me", "", "application/json", 401, []string{"frame-ancestors 'none'"}, "no-store"},
		{"login answer (tokens)", "", "", "application/json", 200, []string{"frame-ancestors 'none'"}, "no-store"},
		{"photo", "/api/v1/photos/" + hexSHA(photo) + "?size=thumb", tech, "image/jpeg", 200, []string{"frame-ancestors 'none'"}, "private"},
		{"survey page", task.SurveyURL, "", "text/html", 200, []string{"default-src 'self'", "frame-ancestors 'none'", "form-action 'self'"}, "no-store"},
		{"survey gone page", "/s/no-such-token", "", "text/html", 404, []string{"frame-ancestors 'none'"}, "no-store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res *testResp
			if c.path == "" {
				res = login(t, env, "tech2", testPassword)
			} else {
				res = env.call(t, "GET", c.path, c.token, nil)
			}
			if res.Status != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), c.ctype) {
				t.Fatalf("%d %s, want %d %s: %.200s", res.Status, res.Header.Get("Content-Type"), c.status, c.ctype, res.Body)
			}
			want := http.Header{
				"X-Content-Type-Options": {"nosniff"},
				"Referrer-Policy":        {"no-referrer"},
				"X-Frame-Options":        {"DENY"},
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v[0] {
					t.Fatalf("%s = %q, want %q", k, got, v[0])
				}
			}
			csp := res.Header.Values("Content-Security-Policy")
			if len(csp) != 1 {
				t.Fatalf("want exactly one CSP, got %q", csp)
			}
			for _, part := range c.csp {
				if !strings.Contains(csp[0], part) {
					t.Fatalf("CSP %q lacks %q", csp[0], part)
				}
			}
			if strings.Contains(csp[0], "'unsafe-eval'") || strings.Contains(csp[0], "script-src 'self' 'unsafe-inline'") {
				t.Fatalf("CSP allows script injection: %q", csp[0])
			}
			if cc := res.Header.Get("Cache-Control"); !strings.HasPrefix(cc, c.cache) {
				t.Fatalf("Cache-Control %q, want %s…", cc, c.cache)
			}
		})
	}
}

// A versioned script or style sheet carries nosniff and no page policies
// (they govern the page, not its files, and cost a phone's first load
// ~15 KB over ~40 files); the service worker keeps its CSP, which applies to it.
func TestVersionedAssetsCarryOnlyTheirOwnHeaders(t *testing.T) {
	env := newTestEnv(t)
	v := pwa.Version()
	for _, c := range []struct {
		path   string
		policy bool
	}{{"/js/app.js?v=" + v, false}, {"/app.css?v=" + v, false}, {"/sw.js", true}, {"/js/app.js", true}, {"/", true}} {
		res := env.call(t, "GET", c.path, "", nil)
		if res.Status != 200 {
			t.Fatalf("%s: %d", c.path, res.Status)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.path)
		}
		has := res.Header.Get("Content-Security-Policy") != "" && res.Header.Get("X-Frame-Options") == "DENY" && res.Header.Get("Permissions-Policy") != ""
		if has != c.policy {
			t.Errorf("%s: page policies %v, want %v", c.path, has, c.policy)
		}
	}
}
