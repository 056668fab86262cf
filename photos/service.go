package photos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"strconv"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"
)

// Rendition sizes: the long edge in pixels.
const (
	ThumbEdge  = 320
	MediumEdge = 1600
)

// Sizes GET may ask for.
const (
	SizeThumb  = "thumb"
	SizeMedium = "medium"
	SizeFull   = "full"
)

// Config configures the photo store. Zero values take the defaults.
type Config struct {
	// DataDir holds photos/ (originals) and photo-renditions/.
	DataDir string
	// MaxBytes is the largest upload, default 25 MB.
	MaxBytes int64
	// MaxPixels is the largest width × height, default 50 megapixels. It is
	// checked on the header before any pixel memory is allocated.
	MaxPixels int64
	// Workers bounds how many photos are decoded at once, default 2: a
	// 12 MP decode holds ~20 MB and a core for ~0.2 s.
	Workers int64
	// Wait is how long an upload waits for a worker before answering 429,
	// default 20 s.
	Wait time.Duration
	// OnStored runs inside the write transaction that records a new photo,
	// or a new possessor of a photo already held (the server passes
	// sync.PhotoArrived, which completes the submissions waiting for it
	// whose author now possesses it). Nil does nothing.
	OnStored func(tx *bolt.Tx, sha string, now time.Time) error
	// CanSee says whether p may see photo sha because submission
	// submissionID shows it: p may read the submission and its author
	// possesses sha (the server passes sync.PhotoShownTo). A photo is
	// visible to its possessors, admins, and those. Nil: possessors and
	// admins only.
	CanSee func(tx *bolt.Tx, p auth.Principal, submissionID, sha string) (bool, error)
	// NoSync skips the fsync of each original: only for a bulk load that
	// syncs the filesystem once at its end (the demo's month of history),
	// never for a serving server, where a Put must survive a power cut.
	NoSync bool
}

// Meta is what fieldcheck knows about one stored photo
// (BucketPhotos: sha → Meta).
type Meta struct {
	SHA256 string `json:"sha256"`
	// Width and Height are as displayed: EXIF orientation applied.
	Width  int `json:"width"`
	Height int `json:"height"`
	// TakenAt is EXIF DateTimeOriginal; without an offset tag it is
	// Asia/Shanghai wall time.
	TakenAt     *time.Time `json:"taken_at"`
	Lat         *float64   `json:"lat,omitempty"`
	Lng         *float64   `json:"lng,omitempty"`
	Bytes       int64      `json:"bytes"`
	ContentType string     `json:"content_type"`
	// PHash is the 64-bit dHash of the upright pixels, 16 hex digits.
	PHash       string    `json:"phash"`
	Orientation int       `json:"orientation,omitempty"`
	Uploader    string    `json:"uploader"`
	CreatedAt   time.Time `json:"created_at"`
}

func (m Meta) hash() (uint64, bool) {
	h, err := strconv.ParseUint(m.PHash, 16, 64)
	return h, err == nil && len(m.PHash) == 16
}

// Service stores and serves photos.
type Service struct {
	db  *store.DB
	cfg Config
	sem *semaphore.Weighted
	sf  singleflight.Group
}

// New makes the service and its directories.
func New(db *store.DB, cfg Config) (*Service, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = db.Dir
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 25 << 20
	}
	if cfg.MaxPixels <= 0 {
		cfg.MaxPixels = 50_000_000
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 20 * time.Second
	}
	for _, d := range []string{OriginalsDir, RenditionsDir} {
		if err := os.MkdirAll(join(cfg.DataDir, d), 0o750); err != nil {
			return nil, fmt.Errorf("photos: %w", err)
		}
	}
	return &Service{db: db, cfg: cfg, sem: semaphore.NewWeighted(cfg.Workers)}, nil
}

// MaxBytes is the configured upload limit (the server checks Content-Length
// against it before reading a body).
func (s *Service) MaxBytes() int64 { return s.cfg.MaxBytes }

// Errors Put and Open return.
var (
	ErrBadSHA = errs.New(errs.BadRequest, "bad_sha256",
		"照片标识必须是 64 位小写十六进制 sha256", "the photo id must be a sha256 in 64 lowercase hex digits")
	ErrHashMismatch = errs.New(errs.BadRequest, "hash_mismatch",
		"照片内容与其 sha256 不符，请重新上传", "the bytes do not hash to the sha256 in the path; upload again")
	ErrTooLarge = errs.New(errs.TooLarge, "too_large",
		"照片文件过大", "the photo file is too large")
	ErrUnsupported = errs.New(errs.Unsupported, "unsupported_media",
		"只接受 JPEG 或 PNG 图片", "only JPEG and PNG images are accepted")
	// A file that starts as a JPEG or PNG but cannot be read to the end
	// (truncated upload, damaged bytes) is a malformed request, 400: the
	// media type is one we take, the bytes are broken, and retrying the
	// full file fixes it. 415 is kept for "not a JPEG or PNG at all".
	ErrCorrupt = errs.New(errs.BadRequest, "corrupt_image",
		"图片文件已损坏或不完整，请重新上传", "the image is damaged or incomplete; upload it again")
	ErrTooManyPixels = errs.New(errs.Invalid, "too_many_pixels",
		"图片像素过多", "the image has too many pixels")
	ErrBusy = errs.New(errs.RateLimited, "busy",
		"服务器正忙于处理其他照片，请稍后重试", "the server is busy with other photos; try again shortly")
	ErrBadSize = errs.New(errs.BadRequest, "bad_size",
		"size 只能是 thumb、medium 或 full", "size must be thumb, medium or full")
	ErrNotFound = errs.New(errs.NotFound, "not_found", "未找到该照片", "photo not found")
)

// ValidSHA reports whether s is 64 lowercase hex digits (store.ValidSHA256).
func ValidSHA(s string) bool { return store.ValidSHA256(s) }

// Sniff names the content type of an upload from its first bytes:
// "image/jpeg", "image/png" or "".
func Sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	}
	return ""
}

// Lookup reads photo sha's Meta inside tx.
func Lookup(tx *bolt.Tx, sha string) (Meta, bool, error) {
	var m Meta
	err := store.GetJSON(tx, store.BucketPhotos, []byte(sha), &m)
	if errors.Is(err, store.ErrNotFound) {
		return m, false, nil
	}
	return m, err == nil, err
}

// Has reports whether the bytes of photo sha are held (sync uses it for
// missing_photos).
func Has(tx *bolt.Tx, sha string) bool {
	return store.Has(tx, store.BucketPhotos, []byte(sha))
}

// Has reports whether the server holds photo sha.
func (s *Service) Has(sha string) bool {
	if !ValidSHA(sha) {
		return false
	}
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error { ok = Has(tx, sha); return nil })
	return ok
}

// Get returns the Meta of photo sha, or ErrNotFound.
func (s *Service) Get(sha string) (Meta, error) {
	if !ValidSHA(sha) {
		return Meta{}, ErrNotFound
	}
	var m Meta
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		m, ok, err = Lookup(tx, sha)
		return err
	})
	if err != nil {
		return Meta{}, err
	}
	if !ok {
		return Meta{}, ErrNotFound
	}
	return m, nil
}

// PutReader reads at most MaxBytes from r and calls Put.
func (s *Service) PutReader(ctx context.Context, sha string, r io.Reader, uploader string, now time.Time) (Meta, bool, error) {
	body, err := io.ReadAll(io.LimitReader(r, s.cfg.MaxBytes+1))
	if err != nil {
		return Meta{}, false, err
	}
	return s.Put(ctx, sha, body, uploader, now)
}

// Put stores an upload whose sha256 the client named. It answers the Meta
// and whether the photo is new; a photo already held is answered as it is,
// nothing rewritten. Checks run cheapest first: the id, the size, the hash,
// the magic bytes, the header's pixel count — all before any pixel memory
// is allocated — then one full decode under the worker bound.
func (s *Service) Put(ctx context.Context, sha string, body []byte, uploader string, now time.Time) (Meta, bool, error) {
	return s.PutBy(ctx, sha, body, store.Actor{Username: uploader}, now)
}

// PutBy is Put with the uploader's unit and device, which the audit log
// records beside the new photo ("photo.upload"). Bytes already held are not
// stored again: the upload, verified by its hash, makes the uploader a
// possessor of them (possession.go; audited once, "photo.possess").
func (s *Service) PutBy(ctx context.Context, sha string, body []byte, who store.Actor, now time.Time) (Meta, bool, error) {
	uploader := who.Username
	if !ValidSHA(sha) {
		return Meta{}, false, ErrBadSHA
	}
	if int64(len(body)) > s.cfg.MaxBytes {
		return Meta{}, false, ErrTooLarge
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != sha {
		return Meta{}, false, ErrHashMismatch
	}
	if m, err := s.Get(sha); err == nil {
		// Bytes already held, verified by the hash above: the uploader now
		// possesses them too (possession.go).
		if err := s.possessHeld(sha, who, now); err != nil {
			return Meta{}, false, err
		}
		return m, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Meta{}, false, err
	}
	ct := Sniff(body)
	if ct == "" {
		return Meta{}, false, ErrUnsupported
	}
	if err := s.checkHeader(ct, body); err != nil {
		return Meta{}, false, err
	}

	if err := s.acquire(ctx); err != nil {
		return Meta{}, false, err
	}
	// The original is written and fsynced while the CPU decodes: the disk's
	// latency hides behind the decode instead of adding to it.
	written := make(chan error, 1)
	go func() { written <- writeFileAtomic(s.originalPath(sha), body, !s.cfg.NoSync) }()
	r, err := process(ct, body)
	s.sem.Release(1)
	werr := <-written
	if err != nil {
		// Bytes that do not decode never become a photo; the same bytes fail
		// the same way for every uploader, so no one else's file is removed.
		if werr == nil && !s.Has(sha) {
			os.Remove(s.originalPath(sha))
		}
		return Meta{}, false, err
	}
	if werr != nil {
		return Meta{}, false, fmt.Errorf("photos: write original: %w", werr)
	}
	// Renditions can always be made again from the original: no fsync.
	_ = writeFileAtomic(s.renditionPath(sha, SizeMedium), r.medium, false)
	_ = writeFileAtomic(s.renditionPath(sha, SizeThumb), r.thumb, false)

	m := Meta{SHA256: sha, Width: r.width, Height: r.height, TakenAt: r.exif.TakenAt,
		Lat: r.exif.Lat, Lng: r.exif.Lng, Bytes: int64(len(body)), ContentType: ct,
		PHash: fmt.Sprintf("%016x", r.phash), Orientation: r.exif.Orientation,
		Uploader: uploader, CreatedAt: now.UTC()}
	created := true
	err = s.db.Update(func(tx *bolt.Tx) error {
		old, ok, err := Lookup(tx, sha)
		if err != nil {
			return err
		}
		if ok { // a concurrent upload of the same bytes won
			m, created = old, false
			return s.possessHeldIn(tx, sha, who, now)
		}
		if err := store.PutJSON(tx, store.BucketPhotos, []byte(sha), m); err != nil {
			return err
		}
		if err := indexHash(tx, sha, r.phash); err != nil {
			return err
		}
		if err := store.Audit(tx, now, who, "photo.upload", "photo/"+sha,
			fmt.Sprintf("%s %dx%d, %d bytes", ct, m.Width, m.Height, m.Bytes)); err != nil {
			return err
		}
		if err := markPossession(tx, sha, uploader); err != nil {
			return err
		}
		if s.cfg.OnStored != nil {
			return s.cfg.OnStored(tx, sha, now)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrDiskFull) {
			return Meta{}, false, errs.New(errs.InsufficientStorage, "disk_full", "服务器磁盘已满", "the server's disk is full")
		}
		return Meta{}, false, err
	}
	return m, created, nil
}

func (s *Service) checkHeader(ct string, body []byte) error {
	var cfg image.Config
	var err error
	if ct == "image/jpeg" {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(body))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(body))
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return ErrCorrupt
	}
	if int64(cfg.Width)*int64(cfg.Height) > s.cfg.MaxPixels {
		return ErrTooManyPixels
	}
	return nil
}

func (s *Service) acquire(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Wait)
	defer cancel()
	if err := s.sem.Acquire(ctx, 1); err != nil {
		return ErrBusy
	}
	return nil
}

// processed is the work done on a decoded upload.
type processed struct {
	width, height int // upright
	exif          exifInfo
	phash         uint64
	thumb, medium []byte // JPEG
}

// process decodes body fully (a truncated or damaged file fails here), reads
// its EXIF, and makes the upright renditions and the perceptual hash. A
// decoder panic on hostile input is turned into ErrCorrupt.
func process(ct string, body []byte) (r processed, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = processed{}, ErrCorrupt
		}
	}()
	var img image.Image
	if ct == "image/jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(body))
		r.exif = parseEXIF(jpegEXIF(body))
	} else {
		img, err = png.Decode(bytes.NewReader(body))
		r.exif = parseEXIF(pngEXIF(body))
	}
	if err != nil {
		return processed{}, ErrCorrupt
	}
	med, thumb := renditions(img, r.exif.Orientation)
	r.width, r.height = img.Bounds().Dx(), img.Bounds().Dy()
	if r.exif.Orientation >= 5 {
		r.width, r.height = r.height, r.width
	}
	r.phash = dHash(thumb)
	if r.medium, err = encodeJPEG(med, 82); err != nil {
		return processed{}, err
	}
	if r.thumb, err = encodeJPEG(thumb, 80); err != nil {
		return processed{}, err
	}
	return r, nil
}

// renditions makes the upright medium and thumb: the medium from the
// decoded planes, the thumb from the medium.
func renditions(img image.Image, orientation int) (med, thumb *image.YCbCr) {
	p := toPlanes(img)
	mw, mh := fitSize(p.w, p.h, MediumEdge)
	med = p.resize(mw, mh)
	tw, th := fitSize(mw, mh, ThumbEdge)
	thumb = toPlanes(med).resize(tw, th)
	return orient(med, orientation), orient(thumb, orientation)
}

func encodeJPEG(m image.Image, q int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Open opens photo sha at size (thumb, medium, full; "" is full) and names
// its content type. A missing rendition is made on the spot (once, however
// many ask at the same moment); if that fails the original is served.
// The caller closes the file.
func (s *Service) Open(ctx context.Context, sha, size string) (*os.File, string, error) {
	if size == "" {
		size = SizeFull
	}
	if size != SizeFull && size != SizeThumb && size != SizeMedium {
		return nil, "", ErrBadSize
	}
	m, err := s.Get(sha)
	if err != nil {
		return nil, "", err
	}
	if size != SizeFull {
		p := s.renditionPath(sha, size)
		if f, err := os.Open(p); err == nil {
			return f, "image/jpeg", nil
		}
		if _, err, _ := s.sf.Do(sha, func() (any, error) { return nil, s.remake(ctx, sha, m.ContentType) }); err == nil {
			if f, err := os.Open(p); err == nil {
				return f, "image/jpeg", nil
			}
		}
	}
	f, err := os.Open(s.originalPath(sha))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", ErrNotFound
		}
		return nil, "", err
	}
	return f, m.ContentType, nil
}

// remake regenerates both renditions from the original (after a restore,
// which carries originals only).
func (s *Service) remake(ctx context.Context, sha, ct string) error {
	body, err := os.ReadFile(s.originalPath(sha))
	if err != nil {
		return err
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	r, err := process(ct, body)
	s.sem.Release(1)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.renditionPath(sha, SizeMedium), r.medium, false); err != nil {
		return err
	}
	return writeFileAtomic(s.renditionPath(sha, SizeThumb), r.thumb, false)
}
