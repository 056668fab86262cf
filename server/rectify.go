package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// The console's 整改 actions beyond resolve (bound in bindCallbacks):
// a supervisor or admin names who carries a rectification out, or reopens
// one whose resolution they do not accept. Each takes the version the
// caller saw; a change since is 409 version_conflict.

type assignRequest struct {
	Assignee string `json:"assignee"`
	Version  int    `json:"version"`
}

type reopenRequest struct {
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

func (s *Server) assignRectification(c *fiber.Ctx) error {
	var in assignRequest
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	r, err := s.Rectifications.Assign(principal(c), utils.CopyString(c.Params("id")), in.Assignee, in.Version)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) reopenRectification(c *fiber.Ctx) error {
	var in reopenRequest
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	r, err := s.Rectifications.Reopen(principal(c), utils.CopyString(c.Params("id")), in.Reason, in.Version)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
