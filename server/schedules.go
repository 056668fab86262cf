package server

import (
	"fieldcheck/auth"
	"fieldcheck/schedules"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindSchedules: inspection plans (巡检计划, issue 21). Supervisors and the
// admin edit their unit's plans in the console; the window list (due, done,
// missed) is also the inspector's own. The phone gets its due windows from
// sync/pull.
func (s *Server) bindSchedules() {
	managers := Roles(auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodGet, "/api/v1/plans", managers, s.listPlans)
	s.route(fiber.MethodPost, "/api/v1/plans", managers, s.createPlan)
	s.route(fiber.MethodGet, "/api/v1/plans/:id", managers, s.getPlan)
	s.route(fiber.MethodPut, "/api/v1/plans/:id", managers, s.putPlan)
	s.route(fiber.MethodGet, "/api/v1/plan-windows", Roles(auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin), s.listPlanWindows)
}

func (s *Server) listPlans(c *fiber.Ctx) error {
	items, err := s.Schedules.List(principal(c))
	if err != nil {
		return err
	}
	return listJSON(c, items, "")
}

func (s *Server) createPlan(c *fiber.Ctx) error {
	var in schedules.Input
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Schedules.Create(principal(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) getPlan(c *fiber.Ctx) error {
	p, err := s.Schedules.Get(principal(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) putPlan(c *fiber.Ctx) error {
	var in schedules.Input
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Schedules.Update(principal(c), utils.CopyString(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// maxWindowDays bounds the range of one window list.
const maxWindowDays = 400

func (s *Server) listPlanWindows(c *fiber.Ctx) error {
	today := schedules.Today(s.Now())
	f := schedules.Filter{Status: c.Query("status"), From: today.AddDate(0, 0, -90), To: today}
	switch f.Status {
	case "", schedules.StatusDue, schedules.StatusDone, schedules.StatusMissed, schedules.StatusUpcoming:
	default:
		return badQuery("status", "status 应为 due、done、missed 或 upcoming", "status must be due, done, missed or upcoming")
	}
	for _, q := range []struct {
		name string
		into *schedules.Day
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := c.Query(q.name); v != "" {
			d, err := schedules.ParseDay(v)
			if err != nil {
				return badQuery(q.name, q.name+" 应为日期 YYYY-MM-DD", q.name+" must be a date, YYYY-MM-DD")
			}
			*q.into = d
		}
	}
	if f.To.Before(f.From) || f.To.Sub(f.From).Hours()/24 > maxWindowDays {
		return badQuery("to", "日期范围须在 400 天以内且 to 不早于 from", "the range must be at most 400 days, to not before from")
	}
	items, err := s.Schedules.ListWindows(principal(c), f)
	if err != nil {
		return err
	}
	return listJSON(c, items, "")
}
