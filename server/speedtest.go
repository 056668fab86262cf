package server

import (
	"crypto/rand"
	"io"
	"strconv"
	"sync"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"

	"github.com/gofiber/fiber/v2"
)

// Speed test limits (API.md "Speed test").
const (
	speedMaxMiB     = 100
	speedMaxUpload  = speedMaxMiB << 20
	speedPerMinute  = 10 // downloads, and separately uploads, per technician a minute
	speedBlockBytes = 1 << 20
)

// speedBlock is 1 MiB of random bytes made once: random so no compressing
// proxy can shrink it and inflate the measured rate.
var speedBlock = sync.OnceValue(func() []byte {
	b := make([]byte, speedBlockBytes)
	rand.Read(b)
	return b
})

var errSpeedRate = errs.New(errs.RateLimited, "rate_limited", "测速过于频繁，请稍后再试", "too many speed tests; try again in a minute")

// bindSpeedtest: the browser speed test a technician runs at the customer's
// (seed 004 第二十八条). Answers are never cached; the PWA's compression
// middleware is bound only to its own routes, so these bytes go out as they are.
func (s *Server) bindSpeedtest() {
	tech := Roles(auth.RoleTechnician)
	// A sliding window per technician and direction; it lives with this
	// server, so tests with their own servers do not share it.
	limit := auth.NewThrottle(speedPerMinute, time.Minute, s.Now)
	throttled := func(c *fiber.Ctx, kind string) error {
		key := kind + "\x00" + principal(c).Username
		if blocked, wait := limit.Blocked(key); blocked {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
			return errSpeedRate
		}
		limit.Fail(key) // counts this test
		return nil
	}
	s.route(fiber.MethodGet, "/api/v1/speedtest/ping", tech, func(c *fiber.Ctx) error {
		noStore(c)
		return c.SendStatus(fiber.StatusNoContent)
	})
	s.route(fiber.MethodGet, "/api/v1/speedtest/download", tech, func(c *fiber.Ctx) error {
		noStore(c)
		mb, err := strconv.Atoi(c.Query("mb", "10"))
		if err != nil || mb < 1 || mb > speedMaxMiB {
			e := errs.New(errs.BadRequest, "bad_mb", "mb 应为 1–100 的整数", "mb must be an integer from 1 to 100")
			e.Fields = map[string]errs.Msg{"mb": e.Message}
			return e
		}
		if err := throttled(c, "down"); err != nil {
			return err
		}
		size := mb * speedBlockBytes
		c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
		// Streamed from the one block with a Content-Length, so the browser
		// shows progress and nothing holds N MiB in memory.
		c.Context().SetBodyStream(&repeatReader{block: speedBlock(), left: size}, size)
		return nil
	})
	s.route(fiber.MethodPost, "/api/v1/speedtest/upload", tech, func(c *fiber.Ctx) error {
		noStore(c)
		if int64(c.Request().Header.ContentLength()) > speedMaxUpload {
			return tooLargeClose(c)
		}
		if err := throttled(c, "up"); err != nil {
			return err
		}
		var n int64
		if c.Request().IsBodyStream() {
			var err error
			n, err = io.Copy(io.Discard, io.LimitReader(c.Context().RequestBodyStream(), speedMaxUpload+1))
			if err != nil {
				return errs.New(errs.BadRequest, "body_read_failed", "读取上传内容失败", "could not read the upload")
			}
		} else {
			n = int64(len(c.Body())) // small bodies arrive buffered
		}
		if n > speedMaxUpload {
			return tooLargeClose(c)
		}
		return c.JSON(fiber.Map{"bytes": n})
	})
}

// tooLargeClose refuses an upload whose body was not read to its end; the
// connection is closed so the unread rest is not taken for the next request.
func tooLargeClose(c *fiber.Ctx) error {
	c.Context().SetConnectionClose()
	return errTooLarge
}

func noStore(c *fiber.Ctx) { c.Set(fiber.HeaderCacheControl, "no-store") }

// repeatReader yields left bytes cycling through block.
type repeatReader struct {
	block []byte
	off   int
	left  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.left)], r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	r.left -= n
	return n, nil
}
