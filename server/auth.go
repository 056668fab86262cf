package server

import (
	"strconv"
	"strings"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
)

// authJSONLimit keeps login and refresh bodies tiny.
const authJSONLimit = 8 << 10

func (s *Server) bindAuth() {
	s.route(fiber.MethodPost, "/api/v1/auth/login", Public, s.login)
	s.route(fiber.MethodPost, "/api/v1/auth/refresh", Public, s.refresh)
	s.route(fiber.MethodPost, "/api/v1/auth/logout", Anyone, s.logout)
	s.route(fiber.MethodPost, "/api/v1/auth/file-token", Anyone, s.fileToken)
	s.route(fiber.MethodGet, "/api/v1/me", Anyone, s.me)
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	DeviceID string `json:"device_id"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var in loginRequest
	if err := s.bindJSONLimit(c, &in, authJSONLimit); err != nil {
		return err
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	var v errs.Validation
	if in.Username == "" {
		v.Add("username", "请输入用户名", "username is required")
	}
	if in.Password == "" {
		v.Add("password", "请输入密码", "password is required")
	}
	if len(in.DeviceID) > 128 {
		v.Add("device_id", "设备标识过长", "device_id must be at most 128 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	in.DeviceID = store.CleanIdentifier(in.DeviceID) // it goes into the token and every audit entry
	// Lockouts key on username + client address: a flood of wrong
	// passwords from elsewhere never locks a user out from their own address.
	ip := clientIP(c)
	key := in.Username + "|" + auth.AddressKey(ip)
	if blocked, wait := s.Logins.Blocked(key); blocked {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		return errs.New(errs.RateLimited, "too_many_attempts", "登录失败次数过多，请稍后再试", "too many failed logins; try again later")
	}
	user, err := s.Checks.Authenticate(s.DB, ip, in.Username, in.Password)
	if err != nil {
		switch {
		case errs.IsKind(err, errs.Unauthorized):
			s.Logins.Fail(key)
		case err == auth.ErrLoginBusy:
			c.Set(fiber.HeaderRetryAfter, "2")
		}
		return err
	}
	s.Logins.Reset(key)
	pair, err := s.Accounts.LoginOn(user, in.DeviceID, platform(c.Get(fiber.HeaderUserAgent)))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"access_token": pair.AccessToken, "refresh_token": pair.RefreshToken,
		"expires_in": pair.ExpiresIn, "token_type": "Bearer", "user": userJSON(user)})
}

func userJSON(u *auth.User) fiber.Map {
	return fiber.Map{"id": u.Username, "username": u.Username, "name": u.Name, "role": u.Role, "unit": u.Unit}
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := s.bindJSONLimit(c, &in, authJSONLimit); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		var v errs.Validation
		v.Add("refresh_token", "缺少 refresh_token", "refresh_token is required")
		return v.Err()
	}
	pair, user, err := s.Accounts.Refresh(in.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"access_token": pair.AccessToken, "refresh_token": pair.RefreshToken,
		"expires_in": pair.ExpiresIn, "token_type": "Bearer", "user": userJSON(user)})
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.Accounts.Logout(principal(c), claims(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) fileToken(c *fiber.Ctx) error {
	tok, ttl, err := s.Tokens.FileToken(principal(c), claims(c).Generation, claims(c).Family)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": tok, "expires_in": ttl})
}

func (s *Server) me(c *fiber.Ctx) error {
	user, err := s.Accounts.User(principal(c).Username)
	if err != nil {
		return err
	}
	return c.JSON(userJSON(user))
}
