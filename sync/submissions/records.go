package submissions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Keys of the submission buckets (store/layout.go).

func versionKey(id string, version int) []byte { return store.Key(id, store.U32(uint32(version))) }

func subjectPrefix(s checklists.Subject) string {
	if s.WorkOrderID != "" {
		return "wo:" + s.WorkOrderID
	}
	return "store:" + s.StoreID
}

func subjectKey(s checklists.Subject, id string) []byte { return store.Key(subjectPrefix(s), id) }

func authorKey(author, id string) []byte { return store.Key(author, id) }

func timeIndexKey(finished time.Time, id string) []byte {
	return store.Key(store.TimeKey(finished), id)
}

// LoadHead returns the head of id inside the caller's transaction, or nil
// when there is none: what the sync pull reads to send a phone its own
// sheets' versions.
func LoadHead(tx *bolt.Tx, id string) (*Head, error) { return loadHead(tx, id) }

// loadHead returns the head of id, or nil when there is none.
func loadHead(tx *bolt.Tx, id string) (*Head, error) {
	var h Head
	err := store.GetJSON(tx, store.BucketSubmissionHeads, []byte(id), &h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

func saveHead(tx *bolt.Tx, h *Head) error {
	if err := moveFlagIndex(tx, h); err != nil {
		return err
	}
	if err := putRollup(tx, h); err != nil { // the report figures, in this commit
		return err
	}
	return store.PutJSON(tx, store.BucketSubmissionHeads, []byte(h.ID), h)
}

// loadVersion returns version v of id, or nil.
func loadVersion(tx *bolt.Tx, id string, v int) (*Version, error) {
	var rec Version
	err := store.GetJSON(tx, store.BucketSubmissions, versionKey(id, v), &rec)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// ContentHash is the canonical hash of what a submission says: template_id,
// template_version, subject, answers, photos, photo_meta and finished_at (as
// the phone sent it), encoded as JSON with sorted keys at every depth and
// hashed with sha256. Key order, whitespace and empty maps do not change it,
// so a replay from another code path of the PWA still matches.
func ContentHash(s *checklists.Submission) (string, error) {
	m := map[string]any{
		"template_id":      s.TemplateID,
		"template_version": s.TemplateVersion,
		"subject":          s.Subject,
	}
	if len(s.Answers) > 0 {
		m["answers"] = s.Answers
	}
	if len(s.Photos) > 0 {
		m["photos"] = s.Photos
	}
	if len(s.PhotoMeta) > 0 {
		m["photo_meta"] = s.PhotoMeta
	}
	if s.FinishedAt != nil {
		m["finished_at"] = s.FinishedAt.UTC().Format(time.RFC3339Nano)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	// Round-trip through generic values: maps re-encode with sorted keys at
	// every depth (the answers are raw JSON in the phone's key order).
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return "", err
	}
	canon, err := json.Marshal(generic)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// putVersion stores version v of id, already encoded.
func putVersion(tx *bolt.Tx, id string, v int, data []byte) error {
	return tx.Bucket(store.BucketSubmissions).Put(versionKey(id, v), data)
}
