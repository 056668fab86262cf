package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTestEnvWith is newTestEnv with a server built from a changed Config
// (same store, users and signing key).
func newTestEnvWith(t *testing.T, tweak func(*Config)) *testEnv {
	t.Helper()
	env := newTestEnv(t)
	cfg := env.srv.Cfg
	tweak(&cfg)
	srv, err := New(env.db, cfg)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	env.srv = srv
	return env
}

// listen serves the env's app on a real socket on 127.0.0.1 and answers its
// address; the env's cleanup shuts it down.
func (e *testEnv) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go e.srv.App.Listener(ln)
	return ln.Addr().String()
}

// liveness bounds every wait in these tests: far above the short timeouts
// under test, so it only ends a test that would otherwise hang.
const liveness = 30 * time.Second

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetDeadline(time.Now().Add(liveness))
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one HTTP answer and its body from br.
func readResponse(t *testing.T, br *bufio.Reader) (*http.Response, []byte) {
	t.Helper()
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	return res, body
}

// expectClosed reads on until the server closes: the connection must end
// (EOF or reset) without a further answer.
func expectClosed(t *testing.T, br *bufio.Reader) {
	t.Helper()
	rest, err := io.ReadAll(br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open (read %d more bytes: %.120q)", len(rest), rest)
	}
	if bytes.Contains(rest, []byte("HTTP/1.1")) {
		t.Fatalf("the server answered again on the connection: %.300q", rest)
	}
}

// smuggledBody is n bytes: 8 KiB of filler (what fasthttp reads ahead before
// the handler) and then whole requests, so a server that took the unread
// rest of the body for the next request would answer them.
func smuggledBody(n int) []byte {
	var b bytes.Buffer
	b.Write(bytes.Repeat([]byte("x"), 8<<10))
	for b.Len() < n {
		b.WriteString("GET /healthz HTTP/1.1\r\nHost: smuggled\r\n\r\n")
	}
	return b.Bytes()[:n]
}

// A request the server answers without reading its streamed body — the
// guard refuses it, or the handler ignores the body — closes the connection,
// so the unread body is never parsed as the next request. A small body,
// which fasthttp read whole before the handler, keeps the connection.
func TestRefusedRequestWithUnreadBodyClosesTheConnection(t *testing.T) {
	env := newTestEnvWith(t, func(c *Config) { c.PhotoMaxBytes = 64 << 10 })
	tech, agent := env.token(t, "tech1"), env.token(t, "agent1")
	addr := env.listen(t)
	sha := strings.Repeat("ab", 32)
	next := "GET /healthz HTTP/1.1\r\nHost: pipelined\r\n\r\n"
	big := 300 << 10 // over the 256 KiB fasthttp buffers before the handler
	cases := []struct {
		name, head string
		body       []byte
		status     int
		keepAlive  bool
	}{
		{"no token (401)", "PUT /api/v1/photos/" + sha + " HTTP/1.1\r\nHost: a\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
			smuggledBody(big), 401, false},
		{"wrong role (403)", "PUT /api/v1/photos/" + sha + " HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + agent + "\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
			smuggledBody(big), 403, false},
		{"over the photo limit (413)", "PUT /api/v1/photos/" + sha + " HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + tech + "\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
			smuggledBody(big), 413, false},
		{"handler ignores the body (204)", "POST /api/v1/callbacks/claim HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + agent + "\r\nContent-Length: %d\r\n\r\n",
			smuggledBody(big), 204, false},
		{"chunked body, no token (401)", "PUT /api/v1/photos/" + sha + " HTTP/1.1\r\nHost: a\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n",
			[]byte(fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", 8<<10, bytes.Repeat([]byte("y"), 8<<10))), 401, false},
		{"small buffered body, no token (401)", "PUT /api/v1/photos/" + sha + " HTTP/1.1\r\nHost: a\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
			bytes.Repeat([]byte("z"), 1024), 401, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := dial(t, addr)
			head := c.head
			if strings.Contains(head, "%d") {
				head = fmt.Sprintf(head, len(c.body))
			}
			// The rest is written while the answer is read: a server that
			// stops reading may make this write block or fail, which is fine.
			go func() {
				conn.Write([]byte(head))
				conn.Write(c.body)
				conn.Write([]byte(next))
			}()
			br := bufio.NewReader(conn)
			res, body := readResponse(t, br)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body)
			}
			if c.keepAlive {
				if res.Close {
					t.Fatalf("a fully buffered body closed the connection")
				}
				res2, body2 := readResponse(t, br)
				if res2.StatusCode != 200 || !strings.Contains(string(body2), "ok") {
					t.Fatalf("pipelined request: %d %s", res2.StatusCode, body2)
				}
				return
			}
			if !res.Close { // net/http parses Connection: close into Close
				t.Fatalf("answer without Connection: close (headers %v)", res.Header)
			}
			expectClosed(t, br)
		})
	}
}

// With short timeouts, a client that trickles its request or never reads
// the answer is cut off, and other clients are served meanwhile.
func TestSlowClientsAreCutOffWhileOthersAreServed(t *testing.T) {
	const short = 300 * time.Millisecond
	env := newTestEnvWith(t, func(c *Config) {
		c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = short, short, short
	})
	tech := env.token(t, "tech1")
	addr := env.listen(t)
	sha := strings.Repeat("cd", 32)

	served := func(t *testing.T) {
		t.Helper()
		client := &http.Client{Timeout: liveness, Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("another client was not served: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("another client: %d", res.StatusCode)
		}
	}

	trickle := []struct{ name, head string }{
		{"headers trickled", "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: " + strings.Repeat("s", 2000)},
		{"buffered body trickled", "POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{"},
		{"streamed body trickled", "PUT /api/v1/photos/" + sha + " HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + tech +
			"\r\nContent-Type: image/jpeg\r\nContent-Length: 1000000\r\n\r\n\xff\xd8\xff"},
	}
	for _, c := range trickle {
		t.Run(c.name, func(t *testing.T) {
			conn := dial(t, addr)
			if _, err := conn.Write([]byte(c.head)); err != nil {
				t.Fatalf("write: %v", err)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // one byte every 20 ms, at most 2000: 40 s, far past the timeout
				defer wg.Done()
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for i := 0; i < 2000; i++ {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			}()
			served(t)
			served(t)
			// The server ends the connection (after an error answer, or at once).
			data, err := io.ReadAll(conn)
			close(stop)
			wg.Wait()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the trickling client was never cut off (read %q)", data)
			}
			if len(data) > 0 && !bytes.HasPrefix(data, []byte("HTTP/1.1 4")) {
				t.Fatalf("cut off with an unexpected answer: %.200q", data)
			}
			served(t)
		})
	}

	t.Run("answer never read", func(t *testing.T) {
		conn := dial(t, addr)
		if _, err := fmt.Fprintf(conn, "GET /api/v1/speedtest/download?mb=100 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer %s\r\n\r\n", tech); err != nil {
			t.Fatalf("write: %v", err)
		}
		served(t)
		// The server gives up writing and drops the connection: wait (bounded)
		// until it holds no connection at all, then read what reached us.
		deadline := time.Now().Add(liveness)
		for env.srv.App.Server().GetOpenConnectionsCount() > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the server still holds %d connections", env.srv.App.Server().GetOpenConnectionsCount())
			}
			time.Sleep(20 * time.Millisecond)
		}
		served(t)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("read head: %v", err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		if res.StatusCode != 200 || n >= res.ContentLength || err == nil {
			t.Fatalf("want a cut-off 200: status %d, %d of %d bytes, err %v", res.StatusCode, n, res.ContentLength, err)
		}
	})
}
