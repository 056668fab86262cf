package callbacks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The list's status and unit index (issue 15: `GET /callbacks?status=` and
// a unit's list walked every task of the range and skipped the others).
// Each task has, beside its BucketCallbacksByTime entry, in
//
//	BucketCallbacksByStatus: scope 0x00 class 0x00 finished(8) 0x00 id → nil
//
// the entries "*" class, "u:"unit class and "u:"unit "all", where class is
// the stored status's: "open" (pending or claimed — a lease that ran out
// turns claimed into pending with time alone, so the two share a class and
// List tells them apart on the advanced task), "done" or "unreachable". So
// a list with a status, or in one unit's scope, is one run of the index in
// finish-time order; the part after the prefix is the BucketCallbacksByTime
// key, so a page's cursor is the same whichever way it was read. Meta
// "callbacks_status_index" says it is complete: a data dir from before it
// gets it built from the tasks when the service starts (New); until then
// save leaves it alone and List walks the time index as before.
var metaStatusIndex = []byte("callbacks_status_index")

func statusIndexOn(tx *bolt.Tx) bool { return statusIndex.On(tx) }

// statusClass is the index class of a stored status; of a filter's status
// too.
func statusClass(status string) string {
	switch status {
	case StatusPending, StatusClaimed:
		return "open"
	}
	return status
}

func (t *Task) statusKeys() [][]byte {
	at := store.TimeKey(t.FinishedAt)
	class := statusClass(t.Status)
	return [][]byte{
		store.Key("*", class, at, t.ID),
		store.Key("u:"+t.Unit, class, at, t.ID),
		store.Key("u:"+t.Unit, "all", at, t.ID),
	}
}

// statusIndexPrefix is the run of the index a list in sc with status reads;
// ok is false when the time index serves it as well (every unit, no status).
func statusIndexPrefix(sc Scope, status string) (prefix []byte, ok bool) {
	scope := "*"
	if u := sc.Unit(); u != "" {
		scope = "u:" + u
	}
	class := statusClass(status)
	if class == "" {
		if scope == "*" {
			return nil, false
		}
		class = "all"
	}
	return store.Prefix(scope, class), true
}

// moveStatusEntries takes old's entries out and puts t's in, only those
// that changed.
func moveStatusEntries(tx *bolt.Tx, old, t *Task) error {
	if !statusIndexOn(tx) {
		return nil
	}
	b := tx.Bucket(store.BucketCallbacksByStatus)
	var oldK [][]byte
	if old != nil {
		oldK = old.statusKeys()
	}
	newK := t.statusKeys()
	has := func(ks [][]byte, k []byte) bool {
		for _, x := range ks {
			if bytes.Equal(x, k) {
				return true
			}
		}
		return false
	}
	for _, k := range oldK {
		if !has(newK, k) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range newK {
		if !has(oldK, k) {
			if err := b.Put(k, []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// statusIndex is the index as a store.Derived: built from the tasks when it
// is not complete (a data dir from before it).
var statusIndex = store.Derived{
	Meta: metaStatusIndex, Source: store.BucketCallbacks, Into: [][]byte{store.BucketCallbacksByStatus},
	Log: "callbacks: built the list's status index", Counted: "tasks",
	Entries: func(k, v []byte, add func(int, []byte, []byte)) error {
		var t Task // only the fields the keys need are decoded
		var slim struct {
			ID         string    `json:"id"`
			Unit       string    `json:"unit"`
			Status     string    `json:"status"`
			FinishedAt time.Time `json:"finished_at"`
		}
		if err := json.Unmarshal(v, &slim); err != nil {
			return fmt.Errorf("callbacks: status index: task %s: %w", k, err)
		}
		t.ID, t.Unit, t.Status, t.FinishedAt = slim.ID, slim.Unit, slim.Status, slim.FinishedAt
		for _, key := range t.statusKeys() {
			add(0, key, nil)
		}
		return nil
	},
}
