package photos

import (
	"bufio"
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
	"path/filepath"
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
	// Wait is how long an upload waits for a worker and room in the decode
	// budget before answering 429, default 20 s.
	Wait time.Duration
	// DecodeBudget bounds the memory all decodes at once may need, as
	// estimated from each header (decodeCost), default 224 MB: with the
	// server's other memory it keeps the process under 512 MB.
	DecodeBudget int64
	// MaxDecodeBytes is the most one image's decode may need, default
	// 160 MB (a 50 MP phone JPEG needs ~150 MB; a 7000×7000 progressive
	// JPEG ~740 MB); above it an upload is refused, 422 decode_too_large.
	// At most DecodeBudget.
	MaxDecodeBytes int64
	// MaxUploads bounds the uploads whose bodies are being received or
	// processed at once, default 32; MaxUploadsPerUser bounds one user's,
	// default 4 (a phone uploads one photo at a time). Past either: 429.
	MaxUploads, MaxUploadsPerUser int
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
	sem *semaphore.Weighted // decode workers
	// budget holds the decode budget's bytes (Config.DecodeBudget).
	budget  *semaphore.Weighted
	uploads *gate
	sf      singleflight.Group
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
	if cfg.DecodeBudget <= 0 {
		cfg.DecodeBudget = 224 << 20
	}
	if cfg.MaxDecodeBytes <= 0 {
		cfg.MaxDecodeBytes = 160 << 20
	}
	cfg.MaxDecodeBytes = min(cfg.MaxDecodeBytes, cfg.DecodeBudget)
	if cfg.MaxUploads <= 0 {
		cfg.MaxUploads = 32
	}
	if cfg.MaxUploadsPerUser <= 0 {
		cfg.MaxUploadsPerUser = 4
	}
	for _, d := range []string{OriginalsDir, RenditionsDir, IncomingDir} {
		if err := os.MkdirAll(join(cfg.DataDir, d), 0o750); err != nil {
			return nil, fmt.Errorf("photos: %w", err)
		}
	}
	clearIncoming(join(cfg.DataDir, IncomingDir))
	return &Service{db: db, cfg: cfg, sem: semaphore.NewWeighted(cfg.Workers),
		budget:  semaphore.NewWeighted(cfg.DecodeBudget),
		uploads: newGate(cfg.MaxUploads, cfg.MaxUploadsPerUser)}, nil
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
	ErrBodyRead = errs.New(errs.BadRequest, "body_read_failed",
		"照片未能完整接收，请重新上传", "the photo did not arrive whole; upload it again")
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

// PutReader streams at most MaxBytes from r and calls PutFrom.
func (s *Service) PutReader(ctx context.Context, sha string, r io.Reader, uploader string, now time.Time) (Meta, bool, error) {
	return s.PutFrom(ctx, sha, r, store.Actor{Username: uploader}, now)
}

// Put stores an upload whose sha256 the client named (PutBy without a unit
// or device).
func (s *Service) Put(ctx context.Context, sha string, body []byte, uploader string, now time.Time) (Meta, bool, error) {
	return s.PutBy(ctx, sha, body, store.Actor{Username: uploader}, now)
}

// PutBy stores an upload already in memory (the demo's history, tests): it
// is PutFrom without the in-flight caps, which guard reading a body.
func (s *Service) PutBy(ctx context.Context, sha string, body []byte, who store.Actor, now time.Time) (Meta, bool, error) {
	if !ValidSHA(sha) {
		return Meta{}, false, ErrBadSHA
	}
	if int64(len(body)) > s.cfg.MaxBytes {
		return Meta{}, false, ErrTooLarge
	}
	return s.put(ctx, sha, bytes.NewReader(body), who, now)
}

// PutFrom stores an upload read from r (the request body) whose sha256 the
// client named, by who, which the audit log records beside the new photo
// ("photo.upload"). It answers the Meta and whether the photo is new. Bytes
// already held are not stored again: the upload, verified by its hash, makes
// the uploader a possessor of them (possession.go; audited once,
// "photo.possess").
//
// Before a byte is read the upload must fit the caps on uploads in flight
// (ErrUploadsBusy, 429). The body then streams to a temp file beside the
// originals while it is hashed, never whole in memory. Checks run cheapest
// first: the size, the hash, the magic bytes, the header's pixel count and
// decode memory — all before any pixel memory is allocated — then one full
// decode charged to the decode budget. The verified temp file is renamed
// into place as the original.
func (s *Service) PutFrom(ctx context.Context, sha string, r io.Reader, who store.Actor, now time.Time) (Meta, bool, error) {
	if !ValidSHA(sha) {
		return Meta{}, false, ErrBadSHA
	}
	leave, err := s.uploads.enter(who.Username)
	if err != nil {
		return Meta{}, false, err
	}
	defer leave()
	return s.put(ctx, sha, r, who, now)
}

// put is the one upload path behind PutBy and PutFrom.
func (s *Service) put(ctx context.Context, sha string, body io.Reader, who store.Actor, now time.Time) (Meta, bool, error) {
	uploader := who.Username
	u, err := s.receive(body)
	if err != nil {
		return Meta{}, false, err
	}
	defer u.discard() // a no-op once the file became the original
	if u.size > s.cfg.MaxBytes {
		return Meta{}, false, ErrTooLarge
	}
	if u.sha != sha {
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
	ct := Sniff(u.head)
	if ct == "" {
		return Meta{}, false, ErrUnsupported
	}

	// The original is fsynced while the CPU decodes: the disk's latency
	// hides behind the decode instead of adding to it.
	synced := make(chan error, 1)
	if s.cfg.NoSync {
		synced <- nil
	} else {
		go func() { synced <- u.f.Sync() }()
	}
	r, err := s.decode(ctx, ct, u.f, u.size, u.head)
	werr := <-synced
	if err != nil {
		// Bytes that do not decode never become a photo; the temp file goes.
		return Meta{}, false, err
	}
	if werr == nil {
		werr = u.keep(s.originalPath(sha), !s.cfg.NoSync)
	}
	if werr != nil {
		return Meta{}, false, fmt.Errorf("photos: write original: %w", werr)
	}
	// Renditions can always be made again from the original: no fsync.
	_ = writeFileAtomic(s.renditionPath(sha, SizeMedium), r.medium, false)
	_ = writeFileAtomic(s.renditionPath(sha, SizeThumb), r.thumb, false)

	m := Meta{SHA256: sha, Width: r.width, Height: r.height, TakenAt: r.exif.TakenAt,
		Lat: r.exif.Lat, Lng: r.exif.Lng, Bytes: u.size, ContentType: ct,
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
		// Not recorded: the file goes too, unless another upload of the
		// same bytes has recorded it meanwhile.
		if !s.Has(sha) {
			os.Remove(s.originalPath(sha))
		}
		if errors.Is(err, store.ErrDiskFull) {
			return Meta{}, false, errs.New(errs.InsufficientStorage, "disk_full", "服务器磁盘已满", "the server's disk is full")
		}
		return Meta{}, false, err
	}
	return m, created, nil
}

// headBytes of an upload are kept in memory for its type and EXIF (JPEG's
// APP1 is at most 64 KB and comes first; PNG's eXIf comes before the
// pixels).
const headBytes = 256 << 10

// upload is a body received into a temp file beside the originals.
type upload struct {
	f    *os.File
	size int64
	sha  string
	head []byte
	kept bool
}

// receive copies at most MaxBytes+1 of body into a temp file in the
// incoming dir, hashing on the way. A body that fails to arrive (the client
// went away or trickled past the read timeout) is 400 body_read_failed; a
// file that cannot be written (disk full) is the write error.
func (s *Service) receive(body io.Reader) (*upload, error) {
	f, err := os.CreateTemp(join(s.cfg.DataDir, IncomingDir), ".up-*")
	if err != nil {
		return nil, fmt.Errorf("photos: temp file: %w", err)
	}
	u := &upload{f: f}
	h := sha256.New()
	buf := make([]byte, 32<<10)
	limit := s.cfg.MaxBytes + 1
	for u.size < limit {
		n, rerr := body.Read(buf[:min(int64(len(buf)), limit-u.size)])
		if n > 0 {
			h.Write(buf[:n])
			if len(u.head) < headBytes {
				u.head = append(u.head, buf[:min(n, headBytes-len(u.head))]...)
			}
			if _, err := f.Write(buf[:n]); err != nil {
				u.discard()
				return nil, fmt.Errorf("photos: write upload: %w", err)
			}
			u.size += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			u.discard()
			return nil, ErrBodyRead
		}
	}
	u.sha = hex.EncodeToString(h.Sum(nil))
	return u, nil
}

// keep renames the temp file into place at path (same filesystem, so no
// copy); with durable, the directory is fsynced after (the file was before).
func (u *upload) keep(path string, durable bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := os.Rename(u.f.Name(), path); err != nil {
		return err
	}
	u.kept = true
	u.f.Close()
	if durable {
		if d, err := os.Open(dir); err == nil {
			err = d.Sync()
			d.Close()
			return err
		}
	}
	return nil
}

// discard closes the temp file and removes it unless it was kept.
func (u *upload) discard() {
	u.f.Close()
	if !u.kept {
		os.Remove(u.f.Name())
	}
}

// decode checks the header of the size bytes in f (head is their start),
// charges the decode's estimated memory to the budget and decodes them.
func (s *Service) decode(ctx context.Context, ct string, f io.ReaderAt, size int64, head []byte) (processed, error) {
	cost, err := s.checkHeader(ct, f, size)
	if err != nil {
		return processed{}, err
	}
	release, err := s.acquire(ctx, cost)
	if err != nil {
		return processed{}, err
	}
	defer release()
	return processFrom(ct, bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64<<10), head)
}

// checkHeader reads only the header: a damaged one is ErrCorrupt, too many
// pixels ErrTooManyPixels, a decode needing more memory than one image may
// use decode_too_large. It answers the decode's estimated bytes.
func (s *Service) checkHeader(ct string, f io.ReaderAt, size int64) (int64, error) {
	at0 := func() *bufio.Reader { return bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 8<<10) }
	var cfg image.Config
	var h imageHeader
	var err, herr error
	if ct == "image/jpeg" {
		if cfg, err = jpeg.DecodeConfig(at0()); err == nil {
			h, herr = readJPEGHeader(at0())
		}
	} else {
		if cfg, err = png.DecodeConfig(at0()); err == nil {
			if h, herr = readPNGHeader(at0()); herr != nil {
				h = imageHeader{bitDepth: 16, interlace: 1} // assume the worst
			}
		}
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, ErrCorrupt
	}
	if int64(cfg.Width)*int64(cfg.Height) > s.cfg.MaxPixels {
		return 0, ErrTooManyPixels
	}
	if herr != nil {
		h = imageHeader{} // decodeCost assumes the worst
	}
	h.width, h.height = cfg.Width, cfg.Height
	cost := decodeCost(ct, h)
	if cost > s.cfg.MaxDecodeBytes {
		return 0, errDecodeTooLarge(cost, s.cfg.MaxDecodeBytes)
	}
	return cost, nil
}

// acquire charges cost bytes to the decode budget and takes a worker,
// waiting at most Wait for both; past it, ErrBusy. release gives both back.
func (s *Service) acquire(ctx context.Context, cost int64) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Wait)
	defer cancel()
	if err := s.budget.Acquire(ctx, cost); err != nil {
		return nil, ErrBusy
	}
	if err := s.sem.Acquire(ctx, 1); err != nil {
		s.budget.Release(cost)
		return nil, ErrBusy
	}
	return func() { s.sem.Release(1); s.budget.Release(cost) }, nil
}

// processed is the work done on a decoded upload.
type processed struct {
	width, height int // upright
	exif          exifInfo
	phash         uint64
	thumb, medium []byte // JPEG
}

// process is processFrom on bytes in memory.
func process(ct string, body []byte) (processed, error) {
	return processFrom(ct, bytes.NewReader(body), body)
}

// processFrom decodes the image read from r fully (a truncated or damaged
// file fails here), reads its EXIF from head (the file's first bytes), and
// makes the upright renditions and the perceptual hash. A decoder panic on
// hostile input is turned into ErrCorrupt.
func processFrom(ct string, r io.Reader, head []byte) (p processed, err error) {
	defer func() {
		if e := recover(); e != nil {
			p, err = processed{}, ErrCorrupt
		}
	}()
	var img image.Image
	if ct == "image/jpeg" {
		img, err = jpeg.Decode(r)
		p.exif = parseEXIF(jpegEXIF(head))
	} else {
		img, err = png.Decode(r)
		p.exif = parseEXIF(pngEXIF(head))
	}
	if err != nil {
		return processed{}, ErrCorrupt
	}
	med, thumb := renditions(img, p.exif.Orientation)
	p.width, p.height = img.Bounds().Dx(), img.Bounds().Dy()
	if p.exif.Orientation >= 5 {
		p.width, p.height = p.height, p.width
	}
	p.phash = dHash(thumb)
	if p.medium, err = encodeJPEG(med, 82); err != nil {
		return processed{}, err
	}
	if p.thumb, err = encodeJPEG(thumb, 80); err != nil {
		return processed{}, err
	}
	return p, nil
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
	f, err := os.Open(s.originalPath(sha))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, min(st.Size(), headBytes))
	if _, err := io.ReadFull(f, head); err != nil {
		return err
	}
	r, err := s.decode(ctx, ct, f, st.Size(), head)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.renditionPath(sha, SizeMedium), r.medium, false); err != nil {
		return err
	}
	return writeFileAtomic(s.renditionPath(sha, SizeThumb), r.thumb, false)
}
