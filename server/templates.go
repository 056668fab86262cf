package server

import (
	"strconv"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindTemplates: checklist templates (API.md "Templates (checklists)").
// Everyone signed in reads them (phones cache them for offline use);
// supervisors and admins publish new versions.
func (s *Server) bindTemplates() {
	s.route(fiber.MethodGet, "/api/v1/templates", Anyone, s.listTemplates)
	s.route(fiber.MethodGet, "/api/v1/templates/:id", Anyone, s.getTemplate)
	s.route(fiber.MethodPut, "/api/v1/templates/:id", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.putTemplate)
}

func (s *Server) listTemplates(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.Templates.ListPage(limit, after)
	if err != nil {
		return err
	}
	return listJSON(c, items, next)
}

var errBadVersion = &errs.Error{Kind: errs.BadRequest, Code: "bad_version",
	Message: errs.Msg{Zh: "version 应为正整数", En: "version must be a positive integer"},
	Fields:  map[string]errs.Msg{"version": {Zh: "应为正整数", En: "must be a positive integer"}}}

func (s *Server) getTemplate(c *fiber.Ctx) error {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errBadVersion
		}
		version = n
	}
	id := utils.CopyString(c.Params("id"))
	t, err := s.Templates.Get(id, version)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// putTemplate publishes a new version; the id in the path wins over any in
// the body, and version/created_* in the body are ignored.
func (s *Server) putTemplate(c *fiber.Ctx) error {
	var t checklists.Template
	if err := s.bindJSON(c, &t); err != nil {
		return err
	}
	t.ID = utils.CopyString(c.Params("id"))
	// The console's editor: ?base_version=N is the version it started from
	// (409 template_changed when a newer one exists), ?dry_run=1 validates
	// and answers the version it would be, storing nothing.
	base := 0
	if v := c.Query("base_version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errBadVersion
		}
		base = n
	}
	dry := truthy(c.Query("dry_run"))
	version, created, err := s.Templates.PutOnto(actor(c), &t, base, dry)
	if err != nil {
		return err
	}
	if dry {
		return c.JSON(fiber.Map{"id": t.ID, "version": version, "dry_run": true})
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(fiber.Map{"id": t.ID, "version": version})
}
