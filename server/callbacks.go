package server

import (
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/errs"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindCallbacks: the callback queue (回访), rectifications (整改) and the SMS
// outbox (API.md "Callbacks (回访)"). Agents work the queue; supervisors
// watch their unit's; admins do everything.
func (s *Server) bindCallbacks() {
	workers := Roles(auth.RoleAgent, auth.RoleAdmin)
	readers := Roles(auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodGet, "/api/v1/callbacks", readers, s.listCallbacks)
	s.route(fiber.MethodGet, "/api/v1/callbacks/reasons", readers, s.callbackReasons)
	s.route(fiber.MethodPost, "/api/v1/callbacks/claim", workers, s.claimCallback)
	s.route(fiber.MethodGet, "/api/v1/callbacks/summary", readers, s.callbackSummary)
	s.route(fiber.MethodGet, "/api/v1/callbacks/:id", readers, s.getCallback)
	s.route(fiber.MethodPost, "/api/v1/callbacks/:id/claim", workers, s.claimCallbackTask)
	s.route(fiber.MethodPost, "/api/v1/callbacks/:id/attempts", workers, s.callbackAttempt)
	s.route(fiber.MethodPost, "/api/v1/callbacks/:id/result", workers, s.callbackResult)
	s.route(fiber.MethodPost, "/api/v1/callbacks/:id/release", workers, s.releaseCallback)

	s.route(fiber.MethodGet, "/api/v1/rectifications",
		Roles(auth.RoleTechnician, auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin), s.listRectifications)
	// API.md v1.1: a technician cannot resolve a rectification (their own
	// work is what it rectifies); inspectors and supervisors their unit's.
	s.route(fiber.MethodPost, "/api/v1/rectifications/:id/resolve",
		Roles(auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin), s.resolveRectification)
	s.route(fiber.MethodPost, "/api/v1/rectifications/:id/assign", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.assignRectification)
	s.route(fiber.MethodPost, "/api/v1/rectifications/:id/reopen", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.reopenRectification)

	s.route(fiber.MethodGet, "/api/v1/sms/outbox", Roles(auth.RoleSupervisor, auth.RoleAdmin), s.smsOutbox)
}

// taskView hides the survey link from agents (API.md: survey_url hidden), so
// an agent cannot answer the customer's survey for them, and adds what the
// next unanswered call would do (attempts_left, last_try).
func (s *Server) taskView(p auth.Principal, t *callbacks.Task) *callbacks.Task {
	c := s.Callbacks.Annotate(t)
	if p.Role == auth.RoleAgent {
		c.SurveyURL = ""
	}
	return c
}

// scope is the caller's part of the callback queue; callbacks decides it.
func scope(c *fiber.Ctx) callbacks.Scope { return callbacks.ScopeOf(principal(c)) }

func (s *Server) listCallbacks(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	p := principal(c)
	if wo := c.Query("workorder_id"); wo != "" {
		// One order's task (a work-order detail view): the order index, not
		// a scan of the day.
		t, err := s.Callbacks.ForOrder(scope(c), utils.CopyString(wo))
		if err != nil {
			return err
		}
		items := []callbacks.Task{}
		if t != nil {
			items = append(items, *s.taskView(p, t))
		}
		return listJSON(c, items, "")
	}
	f := callbacks.Filter{Status: c.Query("status")}
	// Without from/to the whole queue is listed (old overdue tasks too);
	// with either, they are Asia/Shanghai days of the job's finish.
	if c.Query("from") != "" || c.Query("to") != "" {
		if f.From, f.To, err = dateRange(c, s.Now()); err != nil {
			return err
		}
	}
	items, next, err := s.Callbacks.List(scope(c), f, limit, after)
	if err != nil {
		return err
	}
	for i := range items {
		items[i] = *s.taskView(p, &items[i])
	}
	return listJSON(c, items, next)
}

func (s *Server) callbackReasons(c *fiber.Ctx) error {
	return listJSON(c, s.Callbacks.Reasons(), "")
}

func (s *Server) getCallback(c *fiber.Ctx) error {
	p := principal(c)
	t, err := s.Callbacks.Get(scope(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.taskView(p, t))
}

func (s *Server) claimCallback(c *fiber.Ctx) error {
	t, err := s.Callbacks.Claim(actor(c), scope(c))
	if err != nil {
		return err
	}
	if t == nil {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.JSON(s.taskView(principal(c), t))
}

// claimCallbackTask leases a task picked from a list (or renews one's own
// lease during a long call).
func (s *Server) claimCallbackTask(c *fiber.Ctx) error {
	t, err := s.Callbacks.ClaimTask(actor(c), scope(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.taskView(principal(c), t))
}

// callbackSummary: the counters of an agent's home, over the caller's part
// of the queue. Supervisors and the admin also get uncovered_units: units
// with pending tasks that no enabled agent can see.
func (s *Server) callbackSummary(c *fiber.Ctx) error {
	p := principal(c)
	sum, err := s.Callbacks.Summarize(scope(c), p.Username)
	if err != nil {
		return err
	}
	if p.Role != auth.RoleSupervisor && p.Role != auth.RoleAdmin {
		return c.JSON(sum)
	}
	uncovered, err := s.Callbacks.UncoveredUnits(scope(c))
	if err != nil {
		return err
	}
	if uncovered == nil {
		uncovered = []string{}
	}
	return c.JSON(struct {
		*callbacks.Summary
		UncoveredUnits []string `json:"uncovered_units"`
	}{sum, uncovered})
}

type attemptIn struct {
	Outcome string `json:"outcome"`
	At      string `json:"at"`
	Note    string `json:"note"`
}

func (s *Server) callbackAttempt(c *fiber.Ctx) error {
	var in attemptIn
	if err := s.bindJSONLimit(c, &in, 16<<10); err != nil {
		return err
	}
	var at time.Time
	if in.At != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, in.At); err != nil {
			var v errs.Validation
			v.Add("at", "时间格式应为 RFC 3339，如 2026-11-23T19:00:00+08:00", "at must be RFC 3339, e.g. 2026-11-23T19:00:00+08:00")
			return v.Err()
		}
	}
	t, err := s.Callbacks.Attempt(actor(c), scope(c), utils.CopyString(c.Params("id")), in.Outcome, at, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.taskView(principal(c), t))
}

func (s *Server) callbackResult(c *fiber.Ctx) error {
	var in callbacks.ResultInput
	if err := s.bindJSONLimit(c, &in, 128<<10); err != nil {
		return err
	}
	t, err := s.Callbacks.Result(actor(c), scope(c), utils.CopyString(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.JSON(s.taskView(principal(c), t))
}

func (s *Server) releaseCallback(c *fiber.Ctx) error {
	t, err := s.Callbacks.Release(actor(c), scope(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.taskView(principal(c), t))
}

func (s *Server) listRectifications(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.Rectifications.List(principal(c), c.Query("status"), limit, after)
	if err != nil {
		return err
	}
	return listJSON(c, items, next)
}

func (s *Server) resolveRectification(c *fiber.Ctx) error {
	var in struct {
		Note    string   `json:"note"`
		Photos  []string `json:"photos"`
		Version int      `json:"version"`
	}
	if err := s.bindJSONLimit(c, &in, 16<<10); err != nil {
		return err
	}
	r, err := s.Rectifications.ResolveSeen(principal(c), utils.CopyString(c.Params("id")), in.Note, in.Photos, in.Version)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) smsOutbox(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.Callbacks.Outbox(scope(c), limit, after)
	if err != nil {
		return err
	}
	return listJSON(c, items, next)
}
