package callbacks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// gateway is a loopback SMS webhook that fails the first `fail` requests.
func gateway(t *testing.T, fail int32, status int) (*httptest.Server, *atomic.Int32, chan map[string]string) {
	var calls atomic.Int32
	got := make(chan map[string]string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n <= fail {
			w.WriteHeader(status)
			return
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got <- body
	}))
	t.Cleanup(srv.Close)
	return srv, &calls, got
}

func TestWebhookRetriesUntilTheGatewayAnswers(t *testing.T) {
	srv, calls, got := gateway(t, 2, http.StatusServiceUnavailable)
	w := &WebhookSender{URL: srv.URL, Tries: 3, Backoff: 10 * time.Millisecond}
	if err := w.Send(context.Background(), "13800000001", "您好"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Fatalf("%d calls", calls.Load())
	}
	if b := <-got; b["to"] != "13800000001" || b["text"] != "您好" {
		t.Fatalf("%v", b)
	}
}

func TestWebhookGivesUpOnARefusal(t *testing.T) {
	srv, calls, _ := gateway(t, 10, http.StatusBadRequest)
	err := (&WebhookSender{URL: srv.URL, Backoff: time.Millisecond}).Send(context.Background(), "1", "x")
	var perm *PermanentError
	if !errors.As(err, &perm) || calls.Load() != 1 {
		t.Fatalf("%v after %d calls", err, calls.Load())
	}
}

func TestOutboxDrainsAcrossFailures(t *testing.T) {
	// The gateway is down for the first delivery (both of its tries).
	srv, _, got := gateway(t, 2, http.StatusBadGateway)
	f := newFixture(t, Config{WebhookURL: srv.URL, PublicURL: "https://fc.test", SMSRetry: time.Minute})
	f.svc.cfg.Sender = &WebhookSender{URL: srv.URL, Tries: 2, Backoff: time.Millisecond}
	task := f.kick(t, nil)
	f.kick(t, nil) // its task will have gone manual before it is sent
	if _, err := f.svc.Result(agent1, Everywhere, "cb-0000000002", ResultInput{Satisfaction: Satisfied}); err != nil {
		t.Fatal(err)
	}

	n, err := f.svc.DrainOutbox(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("first drain: %d %v", n, err)
	}
	box, _, _ := f.svc.Outbox(Everywhere, 0, "")
	if box[0].Status != SMSQueued || box[0].Tries != 1 || box[0].LastError == "" || !box[0].NextTryAt.Equal(f.clock.Now().Add(time.Minute)) {
		t.Fatalf("after a failure: %+v", box[0])
	}
	if box[1].Status != SMSCancelled {
		t.Fatalf("second: %+v", box[1])
	}
	// Nothing is due until the backoff has passed; a restart loses nothing
	// because the outbox is in the store.
	if n, _ := f.svc.DrainOutbox(context.Background()); n != 0 {
		t.Fatal("sent before the retry time")
	}
	f.clock.Add(time.Minute)
	if n, err := f.svc.DrainOutbox(context.Background()); n != 1 || err != nil {
		t.Fatalf("retry: %d %v", n, err)
	}
	if b := <-got; b["text"] != box[0].Body+"https://fc.test"+task.SurveyURL {
		t.Fatalf("%v", b)
	}
	box, _, _ = f.svc.Outbox(Everywhere, 0, "")
	if box[0].Status != SMSSent || box[0].SentAt == nil || box[0].NextTryAt != nil {
		t.Fatalf("%+v", box[0])
	}
}

func TestOutboxPagesByUnit(t *testing.T) {
	f := newFixture(t, Config{})
	for i := 0; i < 3; i++ {
		f.kick(t, nil)
	}
	page, next, err := f.svc.Outbox(Scope{unit: "chengdu-east"}, 2, "")
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("%d %q %v", len(page), next, err)
	}
	page, next, _ = f.svc.Outbox(Scope{unit: "chengdu-east"}, 2, next)
	if len(page) != 1 || next != "" {
		t.Fatalf("%d %q", len(page), next)
	}
	if page, _, _ = f.svc.Outbox(Scope{unit: "chengdu-west"}, 0, ""); len(page) != 0 {
		t.Fatal("another unit's SMS")
	}
}
