package callbacks

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// SMS statuses.
const (
	SMSQueued    = "queued"    // waiting for the sender (or for a person, with no gateway configured)
	SMSSent      = "sent"      // the gateway accepted it
	SMSFailed    = "failed"    // the gateway refused it for good, or every retry failed
	SMSCancelled = "cancelled" // the task left the SMS stage before it went out
)

// SMS is one message in the outbox. It stays in bbolt after it is sent, so
// supervisors can see what went out and nothing is lost across restarts.
type SMS struct {
	Seq       uint64     `json:"seq"`
	TaskID    string     `json:"task_id"`
	Unit      string     `json:"unit"`
	To        string     `json:"to"`
	Body      string     `json:"body"`
	Link      string     `json:"link"`
	Text      string     `json:"text,omitempty"` // Body + public base URL + Link, filled when read
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	Tries     int        `json:"tries"`
	NextTryAt *time.Time `json:"next_try_at,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

// Outbox key prefixes inside BucketSMSOutbox (layout.go).
const (
	obMsg     = 'm' // 'm' seq(8) → SMS
	obPending = 'p' // 'p' next_try(8) seq(8) → nil: what the sender still owes
)

func msgKey(seq uint64) []byte { return append([]byte{obMsg}, store.U64(seq)...) }

func pendingKey(at time.Time, seq uint64) []byte {
	k := append([]byte{obPending}, store.TimeKey(at)...)
	return append(k, store.U64(seq)...)
}

var typeZh = map[string]string{
	"install": "装机", "move": "移机", "repair": "故障维修", "complaint": "投诉处理",
}

func queueSMS(tx *bolt.Tx, t *Task, now time.Time) error {
	b := tx.Bucket(store.BucketSMSOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	job := typeZh[t.OrderType]
	if job == "" {
		job = "服务"
	}
	m := SMS{Seq: seq, TaskID: t.ID, Unit: t.Unit, To: t.Customer.Phone,
		Body:   fmt.Sprintf("【客户回访】您好，您的%s服务已完成，请点击链接评价（一键即可）：", job),
		Link:   t.SurveyURL,
		Status: SMSQueued, CreatedAt: now, NextTryAt: &now}
	if err := store.PutJSON(tx, store.BucketSMSOutbox, msgKey(seq), &m); err != nil {
		return err
	}
	return b.Put(pendingKey(now, seq), []byte{})
}

// Sender delivers one text message.
type Sender interface {
	Send(ctx context.Context, to, text string) error
}

// PermanentError is a refusal that retrying will not change (a 4xx from the
// gateway): the message is marked failed at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// WebhookSender POSTs {"to", "text"} as JSON to an SMS gateway's webhook. It
// retries network errors, 5xx and 429 with exponential backoff.
type WebhookSender struct {
	URL     string
	Client  *http.Client  // default: 10 s timeout
	Tries   int           // default 3
	Backoff time.Duration // first wait, doubled each retry; default 500 ms
}

// Send implements Sender.
func (w *WebhookSender) Send(ctx context.Context, to, text string) error {
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	tries, wait := w.Tries, w.Backoff
	if tries <= 0 {
		tries = 3
	}
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	body, _ := json.Marshal(map[string]string{"to": to, "text": text})
	var last error
	for i := 0; i < tries; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return &PermanentError{err}
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		switch {
		case res.StatusCode >= 200 && res.StatusCode < 300:
			return nil
		case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
			last = fmt.Errorf("sms webhook: %s", res.Status)
		default:
			return &PermanentError{fmt.Errorf("sms webhook: %s", res.Status)}
		}
	}
	return last
}

// Outbox lists the messages in sc oldest first (a supervisor's are their
// unit's), at most limit, after the cursor a previous page returned.
func (s *Service) Outbox(sc Scope, limit int, after string) ([]SMS, string, error) {
	limit = clampLimit(limit)
	start := []byte{obMsg}
	if after != "" {
		k, err := base64.RawURLEncoding.DecodeString(after)
		if err != nil || len(k) != 9 || k[0] != obMsg {
			return nil, "", errBadCursor()
		}
		start = msgKey(store.ParseU64(k[1:]) + 1)
	}
	out := []SMS{}
	var next string
	err := s.db.View(func(tx *bolt.Tx) error {
		return store.ScanPrefix(tx, store.BucketSMSOutbox, []byte{obMsg}, start, func(k, v []byte) error {
			var m SMS
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if !sc.Covers(m.Unit) {
				return nil
			}
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString(msgKey(out[len(out)-1].Seq))
				return store.Stop
			}
			m.Text = m.Body + s.cfg.PublicURL + m.Link
			out = append(out, m)
			return nil
		})
	})
	return out, next, err
}

// DrainOutbox sends every message that is due, one at a time, and reports
// how many went out. Network I/O happens outside any transaction.
func (s *Service) DrainOutbox(ctx context.Context) (int, error) {
	if s.cfg.Sender == nil {
		return 0, nil
	}
	sent := 0
	for ctx.Err() == nil {
		now := s.now()
		var m *SMS
		var live bool
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(store.BucketSMSOutbox).Cursor()
			k, _ := c.Seek([]byte{obPending})
			if k == nil || k[0] != obPending || store.ParseTimeKey(k[1:9]).After(now) {
				return nil
			}
			m = new(SMS)
			if err := store.GetJSON(tx, store.BucketSMSOutbox, msgKey(store.ParseU64(k[9:])), m); err != nil {
				return err
			}
			t, err := loadTask(tx, m.TaskID)
			if err != nil {
				return err
			}
			t.advance(now, s.cfg.SMSWait)
			live = t.Status == StatusPending && t.Channel == ChannelSMS
			return nil
		})
		if err != nil || m == nil {
			return sent, err
		}
		old := *m
		var sendErr error
		if live {
			sendErr = s.cfg.Sender.Send(ctx, m.To, m.Body+s.cfg.PublicURL+m.Link)
			if sendErr != nil && ctx.Err() != nil {
				return sent, ctx.Err()
			}
		}
		done := s.now()
		m.NextTryAt = nil
		var perm *PermanentError
		switch {
		case !live:
			m.Status = SMSCancelled
		case sendErr == nil:
			m.Status, m.SentAt, m.LastError = SMSSent, &done, ""
			sent++
		default:
			m.Tries++
			m.LastError = sendErr.Error()
			if errors.As(sendErr, &perm) || m.Tries >= s.cfg.SMSMaxTries {
				m.Status = SMSFailed
			} else {
				at := done.Add(backoff(s.cfg.SMSRetry, m.Tries))
				m.NextTryAt = &at
			}
		}
		if err := s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(store.BucketSMSOutbox)
			if err := b.Delete(pendingKey(*old.NextTryAt, m.Seq)); err != nil {
				return err
			}
			if m.NextTryAt != nil {
				if err := b.Put(pendingKey(*m.NextTryAt, m.Seq), []byte{}); err != nil {
					return err
				}
			}
			return store.PutJSON(tx, store.BucketSMSOutbox, msgKey(m.Seq), m)
		}); err != nil {
			return sent, err
		}
		if m.Status == SMSFailed {
			s.cfg.Logger.Warn("sms failed for good", "task", m.TaskID, "seq", m.Seq, "error", m.LastError)
		}
	}
	return sent, ctx.Err()
}

// backoff doubles base for each try after the first, up to an hour.
func backoff(base time.Duration, tries int) time.Duration {
	d := base
	for i := 1; i < tries && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
