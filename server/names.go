package server

import (
	"net/url"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/names"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindNames: display names of units, products, roles and people (names/).
// Every signed-in role reads the book its screens need; admins name codes.
func (s *Server) bindNames() {
	s.route(fiber.MethodGet, "/api/v1/names", Anyone, s.getNames)
	s.route(fiber.MethodPut, "/api/v1/names/:kind/:code", Roles(auth.RoleAdmin), s.putName)
}

func (s *Server) getNames(c *fiber.Ctx) error {
	b, err := s.Names.For(principal(c))
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// exportNames names codes in a download; a store that cannot be read leaves
// them as codes rather than failing the export.
func (s *Server) exportNames() names.Lookup {
	l, err := s.Names.ForExport()
	if err != nil {
		s.Log.Warn("names for an export", "err", err)
	}
	return l
}

func (s *Server) putName(c *fiber.Ctx) error {
	kind := utils.CopyString(c.Params("kind"))
	if !names.ValidKind(kind) {
		return names.ErrNoKind
	}
	code, err := url.PathUnescape(utils.CopyString(c.Params("code")))
	if err != nil {
		return errs.New(errs.BadRequest, "bad_code", "路径中的编码无效", "the code in the path is not valid")
	}
	var in names.Input
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	n, err := s.Names.Set(principal(c), kind, code, in)
	if err != nil {
		return err
	}
	return c.JSON(n)
}
