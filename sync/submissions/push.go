package submissions

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/finish"
	"fieldcheck/photos"
	"fieldcheck/rectifications"
	"fieldcheck/schedules"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Batch is one push of a phone's outbox, as the sync protocol hands it over
// (protocol.PushRequest is its wire form).
type Batch struct {
	DeviceID string `json:"device_id"`
	// DeviceTime is the phone's clock when it sent the push; without it no
	// skew check is made.
	DeviceTime *time.Time `json:"device_time"`
	// Submissions stay raw so that one malformed item is rejected on its
	// own instead of failing the whole push.
	Submissions []json.RawMessage `json:"submissions"`
	// Lang picks the language of the items' error messages ("en" or zh-CN).
	Lang string `json:"-"`
}

// ItemError is a rejected or conflicting item's reason, in API.md's error shape.
type ItemError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Result is one item's outcome, in the order of the request.
type Result struct {
	ID            string     `json:"id"`
	Status        string     `json:"status"`
	Version       int        `json:"version"`
	MissingPhotos []string   `json:"missing_photos"`
	Error         *ItemError `json:"error"`

	err *errs.Error // localized into Error once the batch has committed
}

// Merged is the outcome of a batch: a result per item, in order.
type Merged struct {
	Results []Result `json:"results"`
}

// Item-level reasons.
var (
	errNotOwner = errs.New(errs.Forbidden, "not_owner",
		"只有提交人可以修改这份记录", "only the author may edit this submission")
	errNotAssigned = errs.New(errs.Forbidden, "not_assigned",
		"该工单未派给你", "this work order is not assigned to you")
	errStaleBase = errs.New(errs.Conflict, "stale_base",
		"这份记录已在别处修改，请先同步最新版本", "this submission was changed elsewhere; pull the current version first")
	errUnknownBase = errs.New(errs.Conflict, "unknown_base",
		"服务器上没有这份记录的基础版本", "the server has no base version of this submission")
	errOrderCompleted = errs.New(errs.Conflict, "workorder_completed",
		"该工单已由另一份验收单竣工", "the work order is already completed by another acceptance sheet")
	errWrongKind = errs.New(errs.Forbidden, "template_not_for_role",
		"你的角色不能提交这类检查表", "your role may not submit this kind of checklist")
	errTooMany = errs.New(errs.TooLarge, "too_many_submissions",
		fmt.Sprintf("一次最多同步 %d 份记录", MaxBatch), fmt.Sprintf("at most %d submissions per push", MaxBatch))
)

func fieldErr(path, zh, en string) *errs.Error {
	var v errs.Validation
	v.Add(path, zh, en)
	e, _ := errs.As(v.Err())
	return e
}

// MaxIDLen bounds a client-made submission id (a uuid is 36).
const MaxIDLen = 64

func validSubmissionID(id string) bool {
	return id != "" && len(id) <= MaxIDLen && utf8.ValidString(id) &&
		!strings.ContainsFunc(id, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || r == '/' })
}

// KindsFor lists the template kinds a role submits (the pull sends a
// role these templates).
func KindsFor(role string) []string { return kindsFor(role) }

// kindsFor lists the template kinds a role submits.
func kindsFor(role string) []string {
	switch role {
	case auth.RoleTechnician:
		return []string{checklists.KindAcceptance}
	case auth.RoleInspector:
		return []string{checklists.KindWalkthrough, checklists.KindSpotcheck}
	case auth.RoleAdmin:
		return []string{checklists.KindAcceptance, checklists.KindWalkthrough, checklists.KindSpotcheck}
	}
	return nil
}

// item is one decoded submission of a push.
type item struct {
	id   string
	sub  *checklists.Submission
	hash string
	bad  *errs.Error
}

func decodeItem(raw json.RawMessage) item {
	var s checklists.Submission
	if err := json.Unmarshal(raw, &s); err != nil {
		var probe struct {
			ID any `json:"id"`
		}
		_ = json.Unmarshal(raw, &probe)
		id, _ := probe.ID.(string)
		return item{id: id, bad: malformed(err)}
	}
	if !validSubmissionID(s.ID) {
		return item{id: s.ID, bad: fieldErr("id", "记录 ID 必填，最多 64 个字符，不能含空白、斜杠或控制字符",
			"id is required: at most 64 characters, no spaces, slashes or control characters")}
	}
	h, err := ContentHash(&s)
	if err != nil {
		return item{id: s.ID, bad: malformed(err)}
	}
	return item{id: s.ID, sub: &s, hash: h}
}

// malformed names the field json could not decode, without Go type names.
func malformed(err error) *errs.Error {
	e := errs.New(errs.BadRequest, "bad_submission", "记录格式错误", "malformed submission")
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		e.Fields = map[string]errs.Msg{te.Field: {Zh: "类型不对", En: "has the wrong type"}}
	} else {
		e.Message = errs.Msg{Zh: "记录须为 JSON 对象", En: "a submission must be a JSON object"}
	}
	return e
}

// Merge merges a phone's outbox. Each item is decided on its own, in two
// steps that keep the shared write transaction short:
//
//  1. In a read transaction, outside the write lock, every item is decided
//     the way the write transaction would decide it — owner, duplicate, base
//     version, template, subject, validation — and an accepted one gets its
//     score, flags and encoded version record ready (plan).
//  2. In the write transaction (db.Batch, one commit shared with other
//     devices), an accepted plan is rechecked against what can have changed
//     since — the head and the order or store it was decided on — and
//     written; if anything changed, or an earlier item of the same push has
//     the same id, the item is decided again inside the transaction.
//
// A refusal or a duplicate found in step 1 stands: heads and template
// versions only grow, so the answer was true of a committed state after the
// push arrived. Results are handed out only after the batch has committed,
// so a duplicate is never reported for a version that is not yet durable.
// The batch function may run twice: it reads the plans and never changes
// them, and each run starts its results afresh.
func Merge(db *store.DB, p auth.Principal, req Batch, now time.Time) (*Merged, error) {
	return pushBetween(db, p, req, now, nil)
}

// pushBetween is Push; tests pass between to change the store after the items are
// decided and before they are written, as another device can.
func pushBetween(db *store.DB, p auth.Principal, req Batch, now time.Time, between func()) (*Merged, error) {
	if kindsFor(p.Role) == nil {
		return nil, errs.ErrForbidden
	}
	if len(req.Submissions) > MaxBatch {
		return nil, errTooMany
	}
	items := make([]item, len(req.Submissions))
	for i, raw := range req.Submissions {
		items[i] = decodeItem(raw)
	}
	// The device id is the client's to choose: cleaned before it goes into
	// every version and audit entry of this push.
	m := merger{p: p, now: now, device: store.CleanIdentifier(req.DeviceID)}
	if m.device == "" {
		m.device = store.CleanIdentifier(p.Device)
	}
	if req.DeviceTime != nil {
		m.deviceTime = req.DeviceTime
		m.skew = now.Sub(*req.DeviceTime)
	}
	plans := make([]*plan, len(items))
	if err := db.View(func(tx *bolt.Tx) error {
		seen := make(map[string]bool, len(items))
		for i, it := range items {
			if it.bad != nil || seen[it.id] {
				continue // a repeated id depends on the earlier one: decided in the write transaction
			}
			seen[it.id] = true
			pl, err := m.decide(tx, it)
			if err != nil {
				return fmt.Errorf("sync: push %s: %w", it.id, err)
			}
			plans[i] = pl
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if between != nil {
		between()
	}
	var results []Result
	err := db.Batch(func(tx *bolt.Tx) error {
		results = make([]Result, len(items))
		for i, it := range items {
			if it.bad != nil {
				results[i] = outcome(it.id, StatusRejected, 0, it.bad)
				continue
			}
			pl := plans[i]
			var cur current
			if pl != nil && pl.accept {
				var ok bool
				var err error
				if cur, ok, err = m.recheck(tx, pl); err != nil {
					return fmt.Errorf("sync: push %s: %w", it.id, err)
				} else if !ok {
					pl = nil
				}
			}
			if pl == nil {
				var err error
				if pl, err = m.decide(tx, it); err != nil {
					return fmt.Errorf("sync: push %s: %w", it.id, err)
				}
				cur = current{head: pl.head, wo: pl.wo, outlet: pl.outlet}
			}
			if !pl.accept {
				results[i] = pl.result
				continue
			}
			r, err := m.apply(tx, pl, cur)
			if err != nil {
				return fmt.Errorf("sync: push %s: %w", it.id, err)
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range results {
		if e := results[i].err; e != nil {
			ie := &ItemError{Code: e.Code, Message: e.Message.In(req.Lang)}
			if len(e.Fields) > 0 {
				ie.Fields = make(map[string]string, len(e.Fields))
				for k, msg := range e.Fields {
					ie.Fields[k] = msg.In(req.Lang)
				}
			}
			results[i].Error = ie
		}
	}
	return &Merged{Results: results}, nil
}

// outcome is one item's result; e is its reason, localized after the commit.
func outcome(id, status string, version int, e *errs.Error) Result {
	// Only a rejected id is longer than MaxIDLen: echo enough to find it,
	// not the megabytes a hostile body may carry.
	id = errs.Cut(id, MaxIDLen)
	return Result{ID: id, Status: status, Version: version, MissingPhotos: []string{}, err: e}
}

// merger holds what is the same for every item of one push.
type merger struct {
	p          auth.Principal
	now        time.Time
	device     string
	deviceTime *time.Time
	skew       time.Duration
}

func (m *merger) actor() store.Actor {
	return store.Actor{Username: m.p.Username, Unit: m.p.Unit, Device: m.device}
}

// plan is what decide made of one item from one view of the store: a final
// result (refused or duplicate), or an accepted item ready to be written.
// Once made it is only read: the batch function may run it twice.
type plan struct {
	it     item
	accept bool
	result Result // when !accept

	// What the decision rests on, as decide read it.
	head    *Head // nil: a new submission
	wo      *workorders.WorkOrder
	woBytes []byte // wo as stored (workorders.GetStored), for recheck
	outlet  *workorders.Outlet

	tpl                *checklists.Template
	completes          bool // this acceptance completes its order
	author, authorUnit string
	unit, technician   string
	version            int
	finished           time.Time
	rec                Version // MissingPhotos as decide saw them
	recJSON            []byte  // rec encoded
}

func refused(it item, status string, version int, e *errs.Error) *plan {
	return &plan{it: it, result: outcome(it.id, status, version, e)}
}

// current is the state an accepted plan is written against, read in the
// write transaction.
type current struct {
	head   *Head
	wo     *workorders.WorkOrder
	outlet *workorders.Outlet
}

// decide makes the plan of one item. It only reads, so it runs in a read
// transaction as well as in the write one.
func (m *merger) decide(tx *bolt.Tx, it item) (*plan, error) {
	s := it.sub
	head, err := loadHead(tx, s.ID)
	if err != nil {
		return nil, err
	}
	author, authorUnit := m.p.Username, m.p.Unit
	if head != nil {
		if head.Author != m.p.Username && m.p.Role != auth.RoleAdmin {
			return refused(it, StatusRejected, 0, errNotOwner), nil
		}
		if i := slices.Index(head.Hashes, it.hash); i >= 0 {
			pl := refused(it, StatusDuplicate, i+1, nil)
			if i+1 == head.Version {
				pl.result.MissingPhotos = nonNil(head.MissingPhotos)
			}
			return pl, nil
		}
		if s.BaseVersion != head.Version {
			return refused(it, StatusConflict, head.Version, errStaleBase), nil
		}
		if s.Subject != head.Subject {
			return refused(it, StatusRejected, 0, fieldErr("subject", "修改记录时不能更换检查对象",
				"an edit cannot change the subject")), nil
		}
		author, authorUnit = head.Author, head.AuthorUnit
	} else if s.BaseVersion != 0 {
		return refused(it, StatusConflict, 0, errUnknownBase), nil
	}

	tpl, err := checklists.Shared(tx, s.TemplateID, s.TemplateVersion)
	if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
		return refused(it, StatusRejected, 0, fieldErr("template_version", "没有这个检查表模板版本",
			"no such template version")), nil
	} else if err != nil {
		return nil, err
	}
	if !slices.Contains(kindsFor(m.p.Role), tpl.Kind) || (head != nil && tpl.Kind != head.Kind) {
		return refused(it, StatusRejected, 0, errWrongKind), nil
	}

	// The subject: a work order (acceptance, spot check) or a store (walkthrough).
	var wo *workorders.WorkOrder
	var woBytes []byte
	var outlet *workorders.Outlet
	switch {
	case tpl.Kind != checklists.KindWalkthrough && s.Subject.WorkOrderID != "":
		// Its bytes as stored come with it (one read): recheck tells an
		// untouched order by them in the write transaction.
		wo, woBytes, err = workorders.GetStored(tx, s.Subject.WorkOrderID)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
			// An unknown order answers like someone else's: ids do not leak.
			return refused(it, StatusRejected, 0, errNotAssigned), nil
		} else if err != nil {
			return nil, err
		}
	case tpl.Kind == checklists.KindWalkthrough && s.Subject.StoreID != "":
		outlet, err = workorders.GetOutlet(tx, s.Subject.StoreID)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
			return refused(it, StatusRejected, 0, fieldErr("subject.store_id", "没有这个营业网点", "no such store")), nil
		} else if err != nil {
			return nil, err
		}
	}
	ctx, changed, err := judge(tpl, s, wo, outlet)
	if err != nil {
		e, ok := errs.As(err)
		if !ok {
			return nil, err
		}
		return refused(it, StatusRejected, 0, e), nil
	}

	pl := &plan{it: it, accept: true, head: head, wo: wo, woBytes: woBytes, outlet: outlet, tpl: tpl,
		author: author, authorUnit: authorUnit}
	switch tpl.Kind {
	case checklists.KindAcceptance:
		pl.unit, pl.technician = wo.Unit, wo.Technician
		switch {
		case wo.CompletedBy == s.ID:
			// an edit of the sheet that completed the order
		case wo.Status == workorders.StatusCancelled || wo.Technician != author:
			return refused(it, StatusRejected, 0, errNotAssigned), nil
		case wo.Status == workorders.StatusCompleted:
			v := 0
			if head != nil {
				v = head.Version
			}
			return refused(it, StatusConflict, v, errOrderCompleted), nil
		default:
			pl.completes = true
		}
	case checklists.KindSpotcheck:
		pl.unit, pl.technician = wo.Unit, wo.Technician
		if wo.Status == workorders.StatusCancelled || (m.p.Role != auth.RoleAdmin && wo.Unit != authorUnit) {
			return refused(it, StatusRejected, 0, errNotAssigned), nil
		}
	case checklists.KindWalkthrough:
		pl.unit = outlet.Unit
	}

	// Accepted: the version record, scored and flagged.
	pl.version = 1
	if head != nil {
		pl.version = head.Version + 1
	}
	rec := Version{Submission: *s, Version: pl.version, Author: author, DeviceID: m.device,
		ReceivedAt: m.now, DeviceTime: m.deviceTime, ContentHash: it.hash, Kind: tpl.Kind,
		Flags: []string{}, FlagDetails: []FlagDetail{}}
	finished := m.now
	if s.FinishedAt != nil {
		finished = *s.FinishedAt
	}
	if m.deviceTime != nil && (m.skew > MaxSkew || m.skew < -MaxSkew) {
		// The phone's clock is off: its finish time is corrected by the same
		// amount, and the original is kept beside it.
		rec.SkewSeconds = m.skew.Seconds()
		rec.Flags = append(rec.Flags, FlagClockSkew)
		rec.FlagDetails = append(rec.FlagDetails, FlagDetail{Flag: FlagClockSkew, SkewSeconds: rec.SkewSeconds})
		if s.FinishedAt != nil {
			orig := *s.FinishedAt
			rec.FinishedAtOriginal = &orig
			finished = finished.Add(m.skew)
		}
	}
	if ahead := finished.Sub(m.now); ahead > FutureTolerance {
		// Finished after it reached us: the phone's clock is right (or was
		// corrected) but the time typed or kept is not. The order completes,
		// its callback clock starts and the job counts when it arrived.
		if rec.FinishedAtOriginal == nil && s.FinishedAt != nil {
			orig := *s.FinishedAt
			rec.FinishedAtOriginal = &orig
		}
		rec.Flags = append(rec.Flags, FlagFinishedInFuture)
		rec.FlagDetails = append(rec.FlagDetails, FlagDetail{Flag: FlagFinishedInFuture, AheadSeconds: ahead.Seconds()})
		finished = m.now
	}
	pl.finished = finished
	rec.FinishedAt = &pl.finished
	rec.Result = checklists.Score(tpl, s, ctx)
	rec.JudgedOn = ctx.Facts
	if changed {
		rec.Flags = append(rec.Flags, FlagOrderChanged)
		rec.FlagDetails = append(rec.FlagDetails, FlagDetail{Flag: FlagOrderChanged, OrderVersion: s.OrderVersion, Relaxed: ctx.Lenient})
	}
	if rec.Result.SpeedBelowSubscribed {
		rec.Flags = append(rec.Flags, FlagSpeedBelowSubscribed)
		rec.FlagDetails = append(rec.FlagDetails, FlagDetail{Flag: FlagSpeedBelowSubscribed})
	}
	rec.Signatures = signatures(tpl, s)
	rec.Signed = len(rec.Signatures) > 0
	// A version the customer signed anew (its signatures differ from the
	// head's) is not "edited after signature": the signature is on it. A
	// head stored before signatures were kept (Signed, no hashes) cannot
	// tell, so the flag stays.
	resigned := head != nil && rec.Signed && !(head.Signed && len(head.Signatures) == 0) &&
		!slices.Equal(rec.Signatures, head.Signatures)
	if head != nil && tpl.Kind == checklists.KindAcceptance && !resigned &&
		(head.Signed || slices.Contains(head.Flags, FlagEditedAfterSignature)) {
		rec.Flags = append(rec.Flags, FlagEditedAfterSignature)
		rec.FlagDetails = append(rec.FlagDetails, FlagDetail{Flag: FlagEditedAfterSignature, Version: pl.version})
		for _, d := range head.FlagDetails { // keep which earlier edits came after the signature
			if d.Flag == FlagEditedAfterSignature && d.Version != pl.version {
				rec.FlagDetails = append(rec.FlagDetails, d)
			}
		}
	}
	rec.Photos = nonNil(checklists.ReferencedPhotos(tpl, s))
	rec.MissingPhotos = missingPhotos(tx, rec.Photos, author)
	pl.rec = rec
	if pl.recJSON, err = json.Marshal(&rec); err != nil {
		return nil, fmt.Errorf("encode version: %w", err)
	}
	return pl, nil
}

// recheck reads, in the write transaction, what an accepted plan made in
// the read transaction rests on. ok is false when any of it changed and the
// item must be decided again: another version of the submission, or an
// order or store whose state the decision used. The head is returned as it
// is now even when its version did not move (a photo arriving updates it
// in place), so that apply writes over the current one.
func (m *merger) recheck(tx *bolt.Tx, pl *plan) (cur current, ok bool, err error) {
	if cur.head, err = loadHead(tx, pl.it.id); err != nil {
		return current{}, false, err
	}
	if (cur.head == nil) != (pl.head == nil) || (cur.head != nil && cur.head.Version != pl.head.Version) {
		return current{}, false, nil
	}
	if pl.wo != nil {
		var unchanged bool
		cur.wo, unchanged, err = workorders.Reread(tx, pl.wo.ID, pl.woBytes)
		if e, isErr := errs.As(err); isErr && e.Kind == errs.NotFound {
			return current{}, false, nil
		} else if err != nil {
			return current{}, false, err
		}
		if unchanged {
			cur.wo = pl.wo // not a byte changed: nothing was decoded again
		} else if was, now := pl.wo, cur.wo; now.Status != was.Status || now.CompletedBy != was.CompletedBy || now.Technician != was.Technician ||
			now.Unit != was.Unit || now.SubscribedMbps != was.SubscribedMbps || *FactsOf(now, nil) != *FactsOf(was, nil) {
			return current{}, false, nil
		}
	}
	if pl.outlet != nil {
		cur.outlet, err = workorders.GetOutlet(tx, pl.outlet.ID)
		if e, isErr := errs.As(err); isErr && e.Kind == errs.NotFound {
			return current{}, false, nil
		} else if err != nil {
			return current{}, false, err
		}
		if cur.outlet.Unit != pl.outlet.Unit || cur.outlet.Kind != pl.outlet.Kind {
			return current{}, false, nil
		}
	}
	return cur, true, nil
}

// missingPhotos lists the referenced photos the sheet's author does not
// possess (API.md v1.1): a photo the server holds from someone else's upload
// stays missing until the author PUTs the same bytes. An admin's edit keeps
// the author: author is the sheet's, not the editor's.
func missingPhotos(tx *bolt.Tx, refs []string, author string) []string {
	missing := []string{}
	for _, sha := range refs {
		if !photos.Possesses(tx, sha, author) {
			missing = append(missing, sha)
		}
	}
	return missing
}

// apply writes an accepted plan in the write transaction, against cur (the
// head, order and store as they are now). Everything that depends on other
// writers — which photos are held, the completion of the order and its
// callback, photo reuse, the sequence numbers — is read here, not in decide.
func (m *merger) apply(tx *bolt.Tx, pl *plan, cur current) (Result, error) {
	s, head := pl.it.sub, cur.head
	rec, data := pl.rec, pl.recJSON
	if missing := missingPhotos(tx, rec.Photos, rec.Author); !slices.Equal(missing, rec.MissingPhotos) {
		// A photo arrived (or went) between decide and now.
		rec.MissingPhotos = missing
		var err error
		if data, err = json.Marshal(&rec); err != nil {
			return Result{}, fmt.Errorf("encode version: %w", err)
		}
	}

	if pl.completes {
		// The order completes and its 回访 starts in this transaction: the
		// one unit of work every completion path takes (package finish).
		if _, err := finish.Job(tx, cur.wo.ID, workorders.Completion{By: s.ID, At: pl.finished, Now: m.now}, m.actor()); err != nil {
			return Result{}, err // checked: only a store failure gets here
		}
	}

	if err := m.writePhotos(tx, s.ID, &rec); err != nil {
		return Result{}, err
	}
	if err := putVersion(tx, s.ID, pl.version, data); err != nil {
		return Result{}, err
	}

	h := head
	if h == nil {
		h = &Head{ID: s.ID, Author: pl.author, AuthorUnit: pl.authorUnit, Kind: pl.tpl.Kind, Subject: s.Subject,
			CreatedAt: m.now}
		var err error
		if h.Seq, err = tx.Bucket(store.BucketSubmissionHeads).NextSequence(); err != nil {
			return Result{}, err
		}
	}
	was := placeOf(head) // the supervisors' list entry (unitindex.go), before h changes
	if err := writeIndexes(tx, head, h, pl.finished); err != nil {
		return Result{}, err
	}
	h.Version = pl.version
	h.TemplateID, h.TemplateVersion = s.TemplateID, s.TemplateVersion
	h.Unit, h.Technician = pl.unit, pl.technician
	h.Hashes = append(h.Hashes, pl.it.hash)
	h.Flags, h.FlagDetails = rec.Flags, rec.FlagDetails
	h.Photos, h.MissingPhotos, h.Signatures = rec.Photos, rec.MissingPhotos, rec.Signatures
	h.Complete = len(rec.MissingPhotos) == 0
	h.FinishedAt = pl.finished
	h.Result = rec.Result
	h.answers = rec.Answers // the rollups count this version's answers (sync/rollup.go)
	h.Signed = rec.Signed || h.Signed
	h.UpdatedAt = m.now
	var err error
	if h.Reuse, err = reuseOf(tx, h); err != nil {
		return Result{}, err
	}
	if err := m.rectify(tx, h, cur.wo, cur.outlet); err != nil {
		return Result{}, err
	}
	if head == nil {
		// 巡检计划: a new walkthrough or spot check closes its plan's due window.
		in := schedules.Inspection{SubmissionID: s.ID, Kind: h.Kind, TemplateID: s.TemplateID, StoreID: s.Subject.StoreID,
			Unit: h.Unit, Author: h.Author, FinishedAt: pl.finished}
		if err := schedules.Visited(tx, in); err != nil {
			return Result{}, err
		}
	}
	if err := moveUnitEntry(tx, was, h); err != nil {
		return Result{}, err
	}
	if err := saveHead(tx, h); err != nil {
		return Result{}, err
	}
	// The author's other phone learns the new base_version on its next pull.
	if err := store.Publish(tx, "submission", s.ID, store.ScopeUser(pl.author)); err != nil {
		return Result{}, err
	}
	action := "submission.accepted"
	if pl.version > 1 {
		action = "submission.edited"
	}
	detail := fmt.Sprintf("%s %s v%d, %s", pl.tpl.Kind, subjectPrefix(s.Subject), pl.version, strings.Join(rec.Flags, ","))
	if err := store.Audit(tx, m.now, m.actor(), action, "submission/"+s.ID, strings.TrimSuffix(detail, ", ")); err != nil {
		return Result{}, err
	}
	r := outcome(s.ID, StatusAccepted, pl.version, nil)
	r.MissingPhotos = rec.MissingPhotos
	return r, nil
}

// signed reports whether a signature item is answered (客户签字).
// signatures are the hashes of the answered signature items (客户签字).
func signatures(t *checklists.Template, s *checklists.Submission) []string {
	var out []string
	for _, sec := range t.Sections {
		for _, it := range sec.Items {
			if it.Type != checklists.TypeSignature {
				continue
			}
			if h := checklists.SignatureSHA(s.Answers[it.ID]); h != "" {
				out = append(out, h)
			}
		}
	}
	return out
}

// writePhotos records who references each photo (an edit only adds the
// photos no earlier version named). Which are still awaited is not stored:
// the head's MissingPhotos says it, and PhotoArrived finds the waiting
// sheets through these refs (waitingOn).
func (m *merger) writePhotos(tx *bolt.Tx, id string, rec *Version) error {
	for _, sha := range rec.Photos {
		k := store.Key(sha, id)
		if store.Has(tx, store.BucketPhotoRefs, k) {
			continue // a put of the same key still rewrites its page
		}
		if err := store.Mark(tx, store.BucketPhotoRefs, k); err != nil {
			return err
		}
	}
	return nil
}

// writeIndexes keeps the by-subject, by-author and by-time indexes; old is
// nil for a new submission.
func writeIndexes(tx *bolt.Tx, old, h *Head, finished time.Time) error {
	if old == nil {
		if err := store.Mark(tx, store.BucketSubmissionsBySubject, subjectKey(h.Subject, h.ID)); err != nil {
			return err
		}
		if err := store.Mark(tx, store.BucketSubmissionsByAuthor, authorKey(h.Author, h.ID)); err != nil {
			return err
		}
	} else if !old.FinishedAt.Equal(finished) {
		if err := store.Delete(tx, store.BucketSubmissionsByTime, timeIndexKey(old.FinishedAt, h.ID)); err != nil {
			return err
		}
	}
	return store.Mark(tx, store.BucketSubmissionsByTime, timeIndexKey(finished, h.ID))
}

// rectify opens the rectification (整改) a walkthrough or spot check with
// deductions calls for, due in 15 days — once per submission, whichever
// version first found something.
func (m *merger) rectify(tx *bolt.Tx, h *Head, wo *workorders.WorkOrder, outlet *workorders.Outlet) error {
	if h.RectificationID != "" || (h.Kind != checklists.KindWalkthrough && h.Kind != checklists.KindSpotcheck) {
		return nil
	}
	var found []string
	for _, d := range h.Result.Deductions {
		if d.Points > 0 {
			found = append(found, fmt.Sprintf("%s −%g", d.Label.Zh, d.Points))
		}
	}
	if len(found) == 0 {
		return nil
	}
	r := rectifications.Rectification{Unit: h.Unit, SubjectRef: "submission/" + h.ID, OpenedAt: m.now,
		DueAt: m.now.Add(RectificationDue), Reason: strings.Join(found, "；")}
	if outlet != nil {
		r.Source, r.StoreID = rectifications.SourceWalkthrough, outlet.ID
	} else {
		r.Source, r.WorkOrderID, r.Technician = rectifications.SourceSpotCheck, wo.ID, wo.Technician
	}
	opened, err := rectifications.Open(tx, r.By(m.actor()))
	if err != nil {
		return err
	}
	h.RectificationID = opened.ID
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
