package server

import (
	"errors"
	"strconv"
	"syscall"

	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
)

var kindStatus = map[errs.Kind]int{
	errs.BadRequest:          fiber.StatusBadRequest,
	errs.Unauthorized:        fiber.StatusUnauthorized,
	errs.Forbidden:           fiber.StatusForbidden,
	errs.NotFound:            fiber.StatusNotFound,
	errs.Conflict:            fiber.StatusConflict,
	errs.Gone:                fiber.StatusGone,
	errs.TooLarge:            fiber.StatusRequestEntityTooLarge,
	errs.Unsupported:         fiber.StatusUnsupportedMediaType,
	errs.Invalid:             fiber.StatusUnprocessableEntity,
	errs.RateLimited:         fiber.StatusTooManyRequests,
	errs.InsufficientStorage: fiber.StatusInsufficientStorage,
	errs.Unavailable:         fiber.StatusServiceUnavailable,
}

// fiber's own errors (no route, body too large, bad method) in our shape.
var fiberCodes = map[int]*errs.Error{
	fiber.StatusNotFound:              errs.New(errs.NotFound, "not_found", "未找到该地址", "no such route"),
	fiber.StatusMethodNotAllowed:      errs.New(errs.BadRequest, "method_not_allowed", "不支持该请求方法", "method not allowed"),
	fiber.StatusRequestEntityTooLarge: errs.New(errs.TooLarge, "too_large", "请求内容过大", "request body too large"),
	fiber.StatusRequestTimeout:        errs.New(errs.BadRequest, "timeout", "请求超时", "request timed out"),
}

var (
	errDiskFull = errs.New(errs.InsufficientStorage, "disk_full", "服务器存储空间不足，数据未写入，请稍后重试", "the server's disk is full; nothing was written, retry later")
	errInternal = errs.New(0, "internal", "服务器内部错误", "internal server error")
)

// handleError is the one place errors become API.md's error shape.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	e, ok := errs.As(err)
	var fe *fiber.Error
	switch {
	case ok:
		if st, known := kindStatus[e.Kind]; known {
			status = st
		} else {
			e = errInternal
		}
	case errors.Is(err, store.ErrDiskFull), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		status, e = fiber.StatusInsufficientStorage, errDiskFull
	case errors.As(err, &fe):
		status = fe.Code
		if e = fiberCodes[fe.Code]; e == nil {
			if fe.Code >= 400 && fe.Code < 500 {
				e = errs.New(errs.BadRequest, "bad_request", "请求无效", fe.Message)
			} else {
				status, e = fiber.StatusInternalServerError, errInternal
			}
		}
	default:
		e = errInternal
	}
	if status == fiber.StatusServiceUnavailable && c.GetRespHeader(fiber.HeaderRetryAfter) == "" {
		// The phone's outbox keeps the photo and tries again.
		c.Set(fiber.HeaderRetryAfter, "10")
	}
	if status >= 500 && status != fiber.StatusInsufficientStorage && status != fiber.StatusServiceUnavailable {
		s.Log.Error("request failed", "rid", requestID(c), "method", c.Method(), "path", redactPath(c.Path()), "err", err)
	}
	if status == fiber.StatusTooManyRequests && c.GetRespHeader(fiber.HeaderRetryAfter) == "" {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(60))
	}
	body := errorBody(e, lang(c))
	// The id the log line carries: a person can quote it to support.
	if rid := requestID(c); rid != "" {
		body["request_id"] = rid
	}
	return c.Status(status).JSON(fiber.Map{"error": body})
}

// errorBody is one error in API.md's shape: the body of every error answer,
// and of errors that travel inside a 200 answer (an import's rejected rows).
// Domain errors cut what they echo of the request (errs.Echo); the caps here
// only make sure no path forgot it sends a request's megabytes back.
func errorBody(e *errs.Error, l string) fiber.Map {
	body := fiber.Map{"code": e.Code, "message": errs.Cut(e.Message.In(l), maxErrorText)}
	if len(e.Fields) > 0 {
		f := make(map[string]string, len(e.Fields))
		for k, m := range e.Fields {
			f[errs.Cut(k, maxErrorText)] = errs.Cut(m.In(l), maxErrorText)
		}
		body["fields"] = f
	}
	return body
}

// maxErrorText bounds one message or field path of an error answer.
const maxErrorText = 1024
