package server

import (
	"bytes"
	"strconv"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/reports"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
)

// bindReports: the supervisors' figures (API.md "Reports"). Supervisors see
// their unit; admins every unit, or one with ?unit=. Any report downloads as
// ?format=csv or ?format=xlsx.
func (s *Server) bindReports() {
	who := Roles(auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodGet, "/api/v1/reports/callbacks", who, s.reportCallbacks)
	s.route(fiber.MethodGet, "/api/v1/reports/inspections", who, s.reportInspections)
	s.route(fiber.MethodGet, "/api/v1/reports/technicians", who, s.reportTechnicians)
	s.route(fiber.MethodGet, "/api/v1/reports/fines", who, s.reportFines)
}

func (s *Server) reportCallbacks(c *fiber.Ctx) error {
	q, err := s.reportQuery(c)
	if err != nil {
		return err
	}
	group := c.Query("group", reports.GroupDay)
	if !reports.ValidGroup(group) {
		return reports.ErrBadGroup
	}
	rows, err := reports.CallbacksReport(s.DB, q.from, q.to, group, q.unit)
	if err != nil {
		return err
	}
	return sendReport(c, q.format, "callbacks-"+q.span()+"-"+group, rows, func() *reports.Table { return reports.CallbackTable(rows) })
}

func (s *Server) reportInspections(c *fiber.Ctx) error {
	q, err := s.reportQuery(c)
	if err != nil {
		return err
	}
	rows, err := reports.InspectionsReport(s.DB, q.from, q.to, q.unit)
	if err != nil {
		return err
	}
	return sendReport(c, q.format, "inspections-"+q.span(), rows, func() *reports.Table { return reports.InspectionTable(rows) })
}

func (s *Server) reportTechnicians(c *fiber.Ctx) error {
	q, err := s.reportQuery(c)
	if err != nil {
		return err
	}
	rows, err := reports.TechniciansReport(s.DB, q.from, q.to, q.unit)
	if err != nil {
		return err
	}
	return sendReport(c, q.format, "technicians-"+q.span(), rows, func() *reports.Table { return reports.TechnicianTable(rows) })
}

func (s *Server) reportFines(c *fiber.Ctx) error {
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	unit, err := reportUnit(c)
	if err != nil {
		return err
	}
	month := c.Query("month", reports.CurrentMonth(s.Now()))
	if _, _, err := reports.MonthRange(month); err != nil {
		return err
	}
	rows, err := reports.FinesReport(s.DB, month, unit)
	if err != nil {
		return err
	}
	return sendReport(c, format, "fines-"+month, rows, func() *reports.Table { return reports.FinesTable(rows) })
}

// reportQ is what every dated report reads from the query string.
type reportQ struct {
	from, to time.Time // [from, to+1 day), Asia/Shanghai
	unit     string    // "" = every unit (admins only)
	format   string    // "" = JSON
}

// span names the range in a file name: 2026-11-01_2026-11-30.
func (q reportQ) span() string {
	return q.from.In(store.Shanghai).Format("2006-01-02") + "_" + q.to.AddDate(0, 0, -1).In(store.Shanghai).Format("2006-01-02")
}

func (s *Server) reportQuery(c *fiber.Ctx) (reportQ, error) {
	var q reportQ
	var err error
	if q.format, err = exportFormat(c); err != nil {
		return q, err
	}
	if q.from, q.to, err = dateRange(c, s.Now()); err != nil {
		return q, err
	}
	q.unit, err = reportUnit(c)
	return q, err
}

// reportUnit is the unit a report covers (reports.UnitFor: the caller's
// scope and ?unit=).
func reportUnit(c *fiber.Ctx) (string, error) {
	return reports.UnitFor(principal(c).Scope(), c.Query("unit"))
}

// exportFormat reads ?format=: "" (JSON), csv or xlsx; anything else is 400.
func exportFormat(c *fiber.Ctx) (string, error) {
	f := c.Query("format")
	if f == "" || f == "json" {
		return "", nil
	}
	if !reports.ValidFormat(f) {
		return "", reports.ErrBadFormat
	}
	return f, nil
}

// sendReport answers JSON in API.md's list shape, or downloads the table.
// A report is complete in one answer (next null); a client that sends limit
// or after pages through the rows with an offset cursor.
func sendReport[T any](c *fiber.Ctx, format, base string, rows []T, table func() *reports.Table) error {
	if format != "" {
		return sendExport(c, format, base, table(), "")
	}
	if c.Query("limit") == "" && c.Query("after") == "" {
		return listJSON(c, rows, "")
	}
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	start := 0
	if after != "" {
		if start, err = strconv.Atoi(after); err != nil || start < 0 || start > len(rows) {
			return errs.New(errs.BadRequest, "bad_after", "after 参数无效", "after is not a valid page token")
		}
	}
	end, next := len(rows), ""
	if start+limit < end {
		end, next = start+limit, strconv.Itoa(start+limit)
	}
	return listJSON(c, rows[start:end], next)
}

// sendExport writes t as a download named base.csv or base.xlsx. next, when
// the export stopped at its row limit, goes out as X-Next-After so a client
// can fetch the rest with ?after=.
func sendExport(c *fiber.Ctx, format, base string, t *reports.Table, next string) error {
	var buf bytes.Buffer
	if err := reports.Write(&buf, format, t); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, reports.ContentType(format))
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+reports.FileName(base, format)+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	if next != "" {
		c.Set("X-Next-After", next)
	}
	return c.Send(buf.Bytes())
}
