package server

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
)

const headerRequestID = "X-Request-Id"

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

func (s *Server) middleware() {
	s.App.Use(s.resolveClientIP)
	s.App.Use(closeIfBodyUnread)
	s.App.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.Log.Error("panic", "rid", requestID(c), "path", redactPath(c.Path()), "panic", fmt.Sprint(e))
	}}))
	s.App.Use(requestid.New(requestid.Config{Header: headerRequestID}))
	s.App.Use(s.accessLog)
	s.App.Use(securityHeaders)
}

// closeIfBodyUnread closes the connection after an answer that left part of
// the request body unread. With StreamRequestBody, a body over the buffered
// limit (or chunked) is still on the wire when the handler runs; if the guard
// refuses the request (401, 403) or a handler answers without reading it,
// keep-alive would parse the rest of the body as the next request — a
// smuggling path, and a way for an unauthenticated client to make us read
// its upload. Bodies fasthttp buffered whole are harmless and keep the
// connection.
func closeIfBodyUnread(c *fiber.Ctx) error {
	defer func() {
		if bodyLeftOnWire(c) {
			c.Context().SetConnectionClose()
		}
	}()
	return c.Next()
}

func bodyLeftOnWire(c *fiber.Ctx) bool {
	req := c.Request()
	if !req.IsBodyStream() {
		return false // never streamed, or c.Body() read it all
	}
	cl := req.Header.ContentLength()
	switch {
	case cl == -1: // chunked: no way to know without reading
		done, _ := c.Locals(localBodyRead).(bool)
		return !done
	case cl > bufferedBodyLimit:
		// A zero-length read never blocks: it answers io.EOF once the
		// stream has been read to its Content-Length.
		_, err := req.BodyStream().Read(nil)
		return err != io.EOF
	}
	return false
}

// accessLog logs every request with slog and feeds the metrics. Tokens in
// query strings (?token=, /s/:token) are redacted.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the response now so the status is known.
		if herr := s.handleError(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	dur := time.Since(start)
	s.metrics.observe(c.Method(), routeLabel(c), status, dur)
	if s.Cfg.OnAnswer != nil {
		s.Cfg.OnAnswer(strings.Clone(c.Method()), strings.Clone(c.Route().Path), status)
	}
	s.Log.Info("http", "rid", requestID(c), "method", c.Method(), "path", redactPath(c.Path()),
		"query", redactQuery(string(c.Request().URI().QueryString())), "status", status,
		"ms", float64(dur.Microseconds())/1000, "user", principal(c).Username, "ip", clientIP(c))
	return nil
}

func redactPath(p string) string {
	if strings.HasPrefix(p, "/s/") {
		return "/s/[redacted]"
	}
	return p
}

func redactQuery(q string) string {
	if q == "" {
		return ""
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return "[unparsed]"
	}
	for k := range v {
		if strings.Contains(strings.ToLower(k), "token") {
			v.Set(k, "[redacted]")
		}
	}
	return v.Encode()
}

// versionedAsset is an immutable script or style sheet of the PWA (?v=…).
// It is no document: the page's CSP, frame and permission policies govern
// it, and repeating their ~400 bytes on each of the ~40 files a phone
// precaches cost the first load ~15 KB. The service worker is a document
// of its own kind (its CSP applies to it) and keeps every header.
func versionedAsset(c *fiber.Ctx) bool {
	p := c.Path()
	return c.Query("v") != "" && p != "/sw.js" && (strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css"))
}

// securityHeaders are sent on every answer (a versioned asset gets the two
// that concern it); the PWA's CSP allows only itself.
// API answers hold tokens and customers' phone numbers: no cache keeps them
// unless a handler says otherwise (photos are immutable and private).
func securityHeaders(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/api/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	if versionedAsset(c) {
		return c.Next()
	}
	c.Set("X-Frame-Options", "DENY")
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; "+
		"script-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	c.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
	if c.Context().IsTLS() {
		// Only over TLS: HSTS on plain HTTP is ignored by browsers and would
		// lock a name to HTTPS before it has a certificate.
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}
