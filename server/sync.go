package server

import (
	"strconv"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/sync/protocol"

	"github.com/gofiber/fiber/v2"
)

// pushLimit: a push carries up to 100 sheets (photos travel separately), so
// it gets a larger body limit than other JSON routes.
const pushLimit = 4 << 20

// bindSync: the offline outbox (API.md "Sync"). Technicians pull their
// orders and push acceptance sheets; inspectors pull stores and unit orders
// and push walkthroughs and spot checks.
func (s *Server) bindSync() {
	field := Roles(auth.RoleTechnician, auth.RoleInspector)
	s.route(fiber.MethodGet, "/api/v1/sync/pull", field, s.syncPull)
	s.route(fiber.MethodPost, "/api/v1/sync/push", field, s.syncPush)
}

var errBadPullLimit = &errs.Error{Kind: errs.BadRequest, Code: "bad_limit",
	Message: errs.Msg{Zh: "limit 应为 1–1000 的整数", En: "limit must be an integer from 1 to 1000"},
	Fields:  map[string]errs.Msg{"limit": {Zh: "应为 1–1000 的整数", En: "must be an integer from 1 to 1000"}}}

func (s *Server) syncPull(c *fiber.Ctx) error {
	limit := 0
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > protocol.MaxPullLimit {
			return errBadPullLimit
		}
		limit = n
	}
	res, err := protocol.Pull(s.DB, principal(c), c.Query("cursor"), limit, s.Now())
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) syncPush(c *fiber.Ctx) error {
	var req protocol.PushRequest
	if err := s.bindJSONLimit(c, &req, pushLimit); err != nil {
		return err
	}
	req.Lang = lang(c)
	if req.DeviceID == "" {
		req.DeviceID = actor(c).Device
	}
	res, err := protocol.Push(s.DB, principal(c), req, s.Now())
	if err != nil {
		return err
	}
	return c.JSON(res)
}
