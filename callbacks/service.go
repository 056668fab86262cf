package callbacks

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// DefaultReasons are the usual causes of 不满意, offered as checkboxes; agents
// and customers may also write their own.
var DefaultReasons = []string{
	"上门不准时", "服务态度差", "网速不达标", "未穿鞋套/未使用垫布",
	"现场未清理", "故障未修复", "收费问题", "其他",
}

// Config tunes the callback service. Zero fields take the defaults shown.
type Config struct {
	SMSWait     time.Duration // how long an SMS survey waits before the task goes manual; 4 h (FIELDCHECK_SMS_WAIT)
	Lease       time.Duration // how long a claim holds a task; 15 min, renewed by each attempt
	RetryDelay  time.Duration // no_answer / busy: try again this much later; 2 h
	MaxAttempts int           // attempts before a task is unreachable; 5
	Reasons     []string      // the reasons offered for 不满意; DefaultReasons
	Clock       store.Clock   // store.SystemClock
	SweepEvery  time.Duration // how often Run writes time-driven moves back; 1 min

	// WebhookURL is the SMS gateway's webhook; without it (and without
	// Sender) messages wait in the outbox for a person to see.
	WebhookURL  string
	Sender      Sender        // overrides the webhook sender (tests)
	PublicURL   string        // put before /s/<token> in the SMS text, e.g. "https://fc.example.cn"; "" leaves the path
	SMSRetry    time.Duration // first outbox retry delay, doubled each failure; 30 s
	SMSMaxTries int           // outbox deliveries before a message is failed; 10
	DrainEvery  time.Duration // how often Run looks for SMS to send; 5 s

	Logger *slog.Logger
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.SMSWait, 4*time.Hour)
	def(&c.Lease, 15*time.Minute)
	def(&c.RetryDelay, 2*time.Hour)
	def(&c.SweepEvery, time.Minute)
	def(&c.SMSRetry, 30*time.Second)
	def(&c.DrainEvery, 5*time.Second)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.SMSMaxTries <= 0 {
		c.SMSMaxTries = 10
	}
	if len(c.Reasons) == 0 {
		c.Reasons = DefaultReasons
	}
	if c.Clock == nil {
		c.Clock = store.SystemClock
	}
	if c.Sender == nil && c.WebhookURL != "" {
		c.Sender = &WebhookSender{URL: c.WebhookURL}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Service is the callback queue and the SMS survey.
type Service struct {
	db  *store.DB
	cfg Config
}

// New builds the service on an open store. The queue counters are built
// from the records here when the store has none yet (a data dir from before
// them, or one counted with another SMS wait); should that fail, Summarize
// walks the queue instead.
func New(db *store.DB, cfg Config) *Service {
	cfg.defaults()
	s := &Service{db: db, cfg: cfg}
	start := time.Now()
	built := false
	if err := db.Update(func(tx *bolt.Tx) error {
		if w, ok := countsWait(tx); ok && w == cfg.SMSWait {
			return nil
		}
		built = true
		return buildCounters(tx, cfg.SMSWait, false)
	}); err != nil {
		cfg.Logger.Error("callbacks: building the queue counters", "error", err)
	} else if built && time.Since(start) > time.Second {
		cfg.Logger.Info("callbacks: built the queue counters", "took", time.Since(start).Round(time.Millisecond))
	}
	if err := statusIndex.Ensure(db); err != nil {
		cfg.Logger.Error("callbacks: building the list's status index", "error", err)
	}
	return s
}

// Reasons lists the reasons offered for 不满意.
func (s *Service) Reasons() []string { return append([]string(nil), s.cfg.Reasons...) }

func (s *Service) now() time.Time { return s.cfg.Clock() }

// Run sweeps every SweepEvery and, when a sender is configured, drains the
// SMS outbox every DrainEvery, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	sweep := time.NewTicker(s.cfg.SweepEvery)
	defer sweep.Stop()
	drain := time.NewTicker(s.cfg.DrainEvery)
	defer drain.Stop()
	// A first sweep at once: what time moved while the server was down, and
	// the counters' past (pruneCounts), before the first minute is out.
	if _, err := s.Sweep(); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Error("callbacks: sweep", "error", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if _, err := s.Sweep(); err != nil {
				s.cfg.Logger.Error("callbacks: sweep", "error", err)
			}
		case <-drain.C:
			if _, err := s.DrainOutbox(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("callbacks: sms outbox", "error", err)
			}
		}
	}
}

// Sweep writes back what time has changed: expired leases, retry times that
// have come, unanswered SMS surveys past their wait; and drops the queue
// counters' steps in the past (pruneCounts). It reports how many tasks moved. Claim does the same before it picks, so the queue is right
// even between sweeps; the sweep keeps lists and the claim path short.
func (s *Service) Sweep() (int, error) {
	var n int
	err := s.db.Update(func(tx *bolt.Tx) error {
		now := s.now()
		var err error
		if n, err = s.sweep(tx, now); err != nil {
			return err
		}
		_, err = pruneCounts(tx, now)
		return err
	})
	return n, err
}

func (s *Service) sweep(tx *bolt.Tx, now time.Time) (int, error) {
	moved := 0
	for _, ix := range []struct {
		prefix byte
		until  time.Time // entries with a time ≤ until have changed
	}{
		{ixLease, now},
		{ixWaiting, now},
		{ixSMS, now.Add(-s.cfg.SMSWait)},
	} {
		// Collect first: save edits the bucket the cursor walks.
		var ids []string
		c := tx.Bucket(store.BucketCallbackQueue).Cursor()
		for k, _ := c.Seek([]byte{ix.prefix}); k != nil && k[0] == ix.prefix; k, _ = c.Next() {
			if store.ParseTimeKey(k[1:9]).After(ix.until) {
				break
			}
			ids = append(ids, string(k[10:]))
		}
		for _, id := range ids {
			t, err := loadTask(tx, id)
			if err != nil {
				return moved, err
			}
			old := t.clone()
			t.advance(now, s.cfg.SMSWait)
			if err := save(tx, old, t); err != nil {
				return moved, err
			}
			moved++
		}
	}
	return moved, nil
}

// Claim leases the next task in sc to agent for the lease time, or returns
// nil when that part of the queue is empty. Order: overdue first (earliest
// due), then VIP and high-value, then standard, each by earliest due. One
// write transaction per claim: bbolt serialises writers, so two agents never
// get the same task.
func (s *Service) Claim(agent store.Actor, sc Scope) (*Task, error) {
	if sc.none {
		return nil, nil
	}
	var out *Task
	err := s.db.Update(func(tx *bolt.Tx) error {
		now := s.now()
		if _, err := s.sweep(tx, now); err != nil {
			return err
		}
		id := ""
		if sc.unit == "" {
			id = nextReady(tx, now)
		} else {
			var err error
			if id, err = nextReadyIn(tx, sc.unit, now); err != nil {
				return err
			}
		}
		if id == "" {
			return nil
		}
		t, err := loadTask(tx, id)
		if err != nil {
			return err
		}
		old := t.clone()
		s.lease(t, agent.Username, now)
		out = t
		return save(tx, old, t)
	})
	return out, err
}

// ClaimTask leases one named task to agent: a task picked from a list
// (a retry, an agreed call-back time) rather than the head of the queue.
// Claiming a task one already holds renews the lease, so a long call keeps
// it. Someone else's live lease is a Conflict naming them, a closed task
// too, and a task still waiting for its SMS answer is not an agent's yet.
func (s *Service) ClaimTask(agent store.Actor, sc Scope, id string) (*Task, error) {
	return s.act(id, agent, sc, false, func(tx *bolt.Tx, t *Task, now time.Time) error {
		if t.Channel == ChannelSMS {
			return ErrSMSPending
		}
		// An agreed call-back time survives an early look: given back
		// without an outcome, the task waits for that time again.
		agreed := t.NextAttemptAt
		s.lease(t, agent.Username, now)
		t.NextAttemptAt = agreed
		return nil
	})
}

// Summary is the queue at a glance, for an agent's or a supervisor's
// counters.
type Summary struct {
	Ready     int `json:"ready"`      // callable now (the manual queue)
	Overdue   int `json:"overdue"`    // of those, past their due time (end of the job's day)
	Waiting   int `json:"waiting"`    // held back: a retry after no answer, or an agreed call-back time
	SMS       int `json:"sms"`        // waiting for the customer's SMS answer
	Claimed   int `json:"claimed"`    // leased to an agent
	Mine      int `json:"mine"`       // leased to the caller
	DoneToday int `json:"done_today"` // results recorded today (Asia/Shanghai)
	// UnreachableToday: closed today without reaching the customer.
	UnreachableToday int `json:"unreachable_today"`
}

// Summarize counts the open tasks in sc as they stand now and those closed
// today, from the counters kept with the tasks (counters.go): a few seeks
// whatever the queue's size.
func (s *Service) Summarize(sc Scope, agent string) (*Summary, error) {
	var sum Summary
	err := s.db.View(func(tx *bolt.Tx) error {
		now := s.now()
		if w, ok := countsWait(tx); !ok || w != s.cfg.SMSWait {
			var err error
			sum, err = s.summarizeWalk(tx, sc, agent, now)
			return err
		}
		sum = summarizeCounted(tx, sc, agent, now)
		return nil
	})
	return &sum, err
}

// summarizeWalk is Summarize by walking every open task in the queue index
// (each advanced to now) and every task for the closed ones — the reference
// the counters are tested against, and the answer while they are not built.
// (It once looked for closed tasks only among jobs finished in the last
// week, missing a late result for an older job; it walks them all now.)
func (s *Service) summarizeWalk(tx *bolt.Tx, sc Scope, agent string, now time.Time) (Summary, error) {
	var sum Summary
	err := func() error {
		count := func(t *Task) {
			if !sc.covers(t) {
				return
			}
			t.advance(now, s.cfg.SMSWait)
			switch {
			case t.Status == StatusClaimed:
				sum.Claimed++
				if t.LeaseHolder == agent {
					sum.Mine++
				}
			case t.Status != StatusPending:
			case t.Channel == ChannelSMS:
				sum.SMS++
			case t.NextAttemptAt != nil:
				sum.Waiting++
			default:
				sum.Ready++
				if t.DueAt.Before(now) {
					sum.Overdue++
				}
			}
		}
		c := tx.Bucket(store.BucketCallbackQueue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			t, err := loadTask(tx, store.SplitLast(k))
			if err != nil {
				return err
			}
			count(t)
		}
		today := store.DayStart(now)
		bt := tx.Bucket(store.BucketCallbacksByTime).Cursor()
		for k, _ := bt.First(); k != nil; k, _ = bt.Next() {
			t, err := loadTask(tx, store.SplitLast(k))
			if err != nil {
				return err
			}
			if !sc.covers(t) || t.ClosedAt == nil || t.ClosedAt.Before(today) {
				continue
			}
			switch t.Status {
			case StatusDone:
				sum.DoneToday++
			case StatusUnreachable:
				sum.UnreachableToday++
			}
		}
		return nil
	}()
	return sum, err
}

// nextReady is the id at the head of the manual queue: two seeks, one per
// stored class. A head whose due time has passed is overdue, and the older
// of the overdue heads wins; otherwise the priority class goes first.
func nextReady(tx *bolt.Tx, now time.Time) string {
	c := tx.Bucket(store.BucketCallbackQueue).Cursor()
	var heads []queueHead
	for _, class := range []byte{classPriority, classStandard} {
		p := []byte{ixReady, class}
		k, _ := c.Seek(p)
		if k == nil || k[0] != ixReady || k[1] != class {
			continue
		}
		heads = append(heads, queueHead{store.ParseTimeKey(k[2:10]), string(k[11:])})
	}
	return pickHead(heads, now)
}

// queueHead is the first ready task of one class.
type queueHead struct {
	due time.Time
	id  string
}

// pickHead chooses between the heads of the priority and the standard class
// (in that order, either may be missing).
func pickHead(heads []queueHead, now time.Time) string {
	switch {
	case len(heads) == 0:
		return ""
	case len(heads) == 2 && heads[1].due.Before(now) && heads[1].due.Before(heads[0].due):
		return heads[1].id // an overdue standard task older than any priority one
	default:
		return heads[0].id
	}
}

func (s *Service) lease(t *Task, agent string, now time.Time) {
	until := now.Add(s.cfg.Lease)
	t.Status, t.LeaseHolder, t.LeaseUntil, t.NextAttemptAt = StatusClaimed, agent, &until, nil
}

// act loads task id, advances it, checks that it is in sc (a task outside
// is not found, as a missing one), that no one else holds it and that it is
// still open (result: an unreachable task may still take a result), and
// saves what fn did to it — in one write transaction.
func (s *Service) act(id string, who store.Actor, sc Scope, result bool, fn func(tx *bolt.Tx, t *Task, now time.Time) error) (*Task, error) {
	var out *Task
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		out, err = s.actTx(tx, id, who, sc, result, fn)
		return err
	})
	return out, err
}

// actTx is act inside the caller's write transaction.
func (s *Service) actTx(tx *bolt.Tx, id string, who store.Actor, sc Scope, result bool, fn func(tx *bolt.Tx, t *Task, now time.Time) error) (*Task, error) {
	now := s.now()
	t, err := loadTask(tx, id)
	if err != nil {
		return nil, err
	}
	if !sc.covers(t) {
		return nil, errNotFound(id)
	}
	old := t.clone()
	t.advance(now, s.cfg.SMSWait)
	if t.Status == StatusClaimed && t.LeaseHolder != who.Username {
		return nil, errLeased(t.LeaseHolder)
	}
	switch {
	case t.Status == StatusDone && result:
		return nil, ErrAlreadyDone
	case t.Status == StatusDone, t.Status == StatusUnreachable && !result:
		// A customer who could not be reached may still call in and
		// give a result; nothing else reopens a closed task.
		return nil, errClosed(t.Status)
	}
	if err := fn(tx, t, now); err != nil {
		return nil, err
	}
	return t, save(tx, old, t)
}

// Release gives a task back to the queue.
func (s *Service) Release(who store.Actor, sc Scope, id string) (*Task, error) {
	return s.act(id, who, sc, false, func(tx *bolt.Tx, t *Task, now time.Time) error {
		if t.Status == StatusClaimed {
			t.Status, t.LeaseHolder, t.LeaseUntil = StatusPending, "", nil
		}
		return nil
	})
}

// Attempt records one call. reached renews the caller's lease (the result
// follows); no_answer and busy hold the task back for the retry delay and
// call_later until at, both handing it back to the queue for whoever is on
// shift then; wrong_number, refused, the attempt limit, or no time left
// before the deadline make it unreachable.
func (s *Service) Attempt(who store.Actor, sc Scope, id, outcome string, at time.Time, note string) (*Task, error) {
	var v errs.Validation
	switch outcome {
	case OutcomeReached, OutcomeNoAnswer, OutcomeBusy, OutcomeWrongNumber, OutcomeRefused, OutcomeCallLater:
	default:
		v.Add("outcome", "结果须为 reached、no_answer、busy、wrong_number、refused 或 call_later",
			"outcome must be reached, no_answer, busy, wrong_number, refused or call_later")
	}
	checkText(&v, "note", note, maxNote)
	if err := v.Err(); err != nil {
		return nil, err
	}
	a := Attempt{Agent: who.Username, Outcome: outcome, Note: note}
	if outcome == OutcomeCallLater {
		a.CallAt = &at
	}
	// A reply lost on a bad line makes the agent's screen send the same
	// call again; it is recorded once. Checked before act too, because a
	// closing outcome (wrong number, refused, the last no-answer) leaves a
	// task act would refuse as closed.
	if t, err := s.Get(sc, id); err == nil && t.repeats(a, s.now()) {
		return t, nil
	}
	var replayed *Task
	out, err := s.act(id, who, sc, false, func(tx *bolt.Tx, t *Task, now time.Time) error {
		if t.repeats(a, now) {
			replayed = t
			return errReplayedAttempt
		}
		if outcome == OutcomeCallLater {
			switch {
			case at.IsZero():
				v.Add("at", "请填写约定的回访时间", "give the time the customer asked to be called")
			case !at.After(now):
				v.Add("at", "约定时间须晚于现在", "at must be in the future")
			case at.After(t.DeadlineAt):
				v.Add("at", "约定时间须在回访期限 "+t.DeadlineAt.In(store.Shanghai).Format("2006-01-02 15:04")+" 之前",
					"at must be before the callback deadline "+t.DeadlineAt.Format(time.RFC3339))
			}
			if err := v.Err(); err != nil {
				return err
			}
		}
		a := a
		a.At = now
		t.Attempts = append(t.Attempts[:len(t.Attempts):len(t.Attempts)], a)
		t.Channel = ChannelManual
		unreachable := func() {
			t.Status, t.LeaseHolder, t.LeaseUntil, t.NextAttemptAt, t.ClosedAt = StatusUnreachable, "", nil, nil, &now
		}
		requeue := func(when time.Time) {
			t.Status, t.LeaseHolder, t.LeaseUntil, t.NextAttemptAt = StatusPending, "", nil, &when
		}
		switch outcome {
		case OutcomeReached:
			s.lease(t, who.Username, now)
		case OutcomeCallLater:
			requeue(at)
		case OutcomeWrongNumber, OutcomeRefused:
			unreachable()
		default: // no answer, busy
			if s.closesOnNoAnswer(len(t.Attempts), t.DeadlineAt, now) {
				unreachable()
			} else {
				requeue(now.Add(s.cfg.RetryDelay))
			}
		}
		return store.Audit(tx, now, who, "callback.attempt", "callback/"+t.ID, outcome)
	})
	if err == errReplayedAttempt {
		return replayed, nil
	}
	return out, err
}

// closesOnNoAnswer is the rule that ends a task as unreachable on a call
// that did not get through: attempts (counting that call) reach the limit,
// or the retry it would wait for falls after the deadline.
func (s *Service) closesOnNoAnswer(attempts int, deadline, now time.Time) bool {
	return attempts >= s.cfg.MaxAttempts || now.Add(s.cfg.RetryDelay).After(deadline)
}

// Annotate returns a copy of t as an answer carries it: for an open task,
// how many calls are left and whether the next unanswered one closes it
// (closesOnNoAnswer, judged now). The agent's card says so before the tap.
func (s *Service) Annotate(t *Task) *Task {
	c := *t
	c.AttemptsLeft, c.LastTry = nil, false
	if t.Status != StatusPending && t.Status != StatusClaimed {
		return &c
	}
	left := max(s.cfg.MaxAttempts-len(t.Attempts), 0)
	c.AttemptsLeft = &left
	c.LastTry = s.closesOnNoAnswer(len(t.Attempts)+1, t.DeadlineAt, s.now())
	return &c
}

// attemptReplayWindow is how long the same attempt sent again counts as a
// replay rather than a second call.
const attemptReplayWindow = 2 * time.Minute

var errReplayedAttempt = errs.New(errs.Conflict, "replayed_attempt", "重复提交", "the same attempt again")

// repeats reports whether a is the task's last attempt sent again: the same
// agent, outcome, note and call-back time, within attemptReplayWindow.
func (t *Task) repeats(a Attempt, now time.Time) bool {
	n := len(t.Attempts)
	if n == 0 {
		return false
	}
	last := t.Attempts[n-1]
	sameCall := (last.CallAt == nil) == (a.CallAt == nil) && (last.CallAt == nil || last.CallAt.Equal(*a.CallAt))
	return last.Agent == a.Agent && last.Outcome == a.Outcome && last.Note == a.Note && sameCall &&
		now.Sub(last.At) < attemptReplayWindow
}

// Get returns one task in sc as it stands now; one outside sc is not found.
func (s *Service) Get(sc Scope, id string) (*Task, error) {
	var t *Task
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = loadTask(tx, id)
		if err == nil && !sc.covers(t) {
			t, err = nil, errNotFound(id)
		}
		if err == nil {
			t.advance(s.now(), s.cfg.SMSWait)
		}
		return err
	})
	return t, err
}

// ForOrder returns the task of a work order as it stands now, or nil when
// the order has none in sc.
func (s *Service) ForOrder(sc Scope, workorderID string) (*Task, error) {
	var t *Task
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = TaskForOrder(tx, workorderID)
		if t != nil && !sc.covers(t) {
			t = nil
		}
		if t != nil {
			t.advance(s.now(), s.cfg.SMSWait)
		}
		return err
	})
	return t, err
}

// Filter narrows List. From and To bound the finish time (From inclusive, To
// exclusive; zero is open).
type Filter struct {
	Status string
	From   time.Time
	To     time.Time
}

// List returns the tasks in sc oldest job first, at most limit, after the
// cursor a previous page returned.
func (s *Service) List(sc Scope, f Filter, limit int, after string) ([]Task, string, error) {
	switch f.Status {
	case "", StatusPending, StatusClaimed, StatusDone, StatusUnreachable:
	default:
		var v errs.Validation
		v.Add("status", "状态须为 pending、claimed、done 或 unreachable", "status must be pending, claimed, done or unreachable")
		return nil, "", v.Err()
	}
	limit = clampLimit(limit)
	var start []byte
	if !f.From.IsZero() {
		start = store.TimeKey(f.From)
	}
	if after != "" {
		k, err := base64.RawURLEncoding.DecodeString(after)
		if err != nil || len(k) < 10 {
			return nil, "", errBadCursor()
		}
		start = append(k, 0) // the first key after it
	}
	var end []byte
	if !f.To.IsZero() {
		end = store.TimeKey(f.To)
	}
	out := []Task{}
	var next string
	err := s.db.View(func(tx *bolt.Tx) error {
		now := s.now()
		var lastKey []byte
		// A status or one unit's scope reads its run of the status index
		// (statusindex.go); its keys past the prefix are the time index's.
		c := tx.Bucket(store.BucketCallbacksByTime).Cursor()
		var prefix []byte
		if p, ok := statusIndexPrefix(sc, f.Status); ok && statusIndexOn(tx) {
			c, prefix = tx.Bucket(store.BucketCallbacksByStatus).Cursor(), p
		}
		var k []byte
		if start == nil && prefix == nil {
			k, _ = c.First()
		} else {
			k, _ = c.Seek(append(prefix[:len(prefix):len(prefix)], start...))
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			k = k[len(prefix):]
			if end != nil && string(k[:8]) >= string(end) {
				break
			}
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString(lastKey)
				break
			}
			t, err := loadTask(tx, store.SplitLast(k))
			if err != nil {
				return err
			}
			t.advance(now, s.cfg.SMSWait)
			if !sc.covers(t) || (f.Status != "" && t.Status != f.Status) {
				continue
			}
			out = append(out, *t)
			lastKey = append(lastKey[:0], k...)
		}
		return nil
	})
	return out, next, err
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 200
	case n > 5000:
		return 5000
	}
	return n
}

func errBadCursor() error {
	return errs.New(errs.BadRequest, "bad_cursor", "分页参数 after 无效", "after is not a cursor this list gave")
}
