package server

import (
	"bytes"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/photos"
	"fieldcheck/sync/submissions"

	"github.com/gofiber/fiber/v2"
)

// newPhotos builds the photo store on the data dir, wired to sync: a new
// photo (or a new possessor of one) completes the submissions waiting for it
// in the same commit, and a photo is visible to whoever may read a
// submission referencing it whose author possesses it.
func (s *Server) newPhotos() (*photos.Service, error) {
	var objects photos.Objects
	if s.Cfg.S3 != nil {
		cfg := *s.Cfg.S3
		if cfg.Node == "" {
			node, err := s.DB.NodeID()
			if err != nil {
				return nil, err
			}
			cfg.Node = node
		}
		cfg.LocalDir = s.Cfg.DataDir
		obj, err := photos.NewS3(cfg)
		if err != nil {
			return nil, err
		}
		// /readyz names the bucket while it is down; the loop checks it
		// every 5 s and sweeps this node's stale staged uploads.
		s.AddReadyCheck("photo_bucket", obj.Ready)
		s.Go(obj.Run)
		objects = obj
	}
	return photos.New(s.DB, photos.Config{
		Objects:   objects,
		DataDir:   s.Cfg.DataDir,
		MaxBytes:  s.Cfg.PhotoMaxBytes,
		MaxPixels: int64(s.Cfg.PhotoMaxPixels),
		OnStored:  submissions.PhotoArrived,
		CanSee:    submissions.PhotoShownTo,

		DecodeBudget:      s.Cfg.PhotoDecodeBudget,
		MaxDecodeBytes:    s.Cfg.PhotoDecodeMax,
		MaxUploads:        s.Cfg.PhotoUploads,
		MaxUploadsPerUser: s.Cfg.PhotoUploadsPerUser,
	})
}

// bindPhotos: content-addressed photos (API.md "Photos").
func (s *Server) bindPhotos() {
	field := Roles(auth.RoleTechnician, auth.RoleInspector)
	// Supervisors and admins upload too: the photo of a resolved
	// rectification (POST /rectifications/:id/resolve {note, photos}).
	uploaders := Roles(auth.RoleTechnician, auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodPut, "/api/v1/photos/:sha256", uploaders, s.putPhoto)
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

// photoRetryAfter is the Retry-After, in seconds, of a photo upload refused
// because too many are in flight or the decode budget stayed full.
const photoRetryAfter = 5

// eofReader notes that the body was read to its end, so closeIfBodyUnread
// can keep the connection of a chunked upload.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
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
	if cl := int64(c.Request().Header.ContentLength()); cl > s.Photos.MaxBytes() {
		c.Context().SetConnectionClose() // the body stays unread
		return errTooLarge
	}
	// The body streams to a temp file (PutFrom); only a small one, which
	// fasthttp buffered before the handler, is already in memory.
	var body io.Reader
	if c.Request().IsBodyStream() {
		body = &eofReader{r: c.Context().RequestBodyStream()}
	} else {
		body = bytes.NewReader(c.Request().Body())
	}
	m, created, err := s.Photos.PutFrom(c.UserContext(), sha, body, actor(c), s.Now())
	if r, ok := body.(*eofReader); ok && r.eof {
		c.Locals(localBodyRead, true)
	}
	if err != nil {
		if errs.IsKind(err, errs.RateLimited) {
			// Busy now, not for long: a phone retries on its next sync.
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(photoRetryAfter))
		}
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
	f, n, ct, err := s.Photos.Open(c.UserContext(), sha, size)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	return c.SendStream(f, int(n)) // fasthttp closes f when sent
}
