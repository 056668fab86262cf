package server

import (
	"strconv"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/sync/submissions"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindSubmissions: reading stored sheets (API.md "Sync", "Who may call
// what"). Anyone signed in may ask for one sheet; sync.Read answers 404 to
// callers not entitled to it, so ids do not leak. The list is narrower: no
// agents.
func (s *Server) bindSubmissions() {
	s.route(fiber.MethodGet, "/api/v1/submissions", Roles(auth.RoleTechnician, auth.RoleInspector,
		auth.RoleSupervisor, auth.RoleAdmin), s.listSubmissions)
	s.route(fiber.MethodGet, "/api/v1/submissions/:id", Anyone, s.getSubmission)
}

func (s *Server) getSubmission(c *fiber.Ctx) error {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errBadVersion
		}
		version = n
	}
	v, err := submissions.Read(s.DB, principal(c), utils.CopyString(c.Params("id")), version, s.Now())
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func badQuery(field, zh, en string) error {
	return &errs.Error{Kind: errs.BadRequest, Code: "bad_query", Message: errs.Msg{Zh: zh, En: en},
		Fields: map[string]errs.Msg{field: {Zh: zh, En: en}}}
}

func (s *Server) listSubmissions(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	f := submissions.Filter{WorkOrderID: c.Query("workorder_id"), StoreID: c.Query("store_id"), Flag: c.Query("flag")}
	switch c.Query("complete") {
	case "":
	case "true":
		f.Complete = new(bool)
		*f.Complete = true
	case "false":
		f.Complete = new(bool)
	default:
		return badQuery("complete", "complete 应为 true 或 false", "complete must be true or false")
	}
	if f.From, err = queryTime(c, "from", false); err != nil {
		return err
	}
	if f.To, err = queryTime(c, "to", true); err != nil {
		return err
	}
	items, next, err := submissions.List(s.DB, principal(c), f, limit, after)
	if err != nil {
		return err
	}
	return listJSON(c, items, next)
}
