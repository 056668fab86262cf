package rectifications

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/photos"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Rectification sources.
const (
	SourceCallback    = "callback"    // a customer was unsatisfied on callback
	SourceWalkthrough = "walkthrough" // a store walkthrough with deductions
	SourceSpotCheck   = "spotcheck"   // a technician spot check with deductions
)

// Rectification statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// Rectification (整改) asks a unit to fix what a callback or an inspection
// found and to report the measures taken.
type Rectification struct {
	ID         string `json:"id"`
	Unit       string `json:"unit"`
	Technician string `json:"technician,omitempty"` // whose job it was, when one person's
	Source     string `json:"source"`
	// SubjectRef says what found the problem: "callback/<task id>",
	// "submission/<submission id>".
	SubjectRef  string     `json:"subject_ref"`
	WorkOrderID string     `json:"workorder_id,omitempty"`
	StoreID     string     `json:"store_id,omitempty"`
	Reason      string     `json:"reason"`
	Status      string     `json:"status"`
	OpenedAt    time.Time  `json:"opened_at"`
	DueAt       time.Time  `json:"due_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy  string     `json:"resolved_by,omitempty"`
	Note        string     `json:"note,omitempty"`
	// Photos show what was done (PUT /photos first; API.md resolve {note, photos}).
	Photos []string `json:"photos,omitempty"`
	// OpenedBy is who found the problem (the agent or the inspector); the
	// audit log records them with their device.
	OpenedBy string `json:"opened_by,omitempty"`
	// Assignee is who is to carry the measures out (整改责任人), set by a
	// supervisor or admin; a technician may be named, but never resolves.
	Assignee   string     `json:"assignee,omitempty"`
	AssignedAt *time.Time `json:"assigned_at,omitempty"`
	// Reopened lists each time a resolution was not accepted (重新打开),
	// newest last; the resolution it undid stays in the audit log.
	Reopened []Reopen `json:"reopened,omitempty"`
	// Version counts changes (0 on records stored before it existed); a
	// change naming an older version is a conflict.
	Version int         `json:"version"`
	by      store.Actor // for the audit entry; set with By
}

// Reopen is one reopening of a resolved rectification.
type Reopen struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	// Note and ResolvedBy are the resolution that was not accepted.
	Note       string   `json:"note,omitempty"`
	ResolvedBy string   `json:"resolved_by,omitempty"`
	Photos     []string `json:"photos,omitempty"`
}

// By names who opens the rectification (for OpenedBy and the audit log).
func (r Rectification) By(who store.Actor) Rectification {
	r.by, r.OpenedBy = who, who.Username
	return r
}

// OpenNow opens a rectification for unit inside the caller's transaction,
// now by the wall clock; use Open to give the open time, the technician or
// the order.
func OpenNow(tx *bolt.Tx, unit, source, subjectRef, reason string, due time.Time) (*Rectification, error) {
	return Open(tx, Rectification{Unit: unit, Source: source, SubjectRef: subjectRef,
		Reason: reason, DueAt: due, OpenedAt: time.Now()})
}

// Open stores r as a new open rectification and returns it with its id.
// OpenedAt zero means now (wall clock). It takes the caller's transaction:
// a rectification is always opened by another domain's write (a callback's
// 不满意 result, an inspection sheet with deductions) and commits with it,
// in that write's unit of work.
func Open(tx *bolt.Tx, r Rectification) (*Rectification, error) {
	seq, err := store.NextSeq(tx, store.BucketRectifications)
	if err != nil {
		return nil, err
	}
	r.ID = fmt.Sprintf("rc-%010d", seq)
	r.Status = StatusOpen
	r.Version = 1
	if r.OpenedAt.IsZero() {
		r.OpenedAt = time.Now()
	}
	if err := store.PutJSON(tx, store.BucketRectifications, []byte(r.ID), &r); err != nil {
		return nil, err
	}
	who := r.by
	if who.Username == "" {
		who.Username = "system"
	}
	if err := store.Audit(tx, r.OpenedAt, who, "rectification.open", "rectification/"+r.ID, r.SubjectRef+": "+r.Reason); err != nil {
		return nil, err
	}
	return &r, nil
}

// Filter is the caller's scope (auth.Scope: technicians their own,
// inspectors and supervisors their unit's, admins all) and a status ("" any).
type Filter struct {
	Scope  auth.Scope
	Status string // open | resolved
}

// scopeOf is what p may see; ok is false for roles that see none (agents,
// QA reviewers).
func scopeOf(p auth.Principal) (f Filter, ok bool) {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleTechnician, auth.RoleInspector, auth.RoleSupervisor:
		return Filter{Scope: p.Scope()}, true
	}
	return f, false
}

func (f Filter) match(r *Rectification) bool {
	return f.Scope.Covers(r.Unit, r.Technician) && (f.Status == "" || r.Status == f.Status)
}

// List lists the rectifications p may see (scopeOf: the caller's scope is
// applied here, never by the handler) with the given status ("" any),
// oldest first (ids follow opening order). There are few of them — one per
// unsatisfied callback or failed inspection — so a filtered walk is fine.
func (s *Service) List(p auth.Principal, status string, limit int, after string) ([]Rectification, string, error) {
	f, ok := scopeOf(p)
	if !ok {
		return nil, "", errs.ErrForbidden
	}
	if status != "" && status != StatusOpen && status != StatusResolved {
		var v errs.Validation
		v.Add("status", "状态须为 open 或 resolved", "status must be open or resolved")
		return nil, "", v.Err()
	}
	f.Status = status
	limit = clampLimit(limit)
	out := []Rectification{}
	var next string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(store.BucketRectifications).Cursor()
		k, v := c.First()
		if after != "" {
			k, v = c.Seek([]byte(after + "\x00"))
		}
		for ; k != nil; k, v = c.Next() {
			var r Rectification
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if !f.match(&r) {
				continue
			}
			if len(out) == limit {
				next = out[len(out)-1].ID
				break
			}
			out = append(out, r)
		}
		return nil
	})
	return out, next, err
}

// Service is the rectification domain: listing, resolving, assigning and
// reopening, each in its own transaction with its audit entry.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// NewService builds the service on an open store; clock nil is the wall clock.
func NewService(db *store.DB, clock func() time.Time) *Service {
	if clock == nil {
		clock = store.SystemClock
	}
	return &Service{db: db, now: clock}
}

// maxNote is the characters a note or a reason may have.
const maxNote = 2000

func checkText(v *errs.Validation, path, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(path, fmt.Sprintf("不能超过 %d 个字", max), fmt.Sprintf("at most %d characters", max))
	}
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

// maxResolvePhotos bounds the photos one resolution carries.
const maxResolvePhotos = 10

// Resolve closes a rectification with what was done. p must be entitled to
// see it (scopeOf); resolving twice is a conflict.
func (s *Service) Resolve(p auth.Principal, id, note string) (*Rectification, error) {
	return s.ResolveWith(p, id, note, nil)
}

// ResolveWith is Resolve with photos of the measures taken: each a sha256
// the server already holds (uploaded with PUT /photos/:sha256). A technician
// may not resolve one (API.md v1.1): their own work is what it rectifies.
func (s *Service) ResolveWith(p auth.Principal, id, note string, shas []string) (*Rectification, error) {
	return s.ResolveSeen(p, id, note, shas, 0)
}

// ResolveSeen is ResolveWith naming the version the caller saw (0: any): a
// change since then is ErrChanged and nothing is written.
func (s *Service) ResolveSeen(p auth.Principal, id, note string, shas []string, seen int) (*Rectification, error) {
	var v errs.Validation
	note = strings.TrimSpace(note)
	if note == "" {
		v.Add("note", "请填写整改措施", "say what was done")
	}
	checkText(&v, "note", note, maxNote)
	if len(shas) > maxResolvePhotos {
		v.Add("photos", fmt.Sprintf("最多 %d 张照片", maxResolvePhotos), fmt.Sprintf("at most %d photos", maxResolvePhotos))
	}
	var pics []string
	for i, sha := range shas {
		if !store.ValidSHA256(sha) {
			v.Add(fmt.Sprintf("photos[%d]", i), "照片须为 64 位小写十六进制 sha256", "a photo is its lowercase hex sha256")
			continue
		}
		if !slices.Contains(pics, sha) {
			pics = append(pics, sha)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.Role == auth.RoleTechnician {
		return nil, errs.ErrForbidden
	}
	f, ok := scopeOf(p)
	if !ok {
		return nil, errs.ErrForbidden
	}
	var r Rectification
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := store.GetJSON(tx, store.BucketRectifications, []byte(id), &r); err != nil {
			if err == store.ErrNotFound {
				return errs.NotFoundf("整改单", id)
			}
			return err
		}
		if !f.match(&r) {
			return errs.NotFoundf("整改单", id)
		}
		if seen > 0 && seen != r.Version {
			return ErrChanged
		}
		if r.Status == StatusResolved {
			return errs.New(errs.Conflict, "already_resolved", "该整改单已处理", "this rectification is already resolved")
		}
		var missing errs.Validation
		for i, sha := range pics {
			if !photos.Has(tx, sha) {
				missing.Add(fmt.Sprintf("photos[%d]", i), "照片尚未上传", "the photo has not been uploaded yet")
			}
		}
		if err := missing.Err(); err != nil {
			return err
		}
		now := s.now()
		r.Status, r.ResolvedAt, r.ResolvedBy, r.Note, r.Photos = StatusResolved, &now, p.Username, note, pics
		r.Version++
		if err := store.PutJSON(tx, store.BucketRectifications, []byte(id), &r); err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device},
			"rectification.resolve", "rectification/"+id, note)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ErrChanged: the rectification changed since the caller read it.
var ErrChanged = errs.New(errs.Conflict, "version_conflict", "整改单已被他人修改，请查看最新内容后重试",
	"the rectification was changed by someone else; check the latest and try again")

// change loads rectification id for a supervisor's or admin's change within
// their scope, checks the version they saw, applies fn and stores it with
// its audit entry, in one commit.
func (s *Service) change(p auth.Principal, id string, seen int, action string, fn func(tx *bolt.Tx, r *Rectification, now time.Time) (string, error)) (*Rectification, error) {
	if p.Role != auth.RoleSupervisor && p.Role != auth.RoleAdmin {
		return nil, errs.ErrForbidden
	}
	f, _ := scopeOf(p)
	var r Rectification
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := store.GetJSON(tx, store.BucketRectifications, []byte(id), &r); err != nil {
			if err == store.ErrNotFound {
				return errs.NotFoundf("整改单", id)
			}
			return err
		}
		if !f.match(&r) {
			return errs.NotFoundf("整改单", id)
		}
		if seen > 0 && seen != r.Version {
			return ErrChanged
		}
		now := s.now()
		detail, err := fn(tx, &r, now)
		if err != nil {
			return err
		}
		r.Version++
		if err := store.PutJSON(tx, store.BucketRectifications, []byte(id), &r); err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}, action, "rectification/"+id, detail)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Assign names who carries out an open rectification: an enabled user of
// its unit.
func (s *Service) Assign(p auth.Principal, id, assignee string, seen int) (*Rectification, error) {
	assignee = strings.TrimSpace(assignee)
	if assignee == "" {
		var v errs.Validation
		v.Add("assignee", "请选择责任人", "choose who carries it out")
		return nil, v.Err()
	}
	return s.change(p, id, seen, "rectification.assign", func(tx *bolt.Tx, r *Rectification, now time.Time) (string, error) {
		if r.Status != StatusOpen {
			return "", errs.New(errs.Conflict, "already_resolved", "该整改单已处理", "this rectification is already resolved")
		}
		u, err := auth.GetUser(tx, assignee)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound || err == nil && (u.Disabled || u.Unit != r.Unit) {
			var v errs.Validation
			v.Add("assignee", "责任人须为本单位在用人员", "must be an enabled user of the rectification's unit")
			return "", v.Err()
		} else if err != nil {
			return "", err
		}
		r.Assignee, r.AssignedAt = assignee, &now
		return "to " + assignee, nil
	})
}

// Reopen sends a resolved rectification back to open with the reason the
// resolution was not accepted; the resolution is kept in Reopened.
func (s *Service) Reopen(p auth.Principal, id, reason string, seen int) (*Rectification, error) {
	var v errs.Validation
	reason = strings.TrimSpace(reason)
	if reason == "" {
		v.Add("reason", "请填写重新打开的原因", "say why it is reopened")
	}
	checkText(&v, "reason", reason, maxNote)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.change(p, id, seen, "rectification.reopen", func(tx *bolt.Tx, r *Rectification, now time.Time) (string, error) {
		if r.Status != StatusResolved {
			return "", errs.New(errs.Conflict, "not_resolved", "该整改单尚未处理，无需重新打开", "this rectification is still open")
		}
		r.Reopened = append(r.Reopened, Reopen{At: now, By: p.Username, Reason: reason, Note: r.Note, ResolvedBy: r.ResolvedBy, Photos: r.Photos})
		r.Status, r.ResolvedAt, r.ResolvedBy, r.Note, r.Photos = StatusOpen, nil, "", "", nil
		return reason, nil
	})
}
