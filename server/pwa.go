package server

import (
	"net/url"
	"path"
	"strings"

	"fieldcheck/errs"
	"fieldcheck/pwa"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

// cspPage is the PWA page's policy: the global one (middleware.go) plus the
// hash of the page's inline import map, which cannot be an external file.
func cspPage(hashes []string) string {
	return "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; " +
		"script-src 'self' " + strings.Join(hashes, " ") + "; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
		"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
}

// bindPWA serves the embedded web app at "/". It is bound last: every path no
// other route took is either a shell file or an app route (/orders/…,
// /sheet/…), which gets index.html so a deep link or a reload works.
//
// Caching: index.html, sw.js and the manifest are fetched by fixed URLs and
// are always revalidated (no-cache + ETag). Every other file is requested
// with ?v=<content hash> (the page's import map adds it) and is immutable for
// a year under that URL; without the current ?v it is revalidated instead.
func (s *Server) bindPWA() {
	gz := compress.New(compress.Config{Level: compress.LevelBestSpeed})
	s.App.Get("/*", gz, s.servePWA)
}

var (
	errNoSuchFile = errs.New(errs.NotFound, "not_found", "未找到", "not found")
	errBadPath    = errs.New(errs.BadRequest, "bad_path", "路径无效", "invalid path")
)

// cleanStaticPath decodes a request path once and refuses what only an
// attack sends: a ".." segment, a backslash, a NUL or an empty segment ("//"),
// also when hidden under further layers of percent-encoding (%252e%252e%252f),
// which a proxy or a careless later decode could turn into a traversal.
func cleanStaticPath(raw string) (string, bool) {
	p, err := url.PathUnescape(raw)
	if err != nil {
		return "", false
	}
	for layer, s := 0, p; layer < 4; layer++ {
		if strings.ContainsAny(s, "\\\x00") || strings.Contains(s, "//") {
			return "", false
		}
		for _, seg := range strings.Split(s, "/") {
			if seg == ".." {
				return "", false
			}
		}
		next, err := url.PathUnescape(s)
		if err != nil || next == s {
			break
		}
		s = next
	}
	return p, true
}

func (s *Server) servePWA(c *fiber.Ctx) error {
	p, ok := cleanStaticPath(c.Path())
	if !ok {
		return errBadPath
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	f, ok := pwa.Lookup(name)
	if !ok {
		// A missing file (it has an extension) is a 404, not the page:
		// answering HTML for a script would break in confusing ways.
		if strings.Contains(path.Base(name), ".") {
			return errNoSuchFile
		}
		f, _ = pwa.Lookup("index.html")
	}
	c.Set(fiber.HeaderETag, "W/"+f.ETag) // weak: the same for gzip and identity
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	switch {
	case f.Entry:
		c.Set(fiber.HeaderCacheControl, "no-cache")
	case c.Query("v") == pwa.Version():
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	default:
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	if f.Name == "index.html" {
		c.Set("Content-Security-Policy", cspPage(f.ScriptHashes))
	}
	if f.Name == "sw.js" {
		c.Set("Service-Worker-Allowed", "/")
	}
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && etagMatch(inm, f.ETag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	return c.Send(f.Body)
}

// etagMatch compares If-None-Match weakly, as RFC 9110 asks for GET.
func etagMatch(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == "*" || part == etag {
			return true
		}
	}
	return false
}
