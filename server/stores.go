package server

import (
	"fieldcheck/auth"
	"fieldcheck/workorders"

	"github.com/gofiber/fiber/v2"
)

// bindStores: service outlets (营业网点). Supervisors add their unit's,
// admins any; inspectors, supervisors and admins list them (inspectors walk
// through stores of any unit, so the list is not confined to one).
func (s *Server) bindStores() {
	s.route(fiber.MethodPost, "/api/v1/stores", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.createStore)
	s.route(fiber.MethodGet, "/api/v1/stores", Roles(auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin), s.listStores)
	s.route(fiber.MethodPatch, "/api/v1/stores/:id", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.patchStore)
}

func (s *Server) patchStore(c *fiber.Ctx) error {
	var in workorders.OutletPatch
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	o, err := s.WorkOrders.PatchOutlet(principal(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) createStore(c *fiber.Ctx) error {
	var in workorders.Outlet
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.WorkOrders.CreateOutlet(principal(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) listStores(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.WorkOrders.ListOutlets(c.Query("unit"), limit, after)
	if err != nil {
		return err
	}
	return listJSON(c, items, next)
}
