package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"

	"fieldcheck/pwa"
)

func TestPWAPageAndAppRoutesServeIndex(t *testing.T) {
	env := newTestEnv(t)
	for _, p := range []string{"/", "/index.html", "/login", "/orders/WO20261123-01", "/sheet/8a3c", "/outbox"} {
		res := env.call(t, "GET", p, "", nil)
		if res.Status != 200 || !bytes.Contains(res.Body, []byte(`<script type="importmap">`)) {
			t.Fatalf("%s: %d %.80s", p, res.Status, res.Body)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache", p, cc)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q", p, res.Header.Get("Content-Type"))
		}
		if bytes.Contains(res.Body, []byte("__VERSION__")) || bytes.Contains(res.Body, []byte("__IMPORTMAP__")) {
			t.Errorf("%s: placeholders left in the page", p)
		}
	}
}

// The import map is an inline script; the page's CSP must allow exactly it.
func TestPWAPageCSPAllowsItsImportMap(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "GET", "/", "", nil)
	csp := res.Header.Get("Content-Security-Policy")
	f, _ := pwa.Lookup("index.html")
	if len(f.ScriptHashes) != 1 || !strings.Contains(csp, "script-src 'self' "+f.ScriptHashes[0]) {
		t.Fatalf("CSP %q does not carry the import map hash %v", csp, f.ScriptHashes)
	}
	m := regexp.MustCompile(`<script type="importmap">(.*?)</script>`).FindSubmatch(res.Body)
	var im struct{ Imports map[string]string }
	if m == nil || json.Unmarshal(m[1], &im) != nil || im.Imports["/js/app.js"] != "/js/app.js?v="+pwa.Version() {
		t.Fatalf("import map %s", m)
	}
}

func TestPWAServiceWorkerIsVersionedAndRevalidated(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "GET", "/sw.js", "", nil)
	if res.Status != 200 || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("sw.js: %d %q", res.Status, res.Header.Get("Cache-Control"))
	}
	if !bytes.Contains(res.Body, []byte(`const VERSION = "`+pwa.Version()+`"`)) {
		t.Fatalf("sw.js does not carry the version %s", pwa.Version())
	}
	m := regexp.MustCompile(`const PRECACHE = (\[.*?\]);`).FindSubmatch(res.Body)
	var urls []string
	if m == nil || json.Unmarshal(m[1], &urls) != nil || len(urls) < 5 {
		t.Fatalf("precache list: %s", m)
	}
	// Every precached URL must exist, or the install fails and the app never works offline.
	for _, u := range urls {
		if r := env.call(t, "GET", u, "", nil); r.Status != 200 {
			t.Errorf("precache %s: %d", u, r.Status)
		}
	}
}

func TestPWAAssetsCachedByVersionWithETag(t *testing.T) {
	env := newTestEnv(t)
	v := pwa.Version()
	res := env.call(t, "GET", "/js/app.js?v="+v, "", nil)
	if res.Status != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("versioned asset: %d %q", res.Status, res.Header.Get("Cache-Control"))
	}
	etag := res.Header.Get("ETag")
	if etag == "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("ETag %q, type %q", etag, res.Header.Get("Content-Type"))
	}
	if r := env.call(t, "GET", "/js/app.js?v="+v, "", nil, "If-None-Match", etag); r.Status != 304 || len(r.Body) != 0 {
		t.Fatalf("revalidation: %d, %d bytes", r.Status, len(r.Body))
	}
	// An old or missing ?v must not be pinned for a year.
	if r := env.call(t, "GET", "/js/app.js?v=old", "", nil); r.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("stale version cached: %q", r.Header.Get("Cache-Control"))
	}
	if r := env.call(t, "GET", "/icons/icon-512.png", "", nil); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("icon: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
}

func TestPWATextIsGzipped(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "GET", "/js/checklist.js?v="+pwa.Version(), "", nil, "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	f, _ := pwa.Lookup("js/checklist.js")
	if !bytes.Equal(plain, f.Body) || len(res.Body) >= len(f.Body) {
		t.Fatalf("gzip body %d bytes for %d plain", len(res.Body), len(f.Body))
	}
}

func TestPWARejectsTraversalAndMissingFiles(t *testing.T) {
	env := newTestEnv(t)
	for _, p := range []string{"/../go.mod", "/%2e%2e/go.mod", "/js/..%2f..%2fgo.mod", "/..%5cgo.mod", "/js/nope.js", "/embed.go"} {
		res := env.call(t, "GET", p, "", nil)
		if res.Status == 200 || bytes.Contains(res.Body, []byte("module fieldcheck")) || bytes.Contains(res.Body, []byte("package pwa")) {
			t.Errorf("%s: %d %.60s", p, res.Status, res.Body)
		}
	}
	// Unknown API routes stay JSON errors, never the page.
	if res := env.call(t, "GET", "/api/v1/nope", "", nil); res.Status != 404 || res.ErrorCode() == "" {
		t.Fatalf("/api/v1/nope: %d %s", res.Status, res.Body)
	}
}
