package server

import (
	"fieldcheck/auth"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) bindUsers() {
	managers := Roles(auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodPost, "/api/v1/users", managers, s.createUser)
	s.route(fiber.MethodGet, "/api/v1/users", managers, s.listUsers)
	s.route(fiber.MethodPatch, "/api/v1/users/:id", managers, s.patchUser)
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var in auth.NewUser
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.HashPassword(); err != nil { // bcrypt outside the write lock
		return err
	}
	u, err := s.Accounts.CreateUser(principal(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u.Public())
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	f := auth.UserFilter{Q: c.Query("q"), Role: c.Query("role"), Unit: c.Query("unit")}
	users, next, err := s.Accounts.FindUsers(principal(c), f, limit, after)
	if err != nil {
		return err
	}
	items := make([]map[string]any, len(users))
	for i, u := range users {
		items[i] = u.Public()
	}
	return listJSON(c, items, next)
}

func (s *Server) patchUser(c *fiber.Ctx) error {
	var in auth.UserPatch
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.HashPassword(); err != nil { // bcrypt outside the write lock
		return err
	}
	u, err := s.Accounts.PatchUser(principal(c), c.Params("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(u.Public())
}
