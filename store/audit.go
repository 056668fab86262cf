package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
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
// The identifiers in it (who, from which device, on what) are cleaned of
// control characters whatever path they came by: an entry is one line of an
// export, never two.
func Audit(tx *bolt.Tx, at time.Time, who Actor, action, object, detail string) error {
	b := tx.Bucket(BucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(AuditEntry{At: at, Actor: CleanIdentifier(who.Username), Device: CleanIdentifier(who.Device),
		Unit: CleanIdentifier(who.Unit), Action: action, Object: CleanIdentifier(object), Detail: detail})
	if err != nil {
		return err
	}
	key := Key(TimeKey(at), U64(seq))
	if err := b.Put(key, data); err != nil {
		return err
	}
	if tx.Bucket(BucketMeta).Get(metaAuditIndex) == nil {
		return nil
	}
	return markAuditBy(tx.Bucket(BucketAuditBy), CleanIdentifier(who.Username), CleanIdentifier(who.Unit), key)
}

// The audit log's filter index (BucketAuditBy): "a:"actor 0x00 entry key and
// "u:"unit 0x00 entry key → nil, so a list by actor or by unit is one seek
// and a run of its own entries, not a walk over everyone's. Meta
// "audit_index" says it is complete; Open builds it for a file from before
// it, and until then pages by actor or unit walk the log.
var metaAuditIndex = []byte("audit_index")

func markAuditBy(b *bolt.Bucket, actor, unit string, key []byte) error {
	if actor != "" {
		if err := b.Put(append(Prefix("a:"+actor), key...), []byte{}); err != nil {
			return err
		}
	}
	if unit != "" {
		return b.Put(append(Prefix("u:"+unit), key...), []byte{})
	}
	return nil
}

// buildAuditIndex indexes every entry when the index is not complete yet.
func buildAuditIndex(tx *bolt.Tx) error {
	if tx.Bucket(BucketMeta).Get(metaAuditIndex) != nil {
		return nil
	}
	ix := tx.Bucket(BucketAuditBy)
	c := tx.Bucket(BucketAudit).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if err := markAuditBy(ix, e.Actor, e.Unit, k); err != nil {
			return err
		}
	}
	return tx.Bucket(BucketMeta).Put(metaAuditIndex, []byte{1})
}

// AuditFilter narrows AuditPageBy: entries of one actor, of one unit
// (ByUnit; a Unit of "" is the entries without one), or both.
type AuditFilter struct {
	Actor  string
	Unit   string
	ByUnit bool
	// Keep, when set, narrows further what the run finds (filters no index
	// serves).
	Keep func(AuditEntry) bool
}

func (f AuditFilter) keep(e AuditEntry) bool {
	return (f.Actor == "" || e.Actor == f.Actor) && (!f.ByUnit || e.Unit == f.Unit) && (f.Keep == nil || f.Keep(e))
}

// AuditQuery is a reader's question to the audit log (GET /audit): the
// entries with From ≤ at < To, of one actor (exact) when Actor is set, whose
// action and object start with Action and Object, from device Device
// (exact), up to Limit after the cursor After.
type AuditQuery struct {
	From, To       time.Time
	Actor          string
	Action, Object string
	Device         string
	After          string
	Limit          int
}

// AuditScope is which units' entries a reader sees: the one scope rule
// (auth.Scope satisfies it; the store cannot import auth). An entry's unit
// is its actor's.
type AuditScope interface {
	AllUnits() bool // every unit's entries (the admin)
	NoUnit() bool   // none (a supervisor an edit left without a unit)
	Unit() string   // else this unit's only (a supervisor)
}

// AuditList answers q for a reader of scope sc, the scope applied here, in
// the query, so no caller filters entries itself: a supervisor pages
// through their unit's run of the filter index, the admin through the log.
func (db *DB) AuditList(sc AuditScope, q AuditQuery) (items []AuditEntry, next string, err error) {
	f := AuditFilter{Actor: q.Actor, Keep: func(e AuditEntry) bool {
		return (q.Action == "" || strings.HasPrefix(e.Action, q.Action)) &&
			(q.Object == "" || strings.HasPrefix(e.Object, q.Object)) &&
			(q.Device == "" || e.Device == q.Device)
	}}
	switch {
	case sc.AllUnits():
	case sc.NoUnit() || sc.Unit() == "":
		if q.After != "" {
			if b, err := hex.DecodeString(q.After); err != nil || len(b) < 8 {
				return nil, "", ErrBadAuditCursor
			}
		}
		return []AuditEntry{}, "", nil
	default:
		f.Unit, f.ByUnit = sc.Unit(), true
	}
	return db.AuditPageBy(q.From, q.To, f, q.After, q.Limit)
}

// AuditPageBy is AuditPage for f, through the filter index: an actor's or a
// unit's entries are a run of their own index keys, whatever others wrote.
// The cursor is the entry's key either way.
func (db *DB) AuditPageBy(from, to time.Time, f AuditFilter, after string, limit int) (items []AuditEntry, next string, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		var prefix []byte
		switch {
		case tx.Bucket(BucketMeta).Get(metaAuditIndex) == nil:
		case f.Actor != "":
			prefix = Prefix("a:" + f.Actor)
		case f.ByUnit && f.Unit != "":
			prefix = Prefix("u:" + f.Unit)
		}
		if prefix == nil {
			var err error
			items, next, err = AuditPage(tx, from, to, after, limit, f.keep)
			return err
		}
		var start []byte
		if after != "" {
			var err error
			start, err = hex.DecodeString(after)
			if err != nil || len(start) < 8 {
				return ErrBadAuditCursor
			}
		}
		seek := append(prefix[:len(prefix):len(prefix)], TimeKey(from)...)
		if start != nil && bytes.Compare(start, seek[len(prefix):]) > 0 {
			seek = append(prefix[:len(prefix):len(prefix)], start...)
		}
		end := TimeKey(to)
		audit := tx.Bucket(BucketAudit)
		var last []byte
		c := tx.Bucket(BucketAuditBy).Cursor()
		for k, _ := c.Seek(seek); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			key := k[len(prefix):]
			if len(key) < 8 || bytes.Compare(key[:8], end) >= 0 {
				break
			}
			if start != nil && bytes.Equal(key, start) {
				continue
			}
			v := audit.Get(key)
			if v == nil {
				continue
			}
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !f.keep(e) {
				continue
			}
			if len(items) == limit {
				next = hex.EncodeToString(last)
				break
			}
			items = append(items, e)
			last = append(last[:0], key...)
		}
		return nil
	})
	return items, next, err
}

// AuditRange walks entries with from ≤ at < to, oldest first. fn returning
// Stop ends the walk without error.
func AuditRange(tx *bolt.Tx, from, to time.Time, fn func(AuditEntry) error) error {
	return auditWalk(tx, from, to, nil, func(_ []byte, e AuditEntry) error { return fn(e) })
}

// ErrBadAuditCursor is an after= token that no audit page handed out.
var ErrBadAuditCursor = errors.New("store: bad audit cursor")

// AuditPage is AuditPage in a read transaction of its own, for callers
// outside the store (the server's GET /api/v1/audit).
func (db *DB) AuditPage(from, to time.Time, after string, limit int, keep func(AuditEntry) bool) (items []AuditEntry, next string, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		var err error
		items, next, err = AuditPage(tx, from, to, after, limit, keep)
		return err
	})
	return items, next, err
}

// AuditPage answers up to limit entries with from ≤ at < to that keep
// accepts, oldest first, starting after the entry the cursor after names
// ("" for the first page). next is the cursor for the following page, "" when
// none is left. The cursor is the entry's key, so entries written in the same
// nanosecond by the same actor on the same object still each come once.
func AuditPage(tx *bolt.Tx, from, to time.Time, after string, limit int, keep func(AuditEntry) bool) (items []AuditEntry, next string, err error) {
	var start []byte
	if after != "" {
		start, err = hex.DecodeString(after)
		if err != nil || len(start) < 8 {
			return nil, "", ErrBadAuditCursor
		}
	}
	var last []byte
	err = auditWalk(tx, from, to, start, func(k []byte, e AuditEntry) error {
		if start != nil && bytes.Equal(k, start) {
			return nil
		}
		if keep != nil && !keep(e) {
			return nil
		}
		if len(items) == limit {
			next = hex.EncodeToString(last)
			return Stop
		}
		items = append(items, e)
		last = append(last[:0], k...)
		return nil
	})
	return items, next, err
}

// auditWalk calls fn for each entry with from ≤ at < to, beginning at the
// first key ≥ start when start is later than from.
func auditWalk(tx *bolt.Tx, from, to time.Time, start []byte, fn func(k []byte, e AuditEntry) error) error {
	c := tx.Bucket(BucketAudit).Cursor()
	end := TimeKey(to)
	seek := TimeKey(from)
	if bytes.Compare(start, seek) > 0 {
		seek = start
	}
	for k, v := c.Seek(seek); k != nil && len(k) >= 8 && bytes.Compare(k[:8], end) < 0; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if err := fn(k, e); err != nil {
			if errors.Is(err, Stop) {
				return nil
			}
			return err
		}
	}
	return nil
}
