package submissions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/workorders"
)

// TestCrashMidPushLosesNothingAndDuplicatesNothing is the acceptance
// test: the real binary with its demo organisation, pushes streaming from
// several goroutines, SIGKILL in the middle, a restart, and then proof that
// every push answered 200 was durable, and that resending everything makes
// no second submission, version or callback.
func TestCrashMidPushLosesNothingAndDuplicatesNothing(t *testing.T) {
	pushThenStop(t, "SIGKILL", func(srv *server) { srv.kill(t) })
}

// TestSIGTERMMidPushFinishesAndKeepsEveryAcknowledgedWrite: a service
// manager's stop (SIGTERM) while phones push — the server stops accepting,
// finishes what is in flight, closes the store and exits 0 within its bound;
// after a restart every acknowledged version is there once.
func TestSIGTERMMidPushFinishesAndKeepsEveryAcknowledgedWrite(t *testing.T) {
	pushThenStop(t, "SIGTERM", func(srv *server) { srv.terminate(t) })
}

func pushThenStop(t *testing.T, how string, stop func(*server)) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	started := time.Now()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "fieldcheck")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(tmp, "data")

	srv := startServer(t, bin, data)
	techs, insp := srv.loginsOf("technician"), srv.loginsOf("inspector")
	if len(techs) == 0 || len(insp) == 0 {
		t.Fatalf("demo printed no technician or inspector logins: %v", srv.logins)
	}

	// Every technician's open orders become a chain: the acceptance, then
	// edits, each on the version before. Inspectors add walkthroughs, a new
	// sheet each time. Every push is remembered; those answered 200 are
	// "acknowledged".
	var chains []*chain
	for _, l := range append(techs, insp...) {
		tok := srv.login(t, l)
		pull := srv.pull(t, tok)
		for _, tpl := range pull.Templates {
			switch tpl.Kind {
			case checklists.KindAcceptance:
				for _, wo := range pull.WorkOrders {
					if wo.Status == "assigned" {
						chains = append(chains, &chain{user: l, tpl: tpl, subject: checklists.Subject{WorkOrderID: wo.ID},
							id: "crash-" + wo.ID, edits: true, woType: wo.Type})
					}
				}
			case checklists.KindWalkthrough:
				for _, st := range pull.Stores {
					chains = append(chains, &chain{user: l, tpl: tpl, subject: checklists.Subject{StoreID: st.ID},
						id: "crash-walk-" + tpl.ID + "-" + st.ID}) // a sheet per walkthrough template (mystery visits too)
				}
			}
		}
	}
	if len(chains) < 4 {
		t.Fatalf("only %d chains from the demo data", len(chains))
	}

	const killAfter = 60 // acknowledged pushes before the stop
	var acked atomic.Int64
	var wg gosync.WaitGroup
	for _, c := range chains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := srv.login(t, c.user)
			for step := 0; step < 200; step++ {
				sub := c.next(t)
				status, res, err := srv.push(tok, sub)
				c.sent = append(c.sent, sub)
				if err != nil || status != http.StatusOK {
					return // the server died under us: this push is unacknowledged
				}
				if res.Status != StatusAccepted {
					t.Errorf("%s step %d: %s v%d %+v", c.id, step, res.Status, res.Version, res.Error)
					return
				}
				c.acked = append(c.acked, ack{id: sub.ID, version: res.Version, marker: c.marker(sub)})
				acked.Add(1)
			}
		}()
	}
	for acked.Load() < killAfter {
		time.Sleep(5 * time.Millisecond)
	}
	stop(srv)
	wg.Wait()
	if t.Failed() {
		return
	}
	total, inFlight := 0, 0
	for _, c := range chains {
		total += len(c.acked)
		inFlight += len(c.sent) - len(c.acked)
	}
	t.Logf("%d chains, %d pushes acknowledged before %s, %d cut off by it", len(chains), total, how, inFlight)
	// The report rollups equal the records after the stop (written in the
	// pushes' own commits, so nothing half-counted survives a SIGKILL).
	verifyRollups(t, bin, data)

	srv = startServer(t, bin, data)
	defer verifyRollups(t, bin, data)
	defer srv.stop(t)
	admin := srv.login(t, srv.loginsOf("admin")[0])

	// 1. Every acknowledged version is there, with what was sent.
	for _, c := range chains {
		tok := srv.login(t, c.user)
		for _, a := range c.acked {
			var v View
			if status := srv.get(t, tok, fmt.Sprintf("/api/v1/submissions/%s?version=%d", a.id, a.version), &v); status != 200 {
				t.Fatalf("acknowledged %s v%d lost after the crash: %d", a.id, a.version, status)
			}
			if got := c.marker(&v.Submission); got != a.marker {
				t.Fatalf("%s v%d holds %q, was sent %q", a.id, a.version, got, a.marker)
			}
		}
	}

	// 2. Resend everything, twice. The first round may still accept the one
	// push per chain that was in flight at the kill; the second round is
	// nothing but duplicates.
	for round := 1; round <= 2; round++ {
		for _, c := range chains {
			tok := srv.login(t, c.user)
			for i, sub := range c.sent {
				status, res, err := srv.push(tok, sub)
				if err != nil || status != 200 {
					t.Fatalf("resend %s: %d %v", sub.ID, status, err)
				}
				want := sub.BaseVersion + 1
				inFlight := round == 1 && i >= len(c.acked)
				if res.Version != want || !(res.Status == StatusDuplicate || (inFlight && res.Status == StatusAccepted)) {
					t.Fatalf("round %d resend of %s (base %d): %s v%d %+v", round, sub.ID, sub.BaseVersion, res.Status, res.Version, res.Error)
				}
			}
		}
	}

	// 3. One submission per sheet id, as many versions as distinct contents
	// sent, and one callback per completed order.
	var list struct {
		Items []Summary `json:"items"`
	}
	srv.get(t, admin, "/api/v1/submissions?limit=5000", &list)
	byID := map[string]Summary{}
	perOrder := map[string]int{}
	for _, s := range list.Items {
		if _, dup := byID[s.ID]; dup {
			t.Fatalf("submission %s listed twice", s.ID)
		}
		byID[s.ID] = s
		if s.Kind == checklists.KindAcceptance {
			perOrder[s.Subject.WorkOrderID]++
		}
	}
	// The demo's own month of history is in the list too: count only this
	// test's sheets, and check nothing else landed on its orders and stores.
	sentIDs, subjects := map[string]bool{}, map[checklists.Subject]bool{}
	for _, c := range chains {
		subjects[c.subject] = true
		for _, sub := range c.sent {
			sentIDs[sub.ID] = true
		}
	}
	ours := 0
	for id, s := range byID {
		if sentIDs[id] {
			ours++
		} else if subjects[s.Subject] && s.FinishedAt.After(started) {
			t.Fatalf("submission %s on this test's %+v was never sent by it", id, s.Subject)
		}
	}
	wantSubs := 0
	for _, c := range chains {
		ids := map[string]int{}
		for _, sub := range c.sent {
			ids[sub.ID] = max(ids[sub.ID], sub.BaseVersion+1)
		}
		for id, versions := range ids {
			wantSubs++
			if s, ok := byID[id]; !ok || s.Version != versions {
				t.Fatalf("%s: stored %+v, want %d versions", id, s, versions)
			}
		}
	}
	if ours != wantSubs {
		t.Fatalf("%d of this test's submissions stored, want %d", ours, wantSubs)
	}
	for wo, n := range perOrder {
		if n != 1 {
			t.Fatalf("order %s has %d acceptance sheets", wo, n)
		}
	}
	var tasks struct {
		Items []struct {
			WorkOrderID string `json:"workorder_id"`
			OrderType   string `json:"order_type"`
		} `json:"items"`
	}
	srv.get(t, admin, "/api/v1/callbacks?limit=5000", &tasks)
	perOrderCB := map[string]int{}
	for _, task := range tasks.Items {
		perOrderCB[task.WorkOrderID]++
		if perOrderCB[task.WorkOrderID] > 1 {
			t.Fatalf("order %s has %d callbacks", task.WorkOrderID, perOrderCB[task.WorkOrderID])
		}
	}
	wantCB, gotCB := 0, 0
	for _, c := range chains {
		if c.subject.WorkOrderID == "" {
			continue
		}
		gotCB += perOrderCB[c.subject.WorkOrderID]
		if c.woType != workorders.TypeRemoval {
			wantCB++
			if perOrderCB[c.subject.WorkOrderID] != 1 {
				t.Fatalf("completed order %s has no callback", c.subject.WorkOrderID)
			}
		}
	}
	if gotCB != wantCB {
		t.Fatalf("%d callbacks on this test's orders, want %d", gotCB, wantCB)
	}
	t.Logf("after restart: %d submissions (%d this test's), %d callbacks (%d this test's), all acknowledged versions intact", len(byID), ours, len(tasks.Items), gotCB)
}

// verifyRollups runs `fieldcheck rollups verify` on the stopped server's
// data dir: it exits 0 only when every report read from the rollups equals
// the same report walked from the records.
func verifyRollups(t *testing.T, bin, data string) {
	t.Helper()
	out, err := exec.Command(bin, "rollups", "verify", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("rollups verify: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}

// chain is one goroutine's stream of pushes.
type chain struct {
	user    login
	tpl     *checklists.Template
	subject checklists.Subject
	id      string
	edits   bool // acceptance: edit the one sheet; walkthrough: a new sheet each push
	woType  string
	n       int
	sent    []*checklists.Submission
	acked   []ack
}

type ack struct {
	id      string
	version int
	marker  string
}

// next is the chain's next push: the sheet with a fresh marker in its first
// text answer, on the version acknowledged last.
func (c *chain) next(t *testing.T) *checklists.Submission {
	c.n++
	finished := time.Now().Add(-time.Minute).Truncate(time.Second)
	s := &checklists.Submission{ID: c.id, TemplateID: c.tpl.ID, TemplateVersion: c.tpl.Version, Subject: c.subject,
		FinishedAt: &finished, Answers: map[string]json.RawMessage{}, Photos: map[string][]string{}}
	fill(t, c.tpl, s)
	if c.edits {
		s.BaseVersion = c.n - 1
	} else {
		s.ID = fmt.Sprintf("%s-%03d", c.id, c.n)
	}
	if item := c.textItem(); item != "" {
		s.Answers[item] = raw(t, fmt.Sprintf("step %d", c.n))
	} else {
		s.Answers = withNote(t, c.tpl, s.Answers, c.n)
	}
	return s
}

func (c *chain) textItem() string {
	for _, sec := range c.tpl.Sections {
		for _, it := range sec.Items {
			if it.Type == checklists.TypeText {
				return it.ID
			}
		}
	}
	return ""
}

// withNote varies a walkthrough without text items through a count answer.
func withNote(t *testing.T, tpl *checklists.Template, answers map[string]json.RawMessage, n int) map[string]json.RawMessage {
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			if it.Type == checklists.TypeCount {
				answers[it.ID] = raw(t, n%3)
				return answers
			}
		}
	}
	return answers
}

// marker is what distinguishes the chain's pushes from each other.
func (c *chain) marker(s *checklists.Submission) string {
	if item := c.textItem(); item != "" {
		return string(s.Answers[item])
	}
	return s.ID
}

type login struct{ role, username, password string }

// server is a running fieldcheck serve process.
type server struct {
	cmd    *exec.Cmd
	base   string
	logins []login
	client *http.Client
	done   chan struct{}
	tokens gosync.Map
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startServer(t *testing.T, bin, data string) *server {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--demo")
	cmd.Stderr = io.Discard
	// An io.Pipe, not StdoutPipe: Wait then waits for the scanner below to
	// have read everything instead of closing the pipe under it.
	out, pw := io.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, client: &http.Client{Timeout: 20 * time.Second}, done: make(chan struct{})}
	ready := make(chan []login, 1)
	go func() {
		var logins []login
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if f := strings.Fields(line); len(f) == 5 && f[0] == "demo" && f[1] == "login:" {
				logins = append(logins, login{role: f[2], username: f[3], password: f[4]})
			}
			if strings.Contains(line, "listening on") {
				ready <- logins
			}
		}
	}()
	go func() { cmd.Wait(); pw.Close(); close(s.done) }()
	t.Cleanup(func() { s.kill(t) })
	select {
	case s.logins = <-ready:
	case <-s.done:
		t.Fatal("fieldcheck serve exited during start-up")
	case <-time.After(60 * time.Second):
		t.Fatal("fieldcheck serve did not start within a minute")
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := s.client.Get(s.base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("/healthz never answered 200")
		}
	}
}

func (s *server) loginsOf(role string) []login {
	var out []login
	for _, l := range s.logins {
		if l.role == role {
			out = append(out, l)
		}
	}
	return out
}

// kill is SIGKILL: no shutdown, no flush.
func (s *server) kill(t *testing.T) {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
	}
	<-s.done
}

// terminate is what a service manager does: SIGTERM, then the process must
// finish in-flight requests, close the store and exit 0 by itself.
func (s *server) terminate(t *testing.T) {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("exit code %d after SIGTERM", code)
		}
	case <-time.After(30 * time.Second):
		s.kill(t)
		t.Error("the server did not exit within 30 s of SIGTERM")
	}
}

func (s *server) stop(t *testing.T) {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill(t)
	}
}

func (s *server) do(method, path, token string, body, v any) (int, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if v != nil && res.StatusCode == 200 {
		if err := json.Unmarshal(data, v); err != nil {
			return 0, fmt.Errorf("decode %s: %w", data, err)
		}
	}
	return res.StatusCode, nil
}

// login returns an access token for l (one login per user per server).
func (s *server) login(t *testing.T, l login) string {
	if tok, ok := s.tokens.Load(l.username); ok {
		return tok.(string)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	status, err := s.do("POST", "/api/v1/auth/login", "", map[string]string{
		"username": l.username, "password": l.password, "device_id": "crash-test"}, &pair)
	if err != nil || status != 200 {
		t.Errorf("login %s: %d %v", l.username, status, err)
		return ""
	}
	s.tokens.Store(l.username, pair.AccessToken)
	return pair.AccessToken
}

// pullPage is what the crash test reads of GET /sync/pull (protocol.PullResponse).
type pullPage struct {
	Cursor     string                  `json:"cursor"`
	More       bool                    `json:"more"`
	WorkOrders []*workorders.WorkOrder `json:"workorders"`
	Templates  []*checklists.Template  `json:"templates"`
	Stores     []*workorders.Outlet    `json:"stores"`
}

func (s *server) pull(t *testing.T, tok string) *pullPage {
	var all pullPage
	cursor := ""
	for {
		var page pullPage
		if status, err := s.do("GET", "/api/v1/sync/pull?cursor="+cursor, tok, nil, &page); err != nil || status != 200 {
			t.Fatalf("pull: %d %v", status, err)
		}
		all.WorkOrders = append(all.WorkOrders, page.WorkOrders...)
		all.Templates = append(all.Templates, page.Templates...)
		all.Stores = append(all.Stores, page.Stores...)
		if cursor = page.Cursor; !page.More {
			return &all
		}
	}
}

func (s *server) push(tok string, sub *checklists.Submission) (int, *Result, error) {
	var res Merged // the wire form of protocol.PushResponse
	now := time.Now()
	status, err := s.do("POST", "/api/v1/sync/push", tok, map[string]any{
		"device_id": "crash-test", "device_time": now, "submissions": []any{sub}}, &res)
	if err != nil || status != 200 {
		return status, nil, err
	}
	if len(res.Results) != 1 {
		return status, nil, fmt.Errorf("%d results", len(res.Results))
	}
	return status, &res.Results[0], nil
}

func (s *server) get(t *testing.T, tok, path string, v any) int {
	status, err := s.do("GET", path, tok, nil, v)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return status
}
