// Package s3test runs a real S3 server for tests: versitygw (Apache-2.0)
// with its posix backend on a temp dir, on 127.0.0.1. No mock S3: the tests
// talk to a real S3 implementation over HTTP, and can stop and restart it.
//
// The binary is found on PATH, at $FIELDCHECK_VERSITYGW, or in
// $(go env GOPATH)/bin; `make test` installs it once (scripts/deps.sh:
// go install github.com/versity/versitygw/cmd/versitygw@Version). Without it
// a test is skipped, except under CI, where that is a failure.
package s3test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Version is the pinned versitygw release.
const Version = "v1.8.0"

// Credentials the test server accepts.
const (
	AccessKey = "fieldcheck-test"
	SecretKey = "fieldcheck-test-secret"
	Bucket    = "fieldcheck"
)

// Server is a running versitygw.
type Server struct {
	t    testing.TB
	bin  string
	Root string
	Addr string
	cmd  *exec.Cmd
	out  *bytes.Buffer
}

// Binary finds versitygw or skips (fails under CI).
func Binary(t testing.TB) string {
	t.Helper()
	cands := []string{os.Getenv("FIELDCHECK_VERSITYGW")}
	if p, err := exec.LookPath("versitygw"); err == nil {
		cands = append(cands, p)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			cands = append(cands, filepath.Join(dir, "bin", "versitygw"))
		}
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	msg := "versitygw not installed: make test installs it (go install github.com/versity/versitygw/cmd/versitygw@" + Version + ")"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start runs versitygw on a free loopback port with an empty bucket; it is
// stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), Root: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(s.Root, Bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	ln.Close()
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.t.Helper()
	s.out = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin, "-a", AccessKey, "-s", SecretKey, "--port", s.Addr, "posix", s.Root)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("versitygw did not start on %s:\n%s", s.Addr, s.out)
}

// Stop kills the server (as a crash would).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts it again on the same address and data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// URL is FIELDCHECK_S3_URL for the bucket.
func (s *Server) URL() string { return fmt.Sprintf("http://%s/%s", s.Addr, Bucket) }

// Env is the environment a fieldcheck process needs to use the bucket.
func (s *Server) Env() []string {
	return []string{"FIELDCHECK_S3_URL=" + s.URL(), "AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey, "AWS_REGION=us-east-1"}
}

// Files lists the object files under the bucket (relative, slash form).
func (s *Server) Files(prefix string) []string {
	var out []string
	root := filepath.Join(s.Root, Bucket)
	filepath.Walk(filepath.Join(root, prefix), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}
