package server

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Error answers once echoed an oversized id whole — 10 KB of a path came
// back in a not-found message, a megabyte of an import row's id in its
// result. They now repeat its first 64 bytes and an ellipsis, as the push
// answer does for a rejected submission id.
func TestErrorAnswersCutOversizedIDs(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	for _, size := range []int{10 << 10, 14 << 10} {
		id := strings.Repeat("x", size)
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/workorders/" + id},
			{"PATCH", "/api/v1/workorders/" + id},
			{"GET", "/api/v1/templates/" + id},
			{"PATCH", "/api/v1/users/" + id},
			{"GET", "/api/v1/callbacks/" + id},
			{"POST", "/api/v1/callbacks/" + id + "/release"},
			{"POST", "/api/v1/rectifications/" + id + "/resolve"},
			{"GET", "/api/v1/submissions/" + id},
		} {
			res := env.call(t, c.method, c.path, admin, map[string]any{"note": "x", "name": "y"})
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s %d-byte id: %d", c.method, size, res.Status)
			}
			checkEcho(t, fmt.Sprintf("%s %s… (%d bytes)", c.method, c.path[:30], size), res.Body, id)
		}
	}

	// A megabyte: in an import row (answered 200 with the row rejected) and
	// in a URL (refused before any handler).
	huge := strings.Repeat("W", 1<<20)
	res := env.call(t, "POST", "/api/v1/workorders/import", admin, map[string]any{"workorders": []any{
		map[string]any{"id": huge, "type": "install", "technician": "tech1"}}})
	if res.Status != 200 || !strings.Contains(string(res.Body), `"rejected":1`) {
		t.Fatalf("import of a 1 MB id: %d %.300s", res.Status, res.Body)
	}
	checkEcho(t, "import row", res.Body, huge)
	// (app.Test refuses a URL past the read buffer itself: a real socket.
	// The server may answer and close before the client has written it all;
	// a reset connection is a refusal too, and echoes nothing.)
	conn := dial(t, env.listen(t))
	go conn.Write([]byte("GET /api/v1/workorders/" + huge + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin + "\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Logf("a 1 MB URL: the connection ended without an answer (%.100v)", err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("a 1 MB URL: %d", resp.StatusCode)
	}
	checkEcho(t, "1 MB URL", body, huge)
}

// checkEcho: body repeats no more than 64 bytes of id (and, when it names it
// at all, marks the cut with an ellipsis), and stays small.
func checkEcho(t *testing.T, what string, body []byte, id string) {
	t.Helper()
	if len(body) > 2048 {
		t.Errorf("%s: a %d-byte answer: %.200s", what, len(body), body)
	}
	if strings.Contains(string(body), id[:65]) {
		t.Errorf("%s: the answer repeats more than 64 bytes of the id: %.200s", what, body)
	}
	if strings.Contains(string(body), id[:64]) && !strings.Contains(string(body), id[:64]+"…") {
		t.Errorf("%s: cut without an ellipsis: %.200s", what, body)
	}
}
