package submissions

import (
	"encoding/json"
	"errors"
	"slices"

	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/rollups"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// RollupOf is what a submission counts in the report rollups (rollups/): the
// head as it now is and, for an acceptance sheet, its latest version's
// answers. saveHead puts it in every transaction that writes a head (after
// the version it points at is stored).
func RollupOf(tx *bolt.Tx, h *Head) (*rollups.Sheet, error) {
	tech := h.Technician
	if tech == "" && h.Kind == checklists.KindAcceptance {
		tech = h.Author
	}
	s := &rollups.Sheet{Kind: h.Kind, Unit: h.Unit, Technician: tech, StoreID: h.Subject.StoreID,
		FinishedAt: h.FinishedAt, Result: h.Result, TemplateID: h.TemplateID, TemplateVersion: h.TemplateVersion,
		Complete: h.Complete}
	if h.Kind != checklists.KindAcceptance {
		return s, nil
	}
	flags, _ := h.AllFlags()
	s.Flagged = len(flags) > 0
	s.PhotoReused = slices.Contains(flags, FlagPhotoReused)
	s.ClockSkew = slices.Contains(flags, FlagClockSkew)
	s.SpeedBelow = slices.Contains(flags, FlagSpeedBelowSubscribed)
	s.EditedAfterSg = slices.Contains(flags, FlagEditedAfterSignature)
	// A template with conditions: the items the sheet's conditions hid
	// count in nothing (checklists.Visible, as the technicians' report
	// judges them), which needs the whole version (answers, photos and the
	// facts it was judged on).
	tpl, err := checklists.Shared(tx, h.TemplateID, h.TemplateVersion)
	if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
		tpl, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if tpl != nil && checklists.HasConditions(tpl) {
		var v Version
		err := store.GetJSON(tx, store.BucketSubmissions, versionKey(h.ID, h.Version), &v)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		s.Shown = checklists.Visible(tpl, &v.Submission, v.JudgedOn)
		if err := s.Answers(tx, v.Answers); err != nil {
			return nil, err
		}
		return s, nil
	}
	// The answers of the version the head points at: as the push just
	// wrote them, else read back (only that field is kept).
	answers := h.answers
	if answers == nil {
		var v struct {
			Answers map[string]json.RawMessage `json:"answers"`
		}
		err := store.GetJSON(tx, store.BucketSubmissions, versionKey(h.ID, h.Version), &v)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil // a head without its version counts nothing (as the reports skip it)
		}
		if err != nil {
			return nil, err
		}
		answers = v.Answers
	}
	if err := s.Answers(tx, answers); err != nil {
		return nil, err
	}
	return s, nil
}

func putRollup(tx *bolt.Tx, h *Head) error {
	s, err := RollupOf(tx, h)
	if err != nil {
		return err
	}
	return rollups.PutSheet(tx, h.ID, s)
}
