package server

import (
	"bufio"
	"errors"
	"fmt"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/reports"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (s *Server) bindOps() {
	s.route(fiber.MethodGet, "/healthz", Public, func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	s.route(fiber.MethodGet, "/readyz", Public, s.readyz)
	metricsAccess := Roles(auth.RoleAdmin)
	if s.Cfg.MetricsOpen {
		metricsAccess = Public
	}
	promh := adaptor.HTTPHandler(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	s.route(fiber.MethodGet, "/metrics", metricsAccess, promh)
	s.route(fiber.MethodGet, "/api/v1/admin/backup", Roles(auth.RoleAdmin), s.backup)
	s.route(fiber.MethodGet, "/api/v1/audit", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.audit)
	s.route(fiber.MethodGet, "/api/v1/admin/status", Roles(auth.RoleAdmin), s.adminStatus)
}

// ReadyCheck is one dependency /readyz asks: "" when it answers, otherwise
// why not (a person reads it: "bucket photos: connection refused").
type ReadyCheck func() string

// AddReadyCheck registers a dependency for /readyz (the S3 bucket, a rollup
// rebuild in progress).
func (s *Server) AddReadyCheck(name string, check ReadyCheck) {
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if s.readyChecks == nil {
		s.readyChecks = map[string]ReadyCheck{}
	}
	s.readyChecks[name] = check
}

// readyz: 200 when the store is open and every configured dependency
// answers, else 503; both say which check is which, and the build and data
// schema version this process runs (API.md "Operations").
func (s *Server) readyz(c *fiber.Ctx) error {
	checks := map[string]string{"store": "ok"}
	ready := true
	if err := s.DB.Ready(); err != nil {
		checks["store"] = "store not ready"
		ready = false
	}
	s.readyMu.Lock()
	for name, check := range s.readyChecks {
		if why := check(); why != "" {
			checks[name] = why
			ready = false
		} else {
			checks[name] = "ok"
		}
	}
	s.readyMu.Unlock()
	status := "ready"
	if !ready {
		status = "not_ready"
		c.Status(fiber.StatusServiceUnavailable)
	}
	schema, _ := s.DB.Schema()
	return c.JSON(fiber.Map{"status": status, "checks": checks, "build": s.Cfg.Build, "schema": schema})
}

// backup streams the same tar as `fieldcheck backup`.
func (s *Server) backup(c *fiber.Ctx) error {
	name := fmt.Sprintf("fieldcheck-%s.tar", s.Now().In(store.Shanghai).Format("20060102-150405"))
	c.Set(fiber.HeaderContentType, "application/x-tar")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.DB.WriteBackup(w); err != nil {
			s.Log.Error("backup failed", "err", err)
		}
		w.Flush()
	})
	return nil
}

// audit lists who changed what (admin: all; supervisor: their unit).
func (s *Server) audit(c *fiber.Ctx) error {
	from, to, err := dateRange(c, s.Now())
	if err != nil {
		return err
	}
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	format, err := exportFormat(c) // ?format=csv|xlsx downloads the same entries (server/reports.go)
	if err != nil {
		return err
	}
	if format != "" && c.Query("limit") == "" {
		limit = maxAuditExport
	}
	// The actor and the caller's unit (auth.Scope, applied in the store's
	// query) page through the audit index; the console's other filters —
	// what was done (an action or its prefix, "user." for every user
	// change), on what (an object or its prefix) and from which device —
	// narrow what that run finds.
	items, next, err := s.DB.AuditList(principal(c).Scope(), store.AuditQuery{From: from, To: to, Actor: c.Query("actor"),
		Action: c.Query("action"), Object: c.Query("object"), Device: c.Query("device"), After: after, Limit: limit})
	if errors.Is(err, store.ErrBadAuditCursor) {
		return errs.New(errs.BadRequest, "bad_after", "after 参数无效", "after is not a valid page token")
	}
	if err != nil {
		return err
	}
	if format != "" {
		name := "audit-" + from.In(store.Shanghai).Format("2006-01-02") + "_" + to.AddDate(0, 0, -1).In(store.Shanghai).Format("2006-01-02")
		return sendExport(c, format, name, reports.NamedAuditTable(items, s.exportNames()), next)
	}
	return listJSON(c, items, next)
}

// maxAuditExport is how many entries one audit download holds when no limit
// is given; past it the answer carries X-Next-After for the rest.
const maxAuditExport = 100000

// dateRange reads ?from=&to= (YYYY-MM-DD, Asia/Shanghai days, inclusive):
// to defaults to today, from to 29 days before to. It returns [from, to+1day).
func dateRange(c *fiber.Ctx, now time.Time) (time.Time, time.Time, error) {
	bad := func(field string) error {
		e := errs.New(errs.BadRequest, "bad_date", "日期格式应为 YYYY-MM-DD", "dates must be YYYY-MM-DD")
		e.Fields = map[string]errs.Msg{field: e.Message}
		return e
	}
	to := store.DayStart(now)
	if v := c.Query("to"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, store.Shanghai)
		if err != nil {
			return time.Time{}, time.Time{}, bad("to")
		}
		to = t
	}
	from := to.AddDate(0, 0, -29)
	if v := c.Query("from"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, store.Shanghai)
		if err != nil {
			return time.Time{}, time.Time{}, bad("from")
		}
		from = t
	}
	if from.After(to) {
		return time.Time{}, time.Time{}, bad("from")
	}
	if to.Sub(from) > 3*366*24*time.Hour {
		return time.Time{}, time.Time{}, errs.New(errs.BadRequest, "range_too_long", "日期范围不能超过三年", "the date range may span at most three years")
	}
	return from, to.AddDate(0, 0, 1), nil
}
