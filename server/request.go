package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
)

const (
	localPrincipal = "fc.principal"
	localClaims    = "fc.claims"
	// localBodyRead marks a streamed body read to its end (see closeIfBodyUnread).
	localBodyRead = "fc.body-read"
)

// principal is the authenticated caller (zero on public routes). Its Device
// is the device_id sent at login or, without one, clientDevice, so every
// change a domain function audits says where it came from.
func principal(c *fiber.Ctx) auth.Principal {
	p, _ := c.Locals(localPrincipal).(auth.Principal)
	if p.Username != "" && p.Device == "" {
		p.Device = clientDevice(c)
	}
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
	return store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}
}

// maxDeviceLen bounds what a client-chosen device description adds to each
// audit entry.
const maxDeviceLen = 160

// clientDevice names the device of a caller that sent no device_id at login:
// its X-Device-Id header, else its User-Agent and IP (a customer on the
// survey page, a supervisor in a browser). Control characters are dropped so
// an entry cannot fake a line of an export.
func clientDevice(c *fiber.Ctx) string {
	d := strings.TrimSpace(c.Get("X-Device-Id"))
	if d == "" {
		d = "ip=" + clientIP(c)
		if ua := strings.TrimSpace(c.Get(fiber.HeaderUserAgent)); ua != "" {
			d = "ua=" + ua + "; " + d
		}
	}
	d = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, d)
	if len(d) > maxDeviceLen {
		cut := maxDeviceLen
		for cut > 0 && !utf8.RuneStart(d[cut]) {
			cut--
		}
		d = d[:cut]
	}
	return d
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
		c.Locals(localBodyRead, true)
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
		return jsonDecodeError(err)
	}
	// dec.More is false before a stray '}' or ']', so "{}}" would pass:
	// whatever follows the value must be whitespace.
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return errs.New(errs.BadRequest, "malformed_json", "JSON 之后还有多余内容", "unexpected data after the JSON value")
	}
	return nil
}

// jsonDecodeError turns encoding/json's error into one a person can act on.
// encoding/json names Go types ("sync.PushRequest", "[]string"), which mean
// nothing to a client and leak our internals: the client is told the JSON
// field and the JSON type it should have instead.
func jsonDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	var pe *time.ParseError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		path := te.Field
		if path == "" {
			path = "(body)"
		}
		want := jsonKindOf(te.Type)
		got, _, _ := strings.Cut(te.Value, " ") // "number 1e999" → "number"
		e := errs.New(errs.BadRequest, "wrong_type", "字段类型错误", "a field has the wrong type")
		msg := errs.Msg{Zh: "应为" + want.Zh, En: "must be " + want.En}
		if g, ok := jsonKinds[got]; ok && got != want.kind {
			msg.Zh += "，而不是" + g.Zh
			msg.En += ", not " + g.En
		} else if got == "number" && want.kind == "number" {
			msg = errs.Msg{Zh: "数值超出范围或应为整数", En: "is out of range or must be a whole number"}
		}
		e.Fields = map[string]errs.Msg{path: msg}
		return e
	case errors.As(err, &pe):
		// A time.Time field; encoding/json does not say which one.
		return errs.New(errs.BadRequest, "bad_time", "时间格式应为 RFC 3339，如 2026-11-23T19:00:00+08:00",
			"times must be RFC 3339, e.g. 2026-11-23T19:00:00+08:00")
	case errors.As(err, &se):
		return errs.New(errs.BadRequest, "malformed_json", "JSON 格式错误（第 "+strconv.FormatInt(se.Offset, 10)+" 字节附近）",
			"the body is not valid JSON (near byte "+strconv.FormatInt(se.Offset, 10)+")")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errs.New(errs.BadRequest, "malformed_json", "JSON 不完整", "the JSON ends too early")
	}
	return errs.New(errs.BadRequest, "malformed_json", "JSON 格式错误", "the body is not valid JSON")
}

// jsonKind is a JSON type as a client sees it, in both languages.
type jsonKind struct {
	kind   string // as encoding/json's UnmarshalTypeError.Value names it
	Zh, En string
}

var jsonKinds = map[string]jsonKind{
	"object": {"object", "对象", "an object"},
	"array":  {"array", "数组", "an array"},
	"string": {"string", "字符串", "a string"},
	"number": {"number", "数字", "a number"},
	"bool":   {"bool", "布尔值（true 或 false）", "true or false"},
}

// jsonKindOf is the JSON type that decodes into a Go type.
func jsonKindOf(t reflect.Type) jsonKind {
	if t == nil {
		return jsonKind{"value", "其他类型", "another type"}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return jsonKinds["object"]
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return jsonKinds["string"] // []byte is base64 text
		}
		return jsonKinds["array"]
	case reflect.Array:
		return jsonKinds["array"]
	case reflect.String:
		return jsonKinds["string"]
	case reflect.Bool:
		return jsonKinds["bool"]
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return jsonKinds["number"]
	}
	return jsonKind{"value", "其他类型", "another type"}
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
