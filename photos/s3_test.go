package photos

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldcheck/internal/s3test"
	"fieldcheck/photos/internal/synth"

	"github.com/minio/minio-go/v7"
)

func newS3Service(t *testing.T, srv *s3test.Server, node string) (*Service, *S3Objects) {
	t.Helper()
	var obj *S3Objects
	s, _ := newService(t, func(c *Config) {
		var err error
		obj, err = NewS3(S3Config{URL: srv.URL(), AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey,
			Node: node, Timeout: 3 * time.Second, LocalDir: c.DataDir})
		if err != nil {
			t.Fatal(err)
		}
		c.Objects = obj
	})
	return s, obj
}

// TestPhotosLiveInTheBucket: with a bucket configured, the original and
// both renditions are objects, the data dir holds no photo, reads stream
// from the bucket, and nothing is left in staging.
func TestPhotosLiveInTheBucket(t *testing.T) {
	srv := s3test.Start(t)
	s, obj := newS3Service(t, srv, "n1")
	body := synth.JPEG(synth.Photo(1600, 1200, 7), 90, nil)
	m, created, err := put(t, s, body)
	if err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	sha := m.SHA256
	want := []string{"photo-renditions/" + sha[:2] + "/" + sha[2:4] + "/" + sha + ".medium.jpg",
		"photo-renditions/" + sha[:2] + "/" + sha[2:4] + "/" + sha + ".thumb.jpg",
		"photos/" + sha[:2] + "/" + sha[2:4] + "/" + sha}
	got := srv.Files("")
	for _, w := range want {
		if !contains(got, w) {
			t.Fatalf("bucket holds %v, missing %s", got, w)
		}
	}
	if st := srv.Files("staging"); len(st) != 0 {
		t.Fatalf("staging not cleaned: %v", st)
	}
	// The data dir holds no photo.
	filepath.Walk(filepath.Join(s.cfg.DataDir, OriginalsDir), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			t.Errorf("a photo file in the data dir: %s", p)
		}
		return nil
	})
	o, n, ct, err := s.Open(context.Background(), sha, SizeFull)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := io.ReadAll(o)
	o.Close()
	if !bytes.Equal(full, body) || n != int64(len(body)) || ct != "image/jpeg" {
		t.Fatalf("full: %d bytes (%d), %s", len(full), n, ct)
	}
	// A rendition lost from the bucket is made again from the original.
	obj.Client().RemoveObject(context.Background(), obj.bucket, obj.Key(renditionKey(sha, SizeThumb)), minio.RemoveObjectOptions{})
	img := openImage(t, s, sha, SizeThumb)
	if b := img.Bounds(); max(b.Dx(), b.Dy()) != ThumbEdge {
		t.Fatalf("thumb %v", b)
	}
	// The same bytes again: no second object, 200 (already held).
	if _, created, err := put(t, s, body); err != nil || created {
		t.Fatalf("second put: %v %v", created, err)
	}
	// A large body goes up in parts.
	big := synth.JPEG(synth.Photo(4000, 3000, 9), 100, nil)
	if len(big) <= partSize {
		big = append(big, bytes.Repeat([]byte{0}, partSize+1-len(big))...) // trailing bytes after EOI decode fine
	}
	if _, _, err := put(t, s, big); err != nil {
		t.Fatalf("multipart put of %d bytes: %v", len(big), err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestTheSweepRemovesOnlyThisNodesOldStagedUploads: what a crash left in
// staging goes once old; another node's staging, photos and backups/ stay.
func TestTheSweepRemovesOnlyThisNodesOldStagedUploads(t *testing.T) {
	srv := s3test.Start(t)
	_, obj := newS3Service(t, srv, "n1")
	ctx := context.Background()
	putObj := func(key string) {
		if _, err := obj.Client().PutObject(ctx, obj.bucket, key, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	putObj("staging/n1/aaaa-1")
	putObj("staging/n2/bbbb-1")
	putObj("backups/fieldcheck-1.tar")
	putObj("photos/aa/bb/aabb")
	if n, err := obj.SweepStaging(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("fresh staged objects swept: %d %v", n, err)
	}
	n, err := obj.SweepStaging(ctx, time.Now().Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	left := srv.Files("")
	for _, k := range []string{"staging/n2/bbbb-1", "backups/fieldcheck-1.tar", "photos/aa/bb/aabb"} {
		if !contains(left, k) {
			t.Fatalf("the sweep removed %s: %v", k, left)
		}
	}
	if contains(left, "staging/n1/aaaa-1") {
		t.Fatal("this node's stale staged upload is still there")
	}
}

// TestABucketThatIsDownAnswers503QuicklyAndServiceResumes: uploads and
// reads fail with ErrStoreUnavailable within the timeout, Ready names the
// bucket, and once it is back a check restores service.
func TestABucketThatIsDownAnswers503QuicklyAndServiceResumes(t *testing.T) {
	srv := s3test.Start(t)
	s, obj := newS3Service(t, srv, "n1")
	held := mustPut(t, s, synth.JPEG(synth.Photo(800, 600, 1), 90, nil))
	srv.Stop()
	body := synth.JPEG(synth.Photo(800, 600, 2), 90, nil)
	start := time.Now()
	_, _, err := put(t, s, body)
	if !errors.Is(err, ErrStoreUnavailable) || time.Since(start) > 15*time.Second {
		t.Fatalf("put with the bucket down: %v after %v", err, time.Since(start))
	}
	if why := obj.Ready(); !strings.Contains(why, "bucket fieldcheck") {
		t.Fatalf("Ready = %q", why)
	}
	start = time.Now()
	if _, _, _, err := s.Open(context.Background(), held.SHA256, SizeThumb); !errors.Is(err, ErrStoreUnavailable) || time.Since(start) > 15*time.Second {
		t.Fatalf("read with the bucket down: %v after %v", err, time.Since(start))
	}
	// Nothing was recorded for the refused upload.
	if s.Has(shaOf(body)) {
		t.Fatal("a record without bytes")
	}
	srv.Restart()
	if err := obj.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if obj.Ready() != "" {
		t.Fatalf("still not ready: %s", obj.Ready())
	}
	if _, _, err := put(t, s, body); err != nil {
		t.Fatalf("after the bucket came back: %v", err)
	}
}
