package qa

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Config is the service's settings; zero values take the defaults.
type Config struct {
	// Quota is the calls in a reviewer's daily queue (default 20, seed 001).
	Quota int
	// Window is how many days of finished calls, up to the queue's day, the
	// draw picks from (default 7).
	Window int
	// AudioDir holds uploaded recordings ("" refuses uploads).
	AudioDir string
	// MaxAudio caps one recording (default 20 MB).
	MaxAudio int64
	Clock    store.Clock
}

func (c *Config) defaults() {
	if c.Quota <= 0 {
		c.Quota = DefaultQuota
	}
	if c.Window <= 0 {
		c.Window = 7
	}
	if c.MaxAudio <= 0 {
		c.MaxAudio = 20 << 20
	}
	if c.Clock == nil {
		c.Clock = store.SystemClock
	}
}

// Service is the one door to call reviews.
type Service struct {
	db  *store.DB
	cb  *callbacks.Service
	cfg Config
}

// New builds the service; it reads calls through cb.
func New(db *store.DB, cb *callbacks.Service, cfg Config) *Service {
	cfg.defaults()
	return &Service{db: db, cb: cb, cfg: cfg}
}

// MaxAudio is the largest recording accepted.
func (s *Service) MaxAudio() int64 { return s.cfg.MaxAudio }

func (s *Service) now() time.Time { return s.cfg.Clock() }

// Index prefixes in BucketCallReviewIndex (store/layout.go).
const (
	ixReviewer = 'r' // reviewer 0x00 task → review id
	ixAgent    = 'a' // agent 0x00 time 0x00 review id
	ixTime     = 't' // time 0x00 review id
	ixCall     = 'c' // task 0x00 review id
	ixDrawn    = 'd' // reviewer 0x00 task → day
)

func ix(prefix byte, parts ...any) []byte { return append([]byte{prefix}, store.Key(parts...)...) }

func dayOf(t time.Time) string { return t.In(store.Shanghai).Format("2006-01-02") }

func badField(field, zh, en string) error {
	var v errs.Validation
	v.Add(field, zh, en)
	return v.Err()
}

// ParseDay reads YYYY-MM-DD ("" is today).
func (s *Service) ParseDay(field, day string) (time.Time, error) {
	if day == "" {
		return store.DayStart(s.now()), nil
	}
	t, err := time.ParseInLocation("2006-01-02", day, store.Shanghai)
	if err != nil {
		e := errs.New(errs.BadRequest, "bad_date", "日期格式应为 YYYY-MM-DD", "dates must be YYYY-MM-DD")
		e.Fields = map[string]errs.Msg{field: e.Message}
		return time.Time{}, e
	}
	return t, nil
}

// CallOf turns a callback task into the call a reviewer hears; ok is false
// when no agent ever called (an SMS-only survey is no call to review).
func CallOf(t *callbacks.Task) (Call, bool) {
	c := Call{TaskID: t.ID, WorkOrderID: t.WorkOrderID, OrderType: t.OrderType, Product: t.Product, Tier: t.Tier,
		Unit: t.Unit, Status: t.Status, FinishedAt: t.FinishedAt, Attempts: append([]callbacks.Attempt{}, t.Attempts...), Result: t.Result}
	if n := len(t.Attempts); n > 0 {
		c.Agent, c.CalledAt = t.Attempts[n-1].Agent, t.Attempts[n-1].At
	}
	if r := t.Result; r != nil && r.Channel == callbacks.ChannelManual && r.By != "" {
		c.Agent, c.CalledAt = r.By, r.At
	}
	switch {
	case t.Result != nil:
		c.Outcome = t.Result.Satisfaction
	case t.Status == callbacks.StatusUnreachable:
		c.Outcome = OutcomeUnreachable
	default:
		c.Outcome = OutcomeOpen
	}
	return c, c.Agent != ""
}

var errNotACall = errs.New(errs.Invalid, "not_a_call", "该回访没有坐席通话，无法监听", "no agent called on this callback: there is no call to review")

// Call returns one call for review, in the caller's scope.
func (s *Service) Call(p auth.Principal, taskID string) (*Call, error) {
	t, err := s.cb.Get(callbacks.ScopeOf(p), taskID)
	if err != nil {
		return nil, err
	}
	c, ok := CallOf(t)
	if !ok {
		return nil, errNotACall
	}
	return &c, nil
}

// ---- the daily queue ----

var errFutureDay = func() error {
	return badField("date", "不能为将来的日期抽取监听队列", "a queue cannot be drawn for a day still to come")
}

// Day is the reviewer's queue for day (drawn and stored on first sight),
// what they have reviewed of it, and their month's mix of modes.
func (s *Service) Day(p auth.Principal, day time.Time) (*Day, error) {
	if day.After(store.DayStart(s.now())) {
		return nil, errFutureDay()
	}
	key := store.Key(dayOf(day), p.Username)
	var q *Queue
	err := s.db.View(func(tx *bolt.Tx) error {
		var got Queue
		err := store.GetJSON(tx, store.BucketQAQueues, key, &got)
		if err == nil {
			q = &got
		} else if err != store.ErrNotFound {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if q == nil {
		if q, err = s.draw(p, day, key); err != nil {
			return nil, err
		}
	}
	out := &Day{Queue: *q}
	err = s.db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(store.BucketCallReviewIndex)
		for i := range out.Items {
			it := &out.Items[i]
			if id := idx.Get(ix(ixReviewer, p.Username, it.TaskID)); id != nil {
				it.ReviewID = string(id)
				out.Done++
				var r Review
				if store.GetJSON(tx, store.BucketCallReviews, id, &r) == nil {
					it.Percent = r.Result.Percent
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Mix, err = s.MixFor(p.Username, day)
	return out, err
}

// draw picks and stores the reviewer's queue for day.
func (s *Service) draw(p auth.Principal, day time.Time, key []byte) (*Queue, error) {
	from, to := day.AddDate(0, 0, 1-s.cfg.Window), day.AddDate(0, 0, 1)
	var calls []Call
	after := ""
	for {
		tasks, next, err := s.cb.List(callbacks.ScopeOf(p), callbacks.Filter{From: from, To: to}, 5000, after)
		if err != nil {
			return nil, err
		}
		for i := range tasks {
			t := &tasks[i]
			if t.Status != callbacks.StatusDone && t.Status != callbacks.StatusUnreachable {
				continue
			}
			if c, ok := CallOf(t); ok {
				calls = append(calls, c)
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	month := monthStart(day)
	var q *Queue
	err := s.db.Update(func(tx *bolt.Tx) error {
		var got Queue
		if err := store.GetJSON(tx, store.BucketQAQueues, key, &got); err == nil {
			q = &got // drawn meanwhile (a second tab): that one stands
			return nil
		}
		idx := tx.Bucket(store.BucketCallReviewIndex)
		taken := map[string]bool{} // other reviewers' queues of the same day
		c := tx.Bucket(store.BucketQAQueues).Cursor()
		pre := store.Prefix(dayOf(day))
		for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
			var other Queue
			if json.Unmarshal(v, &other) == nil {
				for _, it := range other.Items {
					taken[it.TaskID] = true
				}
			}
		}
		load := map[string]int{}
		var cands []Candidate
		for _, call := range calls {
			if idx.Get(ix(ixDrawn, p.Username, call.TaskID)) != nil || idx.Get(ix(ixReviewer, p.Username, call.TaskID)) != nil {
				continue // 同一通电话同一品质保障员只监听一次
			}
			seen := taken[call.TaskID] || hasPrefix(idx, ix(ixCall, call.TaskID, ""))
			cands = append(cands, Candidate{Seen: seen, QueueItem: QueueItem{TaskID: call.TaskID, Agent: call.Agent,
				OrderType: call.OrderType, Outcome: call.Outcome, FinishedAt: call.FinishedAt}})
			if _, ok := load[call.Agent]; !ok {
				load[call.Agent] = countRange(idx, ix(ixAgent, call.Agent, ""), store.TimeKey(month), store.TimeKey(month.AddDate(0, 1, 0)))
			}
		}
		now := s.now()
		q = &Queue{Reviewer: p.Username, Day: dayOf(day), Quota: s.cfg.Quota, DrawnAt: now,
			Items: Draw(cands, load, s.cfg.Quota, p.Username+"/"+dayOf(day))}
		for _, it := range q.Items {
			if err := idx.Put(ix(ixDrawn, p.Username, it.TaskID), []byte(q.Day)); err != nil {
				return err
			}
		}
		if err := store.PutJSON(tx, store.BucketQAQueues, key, q); err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}, "qa.draw",
			"qa_queue/"+q.Day, fmt.Sprintf("%d calls", len(q.Items)))
	})
	return q, err
}

func hasPrefix(b *bolt.Bucket, pre []byte) bool {
	k, _ := b.Cursor().Seek(pre)
	return k != nil && bytes.HasPrefix(k, pre)
}

// countRange counts keys pre+time… with time in [from, to).
func countRange(b *bolt.Bucket, pre, from, to []byte) int {
	n := 0
	c := b.Cursor()
	start := append(append([]byte{}, pre...), from...)
	for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		if bytes.Compare(k[len(pre):len(pre)+8], to) >= 0 {
			break
		}
		n++
	}
	return n
}

func monthStart(t time.Time) time.Time {
	t = t.In(store.Shanghai)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, store.Shanghai)
}

// MixFor is reviewer's mix of modes in the month of day ("" reviewer: every
// reviewer's).
func (s *Service) MixFor(reviewer string, day time.Time) (Mix, error) {
	from := monthStart(day)
	counts := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return eachReview(tx, from, from.AddDate(0, 1, 0), func(r *Review) {
			if reviewer == "" || r.Reviewer == reviewer {
				counts[r.Mode]++
			}
		})
	})
	return MixOf(from.Format("2006-01"), counts), err
}

// eachReview visits the reviews made in [from, to), oldest first.
func eachReview(tx *bolt.Tx, from, to time.Time, fn func(*Review)) error {
	c := tx.Bucket(store.BucketCallReviewIndex).Cursor()
	pre := []byte{ixTime}
	end := store.TimeKey(to)
	for k, _ := c.Seek(append(append([]byte{}, pre...), store.TimeKey(from)...)); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		if bytes.Compare(k[1:9], end) >= 0 {
			break
		}
		var r Review
		if err := store.GetJSON(tx, store.BucketCallReviews, []byte(store.SplitLast(k)), &r); err != nil {
			return err
		}
		fn(&r)
	}
	return nil
}

// ---- reviews ----

const (
	maxImprovement = 2000
	maxAudioURL    = 500
)

func validMode(m string) bool {
	for _, x := range Modes {
		if x == m {
			return true
		}
	}
	return false
}

// scoreSheet validates answers against the call_review template (latest
// version of templateID) and scores them like any checklist.
func scoreSheet(tx *bolt.Tx, templateID string, answers map[string]json.RawMessage, workorderID string) (*checklists.Template, checklists.Result, error) {
	if templateID == "" {
		templateID = DefaultTemplate
	}
	tpl, err := checklists.Get(tx, templateID, 0)
	if err != nil {
		if errs.IsKind(err, errs.NotFound) {
			return nil, checklists.Result{}, badField("template_id", "未知的监听记录表", "unknown call review template")
		}
		return nil, checklists.Result{}, err
	}
	if tpl.Kind != checklists.KindCallReview {
		return nil, checklists.Result{}, badField("template_id", "该模板不是监听记录表", "this template is not a call review (kind call_review)")
	}
	if answers == nil {
		answers = map[string]json.RawMessage{}
	}
	sub := &checklists.Submission{TemplateID: tpl.ID, TemplateVersion: tpl.Version,
		Subject: checklists.Subject{WorkOrderID: workorderID}, Answers: answers}
	if err := checklists.Validate(tpl, sub, checklists.Context{}); err != nil {
		return nil, checklists.Result{}, err
	}
	return tpl, checklists.Score(tpl, sub, checklists.Context{}), nil
}

func (in *Input) validate() error {
	var v errs.Validation
	in.TaskID = strings.TrimSpace(in.TaskID)
	in.Improvement = strings.TrimSpace(in.Improvement)
	in.AudioURL = strings.TrimSpace(in.AudioURL)
	if in.TaskID == "" || len(in.TaskID) > 64 {
		v.Add("task_id", "须指明被监听的回访", "task_id is required")
	}
	if !validMode(in.Mode) {
		v.Add("mode", "监听方式须为 即席（onsite）、远程（remote）或 录音（recording）", "mode must be onsite, remote or recording")
	}
	if utf8.RuneCountInString(in.Improvement) > maxImprovement || !utf8.ValidString(in.Improvement) {
		v.Add("improvement", "改进建议不能超过 2000 字", "improvement must be at most 2000 characters")
	}
	if in.AudioURL != "" {
		u, err := url.Parse(in.AudioURL)
		if err != nil || len(in.AudioURL) > maxAudioURL || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.Add("audio_url", "录音链接须为 http(s) 地址，不超过 500 字符", "audio_url must be an http(s) link of at most 500 characters")
		}
	}
	return v.Err()
}

var errAlreadyReviewed = errs.New(errs.Conflict, "already_reviewed", "您已监听过这通电话", "you have already reviewed this call")

// Create records a review of one call by p (a QA reviewer). A reviewer
// reviews a call once; a sheet with deductions needs improvement notes
// (《客户代表改进建议单》) for the agent.
func (s *Service) Create(p auth.Principal, in Input) (*Review, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	call, err := s.Call(p, in.TaskID)
	if err != nil {
		return nil, err
	}
	var r *Review
	err = s.db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(store.BucketCallReviewIndex)
		if idx.Get(ix(ixReviewer, p.Username, call.TaskID)) != nil {
			return errAlreadyReviewed
		}
		tpl, res, err := scoreSheet(tx, in.TemplateID, in.Answers, call.WorkOrderID)
		if err != nil {
			return err
		}
		if in.Improvement == "" && lost(res) {
			return badField("improvement", "有扣分项时须填写改进建议", "improvement notes are required when points were deducted")
		}
		b := tx.Bucket(store.BucketCallReviews)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		now := s.now()
		r = &Review{ID: fmt.Sprintf("cr-%010d", seq), Call: *call, Reviewer: p.Username, Mode: in.Mode,
			TemplateID: tpl.ID, TemplateVersion: tpl.Version, Answers: in.Answers, Result: res,
			Improvement: in.Improvement, AudioURL: in.AudioURL, Day: dayOf(now), CreatedAt: now}
		if r.Answers == nil {
			r.Answers = map[string]json.RawMessage{}
		}
		tk := store.TimeKey(now)
		for _, k := range [][]byte{ix(ixReviewer, p.Username, call.TaskID), ix(ixAgent, call.Agent, tk, r.ID),
			ix(ixTime, tk, r.ID), ix(ixCall, call.TaskID, r.ID)} {
			val := []byte{}
			if k[0] == ixReviewer {
				val = []byte(r.ID)
			}
			if err := idx.Put(k, val); err != nil {
				return err
			}
		}
		if err := store.PutJSON(tx, store.BucketCallReviews, []byte(r.ID), r); err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}, "qa.review",
			"call_review/"+r.ID, fmt.Sprintf("task %s agent %s mode %s", call.TaskID, call.Agent, in.Mode))
	})
	return r, err
}

// lost reports whether any item deducted points.
func lost(res checklists.Result) bool {
	for _, d := range res.Deductions {
		if d.Points > 0 {
			return true
		}
	}
	return len(res.FailedCritical) > 0
}

// canRead: an agent reads the reviews of their own calls, a reviewer and a
// supervisor those of their unit's calls (a reviewer without a unit: all),
// the admin all.
func canRead(p auth.Principal, r *Review) bool {
	switch p.Role {
	case auth.RoleAdmin:
		return true
	case auth.RoleAgent:
		return r.Call.Agent == p.Username
	case auth.RoleQA, auth.RoleSupervisor:
		return callbacks.ScopeOf(p).Covers(r.Call.Unit)
	}
	return false
}

func errReviewNotFound(id string) error { return errs.NotFoundf("call review", id) }

// Get returns one review the caller may read.
func (s *Service) Get(p auth.Principal, id string) (*Review, error) {
	var r Review
	err := s.db.View(func(tx *bolt.Tx) error {
		return store.GetJSON(tx, store.BucketCallReviews, []byte(id), &r)
	})
	if err == store.ErrNotFound || (err == nil && !canRead(p, &r)) {
		return nil, errReviewNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Filter narrows List: made in [From, To) (zero: open), by Agent or Reviewer.
type Filter struct {
	From, To time.Time
	Agent    string
	Reviewer string
}

// List returns the reviews the caller may read, newest first: an agent's
// own (only), everyone else's within their scope.
func (s *Service) List(p auth.Principal, f Filter, limit int, after string) ([]Review, string, error) {
	if limit <= 0 || limit > 5000 {
		limit = 200
	}
	pre := []byte{ixTime}
	if p.Role == auth.RoleAgent {
		f.Agent = p.Username
	}
	if f.Agent != "" {
		pre = ix(ixAgent, f.Agent, "")
	}
	out := []Review{}
	next := ""
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(store.BucketCallReviewIndex).Cursor()
		var k []byte
		switch {
		case after != "":
			cur, err := base64.RawURLEncoding.DecodeString(after)
			if err != nil || !bytes.HasPrefix(cur, pre) {
				return errs.New(errs.BadRequest, "bad_cursor", "分页参数 after 无效", "after is not a cursor this list gave")
			}
			c.Seek(cur)
			k, _ = c.Prev()
		case !f.To.IsZero():
			k, _ = c.Seek(append(append([]byte{}, pre...), store.TimeKey(f.To)...))
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		default:
			// the last key with this prefix: seek past it, step back
			end := append(append([]byte{}, pre...), 0xff)
			if k, _ = c.Seek(end); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		var from []byte
		if !f.From.IsZero() {
			from = store.TimeKey(f.From)
		}
		for ; k != nil && bytes.HasPrefix(k, pre); k, _ = c.Prev() {
			if from != nil && bytes.Compare(k[len(pre):len(pre)+8], from) < 0 {
				break
			}
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString(prevKey(out, pre))
				break
			}
			var r Review
			if err := store.GetJSON(tx, store.BucketCallReviews, []byte(store.SplitLast(k)), &r); err != nil {
				return err
			}
			if !canRead(p, &r) || (f.Reviewer != "" && r.Reviewer != f.Reviewer) {
				continue
			}
			out = append(out, r)
		}
		return nil
	})
	return out, next, err
}

// prevKey is the index key of the last review listed (the cursor).
func prevKey(out []Review, pre []byte) []byte {
	r := out[len(out)-1]
	return append(append(append([]byte{}, pre...), store.TimeKey(r.CreatedAt)...), append([]byte{store.Sep}, r.ID...)...)
}
