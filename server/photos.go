package server

import (
	"mime"
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/photos"
	fcsync "fieldcheck/sync"

	"github.com/gofiber/fiber/v2"
)

// newPhotos builds the photo store on the data dir, wired to sync: a new
// photo (or a new possessor of one) completes the submissions waiting for it
// in the same commit, and a photo is visible to whoever may read a
// submission referencing it whose author possesses it.
func (s *Server) newPhotos() (*photos.Service, error) {
	return photos.New(s.DB, photos.Config{
		DataDir:   s.Cfg.DataDir,
		MaxBytes:  s.Cfg.PhotoMaxBytes,
		MaxPixels: int64(s.Cfg.PhotoMaxPixels),
		OnStored:  fcsync.PhotoArrived,
		CanSee:    fcsync.PhotoShownTo,
	})
}

// bindPhotos: content-addressed photos (API.md "Photos").
func (s *Server) bindPhotos() {
	field := Roles(auth.RoleTechnician, auth.RoleInspector)
	s.route(fiber.MethodPut, "/api/v1/photos/:sha256", field, s.putPhoto)
	s.route(fiber.MethodHead, "/api/v1/photos/:sha256", field, s.headPhoto)
	// <img> cannot send a header, so GET also takes ?token= file tokens.
	s.route(fiber.MethodGet, "/api/v1/photos/:sha256", Anyone.WithFileToken(), s.getPhoto)
}

var errPhotoMedia = errs.New(errs.Unsupported, "unsupported_media",
	"Content-Type 应为 image/jpeg 或 image/png", "Content-Type must be image/jpeg or image/png")

// photoAnswer is API.md's upload answer (plus content_type).
type photoAnswer struct {
	SHA256      string     `json:"sha256"`
	Width       int        `json:"width"`
	Height      int        `json:"height"`
	TakenAt     *time.Time `json:"taken_at"`
	Bytes       int64      `json:"bytes"`
	ContentType string     `json:"content_type"`
}

func (s *Server) putPhoto(c *fiber.Ctx) error {
	sha := strings.Clone(c.Params("sha256"))
	if !photos.ValidSHA(sha) {
		c.Context().SetConnectionClose() // the body stays unread
		return photos.ErrBadSHA
	}
	ct, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if ct != "image/jpeg" && ct != "image/png" {
		c.Context().SetConnectionClose() // the body stays unread
		return errPhotoMedia
	}
	// readBody refuses a Content-Length over the limit before reading.
	body, err := readBody(c, s.Photos.MaxBytes())
	if err != nil {
		return err
	}
	m, created, err := s.Photos.PutBy(c.UserContext(), sha, body, actor(c), s.Now())
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(photoAnswer{SHA256: m.SHA256, Width: m.Width, Height: m.Height,
		TakenAt: m.TakenAt, Bytes: m.Bytes, ContentType: m.ContentType})
}

// headPhoto tells the phone whether to upload: 200 only when the caller
// possesses the bytes (has PUT them), 404 otherwise — held for someone
// else or not at all answer alike, so the phone uploads and proves it.
func (s *Server) headPhoto(c *fiber.Ctx) error {
	if !s.Photos.Possessed(c.Params("sha256"), principal(c).Username) {
		return photos.ErrNotFound
	}
	return c.SendStatus(fiber.StatusOK)
}

func (s *Server) getPhoto(c *fiber.Ctx) error {
	sha := strings.Clone(c.Params("sha256"))
	size := c.Query("size", photos.SizeFull)
	if size != photos.SizeFull && size != photos.SizeMedium && size != photos.SizeThumb {
		return photos.ErrBadSize
	}
	// Not allowed and not held answer alike, so existence does not leak.
	ok, err := s.Photos.CanView(principal(c), sha)
	if err != nil {
		return err
	}
	if !ok {
		return photos.ErrNotFound
	}
	etag := `"` + sha + "-" + size + `"`
	// Content-addressed: the bytes behind a URL never change.
	c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, etag)
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	f, ct, err := s.Photos.Open(c.UserContext(), sha, size)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	return c.SendStream(f, int(st.Size())) // fasthttp closes f when sent
}
