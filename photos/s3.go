package photos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Objects keeps originals and renditions in an S3-compatible bucket
// (Ceph RGW, MinIO, SeaweedFS, Aliyun OSS, Tencent COS, versitygw), through
// minio-go: a small client that speaks only S3, signs v4, does multipart by
// itself and works path-style or virtual-hosted — what an operator's own
// storage needs, without the whole AWS SDK.
//
// In the bucket, under the URL's optional prefix:
//
//	photos/ab/cd/<sha>                          originals
//	photo-renditions/ab/cd/<sha>.<size>.jpg     renditions
//	staging/<node>/<sha>-<random>               uploads on their way in
//	backups/                                    shipped store snapshots (never swept)
//
// An upload goes to staging first, is copied (server-side) to its final
// name, recorded, and only then is the staged copy removed: a crash
// anywhere leaves at most a staged object, which this node's sweep removes
// once it is older than StagingMaxAge, and never a record without bytes.
// Final names are content addresses shared by every server on the bucket:
// the sweep never touches them.
type S3Objects struct {
	client        *minio.Client
	bucket        string
	prefix        string
	node          string
	endpoint      string
	timeout       time.Duration
	localDir      string
	StagingMaxAge time.Duration

	healthy atomic.Bool
	why     atomic.Value // string: why the last check failed
	once    sync.Once
}

// S3Config configures S3Objects.
type S3Config struct {
	// URL is http(s)://host:port/bucket[/prefix] (FIELDCHECK_S3_URL).
	URL string
	// VirtualHost addresses the bucket as bucket.host (Aliyun OSS needs
	// it); the default is path-style, host/bucket.
	VirtualHost bool
	// AccessKey, SecretKey and Region are AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY and AWS_REGION.
	AccessKey, SecretKey, Region string
	// Node names this server's staging area (several servers may share
	// the bucket; each sweeps only its own).
	Node string
	// Timeout bounds each call to the bucket (default 15 s): a store that
	// is down or too slow answers 503 within it.
	Timeout time.Duration
	// LocalDir is the data dir: originals not yet moved by `fieldcheck
	// photos migrate` are still read from it.
	LocalDir string
	// StagingMaxAge is how old a staged upload must be before the sweep
	// removes it (default 1 h; FIELDCHECK_S3_STAGING_MAX_AGE).
	StagingMaxAge time.Duration
	// Transport is for tests; nil is a pooled default.
	Transport http.RoundTripper
}

// ParseS3URL splits FIELDCHECK_S3_URL into endpoint, TLS, bucket, prefix.
func ParseS3URL(raw string) (endpoint string, secure bool, bucket, prefix string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false, "", "", fmt.Errorf("FIELDCHECK_S3_URL must look like https://host:port/bucket, got %q", raw)
	}
	parts := strings.SplitN(strings.Trim(u.Path, "/"), "/", 2)
	if parts[0] == "" {
		return "", false, "", "", fmt.Errorf("FIELDCHECK_S3_URL names no bucket: %q (https://host:port/bucket)", raw)
	}
	if len(parts) == 2 && parts[1] != "" {
		prefix = strings.Trim(parts[1], "/") + "/"
	}
	return u.Host, u.Scheme == "https", parts[0], prefix, nil
}

// NewS3 connects lazily: a bucket that is down at start makes /readyz say
// so, and the server serves everything else meanwhile.
func NewS3(cfg S3Config) (*S3Objects, error) {
	endpoint, secure, bucket, prefix, err := ParseS3URL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("FIELDCHECK_S3_URL needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	lookup := minio.BucketLookupPath
	if cfg.VirtualHost {
		lookup = minio.BucketLookupDNS
	}
	tr := cfg.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: cfg.Timeout,
		}
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: secure,
		Region: region, BucketLookup: lookup, Transport: tr,
		// A down store must answer within Timeout, not after ten backoffs.
		MaxRetries: 2,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	node := cfg.Node
	if node == "" {
		node = "node"
	}
	if cfg.StagingMaxAge <= 0 {
		cfg.StagingMaxAge = time.Hour
	}
	o := &S3Objects{client: client, bucket: bucket, prefix: prefix, node: node, endpoint: endpoint,
		timeout: cfg.Timeout, localDir: cfg.LocalDir, StagingMaxAge: cfg.StagingMaxAge}
	o.healthy.Store(true)
	o.why.Store("")
	return o, nil
}

// Name implements Objects.
func (o *S3Objects) Name() string {
	return fmt.Sprintf("bucket %s at %s", o.bucket, o.endpoint)
}

// Bucket is the bucket's name.
func (o *S3Objects) Bucket() string { return o.bucket }

// Ready implements Objects: "" while the bucket answers, else why not.
func (o *S3Objects) Ready() string {
	if o.healthy.Load() {
		return ""
	}
	return o.why.Load().(string)
}

// Check asks the bucket once and records the answer.
func (o *S3Objects) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, min(o.timeout, 5*time.Second))
	defer cancel()
	ok, err := o.client.BucketExists(ctx, o.bucket)
	if err == nil && !ok {
		err = fmt.Errorf("no such bucket")
	}
	o.mark(err)
	return err
}

func (o *S3Objects) mark(err error) {
	if err == nil {
		o.healthy.Store(true)
		o.why.Store("")
		return
	}
	o.why.Store(fmt.Sprintf("%s: %v", o.Name(), err))
	o.healthy.Store(false)
}

// Run checks the bucket every 5 s (so service resumes within seconds of
// the store coming back) and sweeps this node's stale staged uploads every
// StagingMaxAge (at most hourly), until ctx ends.
func (o *S3Objects) Run(ctx context.Context) {
	check := time.NewTicker(5 * time.Second)
	// Sweep as often as staged uploads can come of age (hourly by default).
	sweep := time.NewTicker(min(max(o.StagingMaxAge, time.Second), time.Hour))
	defer check.Stop()
	defer sweep.Stop()
	o.Check(ctx)
	o.SweepStaging(ctx, time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case <-check.C:
			o.Check(ctx)
		case <-sweep.C:
			o.SweepStaging(ctx, time.Now())
		}
	}
}

func (o *S3Objects) key(rel string) string { return o.prefix + rel }

func originalKey(sha string) string {
	return OriginalsDir + "/" + sha[0:2] + "/" + sha[2:4] + "/" + sha
}

func renditionKey(sha, size string) string {
	return RenditionsDir + "/" + sha[0:2] + "/" + sha[2:4] + "/" + sha + "." + size + ".jpg"
}

func (o *S3Objects) stagingPrefix() string { return o.key("staging/" + o.node + "/") }

// fail turns a client error into what callers need: ErrNotFound for a
// missing key, ErrStoreUnavailable (503) for anything else — the store is
// down, slow or refusing us, which /readyz then names.
func (o *S3Objects) fail(err error) error {
	if err == nil {
		return nil
	}
	r := minio.ToErrorResponse(err)
	if r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound && r.Code != "NoSuchBucket" {
		return ErrNotFound
	}
	// The store itself is down, failing or refusing us: /readyz says so and
	// calls answer at once until the next check finds it back. One call's
	// own trouble (a 4xx about that request) marks nothing.
	if r.StatusCode == 0 || r.StatusCode >= 500 || r.StatusCode == http.StatusForbidden || r.Code == "NoSuchBucket" {
		o.mark(err)
	}
	return ErrStoreUnavailable
}

// op gives one call to the bucket its deadline; a bucket known to be down
// answers at once instead of making every request wait it out.
func (o *S3Objects) op(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc, error) {
	if !o.healthy.Load() {
		return nil, nil, ErrStoreUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, nil
}

// partSize: bodies above it go up in parts (multipart upload).
const partSize = 8 << 20

// KeepOriginal implements Objects: staged upload, server-side copy to the
// content address, the staged copy removed once recorded.
func (o *S3Objects) KeepOriginal(ctx context.Context, sha, contentType string, f *os.File, size int64, _ bool) (func(bool), error) {
	// A down store answers within the timeout; a large body on a slow link
	// gets time for its bytes too (at 256 KB/s, 25 MB takes 100 s more).
	ctx, cancel, err := o.op(ctx, o.timeout+time.Duration(size/(256<<10))*time.Second)
	if err != nil {
		return nil, err
	}
	defer cancel()
	final := o.key(originalKey(sha))
	// Content-addressed: bytes another server already put there are ours.
	if st, err := o.client.StatObject(ctx, o.bucket, final, minio.StatObjectOptions{}); err == nil && st.Size == size {
		return func(bool) {}, nil
	} else if err != nil && !errors.Is(o.fail(err), ErrNotFound) {
		return nil, ErrStoreUnavailable
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	stage := o.stagingPrefix() + sha + "-" + hex.EncodeToString(rnd[:])
	if _, err := o.client.PutObject(ctx, o.bucket, stage, io.NewSectionReader(f, 0, size), size,
		minio.PutObjectOptions{ContentType: contentType, PartSize: partSize}); err != nil {
		return nil, o.fail(err)
	}
	if _, err := o.client.CopyObject(ctx, minio.CopyDestOptions{Bucket: o.bucket, Object: final},
		minio.CopySrcOptions{Bucket: o.bucket, Object: stage}); err != nil {
		return nil, o.fail(err)
	}
	return func(bool) {
		// Recorded or not, the final object is a correct content address;
		// the staged copy goes now (or with the sweep, if this fails).
		ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
		defer cancel()
		o.client.RemoveObject(ctx, o.bucket, stage, minio.RemoveObjectOptions{})
	}, nil
}

// PutRendition implements Objects.
func (o *S3Objects) PutRendition(ctx context.Context, sha, size string, jpeg []byte) error {
	ctx, cancel, err := o.op(ctx, o.timeout)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = o.client.PutObject(ctx, o.bucket, o.key(renditionKey(sha, size)), strings.NewReader(string(jpeg)), int64(len(jpeg)),
		minio.PutObjectOptions{ContentType: "image/jpeg"})
	return o.fail(err)
}

// Open implements Objects. The first answer must come within the timeout;
// the body then streams for as long as the client reads.
func (o *S3Objects) Open(ctx context.Context, sha, size string) (Object, int64, error) {
	if !o.healthy.Load() {
		return nil, 0, ErrStoreUnavailable
	}
	key := o.key(originalKey(sha))
	if size != SizeFull {
		key = o.key(renditionKey(sha, size))
	}
	rctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(o.timeout, cancel)
	obj, err := o.client.GetObject(rctx, o.bucket, key, minio.GetObjectOptions{})
	var st minio.ObjectInfo
	if err == nil {
		st, err = obj.Stat()
	}
	if !timer.Stop() && err == nil {
		err = context.DeadlineExceeded
	}
	if err != nil {
		cancel()
		if obj != nil {
			obj.Close()
		}
		err = o.fail(err)
		if errors.Is(err, ErrNotFound) && size == SizeFull && o.localDir != "" {
			// Not moved yet (`fieldcheck photos migrate` is resumable).
			return (&LocalObjects{Dir: o.localDir}).Open(ctx, sha, SizeFull)
		}
		return nil, 0, err
	}
	return &s3Object{Object: obj, cancel: cancel}, st.Size, nil
}

type s3Object struct {
	*minio.Object
	cancel context.CancelFunc
}

func (s *s3Object) Close() error {
	err := s.Object.Close()
	s.cancel()
	return err
}

// SweepStaging removes this node's staged uploads older than StagingMaxAge:
// what a crash between the upload and its record left behind. Other
// nodes' staging areas, the photos themselves and backups/ are never
// touched. It answers how many it removed.
func (o *S3Objects) SweepStaging(ctx context.Context, now time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	n := 0
	for obj := range o.client.ListObjects(ctx, o.bucket, minio.ListObjectsOptions{Prefix: o.stagingPrefix(), Recursive: true}) {
		if obj.Err != nil {
			return n, o.fail(obj.Err)
		}
		if now.Sub(obj.LastModified) < o.StagingMaxAge {
			continue
		}
		if err := o.client.RemoveObject(ctx, o.bucket, obj.Key, minio.RemoveObjectOptions{}); err == nil {
			n++
		}
	}
	return n, nil
}

// Client is the underlying client, for the migration and backup shipping.
func (o *S3Objects) Client() *minio.Client { return o.client }

// Key is rel under the URL's prefix.
func (o *S3Objects) Key(rel string) string { return o.key(rel) }
