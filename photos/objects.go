package photos

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"

	"fieldcheck/errs"
)

// Objects is where a photo's bytes live: the data dir (LocalObjects, the
// embedded default) or an S3-compatible bucket (S3Objects). Everything else
// — content addressing, hash checks, EXIF, reuse flags, possession, access —
// is the Service's and the same for both.
type Objects interface {
	// Name says where, for logs and /readyz.
	Name() string
	// KeepOriginal makes the verified upload in f (size bytes from offset 0)
	// the original of sha. The local store renames f into place (it owns f
	// afterwards); the bucket uploads it. done runs once the record was
	// written, or was not (recorded=false: the bytes are no photo unless
	// another upload of them was recorded meanwhile, which the Service
	// checks before it says so).
	KeepOriginal(ctx context.Context, sha, contentType string, f *os.File, size int64, durable bool) (done func(recorded bool), err error)
	// PutRendition stores a rendition (JPEG); renditions can always be made
	// again from the original, so they are written without a sync.
	PutRendition(ctx context.Context, sha, size string, jpeg []byte) error
	// Open opens the original (SizeFull) or a rendition: ErrNotFound when
	// it is not there.
	Open(ctx context.Context, sha, size string) (Object, int64, error)
	// Ready reports whether the store answers ("" when it does).
	Ready() string
}

// Object is an open original or rendition: read in order (serving) or at
// offsets (a rendition made again from the original).
type Object interface {
	io.Reader
	io.ReaderAt
	io.Closer
}

// ErrStoreUnavailable: the bucket is down or too slow. Uploads and reads
// answer 503 with Retry-After; the phone's outbox keeps the photo and
// tries again.
var ErrStoreUnavailable = errs.New(errs.Unavailable, "photo_store_unavailable",
	"照片存储暂时不可用，照片已保留在手机上，稍后自动重试", "the photo store is unavailable for now; the phone keeps the photo and retries")

// LocalObjects keeps photos in the data dir (files.go has the layout).
type LocalObjects struct {
	Dir    string
	NoSync bool
}

// Name implements Objects.
func (l *LocalObjects) Name() string { return "data dir " + l.Dir }

// Ready implements Objects: the directory is there.
func (l *LocalObjects) Ready() string {
	if _, err := os.Stat(filepath.Join(l.Dir, OriginalsDir)); err != nil {
		return "photos directory: " + err.Error()
	}
	return ""
}

func (l *LocalObjects) originalPath(sha string) string {
	return join(l.Dir, OriginalsDir, sha[0:2], sha[2:4], sha)
}

func (l *LocalObjects) renditionPath(sha, size string) string {
	return join(l.Dir, RenditionsDir, sha[0:2], sha[2:4], sha+"."+size+".jpg")
}

// KeepOriginal renames the temp file into place (same filesystem, so no
// copy); with durable, the directory is fsynced after (the file was before).
func (l *LocalObjects) KeepOriginal(_ context.Context, sha, _ string, f *os.File, _ int64, durable bool) (func(bool), error) {
	path := l.originalPath(sha)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return nil, err
	}
	if durable {
		if d, err := os.Open(dir); err == nil {
			err = d.Sync()
			d.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	return func(recorded bool) {
		if !recorded {
			os.Remove(path)
		}
	}, nil
}

// PutRendition implements Objects.
func (l *LocalObjects) PutRendition(_ context.Context, sha, size string, jpeg []byte) error {
	return writeFileAtomic(l.renditionPath(sha, size), jpeg, false)
}

// Open implements Objects.
func (l *LocalObjects) Open(_ context.Context, sha, size string) (Object, int64, error) {
	p := l.originalPath(sha)
	if size != SizeFull {
		p = l.renditionPath(sha, size)
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, ErrNotFound
		}
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}
