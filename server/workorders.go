package server

import (
	"bytes"
	"mime"
	"net/url"
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindWorkOrders: work orders (工单), API.md "Users, stores, work orders".
// Supervisors manage their own unit's orders, admins every unit; technicians
// read their own, inspectors their unit's (to pick spot checks).
func (s *Server) bindWorkOrders() {
	managers := Roles(auth.RoleSupervisor, auth.RoleAdmin)
	readers := Roles(auth.RoleTechnician, auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodPost, "/api/v1/workorders", managers, s.createWorkOrder)
	s.route(fiber.MethodPost, "/api/v1/workorders/import", managers, s.importWorkOrders)
	s.route(fiber.MethodPost, "/api/v1/workorders/reassign", managers, s.reassignWorkOrders)
	s.route(fiber.MethodGet, "/api/v1/workorders", readers, s.listWorkOrders)
	s.route(fiber.MethodGet, "/api/v1/workorders/:id", readers, s.getWorkOrder)
	s.route(fiber.MethodPatch, "/api/v1/workorders/:id", managers, s.patchWorkOrder)
	s.route(fiber.MethodPost, "/api/v1/workorders/:id/complete", managers, s.completeWorkOrder)
}

// pathID is the :id parameter, percent-decoded (ids may be Chinese) and
// copied out of Fiber's reused buffer.
func pathID(c *fiber.Ctx) (string, error) {
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return "", errs.New(errs.BadRequest, "bad_id", "路径中的编号无效", "the id in the path is not valid")
	}
	return strings.Clone(id), nil // PathUnescape hands back its input when nothing is escaped
}

func (s *Server) createWorkOrder(c *fiber.Ctx) error {
	var in workorders.WorkOrder
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	wo, err := s.WorkOrders.Create(principal(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(wo)
}

func (s *Server) getWorkOrder(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	wo, err := s.WorkOrders.Get(principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(wo)
}

func (s *Server) patchWorkOrder(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in workorders.Changes
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	wo, err := s.WorkOrders.Patch(principal(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(wo)
}

func (s *Server) completeWorkOrder(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := s.bindJSON(c, &in); err != nil && err != errEmptyBody {
		return err
	}
	wo, err := s.WorkOrders.Complete(principal(c), id, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(wo)
}

// importJSONLimit: an import may carry up to MaxCSVRows orders, more than
// the default JSON limit allows.
const importJSONLimit = workorders.MaxCSVBytes

var errImportType = errs.New(errs.Unsupported, "unsupported_media_type",
	"请以 JSON（application/json）或 CSV（text/csv）上传", "send JSON (application/json) or CSV (text/csv)")

// importWorkOrders: API.md's import, plus (for the console's 导入) a CSV or
// XLSX body, ?dry_run=1 (the preview: every row checked, nothing written,
// each row's order echoed), ?mode=all (all-or-nothing: any rejected row
// writes nothing, 422 with every row) and ?expect=<the preview's digest>
// (409 with the new rows when they would now come out differently).
func (s *Server) importWorkOrders(c *fiber.Ctx) error {
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	var rows []workorders.Row
	var rejected []workorders.ImportResult
	switch mt {
	case "text/csv", "application/csv", "text/plain", "application/vnd.ms-excel":
		data, err := readBody(c, workorders.MaxCSVBytes)
		if err != nil {
			return err
		}
		if rows, rejected, err = workorders.ParseCSV(bytes.NewReader(data)); err != nil {
			return err
		}
	case workorders.XLSXType:
		data, err := readBody(c, workorders.MaxCSVBytes)
		if err != nil {
			return err
		}
		if rows, rejected, err = workorders.ParseXLSX(data); err != nil {
			return err
		}
	case "application/json", "":
		var in struct {
			WorkOrders []workorders.WorkOrder `json:"workorders"`
		}
		if err := s.bindJSONLimit(c, &in, importJSONLimit); err != nil {
			return err
		}
		if len(in.WorkOrders) > workorders.MaxCSVRows {
			return errs.New(errs.TooLarge, "too_many_rows", "一次最多导入 10000 条", "at most 10000 orders per import")
		}
		rows = workorders.Numbered(in.WorkOrders)
	default:
		return errImportType
	}
	opts := workorders.ImportOptions{DryRun: truthy(c.Query("dry_run")), Expect: utils.CopyString(c.Query("expect"))}
	switch c.Query("mode") {
	case "", "row":
	case "all":
		opts.AllOrNothing = true
	default:
		e := errs.New(errs.BadRequest, "bad_mode", "mode 应为 row（逐行）或 all（全部或不导入）", "mode must be row or all")
		e.Fields = map[string]errs.Msg{"mode": e.Message}
		return e
	}
	outcome, err := s.WorkOrders.ImportWith(principal(c), rows, rejected, opts)
	e, refused := errs.As(err)
	if err != nil && !refused {
		return err
	}
	l := lang(c)
	out := make([]fiber.Map, len(outcome.Results))
	count := map[string]int{}
	for i, r := range outcome.Results {
		m := fiber.Map{"row": r.Row, "id": errs.Echo(r.ID), "status": r.Status, "error": nil}
		if r.Err != nil {
			m["error"] = errorBody(r.Err, l)
		}
		if opts.DryRun && r.Order != nil {
			m["order"] = r.Order
		}
		out[i] = m
		count[r.Status]++
	}
	body := fiber.Map{"results": out, "created": count[workorders.ImportCreated],
		"updated": count[workorders.ImportUpdated], "rejected": count[workorders.ImportRejected],
		"digest": outcome.Digest, "committed": outcome.Committed, "dry_run": opts.DryRun}
	if refused {
		body["error"] = errorBody(e, l)
		return c.Status(kindStatus[e.Kind]).JSON(body)
	}
	return c.JSON(body)
}

func truthy(v string) bool { return v == "1" || v == "true" || v == "yes" }

// reassignWorkOrders hands several orders to one technician, all or none
// (the console's 批量改派).
func (s *Server) reassignWorkOrders(c *fiber.Ctx) error {
	var in reassignRequest
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	items, err := s.WorkOrders.Reassign(principal(c), in.Orders, in.Technician)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

type reassignRequest struct {
	Orders     []workorders.Target `json:"orders"`
	Technician string              `json:"technician"`
}

var errBadStatus = &errs.Error{Kind: errs.BadRequest, Code: "bad_status",
	Message: errs.Msg{Zh: "status 应为 assigned、completed 或 cancelled", En: "status must be assigned, completed or cancelled"},
	Fields:  map[string]errs.Msg{"status": {Zh: "应为 assigned、completed 或 cancelled", En: "must be assigned, completed or cancelled"}}}

// queryTime reads from/to: RFC 3339, or a date (Asia/Shanghai day); a date
// in `to` includes that whole day.
func queryTime(c *fiber.Ctx, name string, end bool) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", v, store.Shanghai); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	e := errs.New(errs.BadRequest, "bad_time", name+" 应为日期（2026-11-23）或 RFC 3339 时间", name+" must be a date (2026-11-23) or an RFC 3339 time")
	e.Fields = map[string]errs.Msg{name: e.Message}
	return time.Time{}, e
}

func (s *Server) listWorkOrders(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	f := workorders.Filter{Status: c.Query("status"), Technician: c.Query("technician"), Unit: c.Query("unit"), Type: c.Query("type")}
	switch f.Status {
	case "", workorders.StatusAssigned, workorders.StatusCompleted, workorders.StatusCancelled:
	default:
		return errBadStatus
	}
	if f.From, err = queryTime(c, "from", false); err != nil {
		return err
	}
	if f.To, err = queryTime(c, "to", true); err != nil {
		return err
	}
	items, next, err := s.WorkOrders.List(principal(c), f, limit, after)
	if err != nil {
		return err
	}
	return listJSON(c, items, next)
}
