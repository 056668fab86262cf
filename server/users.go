package server

import (
	"fieldcheck/auth"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
	bolt "go.etcd.io/bbolt"
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
	p := principal(c)
	var u *auth.User
	if err := s.DB.Update(func(tx *bolt.Tx) error {
		var err error
		if u, err = auth.CreateUser(tx, in, &p, s.Now()); err != nil {
			return err
		}
		return store.Audit(tx, s.Now(), actor(c), "user.create", "user/"+u.Username, "role="+u.Role+" unit="+u.Unit)
	}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u.Public())
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	var users []*auth.User
	var next string
	if err := s.DB.View(func(tx *bolt.Tx) error {
		users, next, err = auth.ListUsers(tx, principal(c), limit, after)
		return err
	}); err != nil {
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
	id := c.Params("id")
	var u *auth.User
	if err := s.DB.Update(func(tx *bolt.Tx) error {
		var err error
		if u, err = auth.PatchUser(tx, id, in, principal(c), s.Now()); err != nil {
			return err
		}
		detail := ""
		if in.Disabled != nil {
			detail += " disabled"
		}
		if in.Password != nil {
			detail += " password"
		}
		if in.Role != nil {
			detail += " role=" + *in.Role
		}
		if in.Unit != nil {
			detail += " unit=" + *in.Unit
		}
		return store.Audit(tx, s.Now(), actor(c), "user.patch", "user/"+u.Username, detail)
	}); err != nil {
		return err
	}
	return c.JSON(u.Public())
}
