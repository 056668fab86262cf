package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/errs"
	"fieldcheck/sync/protocol"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"
)

// Fuzz targets for the decoders of untrusted bodies, driven through the real
// Fiber app: whatever arrives, the answer is never a 5xx, and a 4xx is
// API.md's JSON error shape naming no Go type. Seeds live in
// testdata/fuzz/<Target>/ and run with plain `go test`.

// newFuzzEnv is a test env whose store skips fsync (also when the file
// grows) and does not wait to
// batch pushes: the commits are the same, only fast enough for a fuzzer to
// try thousands of bodies in seconds.
func newFuzzEnv(f *testing.F) *testEnv {
	env := newTestEnv(f)
	env.db.Bolt.NoSync = true
	env.db.Bolt.NoGrowSync = true
	env.db.Bolt.MaxBatchSize = 1
	return env
}

// checkAnswer fails on a 5xx, and on a 4xx that is not the JSON error shape
// or that names a Go type.
func checkAnswer(t *testing.T, what string, body []byte, res *testResp) {
	t.Helper()
	if res.Status >= 500 {
		t.Fatalf("%s: %d for %q: %s", what, res.Status, body, res.Body)
	}
	if res.Status < 400 {
		return
	}
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(res.Body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%s: %d without the error shape for %q: %s", what, res.Status, body, res.Body)
	}
	if goTypeName.MatchString(e.Error.Message) {
		t.Fatalf("%s: Go type in %q", what, e.Error.Message)
	}
	for k, m := range e.Error.Fields {
		if goTypeName.MatchString(m) {
			t.Fatalf("%s: Go type in fields[%q] = %q", what, k, m)
		}
	}
}

// FuzzSyncPush: POST /api/v1/sync/push — the PushRequest, each item's
// decoding and its validation against the template. A 200 answers one
// result per submission, in order, each with a known status.
func FuzzSyncPush(f *testing.F) {
	env := newFuzzEnv(f)
	if res := env.call(f, "POST", "/api/v1/workorders", env.token(f, "admin"), map[string]any{
		"id": "WO-FUZZ", "type": "install", "product": "broadband", "subscribed_mbps": 100, "technician": "tech1",
		"customer":    map[string]any{"name": "王女士", "phone": "13800000001", "address": "红星路 1 号", "tier": "standard"},
		"appointment": map[string]any{"from": testStart.Add(-2 * time.Hour), "to": testStart}}); res.Status != 201 {
		f.Fatalf("create order: %d %s", res.Status, res.Body)
	}
	tok := env.token(f, "tech1")
	f.Add([]byte(`{"device_id":"p","submissions":[{"id":"a","template_id":"install_acceptance","template_version":1,"subject":{"workorder_id":"WO-FUZZ"},"answers":{"shoe_covers":"yes"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		res := env.call(t, "POST", "/api/v1/sync/push", tok, body, "Content-Type", "application/json")
		checkAnswer(t, "push", body, res)
		if res.Status != 200 {
			return
		}
		var req protocol.PushRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("200 for a body that does not decode (%v): %q", err, body)
		}
		var out pushAnswer
		res.Decode(t, &out)
		if len(out.Results) != len(req.Submissions) {
			t.Fatalf("%d results for %d submissions", len(out.Results), len(req.Submissions))
		}
		for i, r := range out.Results {
			switch r.Status {
			case submissions.StatusAccepted, submissions.StatusDuplicate:
			case submissions.StatusConflict, submissions.StatusRejected:
				if r.Error == nil || r.Error.Code == "" {
					t.Fatalf("result %d: %s without an error", i, r.Status)
				}
			default:
				t.Fatalf("result %d: unknown status %q", i, r.Status)
			}
		}
	})
}

// FuzzSurveyAnswer: POST /s/:token, as the page's form and as JSON, on a
// token that can still be answered. A form client always gets a page.
func FuzzSurveyAnswer(f *testing.F) {
	env := newFuzzEnv(f)
	var n atomic.Int64
	f.Add([]byte("satisfaction=satisfied"), false)
	f.Add([]byte(`{"satisfaction":"unsatisfied","reasons":["上门迟到"]}`), true)
	f.Fuzz(func(t *testing.T, body []byte, asJSON bool) {
		task := finishJob(t, env, fmt.Sprintf("WO-SURVEY-%d", n.Add(1)), "standard", "chengdu-east")
		ctype := "application/x-www-form-urlencoded"
		if asJSON {
			ctype = "application/json"
		}
		res := env.call(t, "POST", task.SurveyURL, "", body, "Content-Type", ctype)
		if !asJSON {
			if res.Status >= 500 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("form %q: %d %s: %.300s", body, res.Status, res.Header.Get("Content-Type"), res.Body)
			}
			return
		}
		checkAnswer(t, "survey", body, res)
	})
}

// FuzzSurveyForm: the survey page's form decoding and the answer's
// validation, without a store — the same checks FuzzSurveyAnswer reaches
// through HTTP, at a rate the fuzzer can explore. A form is either refused
// with a 4xx or gives a satisfaction and reasons that validate or not,
// never a panic; a refused answer names no Go type.
func FuzzSurveyForm(f *testing.F) {
	f.Add([]byte("satisfaction=unsatisfied&reasons=a&other=b"))
	f.Fuzz(func(t *testing.T, body []byte) {
		sat, reasons, err := parseSurveyForm(body)
		if err != nil {
			if e, ok := errs.As(err); !ok || kindStatus[e.Kind] != 400 {
				t.Fatalf("%q: %v is not a 400", body, err)
			}
			return
		}
		if err := callbacks.ValidateSurveyAnswer(sat, reasons); err != nil {
			if e, ok := errs.As(err); !ok || kindStatus[e.Kind] >= 500 || goTypeName.MatchString(err.Error()) {
				t.Fatalf("%q: %v", body, err)
			}
		}
	})
}

// FuzzAuthBodies: POST /api/v1/auth/login and /auth/refresh, which anyone
// may call. Only the right password signs in.
func FuzzAuthBodies(f *testing.F) {
	env := newFuzzEnv(f)
	f.Add([]byte(`{"username":"tech1","password":"password-123","device_id":"p"}`), false)
	f.Add([]byte(`{"refresh_token":"x.y.z"}`), true)
	f.Fuzz(func(t *testing.T, body []byte, refresh bool) {
		path := "/api/v1/auth/login"
		if refresh {
			path = "/api/v1/auth/refresh"
		}
		res := env.call(t, "POST", path, "", body, "Content-Type", "application/json")
		checkAnswer(t, path, body, res)
		if res.Status == 200 && !refresh {
			var in loginRequest
			if json.Unmarshal(body, &in) != nil || in.Password != testPassword {
				t.Fatalf("signed in without the password: %q", body)
			}
		}
	})
}

// FuzzWorkOrderImportJSON: POST /api/v1/workorders/import with a JSON body.
// A 200 answers one result per order, each created, updated or rejected.
func FuzzWorkOrderImportJSON(f *testing.F) {
	env := newFuzzEnv(f)
	tok := env.token(f, "admin")
	f.Add([]byte(`{"workorders":[{"id":"W1","type":"install","subscribed_mbps":100,"technician":"tech1","customer":{"name":"王","phone":"13800000001","tier":"vip"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		res := env.call(t, "POST", "/api/v1/workorders/import", tok, body, "Content-Type", "application/json")
		checkAnswer(t, "import", body, res)
		if res.Status != 200 {
			return
		}
		var in struct {
			WorkOrders []json.RawMessage `json:"workorders"`
		}
		json.Unmarshal(body, &in)
		var out struct {
			Results []struct {
				Status string `json:"status"`
			} `json:"results"`
		}
		res.Decode(t, &out)
		if len(out.Results) != len(in.WorkOrders) {
			t.Fatalf("%d results for %d orders: %q", len(out.Results), len(in.WorkOrders), body)
		}
		for _, r := range out.Results {
			if r.Status != workorders.ImportCreated && r.Status != workorders.ImportUpdated && r.Status != workorders.ImportRejected {
				t.Fatalf("unknown status %q", r.Status)
			}
		}
	})
}

// FuzzDecodeJSON: bindJSON's decoder on the request types of the public and
// field routes, without HTTP: it never panics, and its errors are 400s that
// name no Go type.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"username":"a","password":"b"}`))
	f.Add([]byte(`{"submissions":[{"id":1}],"device_time":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&protocol.PushRequest{}, &loginRequest{}, &auth.NewUser{}, &workorders.WorkOrder{}, &map[string]any{}}
		for _, v := range targets {
			err := decodeJSON(body, v)
			if err == nil {
				continue
			}
			if goTypeName.MatchString(err.Error()) {
				t.Fatalf("%T: Go type in %v", v, err)
			}
			if e, ok := errs.As(err); !ok || kindStatus[e.Kind] != 400 {
				t.Fatalf("%T: %v is not a 400", v, err)
			}
		}
	})
}
