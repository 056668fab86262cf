package submissions

import (
	"bytes"
	"encoding/base64"
	"slices"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// CanRead reports whether p may read submission id (API.md "Who may call
// what"): technicians their own; inspectors their own and the submissions of
// stores they inspect (their unit's stores, or a store they have walked
// through themselves); agents those of orders whose callback they hold;
// supervisors their unit's (the order's or the store's unit); admins all.
// An unknown id is false: callers answer 404 either way.
func CanRead(tx *bolt.Tx, p auth.Principal, id string) (bool, error) {
	h, err := loadHead(tx, id)
	if err != nil || h == nil {
		return false, err
	}
	return canRead(tx, p, h, time.Now())
}

func canRead(tx *bolt.Tx, p auth.Principal, h *Head, now time.Time) (bool, error) {
	if p.Role == auth.RoleAdmin || (h.Author == p.Username && p.Username != "") {
		return true, nil
	}
	switch p.Role {
	case auth.RoleSupervisor:
		return p.Scope().CoversUnit(h.Unit), nil
	case auth.RoleInspector:
		if h.Subject.StoreID == "" {
			return false, nil
		}
		if p.Unit != "" && h.Unit == p.Unit {
			return true, nil
		}
		return inspected(tx, p.Username, h.Subject.StoreID)
	case auth.RoleAgent:
		if h.Subject.WorkOrderID == "" {
			return false, nil
		}
		return callbacks.HoldsOrder(tx, p.Username, h.Subject.WorkOrderID, now)
	}
	return false, nil
}

// inspected reports whether inspector has a submission of their own about store.
func inspected(tx *bolt.Tx, inspector, storeID string) (bool, error) {
	found := false
	err := store.ScanPrefix(tx, store.BucketSubmissionsBySubject, store.Prefix("store:"+storeID), nil, func(k, _ []byte) error {
		if store.Has(tx, store.BucketSubmissionsByAuthor, authorKey(inspector, store.SplitLast(k))) {
			found = true
			return store.Stop
		}
		return nil
	})
	return found, err
}

var errNoSubmission = errs.New(errs.NotFound, "not_found", "未找到这份记录", "submission not found")

// Get returns version (0 = latest) of submission id as p may see it. A
// caller who may not read it gets the same 404 as for an unknown id, so ids
// do not leak.
func Get(tx *bolt.Tx, p auth.Principal, id string, version int, now time.Time) (*View, error) {
	h, err := loadHead(tx, id)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errNoSubmission
	}
	if ok, err := canRead(tx, p, h, now); err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, errNoSubmission
	}
	if version == 0 {
		version = h.Version
	}
	if version < 0 || version > h.Version {
		return nil, errs.New(errs.NotFound, "not_found", "这份记录没有该版本", "this submission has no such version")
	}
	rec, err := loadVersion(tx, id, version)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errNoSubmission
	}
	v := &View{Submission: rec.Submission, Version: rec.Version, LatestVersion: h.Version, Kind: rec.Kind,
		Author: rec.Author, DeviceID: rec.DeviceID, ReceivedAt: rec.ReceivedAt, DeviceTime: rec.DeviceTime,
		SkewSeconds: rec.SkewSeconds, FinishedAtOriginal: rec.FinishedAtOriginal, JudgedOn: rec.JudgedOn,
		Score: rec.Result.Score, MaxScore: rec.Result.MaxScore, Percent: rec.Result.Percent,
		Grade: rec.Result.Grade, Passed: rec.Result.Passed, Deductions: rec.Result.Deductions,
		Fines: rec.Result.Fines, FailedCritical: rec.Result.FailedCritical, RectificationID: h.RectificationID}
	if version == h.Version {
		// The latest version's photo state and reuse evidence are live.
		v.Complete, v.MissingPhotos = h.Complete, nonNil(h.MissingPhotos)
		v.Flags, v.FlagDetails = h.AllFlags()
	} else {
		missing := missingPhotos(tx, rec.Photos, h.Author)
		v.Complete, v.MissingPhotos = len(missing) == 0, missing
		v.Flags, v.FlagDetails = nonNil(rec.Flags), rec.FlagDetails
	}
	if v.Deductions == nil {
		v.Deductions = []checklists.Deduction{}
	}
	if v.FlagDetails, err = detailsFor(tx, p, v.FlagDetails); err != nil {
		return nil, err
	}
	// Reviewers get the other record named (order number, store name).
	if err := nameOthers(tx, p, v.FlagDetails, now); err != nil {
		return nil, err
	}
	return v, nil
}

// detailsFor is flag_details as p may see them. Supervisors and admins
// review: they see the other record a photo_reused flag points at. Anyone
// else (the technician or inspector who wrote the sheet, an agent) sees the
// flag and their own photo, but never another person's submission id or
// photo hash: those name a colleague's sheet and original, which are the
// reviewer's to compare, not the flagged technician's to fetch. The other
// record stays named when it is the caller's own sheet.
func detailsFor(tx *bolt.Tx, p auth.Principal, details []FlagDetail) ([]FlagDetail, error) {
	out := make([]FlagDetail, 0, len(details))
	if p.Role == auth.RoleSupervisor || p.Role == auth.RoleAdmin {
		return append(out, details...), nil
	}
	for _, d := range details {
		if d.SubmissionID != "" || d.MatchedPhoto != "" {
			other, err := loadHead(tx, d.SubmissionID)
			if err != nil {
				return nil, err
			}
			if other == nil || other.Author != p.Username || p.Username == "" {
				d.SubmissionID, d.MatchedPhoto = "", ""
			}
		}
		if !slices.Contains(out, d) { // two stripped matches read alike
			out = append(out, d)
		}
	}
	return out, nil
}

// Filter narrows List; zero fields match everything.
type Filter struct {
	WorkOrderID string
	StoreID     string
	Flag        string
	Complete    *bool
	From, To    time.Time // skew-corrected finished_at, from ≤ t < to; zero: open
}

// maxScan bounds the index entries one List call walks, so a filter that
// matches nothing cannot hold a read transaction over the whole index; the
// answer then carries a next cursor to continue from.
const maxScan = 20000

var errBadCursor = errs.New(errs.BadRequest, "bad_cursor", "分页游标无效", "invalid paging cursor")

// List returns the submissions p may list (technicians and inspectors their
// own, supervisors their unit's, admins all) matching f, at most limit, after
// the cursor a previous page returned, and the next cursor ("" at the end).
func List(db *store.DB, p auth.Principal, f Filter, limit int, after string) ([]Summary, string, error) {
	var bucket, prefix, start, end []byte
	switch {
	case f.Flag != "" && f.WorkOrderID == "" && f.StoreID == "":
		// Flagged sheets: a run of the flag's entries in the caller's
		// scope, by finish time (flagindex.go).
		if err := ensureFlagIndex(db); err != nil {
			return nil, "", err
		}
		var scope string
		switch p.Role {
		case auth.RoleAdmin:
			scope = "*"
		case auth.RoleSupervisor:
			if p.Unit == "" {
				return []Summary{}, "", nil
			}
			scope = "u:" + p.Unit
		case auth.RoleTechnician, auth.RoleInspector:
			scope = "a:" + p.Username
		default:
			return nil, "", errs.ErrForbidden
		}
		bucket, prefix = store.BucketSubmissionsByFlag, store.Prefix(scope, f.Flag)
		if !f.From.IsZero() {
			start = append(prefix[:len(prefix):len(prefix)], store.TimeKey(f.From)...)
		}
		if !f.To.IsZero() {
			end = append(prefix[:len(prefix):len(prefix)], store.TimeKey(f.To)...)
		}
	case f.WorkOrderID != "":
		bucket, prefix = store.BucketSubmissionsBySubject, store.Prefix("wo:"+f.WorkOrderID)
	case f.StoreID != "":
		bucket, prefix = store.BucketSubmissionsBySubject, store.Prefix("store:"+f.StoreID)
	case p.Role == auth.RoleTechnician || p.Role == auth.RoleInspector:
		bucket, prefix = store.BucketSubmissionsByAuthor, store.Prefix(p.Username)
	case p.Role == auth.RoleSupervisor && p.Unit != "":
		// Their unit's sheets by finish time (unitindex.go).
		if err := ensureUnitIndex(db); err != nil {
			return nil, "", err
		}
		bucket, prefix = store.BucketSubmissionsByUnit, store.Prefix(p.Unit)
		if !f.From.IsZero() {
			start = append(prefix[:len(prefix):len(prefix)], store.TimeKey(f.From)...)
		}
		if !f.To.IsZero() {
			end = append(prefix[:len(prefix):len(prefix)], store.TimeKey(f.To)...)
		}
	case p.Role == auth.RoleSupervisor || p.Role == auth.RoleAdmin:
		bucket = store.BucketSubmissionsByTime
		if !f.From.IsZero() {
			start = store.TimeKey(f.From)
		}
		if !f.To.IsZero() {
			end = store.TimeKey(f.To)
		}
	default:
		return nil, "", errs.ErrForbidden
	}
	if after != "" {
		k, err := base64.RawURLEncoding.DecodeString(after)
		if err != nil || !bytes.HasPrefix(k, prefix) {
			return nil, "", errBadCursor
		}
		start = append(k, 0) // the first key after it
	}
	if limit <= 0 {
		limit = 200
	}
	out := []Summary{}
	next := ""
	err := db.View(func(tx *bolt.Tx) error {
		scanned := 0
		return store.ScanPrefix(tx, bucket, prefix, start, func(k, _ []byte) error {
			scanned++
			if end != nil && bytes.Compare(k, end) >= 0 {
				return store.Stop
			}
			h, err := loadHead(tx, store.SplitLast(k))
			if err != nil {
				return err
			}
			if h != nil && listable(p, h) && f.match(h) {
				out = append(out, summarize(h))
			}
			if len(out) >= limit || scanned >= maxScan {
				next = base64.RawURLEncoding.EncodeToString(k)
				return store.Stop
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// listable: the list is narrower than reading one sheet (API.md: agents and
// other inspectors' sheets are not listed).
func listable(p auth.Principal, h *Head) bool {
	switch p.Role {
	case auth.RoleAdmin:
		return true
	case auth.RoleSupervisor:
		return p.Scope().CoversUnit(h.Unit)
	case auth.RoleTechnician, auth.RoleInspector:
		return h.Author == p.Username
	}
	return false
}

func (f Filter) match(h *Head) bool {
	if f.WorkOrderID != "" && h.Subject.WorkOrderID != f.WorkOrderID {
		return false
	}
	if f.StoreID != "" && h.Subject.StoreID != f.StoreID {
		return false
	}
	if f.Complete != nil && h.Complete != *f.Complete {
		return false
	}
	if !f.From.IsZero() && h.FinishedAt.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !h.FinishedAt.Before(f.To) {
		return false
	}
	if f.Flag != "" {
		flags, _ := h.AllFlags()
		found := false
		for _, x := range flags {
			found = found || x == f.Flag
		}
		if !found {
			return false
		}
	}
	return true
}

func summarize(h *Head) Summary {
	flags, _ := h.AllFlags()
	return Summary{ID: h.ID, Version: h.Version, Kind: h.Kind, TemplateID: h.TemplateID,
		TemplateVersion: h.TemplateVersion, Subject: h.Subject, Author: h.Author, Unit: h.Unit,
		FinishedAt: h.FinishedAt, Complete: h.Complete, MissingPhotos: nonNil(h.MissingPhotos),
		Score: h.Result.Score, MaxScore: h.Result.MaxScore, Percent: h.Result.Percent, Grade: h.Result.Grade,
		Passed: h.Result.Passed, Fines: h.Result.Fines, Flags: flags}
}

// Read is Get in its own short read transaction.
func Read(db *store.DB, p auth.Principal, id string, version int, now time.Time) (*View, error) {
	var v *View
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = Get(tx, p, id, version, now)
		return err
	})
	return v, err
}
