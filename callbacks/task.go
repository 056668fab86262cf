package callbacks

import (
	"encoding/json"
	"time"

	"fieldcheck/rollups"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Channels: the SMS survey first for ordinary customers, a person for the rest
// (seed 004 第五十二条).
const (
	ChannelSMS    = "sms"
	ChannelManual = "manual"
)

// Statuses. "claimed" means an agent holds a live lease.
const (
	StatusPending     = "pending"
	StatusClaimed     = "claimed"
	StatusDone        = "done"
	StatusUnreachable = "unreachable"
)

// Why a task is in the manual queue.
const (
	ManualTier           = "tier"            // VIP / high-value: a person from the start
	ManualNoPhone        = "no_phone"        // nothing to send an SMS to
	ManualLate           = "late"            // finished so long ago the deadline had passed at kick-off
	ManualSMSNoAnswer    = "sms_no_answer"   // the SMS survey went unanswered within the wait
	ManualSMSUnsatisfied = "sms_unsatisfied" // 不满意 by SMS: an agent must hear the reason
)

// Satisfaction levels (seed 004 第五十四条).
const (
	VerySatisfied = "very_satisfied"
	Satisfied     = "satisfied"
	Unsatisfied   = "unsatisfied"
)

// Attempt outcomes.
const (
	OutcomeReached     = "reached"
	OutcomeNoAnswer    = "no_answer"
	OutcomeBusy        = "busy"
	OutcomeWrongNumber = "wrong_number"
	OutcomeRefused     = "refused"
	OutcomeCallLater   = "call_later"
)

// Task is one callback (回访) for one finished job.
type Task struct {
	ID          string              `json:"id"`
	WorkOrderID string              `json:"workorder_id"`
	OrderType   string              `json:"order_type"`
	Customer    workorders.Customer `json:"customer"`
	Tier        string              `json:"tier"`
	Technician  string              `json:"technician"`
	Unit        string              `json:"unit"`
	// Appointment and Product are copied from the order so the agent's card
	// shows them (agents do not read work orders).
	Appointment *workorders.Window `json:"appointment,omitempty"`
	Product     string             `json:"product,omitempty"`
	// CompletedBy is copied from the order when it says how the job ended
	// other than by a sheet: "unreachable" (第二十四条) is a repair closed
	// because the customer could not be reached, which the 回访 confirms.
	CompletedBy string `json:"completed_by,omitempty"`
	// FinishedAt is the job's (skew-corrected) finish time; the day it falls
	// on decides due_at and deadline_at, and reports count the task on it.
	FinishedAt time.Time `json:"finished_at"`
	CreatedAt  time.Time `json:"created_at"`
	DueAt      time.Time `json:"due_at"`
	DeadlineAt time.Time `json:"deadline_at"`

	Channel      string `json:"channel"`
	ManualReason string `json:"manual_reason,omitempty"`
	Status       string `json:"status"`

	LeaseHolder string     `json:"lease_holder,omitempty"`
	LeaseUntil  *time.Time `json:"lease_until,omitempty"`
	// NextAttemptAt holds a task back from the queue until then (a retry
	// after no answer, or the time the customer asked to be called).
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`

	Attempts []Attempt    `json:"attempts"`
	Result   *Result      `json:"result"`
	Survey   *SurveyReply `json:"survey,omitempty"`
	// SurveyURL is the path the SMS carries (/s/<token>); empty for tasks
	// that never had an SMS.
	SurveyURL       string     `json:"survey_url,omitempty"`
	RectificationID string     `json:"rectification_id,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`

	// AttemptsLeft and LastTry tell the agent, before the tap, what one more
	// unanswered call does (Service.Annotate fills them in on answers; they
	// are never stored): AttemptsLeft is how many calls the attempt limit
	// still allows; LastTry says that a no_answer or busy now closes the task
	// as unreachable — the limit is reached, or the retry would fall after
	// the deadline (the rule in Attempt).
	AttemptsLeft *int `json:"attempts_left,omitempty"`
	LastTry      bool `json:"last_try,omitempty"`
}

// Attempt is one call an agent made.
type Attempt struct {
	At      time.Time  `json:"at"`
	Agent   string     `json:"agent"`
	Outcome string     `json:"outcome"`
	CallAt  *time.Time `json:"call_at,omitempty"`
	Note    string     `json:"note,omitempty"`
}

// Result is the customer's answer that closes a task.
type Result struct {
	Satisfaction    string          `json:"satisfaction"`
	Reasons         []string        `json:"reasons"`
	Score           *int            `json:"score_0_5,omitempty"`
	TemplateID      string          `json:"template_id,omitempty"`
	TemplateVersion int             `json:"template_version,omitempty"`
	Answers         json.RawMessage `json:"answers,omitempty"`
	Note            string          `json:"note,omitempty"`
	Channel         string          `json:"channel"`
	By              string          `json:"by"`
	At              time.Time       `json:"at"`
}

// SurveyReply is what the customer tapped on the SMS survey page.
type SurveyReply struct {
	Satisfaction string    `json:"satisfaction"`
	Reasons      []string  `json:"reasons,omitempty"`
	At           time.Time `json:"at"`
}

// Deadlines derives the callback SLA from the finish time: due at the end of
// that Asia/Shanghai day, deadline at the end of the second day after it —
// 当天回访，最长三天内完成 (seed 004 第五十三条).
func Deadlines(finishedAt time.Time) (due, deadline time.Time) {
	day := store.DayStart(finishedAt)
	return day.AddDate(0, 0, 1).Add(-time.Nanosecond), day.AddDate(0, 0, 3).Add(-time.Nanosecond)
}

// Queue classes, in claim order. Overdue (class 0) is not stored: it is the
// head of the other two classes once its due time has passed (see doc.go).
const (
	classOverdue  byte = 0
	classPriority byte = 1 // VIP and high-value
	classStandard byte = 2
)

func (t *Task) class() byte {
	if workorders.ManualTier(t.Tier) {
		return classPriority
	}
	return classStandard
}

// advance applies what time alone changes: an expired lease returns the task,
// a retry time that has come makes it eligible, an unanswered SMS falls to the
// manual queue once the wait is over or the deadline has passed. The stored
// record may lag behind; every read and write advances it first, and the
// sweep writes the advanced state back.
func (t *Task) advance(now time.Time, smsWait time.Duration) {
	if t.Status == StatusClaimed && t.LeaseUntil != nil && !now.Before(*t.LeaseUntil) {
		t.Status, t.LeaseHolder, t.LeaseUntil = StatusPending, "", nil
	}
	if t.Status == StatusPending && t.NextAttemptAt != nil && !now.Before(*t.NextAttemptAt) {
		t.NextAttemptAt = nil
	}
	if t.Status == StatusPending && t.Channel == ChannelSMS && t.smsDead(now, smsWait) {
		t.Channel, t.ManualReason = ChannelManual, ManualSMSNoAnswer
	}
}

// smsDead: the survey link stops working when the wait is over or the
// deadline has passed.
func (t *Task) smsDead(now time.Time, smsWait time.Duration) bool {
	return !now.Before(t.CreatedAt.Add(smsWait)) || now.After(t.DeadlineAt)
}

// Index prefixes inside BucketCallbackQueue (layout.go). Every entry is
// derived from the task's state alone, so save can drop the old entries and
// add the new ones without knowing how the task changed.
const (
	ixReady   = 'q' // 'q' class(1) due(8) 0x00 id: the manual queue
	ixWaiting = 'w' // 'w' next_attempt_at(8) 0x00 id: held back until then
	ixSMS     = 's' // 's' created_at(8) 0x00 id: waiting for the SMS answer
	ixLease   = 'l' // 'l' lease_until(8) 0x00 id: claimed
)

func ixKey(prefix byte, sub []byte, at time.Time, id string) []byte {
	k := make([]byte, 0, 2+8+1+len(id))
	k = append(k, prefix)
	k = append(k, sub...)
	k = append(k, store.TimeKey(at)...)
	k = append(k, store.Sep)
	return append(k, id...)
}

// queueKey is the task's one entry in BucketCallbackQueue, or nil for closed
// tasks.
func (t *Task) queueKey() []byte {
	switch {
	case t.Status == StatusClaimed && t.LeaseUntil != nil:
		return ixKey(ixLease, nil, *t.LeaseUntil, t.ID)
	case t.Status != StatusPending:
		return nil
	case t.Channel == ChannelSMS:
		return ixKey(ixSMS, nil, t.CreatedAt, t.ID)
	case t.NextAttemptAt != nil:
		return ixKey(ixWaiting, nil, *t.NextAttemptAt, t.ID)
	default:
		return ixKey(ixReady, []byte{t.class()}, t.DueAt, t.ID)
	}
}

func taskKey(id string) []byte { return []byte(id) }

func loadTask(tx *bolt.Tx, id string) (*Task, error) {
	var t Task
	if err := store.GetJSON(tx, store.BucketCallbacks, taskKey(id), &t); err != nil {
		if err == store.ErrNotFound {
			return nil, errNotFound(id)
		}
		return nil, err
	}
	return &t, nil
}

// save writes t and moves its queue entry from where old had it (old may be
// nil for a new task).
func save(tx *bolt.Tx, old, t *Task) error {
	q := tx.Bucket(store.BucketCallbackQueue)
	nk := t.queueKey()
	if old != nil {
		if ok := old.queueKey(); ok != nil && string(ok) != string(nk) {
			if err := q.Delete(ok); err != nil {
				return err
			}
		}
	}
	if nk != nil {
		if err := q.Put(nk, []byte{}); err != nil {
			return err
		}
	}
	if err := saveUnitEntry(tx, old, t); err != nil {
		return err
	}
	if err := moveStatusEntries(tx, old, t); err != nil { // the list's index (statusindex.go)
		return err
	}
	if err := moveCounts(tx, old, t); err != nil { // the summary's counters, in this commit
		return err
	}
	if err := rollups.PutTask(tx, t.ID, RollupOf(t)); err != nil { // the report figures, in this commit
		return err
	}
	return store.PutJSON(tx, store.BucketCallbacks, taskKey(t.ID), t)
}

// clone copies a task deeply enough that save(old, t) sees the old state.
func (t *Task) clone() *Task {
	c := *t
	return &c
}
