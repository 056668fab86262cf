package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestSpeedtestPing(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "GET", "/api/v1/speedtest/ping", env.token(t, "tech1"), nil)
	if res.Status != 204 || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("ping: %d %v", res.Status, res.Header)
	}
	if res := env.call(t, "GET", "/api/v1/speedtest/ping", env.token(t, "insp1"), nil); res.Status != 403 {
		t.Fatalf("inspector: %d", res.Status)
	}
}

func TestSpeedtestDownloadIsIncompressibleAndUncached(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "GET", "/api/v1/speedtest/download?mb=3", env.token(t, "tech1"), nil, "Accept-Encoding", "gzip, br")
	if res.Status != 200 || len(res.Body) != 3<<20 {
		t.Fatalf("download: %d, %d bytes", res.Status, len(res.Body))
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Content-Encoding") != "" || res.Header.Get("Content-Length") != fmt.Sprint(3<<20) {
		t.Fatalf("headers %v", res.Header)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(res.Body)
	w.Close()
	if gz.Len() < len(res.Body)*99/100 {
		t.Fatalf("gzip shrank %d bytes to %d", len(res.Body), gz.Len())
	}
	for _, mb := range []string{"0", "101", "abc", "-1"} {
		res := env.call(t, "GET", "/api/v1/speedtest/download?mb="+mb, env.token(t, "tech1"), nil)
		if res.Status != 400 {
			t.Errorf("mb=%s: %d %s", mb, res.Status, res.Body)
		}
	}
}

// upload streams n bytes chunked (no Content-Length), as a browser's
// streaming upload may, to a real listening server: app.Test cannot send a
// chunked body.
func upload(t *testing.T, env *testEnv, token string, n int64) *testResp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go env.srv.App.Listener(ln)
	defer ln.Close()
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/speedtest/upload", io.LimitReader(zeros{}, n))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &testResp{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestSpeedtestUploadCountsAStreamedBody(t *testing.T) {
	env := newTestEnv(t)
	tok := env.token(t, "tech1")
	res := upload(t, env, tok, 5<<20)
	if res.Status != 200 || res.JSON()["bytes"] != float64(5<<20) || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", "/api/v1/speedtest/upload", tok, []byte("small"))
	if res.Status != 200 || res.JSON()["bytes"] != float64(5) {
		t.Fatalf("small upload: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", "/api/v1/speedtest/upload", tok, make([]byte, 8<<20))
	if res.Status != 200 || res.JSON()["bytes"] != float64(8<<20) {
		t.Fatalf("8 MiB with Content-Length: %d %s", res.Status, res.Body)
	}
	if res := upload(t, env, tok, speedMaxUpload+1); res.Status != 413 {
		t.Fatalf("over 100 MiB: %d %s", res.Status, res.Body)
	}
}

func TestSpeedtestIsRateLimitedPerTechnician(t *testing.T) {
	env := newTestEnv(t)
	tech1, tech2 := env.token(t, "tech1"), env.token(t, "tech2")
	for i := 0; i < speedPerMinute; i++ {
		if res := env.call(t, "GET", "/api/v1/speedtest/download?mb=1", tech1, nil); res.Status != 200 {
			t.Fatalf("download %d: %d", i+1, res.Status)
		}
	}
	res := env.call(t, "GET", "/api/v1/speedtest/download?mb=1", tech1, nil)
	if res.Status != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("download %d: %d %v", speedPerMinute+1, res.Status, res.Header)
	}
	// Another technician, and uploads, have their own allowance.
	if res := env.call(t, "GET", "/api/v1/speedtest/download?mb=1", tech2, nil); res.Status != 200 {
		t.Fatalf("tech2: %d", res.Status)
	}
	if res := env.call(t, "POST", "/api/v1/speedtest/upload", tech1, []byte("x")); res.Status != 200 {
		t.Fatalf("upload: %d", res.Status)
	}
	env.clock.Advance(61 * time.Second)
	if res := env.call(t, "GET", "/api/v1/speedtest/download?mb=1", tech1, nil); res.Status != 200 {
		t.Fatalf("a minute later: %d", res.Status)
	}
}
