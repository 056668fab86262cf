// Package backups ships hot snapshots of the store to the photo bucket
// under backups/ (FIELDCHECK_BACKUP_EVERY, FIELDCHECK_BACKUP_KEEP) and
// fetches them back for `fieldcheck restore --from-s3`. With photos in the
// bucket a backup holds only the store (the tar store.WriteBackup writes
// finds no photo files in the data dir); the photos' own safety is the
// bucket's (turn on versioning). The recovery point is the interval.
//
// It owns only the backups/ prefix; the photo sweep never touches it.
package backups

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"fieldcheck/store"

	"github.com/minio/minio-go/v7"
)

// Prefix is where backups live in the bucket (under the URL's prefix).
const Prefix = "backups/"

// Shipper writes a snapshot to the bucket every Every and keeps the newest
// Keep of this node's.
type Shipper struct {
	DB     *store.DB
	Client *minio.Client
	Bucket string
	// KeyPrefix is the bucket URL's prefix (S3Objects.Key("")).
	KeyPrefix string
	Node      string
	Every     time.Duration
	Keep      int
	Log       *slog.Logger
	Now       func() time.Time
}

// Info is one shipped backup.
type Info struct {
	Name string    `json:"name"`
	Size int64     `json:"size"`
	At   time.Time `json:"at"`
}

func (s *Shipper) dir() string { return s.KeyPrefix + Prefix }

// name sorts by time: fieldcheck-<node>-20261204T101500Z.tar.
func (s *Shipper) name(t time.Time) string {
	return fmt.Sprintf("fieldcheck-%s-%s.tar", s.Node, t.UTC().Format("20060102T150405Z"))
}

// Run ships one snapshot at once and then every Every, until ctx ends.
func (s *Shipper) Run(ctx context.Context) {
	tick := time.NewTicker(s.Every)
	defer tick.Stop()
	for {
		if _, err := s.ShipOnce(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("backup: shipping to the bucket failed; the next try is at the next interval", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// ShipOnce streams a hot snapshot to the bucket (multipart, never whole in
// memory), then prunes this node's backups beyond Keep.
func (s *Shipper) ShipOnce(ctx context.Context) (Info, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	key := s.dir() + s.name(at)
	// The snapshot goes to a local file first: its read transaction lasts
	// as long as the local disk takes, never as long as a slow bucket (an
	// open read blocks the remap a growing store needs, so writes would
	// wait on the upload).
	f, err := os.CreateTemp(s.DB.Dir, ".backup-*.tar")
	if err != nil {
		return Info{}, fmt.Errorf("backup: temp file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := s.DB.WriteBackup(f); err != nil {
		return Info{}, fmt.Errorf("backup: snapshot: %w", err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return Info{}, err
	}
	uctx, cancel := context.WithTimeout(ctx, max(s.Every, 10*time.Minute))
	defer cancel()
	up, err := s.Client.PutObject(uctx, s.Bucket, key, io.NewSectionReader(f, 0, size), size,
		minio.PutObjectOptions{ContentType: "application/x-tar", PartSize: 16 << 20})
	if err != nil {
		return Info{}, fmt.Errorf("backup: upload %s: %w", key, err)
	}
	s.Log.Info("backup shipped", "object", key, "bytes", up.Size)
	if err := s.prune(ctx); err != nil {
		s.Log.Warn("backup: pruning old backups failed", "err", err)
	}
	return Info{Name: strings.TrimPrefix(key, s.dir()), Size: up.Size, At: at}, nil
}

func (s *Shipper) prune(ctx context.Context) error {
	if s.Keep <= 0 {
		return nil
	}
	mine, err := List(ctx, s.Client, s.Bucket, s.KeyPrefix)
	if err != nil {
		return err
	}
	var own []Info
	for _, b := range mine {
		if strings.HasPrefix(b.Name, "fieldcheck-"+s.Node+"-") {
			own = append(own, b)
		}
	}
	for i := 0; i+s.Keep < len(own); i++ { // oldest first
		if err := s.Client.RemoveObject(ctx, s.Bucket, s.dir()+own[i].Name, minio.RemoveObjectOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// List answers the backups in the bucket, oldest first (every node's).
func List(ctx context.Context, c *minio.Client, bucket, keyPrefix string) ([]Info, error) {
	var out []Info
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: keyPrefix + Prefix}) {
		if o.Err != nil {
			return nil, o.Err
		}
		name := strings.TrimPrefix(o.Key, keyPrefix+Prefix)
		if !strings.HasSuffix(name, ".tar") || strings.Contains(name, "/") {
			continue
		}
		out = append(out, Info{Name: name, Size: o.Size, At: o.LastModified})
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := stamp(out[i].Name), stamp(out[j].Name)
		if ti != tj {
			return ti < tj
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// stamp is the time part of a backup's name (they sort by it across nodes).
func stamp(name string) string {
	name = strings.TrimSuffix(name, ".tar")
	if i := strings.LastIndex(name, "-"); i >= 0 {
		return name[i+1:]
	}
	return name
}

// ErrNoBackup: the bucket holds no backup of that name (or none at all).
var ErrNoBackup = errors.New("backups: no such backup in the bucket")

// Open opens a backup by name, or the newest for "latest".
func Open(ctx context.Context, c *minio.Client, bucket, keyPrefix, name string) (io.ReadCloser, Info, error) {
	all, err := List(ctx, c, bucket, keyPrefix)
	if err != nil {
		return nil, Info{}, err
	}
	var pick *Info
	for i := range all {
		if name == "latest" || all[i].Name == name {
			pick = &all[i]
		}
	}
	if pick == nil {
		return nil, Info{}, fmt.Errorf("%w: %q (have %d)", ErrNoBackup, name, len(all))
	}
	obj, err := c.GetObject(ctx, bucket, keyPrefix+Prefix+pick.Name, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, err
	}
	return obj, *pick, nil
}
