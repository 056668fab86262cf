package workorders

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Appointment record events (预约登记, seed 004 第十四条): the appointment
// was made with the customer, changed (改约, with a reason and the new
// window), kept (the technician arrived in the window), or missed (没有履约).
const (
	ApptMade    = "made"
	ApptChanged = "changed"
	ApptKept    = "kept"
	ApptMissed  = "missed"
)

// ApptRecord is one entry of an order's appointment record.
type ApptRecord struct {
	Event  string    `json:"event"`
	At     time.Time `json:"at"`
	Window *Window   `json:"window,omitempty"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by"`
	// Key is the client's idempotency key (a phone's queued entry): a retry
	// with the same key records nothing twice.
	Key string `json:"key,omitempty"`
}

// ApptInput is the body of POST /workorders/:id/appointments. At defaults to
// now; Window is required for "made" without an order window and for
// "changed"; Reason is required for "changed" and "missed".
type ApptInput struct {
	Event  string     `json:"event"`
	At     *time.Time `json:"at"`
	Window *Window    `json:"window"`
	Reason string     `json:"reason"`
	// Key (optional) makes a retry safe: an entry with the same key already
	// on the order answers the order as it is (a phone's outbox sends it).
	Key string `json:"key,omitempty"`
}

// MaxKeyLen bounds an idempotency key (a client uuid is 36).
const MaxKeyLen = 64

// validKey checks an idempotency key's form: printable ASCII, bounded.
func validKey(v *errs.Validation, key string) {
	if len(key) > MaxKeyLen {
		v.Add("key", fmt.Sprintf("key 不能超过 %d 个字符", MaxKeyLen), fmt.Sprintf("key must be at most %d characters", MaxKeyLen))
		return
	}
	for _, r := range key {
		if r <= ' ' || r > '~' {
			v.Add("key", "key 只能含可见的 ASCII 字符", "key must be printable ASCII")
			return
		}
	}
}

// ErrKeyReused: an idempotency key already names another entry.
var ErrKeyReused = errs.New(errs.Conflict, "key_reused", "该登记编号已用于另一条记录", "this key already names another entry")

// MaxAppointments bounds an order's record.
const MaxAppointments = 50

// Record adds an appointment record to an open order the caller may act on:
// a technician their own, a supervisor their unit's, an admin any. "changed"
// also reschedules the order (改约). Audited as workorder.appointment.
func (s *Service) Record(by auth.Principal, id string, in ApptInput) (*WorkOrder, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	now := s.now()
	var v errs.Validation
	validKey(&v, in.Key)
	switch in.Event {
	case ApptMade, ApptKept:
	case ApptChanged, ApptMissed:
		if in.Reason == "" {
			v.Add("reason", "改约或未履约须填写原因", "a changed or missed appointment needs a reason")
		}
	default:
		v.Add("event", "event 须为 made（预约）、changed（改约）、kept（履约）或 missed（未履约）", "event must be made, changed, kept or missed")
	}
	if utf8.RuneCountInString(in.Reason) > MaxHoldReasonLen {
		v.Add("reason", fmt.Sprintf("原因不能超过 %d 个字", MaxHoldReasonLen), fmt.Sprintf("reason must be at most %d characters", MaxHoldReasonLen))
	}
	at := now
	if in.At != nil {
		at = *in.At
		if at.After(now.Add(5 * time.Minute)) {
			v.Add("at", "登记时间不能晚于现在", "at cannot be in the future")
		}
	}
	if in.Event == ApptChanged && in.Window == nil {
		v.Add("window", "改约须填写新的预约时间", "a changed appointment needs the new window")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *WorkOrder
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := Get(tx, id)
		if err != nil {
			return err
		}
		if err := canRead(by, old); err != nil {
			return err
		}
		// A retry of an entry already recorded (the reply was lost) answers
		// the order as it is, whatever happened to it since.
		if in.Key != "" {
			for _, r := range old.Appointments {
				if r.Key == in.Key {
					if r.Event != in.Event {
						return ErrKeyReused
					}
					out = old
					return nil
				}
			}
		}
		switch old.Status {
		case StatusCompleted:
			return ErrCompleted
		case StatusCancelled:
			return ErrCancelled
		}
		if len(old.Appointments) >= MaxAppointments {
			return errs.New(errs.Conflict, "too_many_records", "预约登记条数已达上限", "this order's appointment record is full")
		}
		next := *old
		rec := ApptRecord{Event: in.Event, At: at, Reason: in.Reason, By: by.Username, Key: in.Key}
		if in.Window != nil {
			w := *in.Window
			probe := next
			probe.Appointment = w
			var wv errs.Validation
			validateWindow(&wv, &probe)
			if err := wv.Err(); err != nil {
				return err
			}
			rec.Window = &w
			if in.Event == ApptChanged || in.Event == ApptMade {
				next.Appointment = w
			}
		}
		next.Appointments = append(append([]ApptRecord(nil), old.Appointments...), rec)
		next.Version++
		next.UpdatedAt = now
		if err := save(tx, old, &next); err != nil {
			return err
		}
		out = &next
		detail := in.Event
		if in.Reason != "" {
			detail += ": " + in.Reason
		}
		return store.Audit(tx, now, by.Actor(), "workorder.appointment", "workorder/"+id, detail)
	})
	return out, err
}
