// Package errs holds the typed errors domain packages return. They carry a
// kind (what went wrong, not an HTTP status), a snake_case code, a message in
// both UI languages and, for validation, a message per field path. The server
// maps kinds to statuses in one place.
package errs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Kind classifies an error for the API.
type Kind int

const (
	BadRequest          Kind = iota + 1 // 400 malformed
	Unauthorized                        // 401
	Forbidden                           // 403
	NotFound                            // 404
	Conflict                            // 409
	Gone                                // 410
	TooLarge                            // 413
	Unsupported                         // 415
	Invalid                             // 422 valid JSON, fails validation
	RateLimited                         // 429
	InsufficientStorage                 // 507 disk full
	Unavailable                         // 503 a dependency (the photo bucket) is down; retry
)

// Msg is a message in zh-CN and English.
type Msg struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In picks the language: "en" for English, anything else zh-CN.
func (m Msg) In(lang string) string {
	if lang == "en" && m.En != "" {
		return m.En
	}
	if m.Zh == "" {
		return m.En
	}
	return m.Zh
}

// Error is a domain error.
type Error struct {
	Kind    Kind
	Code    string
	Message Msg
	Fields  map[string]Msg
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message.En)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k].En
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message.En, strings.Join(parts, "; "))
}

// New makes an error of kind with code and messages (zh, en).
func New(kind Kind, code, zh, en string) *Error {
	return &Error{Kind: kind, Code: code, Message: Msg{Zh: zh, En: en}}
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct {
	Fields map[string]Msg
}

// Add records a problem at path (e.g. "answers.shoe_covers").
func (v *Validation) Add(path, zh, en string) {
	path = Cut(path, maxPath)
	if v.Fields == nil {
		v.Fields = map[string]Msg{}
	}
	if _, ok := v.Fields[path]; !ok {
		v.Fields[path] = Msg{Zh: zh, En: en}
	}
}

// Has reports whether path already has a problem.
func (v *Validation) Has(path string) bool { _, ok := v.Fields[path]; return ok }

// Err is nil when nothing was added, else a 422 validation_failed error.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "validation_failed",
		Message: Msg{Zh: "提交的内容未通过校验", En: "the request failed validation"}, Fields: v.Fields}
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsKind reports whether err is a domain error of kind k.
func IsKind(err error, k Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == k
}

// Common errors.
var (
	ErrNotFound  = New(NotFound, "not_found", "未找到", "not found")
	ErrForbidden = New(Forbidden, "forbidden", "无权执行此操作", "your role may not do this")
)

// NotFoundf is a 404 naming what was not found (the id as Echo cuts it).
func NotFoundf(what, id string) *Error {
	id = Echo(id)
	return New(NotFound, "not_found", fmt.Sprintf("未找到%s %s", what, id), fmt.Sprintf("%s %s not found", what, id))
}

// MaxEcho is how much of a client's value an error answer repeats.
const MaxEcho = 64

// Echo is a client-given value (an id from a path, a body, a query) as an
// error answer repeats it: whole up to MaxEcho bytes, else its first MaxEcho
// bytes (whole characters) and an ellipsis — enough for a person to find it,
// not the 10 KB or 1 MB a hostile request carries. Every error that names
// what the client sent goes through it.
func Echo(s string) string { return Cut(s, MaxEcho) }

// Cut is s whole up to max bytes, else its first max bytes (never half a
// character) and "…".
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "") + "…"
}

// maxPath bounds a field path in an error: paths are built from the
// template's ids, but a key the client chose must not come back whole.
const maxPath = 160
