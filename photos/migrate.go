package photos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
)

// MigrateReport says what MigrateToS3 did.
type MigrateReport struct {
	Originals, AlreadyThere, Renditions int
	Bytes                               int64
}

// MigrateToS3 moves the data dir's photos into the bucket: each original is
// uploaded (or found there already), read back and verified by its sha256
// — its name — and only then is the local copy removed; renditions follow
// their original. It is resumable: run it again after an interruption and
// it picks up where it stopped (what is gone locally is in the bucket,
// verified). A server running with the bucket configured keeps serving
// meanwhile: originals not yet moved are read from the data dir.
// progress is called after each original.
func MigrateToS3(ctx context.Context, dataDir string, o *S3Objects, progress func(done, total int, bytes int64)) (MigrateReport, error) {
	var rep MigrateReport
	var shas []string
	root := filepath.Join(dataDir, OriginalsDir)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && ValidSHA(d.Name()) {
			shas = append(shas, d.Name())
		}
		return nil
	})
	local := &LocalObjects{Dir: dataDir}
	for i, sha := range shas {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		path := local.originalPath(sha)
		st, err := os.Stat(path)
		if err != nil {
			continue // moved meanwhile
		}
		key := o.key(originalKey(sha))
		if info, err := o.client.StatObject(ctx, o.bucket, key, minio.StatObjectOptions{}); err == nil && info.Size == st.Size() {
			rep.AlreadyThere++
		} else {
			f, err := os.Open(path)
			if err != nil {
				return rep, err
			}
			_, err = o.client.PutObject(ctx, o.bucket, key, f, st.Size(), minio.PutObjectOptions{
				ContentType: Sniff(head(f)), PartSize: partSize})
			f.Close()
			if err != nil {
				return rep, fmt.Errorf("photos migrate: upload %s: %w", sha, err)
			}
			rep.Originals++
		}
		if err := o.verify(ctx, key, sha); err != nil {
			return rep, err
		}
		for _, size := range []string{SizeMedium, SizeThumb} {
			rp := local.renditionPath(sha, size)
			if data, err := os.ReadFile(rp); err == nil {
				if err := o.PutRendition(ctx, sha, size, data); err != nil {
					return rep, fmt.Errorf("photos migrate: rendition %s: %w", sha, err)
				}
				rep.Renditions++
				os.Remove(rp)
			}
		}
		// Verified in the bucket: the local copy goes.
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return rep, err
		}
		rep.Bytes += st.Size()
		if progress != nil {
			progress(i+1, len(shas), rep.Bytes)
		}
	}
	return rep, nil
}

// verify reads the object back and checks it hashes to its name.
func (o *S3Objects) verify(ctx context.Context, key, sha string) error {
	obj, err := o.client.GetObject(ctx, o.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer obj.Close()
	h := sha256.New()
	if _, err := io.Copy(h, obj); err != nil {
		return fmt.Errorf("photos migrate: read back %s: %w", sha, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return fmt.Errorf("photos migrate: %s in the bucket hashes to %s: the local copy is kept", strings.TrimPrefix(key, o.prefix), got)
	}
	return nil
}

func head(f *os.File) []byte {
	b := make([]byte, 16)
	n, _ := f.ReadAt(b, 0)
	return b[:n]
}
