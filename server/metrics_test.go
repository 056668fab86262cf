package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Ordinary mixed-method traffic on kept-alive connections, through a real
// listening server (app.Test gives every request a fresh buffer, which hides
// this), must leave /metrics answering 200 with labels that name real
// methods and routes. A method label that was a view of fasthttp's reused
// request buffer once turned "GET" into "PUT" after the fact: two series
// with the same labels, and /metrics answered 500 until restart.
func TestMetricsStayScrapableAfterMixedMethodTraffic(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	tech := env.token(t, "tech1")
	base := "http://" + env.listen(t)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 2, MaxIdleConnsPerHost: 2}, Timeout: liveness}
	send := func(method, path, token, body string) int {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	sha := strings.Repeat("ab", 32)
	for round := 0; round < 20; round++ {
		id := strings.Repeat("x", round+1)
		send("GET", "/healthz", "", "")
		send("PUT", "/api/v1/templates/tpl-"+id, tech, `{"name":"x"}`)
		send("POST", "/api/v1/sync/push", tech, `{"device_id":"d-`+id+`","submissions":[]}`)
		send("HEAD", "/api/v1/photos/"+sha, tech, "")
		send("DELETE", "/api/v1/workorders/WO-"+id, admin, "")
		send("OPTIONS", "/api/v1/workorders", "", "")
		send("GET", "/api/v1/workorders/WO-"+id, admin, "")
		send("PATCH", "/api/v1/users/nobody-"+id, admin, `{"name":"y"}`)
		send("GET", "/api/v1/callbacks/task-"+id, admin, "")
		send("GET", "/api/v1/no-such-route/"+id, admin, "")
		send("GET", "/"+id+".html", "", "")
	}

	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics after mixed traffic: %d %s", res.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	fam := families["fieldcheck_http_requests_total"]
	if fam == nil {
		t.Fatalf("no request counter in /metrics")
	}
	routes := map[string]bool{routeUnmatched: true}
	for _, r := range env.srv.Routes() {
		routes[r.Path] = true
	}
	for _, r := range env.srv.App.GetRoutes(true) {
		routes[r.Path] = true
	}
	methods := map[string]bool{}
	for _, m := range fam.Metric {
		for _, l := range m.Label {
			switch l.GetName() {
			case "method":
				methods[l.GetValue()] = true
				if methodLabel(l.GetValue()) != l.GetValue() {
					t.Errorf("method label %q", l.GetValue())
				}
			case "route":
				if !routes[l.GetValue()] {
					t.Errorf("route label %q is no route of ours", l.GetValue())
				}
			}
		}
	}
	for _, m := range []string{"GET", "PUT", "POST", "HEAD", "DELETE", "OPTIONS", "PATCH"} {
		if !methods[m] {
			t.Errorf("no series for %s; methods seen: %v", m, methods)
		}
	}
}

// The store's write work is on /metrics: a write moves the pages written
// and the time spent writing, and the file's size is there.
func TestMetricsCountTheStoresWrites(t *testing.T) {
	env := newTestEnv(t)
	admin := env.token(t, "admin")
	scrape := func() map[string]float64 {
		t.Helper()
		res := env.call(t, "GET", "/metrics", admin, nil)
		if res.Status != 200 {
			t.Fatalf("/metrics: %d", res.Status)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		families, err := p.TextToMetricFamilies(strings.NewReader(string(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for name, f := range families {
			if strings.HasPrefix(name, "fieldcheck_store_") && len(f.Metric) == 1 {
				m := f.Metric[0]
				if m.Counter != nil {
					out[name] = m.Counter.GetValue()
				} else if m.Gauge != nil {
					out[name] = m.Gauge.GetValue()
				}
			}
		}
		return out
	}
	before := scrape()
	if before["fieldcheck_store_file_bytes"] <= 0 {
		t.Fatalf("file size on /metrics: %v", before)
	}
	if res := env.call(t, "PATCH", "/api/v1/users/tech1", admin, map[string]any{"name": "改名的技术员"}); res.Status != 200 {
		t.Fatalf("rename: %d %s", res.Status, res.Body)
	}
	after := scrape()
	for _, name := range []string{"fieldcheck_store_pages_written_total", "fieldcheck_store_write_seconds_total"} {
		if !(after[name] > before[name]) {
			t.Errorf("%s: %v before a write, %v after", name, before[name], after[name])
		}
	}
}
