package server

import (
	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/workorders"

	"github.com/gofiber/fiber/v2"
	bolt "go.etcd.io/bbolt"
)

// bindStores: service outlets (营业网点). Supervisors add their unit's,
// admins any; inspectors, supervisors and admins list them (inspectors walk
// through stores of any unit, so the list is not confined to one).
func (s *Server) bindStores() {
	s.route(fiber.MethodPost, "/api/v1/stores", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.createStore)
	s.route(fiber.MethodGet, "/api/v1/stores", Roles(auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin), s.listStores)
}

var errStoreOtherUnit = errs.New(errs.Forbidden, "other_unit", "只能为本单位添加网点", "you may only add stores to your own unit")

func (s *Server) createStore(c *fiber.Ctx) error {
	var in workorders.Outlet
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	if p := principal(c); p.Role != auth.RoleAdmin {
		if in.Unit == "" {
			in.Unit = p.Unit
		}
		if in.Unit != p.Unit || p.Unit == "" {
			return errStoreOtherUnit
		}
	}
	var o *workorders.Outlet
	if err := s.DB.Update(func(tx *bolt.Tx) error {
		var err error
		o, err = workorders.CreateOutlet(tx, in, actor(c), s.Now())
		return err
	}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) listStores(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	var items []workorders.Outlet
	var next string
	if err := s.DB.View(func(tx *bolt.Tx) error {
		items, next, err = workorders.ListOutlets(tx, c.Query("unit"), limit, after)
		return err
	}); err != nil {
		return err
	}
	return listJSON(c, items, next)
}
