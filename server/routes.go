package server

import (
	"strings"

	"fieldcheck/auth"
	"fieldcheck/errs"

	"github.com/gofiber/fiber/v2"
)

// Access is a route's rule: public, any signed-in role, or listed roles.
type Access struct {
	Public    bool
	Roles     []string // empty with !Public: any signed-in role
	FileToken bool     // also accepts ?token= file tokens (for <img>)
}

// Public routes need no token.
var Public = Access{Public: true}

// Anyone admits every signed-in role.
var Anyone = Access{}

// Roles admits only the listed roles.
func Roles(roles ...string) Access { return Access{Roles: roles} }

// WithFileToken lets the route also take a short-lived file token in ?token=.
func (a Access) WithFileToken() Access { a.FileToken = true; return a }

// Allows reports whether role may call a route with this access.
func (a Access) Allows(role string) bool {
	if a.Public || len(a.Roles) == 0 {
		return true
	}
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// RouteInfo is one entry of the route table.
type RouteInfo struct {
	Method string
	Path   string
	Access Access
}

// Routes is the route table: every API route with its access rule. The
// role-matrix test walks it, so a route added without a rule is caught.
func (s *Server) Routes() []RouteInfo { return s.routes }

// route registers a handler behind its access rule.
func (s *Server) route(method, path string, a Access, h fiber.Handler) {
	s.routes = append(s.routes, RouteInfo{Method: method, Path: path, Access: a})
	s.App.Add(method, path, s.guard(a), h)
}

// bindRoutes binds every feature; the PWA's catch-all goes last.
func (s *Server) bindRoutes() {
	s.bindOps()
	s.bindOpenAPI()
	s.bindAuth()
	s.bindUsers()
	s.bindStores()
	s.bindWorkOrders()
	s.bindTemplates()
	s.bindSync()
	s.bindSubmissions()
	s.bindPhotos()
	s.bindSpeedtest()
	s.bindCallbacks()
	s.bindSurvey()
	s.bindReports()
	s.bindNames()
	s.bindQA()
	s.bindSchedules()
	s.bindSummary()
	s.bindFines()
	s.bindAudits()
	s.App.All("/api/*", func(c *fiber.Ctx) error {
		return errs.New(errs.NotFound, "not_found", "未找到该接口", "no such API route")
	})
	s.bindPWA()
}

var errNoToken = errs.New(errs.Unauthorized, "unauthorized", "请先登录", "sign in first: missing bearer token")

// guard authenticates the caller and checks the route's roles.
func (s *Server) guard(a Access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if a.Public {
			return c.Next()
		}
		raw, typ := bearer(c), auth.TypeAccess
		if raw == "" && a.FileToken {
			raw, typ = c.Query("token"), auth.TypeFile
		}
		if raw == "" {
			return errNoToken
		}
		p, claims, err := s.Tokens.Verify(s.DB, raw, typ)
		if err != nil {
			return err
		}
		if !a.Allows(p.Role) {
			return errs.ErrForbidden
		}
		c.Locals(localPrincipal, p)
		c.Locals(localClaims, claims)
		return c.Next()
	}
}

func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
