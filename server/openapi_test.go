package server

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"fieldcheck/store"
)

// answered records every (method, route, status) any test in this package
// saw the server answer; TestMain checks them against the document.
var answered = struct {
	sync.Mutex
	seen map[string]map[int]int
}{seen: map[string]map[int]int{}}

func recordAnswer(method, route string, status int) {
	answered.Lock()
	defer answered.Unlock()
	k := method + " " + route
	if answered.seen[k] == nil {
		answered.seen[k] = map[int]int{}
	}
	answered.seen[k][status]++
}

// TestMain runs the package's tests, then fails the run if any route answered
// a status its OpenAPI entry does not document: the document and the
// handlers cannot drift apart unseen.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if drift := undocumentedAnswers(); len(drift) > 0 {
			fmt.Fprintf(os.Stderr, "openapi drift: statuses answered by the handlers but not documented in server/openapi.go:\n  %s\n", strings.Join(drift, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

func undocumentedAnswers() []string {
	// The route table of a real server on a scratch data dir.
	dir, _ := os.MkdirTemp("", "openapi")
	defer os.RemoveAll(dir)
	db, err := store.Open(dir)
	if err != nil {
		return []string{"open a scratch store: " + err.Error()}
	}
	defer db.Close()
	srv, err := New(db, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return []string{"build a server: " + err.Error()}
	}
	defer srv.Shutdown(time.Second)
	routes := map[string]RouteInfo{}
	for _, r := range srv.Routes() {
		routes[r.Method+" "+r.Path] = r
	}
	answered.Lock()
	defer answered.Unlock()
	var out []string
	for k, statuses := range answered.seen {
		r, ok := routes[k]
		if !ok {
			continue // the /api/* catch-all, the PWA's static files
		}
		doc := documentedStatuses(r)
		for st, n := range statuses {
			if !doc[st] {
				out = append(out, fmt.Sprintf("%s answered %d (%d times)", k, st, n))
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIDocumentsEveryRouteAndNothingElse(t *testing.T) {
	env := newTestEnv(t)
	routes := map[string]bool{}
	for _, r := range env.srv.Routes() {
		k := r.Method + " " + r.Path
		routes[k] = true
		d, ok := apiDocs[k]
		if !ok {
			t.Errorf("route %s has no entry in apiDocs (server/openapi.go)", k)
			continue
		}
		if d.Summary == "" || !regexp.MustCompile(`\p{Han}`).MatchString(d.Summary) {
			t.Errorf("%s: the summary must say it in Chinese first: %q", k, d.Summary)
		}
	}
	for k := range apiDocs {
		if !routes[k] {
			t.Errorf("apiDocs documents %s, which is no route", k)
		}
	}
}

func TestOpenAPIJSONIsPublicAndDescribesEveryRouteWithItsRoles(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "GET", "/api/v1/openapi.json", "", nil)
	if res.Status != 200 {
		t.Fatalf("openapi.json: %d %s", res.Status, res.Body)
	}
	doc := res.JSON()
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, r := range env.srv.Routes() {
		p := paramRE.ReplaceAllString(r.Path, "{$1}")
		ops, ok := paths[p].(map[string]any)
		if !ok {
			t.Fatalf("path %s missing", p)
		}
		op, ok := ops[strings.ToLower(r.Method)].(map[string]any)
		if !ok {
			t.Fatalf("%s %s missing", r.Method, p)
		}
		var roles []string
		for _, x := range op["x-roles"].([]any) {
			roles = append(roles, x.(string))
		}
		if want := rolesOf(r.Access); strings.Join(roles, ",") != strings.Join(want, ",") {
			t.Errorf("%s %s: x-roles %v, route table %v", r.Method, p, roles, want)
		}
		resp := op["responses"].(map[string]any)
		for st := range documentedStatuses(r) {
			if _, ok := resp[fmt.Sprint(st)]; !ok {
				t.Errorf("%s %s: status %d documented but not in the JSON", r.Method, p, st)
			}
		}
	}
	// Schemas it points at exist.
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, ref := range regexp.MustCompile(`#/components/schemas/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(string(res.Body), -1) {
		if _, ok := schemas[ref[1]]; !ok {
			t.Errorf("dangling $ref %s", ref[0])
		}
	}
	if _, ok := schemas["WorkOrder"]; !ok {
		t.Error("WorkOrder schema missing")
	}
}
