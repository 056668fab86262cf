package callbacks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

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
	RectOpen     = "open"
	RectResolved = "resolved"
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
	OpenedBy string      `json:"opened_by,omitempty"`
	by       store.Actor // for the audit entry; set with By
}

// By names who opens the rectification (for OpenedBy and the audit log).
func (r Rectification) By(who store.Actor) Rectification {
	r.by, r.OpenedBy = who, who.Username
	return r
}

// OpenRectification opens a rectification for unit inside the caller's
// transaction (the sync package calls it for inspections with deductions).
// It is opened now by the wall clock; use NewRectification to give the open
// time, the technician or the order.
func OpenRectification(tx *bolt.Tx, unit, source, subjectRef, reason string, due time.Time) (*Rectification, error) {
	return NewRectification(tx, Rectification{Unit: unit, Source: source, SubjectRef: subjectRef,
		Reason: reason, DueAt: due, OpenedAt: time.Now()})
}

// NewRectification stores r as a new open rectification and returns it with
// its id. OpenedAt zero means now (wall clock).
func NewRectification(tx *bolt.Tx, r Rectification) (*Rectification, error) {
	seq, err := store.NextSeq(tx, store.BucketRectifications)
	if err != nil {
		return nil, err
	}
	r.ID = fmt.Sprintf("rc-%010d", seq)
	r.Status = RectOpen
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

// RectFilter narrows ListRectifications; empty fields match everything.
type RectFilter struct {
	Unit       string
	Technician string
	Status     string // open | resolved
}

// RectFilterFor is what p may see: technicians their own, inspectors and
// supervisors their unit's, admins all. ok is false for roles that see none.
func RectFilterFor(p auth.Principal) (f RectFilter, ok bool) {
	switch p.Role {
	case auth.RoleAdmin:
		return f, true
	case auth.RoleTechnician:
		return RectFilter{Technician: p.Username}, true
	case auth.RoleInspector, auth.RoleSupervisor:
		return RectFilter{Unit: p.Unit}, true
	}
	return f, false
}

func (f RectFilter) match(r *Rectification) bool {
	return (f.Unit == "" || r.Unit == f.Unit) && (f.Technician == "" || r.Technician == f.Technician) &&
		(f.Status == "" || r.Status == f.Status)
}

// ListRectifications lists rectifications oldest first (ids follow opening
// order). There are few of them — one per unsatisfied callback or failed
// inspection — so a filtered walk is fine.
func (s *Service) ListRectifications(f RectFilter, limit int, after string) ([]Rectification, string, error) {
	if f.Status != "" && f.Status != RectOpen && f.Status != RectResolved {
		var v errs.Validation
		v.Add("status", "状态须为 open 或 resolved", "status must be open or resolved")
		return nil, "", v.Err()
	}
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

// maxResolvePhotos bounds the photos one resolution carries.
const maxResolvePhotos = 10

// Resolve closes a rectification with what was done. p must be entitled to
// see it (RectFilterFor); resolving twice is a conflict.
func (s *Service) Resolve(p auth.Principal, id, note string) (*Rectification, error) {
	return s.ResolveWith(p, id, note, nil)
}

// ResolveWith is Resolve with photos of the measures taken: each a sha256
// the server already holds (uploaded with PUT /photos/:sha256). A technician
// may not resolve one (API.md v1.1): their own work is what it rectifies.
func (s *Service) ResolveWith(p auth.Principal, id, note string, shas []string) (*Rectification, error) {
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
	f, ok := RectFilterFor(p)
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
		if r.Status == RectResolved {
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
		r.Status, r.ResolvedAt, r.ResolvedBy, r.Note, r.Photos = RectResolved, &now, p.Username, note, pics
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
