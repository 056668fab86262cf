package callbacks

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Kickoff creates the callback task (回访) for a finished order inside the
// caller's transaction — exactly once per order (BucketCallbacksByOrder), a
// no-op for orders that need none (removals, seed 004 第五十一条) or already
// have one. finishedAt is the skew-corrected finish time; due/deadline derive
// from it. It needs no configuration: the SMS wait is applied when the queue
// is read, from created_at.
//
// It is safe inside db.Batch: a retried function sees its earlier run rolled
// back, so the order index still decides "once".
func Kickoff(tx *bolt.Tx, wo *workorders.WorkOrder, finishedAt, now time.Time) error {
	if wo == nil || !workorders.NeedsCallback(wo.Type) {
		return nil
	}
	if store.Has(tx, store.BucketCallbacksByOrder, []byte(wo.ID)) {
		return nil
	}
	seq, err := store.NextSeq(tx, store.BucketCallbacks)
	if err != nil {
		return err
	}
	due, deadline := Deadlines(finishedAt)
	t := &Task{
		ID:          fmt.Sprintf("cb-%010d", seq),
		WorkOrderID: wo.ID,
		OrderType:   wo.Type,
		Customer:    wo.Customer,
		Tier:        wo.Customer.Tier,
		Technician:  wo.Technician,
		Unit:        technicianUnit(tx, wo),
		FinishedAt:  finishedAt,
		CreatedAt:   now,
		DueAt:       due,
		DeadlineAt:  deadline,
		Status:      StatusPending,
		Attempts:    []Attempt{},
	}
	if wo.CompletedBy == workorders.CompletedUnreachable {
		t.CompletedBy = wo.CompletedBy
	}
	if t.Tier == "" {
		t.Tier = workorders.TierStandard
	}
	if !wo.Appointment.From.IsZero() {
		ap := wo.Appointment
		t.Appointment = &ap
	}
	t.Product = wo.Product
	switch {
	case workorders.ManualTier(t.Tier):
		t.Channel, t.ManualReason = ChannelManual, ManualTier
	case t.Customer.Phone == "":
		t.Channel, t.ManualReason = ChannelManual, ManualNoPhone
	case now.After(deadline):
		t.Channel, t.ManualReason = ChannelManual, ManualLate
	default:
		t.Channel = ChannelSMS
		token, err := newToken()
		if err != nil {
			return err
		}
		t.SurveyURL = "/s/" + token
		if err := tx.Bucket(store.BucketSurveyTokens).Put([]byte(token), []byte(t.ID)); err != nil {
			return err
		}
		if err := queueSMS(tx, t, now); err != nil {
			return err
		}
	}
	if err := tx.Bucket(store.BucketCallbacksByOrder).Put([]byte(wo.ID), []byte(t.ID)); err != nil {
		return err
	}
	if err := store.Mark(tx, store.BucketCallbacksByTime, store.Key(store.TimeKey(finishedAt), t.ID)); err != nil {
		return err
	}
	return save(tx, nil, t)
}

// technicianUnit is the unit whose agents call this job's customer back:
// the technician's unit now, as the job is finished (a technician who moved
// since the order was assigned has the new unit's agents call), else the
// order's unit (the technician's when it was assigned).
func technicianUnit(tx *bolt.Tx, wo *workorders.WorkOrder) string {
	if u, err := auth.GetUser(tx, wo.Technician); err == nil && u.Unit != "" {
		return u.Unit
	}
	return wo.Unit
}

// newToken is 128 random bits, URL-safe (22 characters).
func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// TaskForOrder returns the callback task of a work order, or nil when it has
// none.
func TaskForOrder(tx *bolt.Tx, workorderID string) (*Task, error) {
	id := tx.Bucket(store.BucketCallbacksByOrder).Get([]byte(workorderID))
	if id == nil {
		return nil, nil
	}
	return loadTask(tx, string(id))
}

// HoldsOrder reports whether agent holds a live lease on the callback of
// workorderID — agents may read the submissions of orders whose callback
// they hold (API.md "Who may call what").
func HoldsOrder(tx *bolt.Tx, agent, workorderID string, now time.Time) (bool, error) {
	t, err := TaskForOrder(tx, workorderID)
	if err != nil || t == nil {
		return false, err
	}
	return t.Status == StatusClaimed && t.LeaseHolder == agent && t.LeaseUntil != nil && now.Before(*t.LeaseUntil), nil
}
