package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditEntry records who changed what, when and from which device.
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Device string    `json:"device,omitempty"`
	Action string    `json:"action"` // e.g. "submission.accepted", "user.patch"
	Object string    `json:"object"` // e.g. "submission/0f3c…"
	Unit   string    `json:"unit,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Actor identifies who makes a change, for the audit log.
type Actor struct {
	Username string
	Unit     string
	Device   string
}

// Audit appends an entry in the same transaction as the change it records.
func Audit(tx *bolt.Tx, at time.Time, who Actor, action, object, detail string) error {
	b := tx.Bucket(BucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(AuditEntry{At: at, Actor: who.Username, Device: who.Device, Unit: who.Unit,
		Action: action, Object: object, Detail: detail})
	if err != nil {
		return err
	}
	return b.Put(Key(TimeKey(at), U64(seq)), data)
}

// AuditRange walks entries with from ≤ at < to, oldest first.
func AuditRange(tx *bolt.Tx, from, to time.Time, fn func(AuditEntry) error) error {
	c := tx.Bucket(BucketAudit).Cursor()
	end := TimeKey(to)
	for k, v := c.Seek(TimeKey(from)); k != nil && string(k[:8]) < string(end); k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
