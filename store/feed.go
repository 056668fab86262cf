package store

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

// A Change says that a record changed, for sync pulls. Scopes decide who
// sees it: ScopeAll (templates), ScopeUnit(u) (stores, a unit's orders),
// ScopeUser(name) (a technician's orders and own submissions).
type Change struct {
	Seq  uint64 `json:"seq"`
	Kind string `json:"kind"` // "workorder" | "removed" | "template" | "store" | "submission"
	ID   string `json:"id"`
}

// ScopeAll is the scope every user pulls.
const ScopeAll = "*"

// ScopeUser is the scope of one user's own records.
func ScopeUser(username string) string { return "u:" + username }

// ScopeUnit is the scope of one unit's records.
func ScopeUnit(unit string) string { return "unit:" + unit }

// Publish appends one change, with one shared sequence number, to each scope.
// All writers take the sequence from the feed bucket, so the seq is a global
// cursor.
func Publish(tx *bolt.Tx, kind, id string, scopes ...string) error {
	b := tx.Bucket(BucketFeed)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(Change{Seq: seq, Kind: kind, ID: id})
	if err != nil {
		return err
	}
	for _, s := range scopes {
		if err := b.Put(Key(s, U64(seq)), data); err != nil {
			return err
		}
	}
	return nil
}

// FeedSince returns the changes in scope with seq > after, in order, at most
// limit of them.
func FeedSince(tx *bolt.Tx, scope string, after uint64, limit int) ([]Change, error) {
	var out []Change
	prefix := Prefix(scope)
	err := ScanPrefix(tx, BucketFeed, prefix, append(Prefix(scope), U64(after+1)...), func(k, v []byte) error {
		var c Change
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		out = append(out, c)
		if len(out) >= limit {
			return Stop
		}
		return nil
	})
	return out, err
}

// FeedHead is the last sequence number handed out.
func FeedHead(tx *bolt.Tx) uint64 { return tx.Bucket(BucketFeed).Sequence() }
