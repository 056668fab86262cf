package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
)

const (
	localPrincipal = "fc.principal"
	localClaims    = "fc.claims"
)

// principal is the authenticated caller (zero on public routes).
func principal(c *fiber.Ctx) auth.Principal {
	p, _ := c.Locals(localPrincipal).(auth.Principal)
	return p
}

// claims are the caller's access-token claims (nil on public routes).
func claims(c *fiber.Ctx) *auth.Claims {
	cl, _ := c.Locals(localClaims).(*auth.Claims)
	return cl
}

// actor is the caller for the audit log.
func actor(c *fiber.Ctx) store.Actor {
	p := principal(c)
	dev := p.Device
	if dev == "" {
		dev = c.Get("X-Device-Id")
	}
	return store.Actor{Username: p.Username, Unit: p.Unit, Device: dev}
}

// lang is "en" when the client prefers English, else "zh" (zh-CN default).
func lang(c *fiber.Ctx) string {
	al := strings.ToLower(c.Get(fiber.HeaderAcceptLanguage))
	if strings.HasPrefix(al, "en") {
		return "en"
	}
	return "zh"
}

var (
	errTooLarge  = errs.New(errs.TooLarge, "too_large", "请求内容过大", "request body too large")
	errEmptyBody = errs.New(errs.BadRequest, "empty_body", "请求内容为空", "request body is empty")
)

// readBody reads the request body up to limit bytes. Bodies over the app's
// BodyLimit arrive as a stream; never call c.Body() directly, it would read
// any size into memory.
func readBody(c *fiber.Ctx, limit int64) ([]byte, error) {
	if cl := int64(c.Request().Header.ContentLength()); cl > limit {
		// The unread body must not be parsed as the next request on a
		// keep-alive connection: answer and close.
		c.Context().SetConnectionClose()
		return nil, errTooLarge
	}
	if c.Request().IsBodyStream() {
		data, err := io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), limit+1))
		if err != nil {
			return nil, errs.New(errs.BadRequest, "body_read_failed", "读取请求内容失败", "could not read the request body")
		}
		if int64(len(data)) > limit {
			c.Context().SetConnectionClose()
			return nil, errTooLarge
		}
		return data, nil
	}
	body := c.Body()
	if int64(len(body)) > limit {
		return nil, errTooLarge
	}
	return bytes.Clone(body), nil
}

// bindJSON decodes the JSON body into v within the default JSON limit.
func (s *Server) bindJSON(c *fiber.Ctx, v any) error {
	return s.bindJSONLimit(c, v, int64(s.Cfg.JSONLimit))
}

// bindJSONLimit decodes the JSON body into v within limit bytes. Malformed
// JSON and wrong types are 400 with the offending field named.
func (s *Server) bindJSONLimit(c *fiber.Ctx, v any, limit int64) error {
	data, err := readBody(c, limit)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errEmptyBody
	}
	return decodeJSON(data, v)
}

// maxJSONDepth bounds nesting so a deeply nested body cannot exhaust the stack.
const maxJSONDepth = 64

func decodeJSON(data []byte, v any) error {
	if depth := jsonDepth(data); depth > maxJSONDepth {
		return errs.New(errs.BadRequest, "too_deep", "JSON 嵌套过深", "JSON is nested too deeply")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			path := te.Field
			if path == "" {
				path = "(body)"
			}
			e := errs.New(errs.BadRequest, "wrong_type", "字段类型错误", "a field has the wrong type")
			e.Fields = map[string]errs.Msg{path: {Zh: "应为 " + te.Type.String(), En: "must be " + jsonTypeName(te.Type.String())}}
			return e
		}
		return errs.New(errs.BadRequest, "malformed_json", "JSON 格式错误", "the body is not valid JSON: "+safeJSONErr(err))
	}
	if dec.More() {
		return errs.New(errs.BadRequest, "malformed_json", "JSON 之后还有多余内容", "unexpected data after the JSON value")
	}
	return nil
}

func jsonTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map"), strings.Contains(t, "."):
		return "an object"
	}
	return t
}

func safeJSONErr(err error) string {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}

// jsonDepth is the deepest nesting of arrays/objects, ignoring strings.
func jsonDepth(data []byte) int {
	depth, max, inStr, esc := 0, 0, false, false
	for _, b := range data {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if b == '\\' {
				esc = true
			} else if b == '"' {
				inStr = false
			}
		case b == '"':
			inStr = true
		case b == '{' || b == '[':
			depth++
			if depth > max {
				max = depth
			}
		case b == '}' || b == ']':
			depth--
		}
	}
	return max
}

// page reads the list parameters: limit (default 200, at most 5000) and after.
func page(c *fiber.Ctx) (int, string, error) {
	limit := 200
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 5000 {
			e := errs.New(errs.BadRequest, "bad_limit", "limit 应为 1–5000 的整数", "limit must be an integer from 1 to 5000")
			e.Fields = map[string]errs.Msg{"limit": e.Message}
			return 0, "", e
		}
		limit = n
	}
	after := c.Query("after")
	if len(after) > 512 {
		return 0, "", errs.New(errs.BadRequest, "bad_after", "after 参数无效", "after is not a valid page token")
	}
	return limit, after, nil
}

// listJSON writes API.md's list shape.
func listJSON(c *fiber.Ctx, items any, next string) error {
	var n any
	if next != "" {
		n = next
	}
	if v := reflect.ValueOf(items); !v.IsValid() || (v.Kind() == reflect.Slice && v.IsNil()) {
		items = []any{}
	}
	return c.JSON(fiber.Map{"items": items, "next": n})
}
