package workorders

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/photos"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// UnreachableWait is how long a repair customer must have been unreachable,
// with a note left, before the technician may ask to close the fault
// (seed 004 第二十四条: 在24小时内的确联系不上客户并贴有留言条的，可向障碍台申请销障).
const UnreachableWait = 24 * time.Hour

// CompletedUnreachable is CompletedBy for a repair closed because the
// customer could not be reached; its callback (回访) confirms it.
const CompletedUnreachable = "unreachable"

// Unreachable is a repair's record of a customer who cannot be reached:
// every attempt, and the photo of the note (留言条) left at the door.
type Unreachable struct {
	Attempts  []UnreachableAttempt `json:"attempts"`
	NotePhoto string               `json:"note_photo,omitempty"`
}

// UnreachableAttempt is one failed try to reach the customer.
type UnreachableAttempt struct {
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
	Photo string    `json:"photo,omitempty"`
	By    string    `json:"by"`
	Key   string    `json:"key,omitempty"` // the client's idempotency key
}

// UnreachableInput is the body of POST /workorders/:id/unreachable: what was
// tried, and (once) the sha256 of the uploaded photo of the note left.
type UnreachableInput struct {
	Note  string `json:"note"`
	Photo string `json:"photo"`
	// Key (optional): a retry with the key of an attempt already recorded
	// answers the order as it is.
	Key string `json:"key,omitempty"`
}

// ErrNotePhotoNotUploaded: the note photo named is not one the caller has
// uploaded (its bytes are not on the server, or someone else uploaded them;
// knowing a hash proves nothing, API.md v1.1 Photos).
var ErrNotePhotoNotUploaded = &errs.Error{Kind: errs.Invalid, Code: "photo_not_uploaded",
	Message: errs.Msg{Zh: "留言条照片尚未上传，或不是您本人上传的：请先上传照片再登记", En: "the note photo has not been uploaded by you: upload it, then record the attempt"},
	Fields:  map[string]errs.Msg{"photo": {Zh: "照片须由您本人先上传", En: "the photo must be uploaded by you first"}}}

// Errors a client can act on.
var (
	ErrNotRepair       = errs.New(errs.Conflict, "not_repair", "只有故障（维修）工单可登记联系不上客户", "only a repair order records an unreachable customer")
	ErrNoNotePhoto     = errs.New(errs.Conflict, "no_note_photo", "须先拍照登记所贴留言条", "record the photo of the note left first")
	ErrUnreachableSoon = errs.New(errs.Conflict, "unreachable_too_soon", "联系不上客户满 24 小时后才能申请销障", "a fault can be closed only after 24 hours unreachable")
)

// RecordUnreachable adds a failed attempt to reach a repair's customer,
// audited as workorder.unreachable.
func (s *Service) RecordUnreachable(by auth.Principal, id string, in UnreachableInput) (*WorkOrder, error) {
	in.Note, in.Photo = strings.TrimSpace(in.Note), strings.ToLower(strings.TrimSpace(in.Photo))
	var v errs.Validation
	if utf8.RuneCountInString(in.Note) > MaxHoldReasonLen {
		v.Add("note", fmt.Sprintf("说明不能超过 %d 个字", MaxHoldReasonLen), fmt.Sprintf("note must be at most %d characters", MaxHoldReasonLen))
	}
	if in.Photo != "" && !store.ValidSHA256(in.Photo) {
		v.Add("photo", "照片须为已上传照片的 sha256", "photo must be the sha256 of an uploaded photo")
	}
	validKey(&v, in.Key)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var out *WorkOrder
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := Get(tx, id)
		if err != nil {
			return err
		}
		if err := canRead(by, old); err != nil {
			return err
		}
		if in.Key != "" && old.Unreachable != nil {
			for _, a := range old.Unreachable.Attempts {
				if a.Key == in.Key {
					out = old // a retry of an attempt already recorded
					return nil
				}
			}
		}
		if old, err = openRepair(tx, by, id); err != nil {
			return err
		}
		if in.Photo != "" && !photos.Possesses(tx, in.Photo, by.Username) {
			return ErrNotePhotoNotUploaded
		}
		next := *old
		u := Unreachable{}
		if old.Unreachable != nil {
			u = *old.Unreachable
			u.Attempts = append([]UnreachableAttempt(nil), u.Attempts...)
		}
		if len(u.Attempts) >= MaxAppointments {
			return errs.New(errs.Conflict, "too_many_records", "登记条数已达上限", "this order's record is full")
		}
		u.Attempts = append(u.Attempts, UnreachableAttempt{At: now, Note: in.Note, Photo: in.Photo, By: by.Username, Key: in.Key})
		if u.NotePhoto == "" {
			u.NotePhoto = in.Photo
		}
		next.Unreachable = &u
		next.Version++
		next.UpdatedAt = now
		if err := save(tx, old, &next); err != nil {
			return err
		}
		out = &next
		return store.Audit(tx, now, by.Actor(), "workorder.unreachable", "workorder/"+id, fmt.Sprintf("attempt %d", len(u.Attempts)))
	})
	return out, err
}

// CloseUnreachable closes a repair whose customer has been unreachable for
// UnreachableWait with a note left: the order completes (CompletedBy
// "unreachable") and then — the callback kick-off — runs in the same commit,
// so the 回访 confirms it.
func (s *Service) CloseUnreachable(by auth.Principal, id string, then Hook) (*WorkOrder, error) {
	now := s.now()
	var wo *WorkOrder
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := openRepair(tx, by, id)
		if err != nil {
			return err
		}
		u := old.Unreachable
		switch {
		case u == nil || u.NotePhoto == "":
			return ErrNoNotePhoto
		case now.Sub(u.Attempts[0].At) < UnreachableWait:
			return ErrUnreachableSoon
		}
		if wo, err = complete(tx, id, CompletedUnreachable, "联系不上客户，已贴留言条，申请销障", now, by.Actor()); err != nil {
			return err
		}
		if then != nil {
			return then(tx, wo, now, now)
		}
		return nil
	})
	return wo, err
}

// openRepair is open repair order id, if the caller may act on it.
func openRepair(tx *bolt.Tx, by auth.Principal, id string) (*WorkOrder, error) {
	old, err := Get(tx, id)
	if err != nil {
		return nil, err
	}
	if err := canRead(by, old); err != nil {
		return nil, err
	}
	switch {
	case old.Status == StatusCompleted:
		return nil, ErrCompleted
	case old.Status == StatusCancelled:
		return nil, ErrCancelled
	case old.Type != TypeRepair:
		return nil, ErrNotRepair
	}
	return old, nil
}
