package submissions

import (
	"encoding/json"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The supervisor's list index (issue 15: a supervisor's unfiltered
// submission list walked every unit's sheets by finish time and skipped the
// others'). Each head has one entry
//
//	BucketSubmissionsByUnit: unit 0x00 finished_at(8) 0x00 id → nil
//
// moved by apply when a version changes the head's unit or finish time, so
// a supervisor's list (and its date range) is one run of their unit's
// entries. Meta "submissions_unit_index" says it is complete: a data dir
// from before it gets it built on the first supervisor's list
// (ensureUnitIndex); until then apply leaves it alone and the list walks
// the time index as before.
var metaUnitIndex = []byte("submissions_unit_index")

func unitIndexOn(tx *bolt.Tx) bool { return unitIndex.On(tx) }

func unitEntry(unit string, finished time.Time, id string) []byte {
	return store.Key(unit, store.TimeKey(finished), id)
}

// unitPlace is where a head's entry is before a version changes it (the
// head is changed in place); a new submission has none.
type unitPlace struct {
	unit     string
	finished time.Time
	ok       bool
}

func placeOf(h *Head) unitPlace {
	if h == nil {
		return unitPlace{}
	}
	return unitPlace{unit: h.Unit, finished: h.FinishedAt, ok: true}
}

// moveUnitEntry puts h's entry where the head now says, taking out the one
// at old when it differs.
func moveUnitEntry(tx *bolt.Tx, old unitPlace, h *Head) error {
	if !unitIndexOn(tx) {
		return nil
	}
	b := tx.Bucket(store.BucketSubmissionsByUnit)
	if old.ok {
		if old.unit == h.Unit && old.finished.Equal(h.FinishedAt) {
			return nil
		}
		if err := b.Delete(unitEntry(old.unit, old.finished, h.ID)); err != nil {
			return err
		}
	}
	return b.Put(unitEntry(h.Unit, h.FinishedAt, h.ID), []byte{})
}

// unitIndex is the index as a store.Derived: built from the heads when it
// is not complete (a data dir from before it).
var unitIndex = store.Derived{
	Meta: metaUnitIndex, Source: store.BucketSubmissionHeads, Into: [][]byte{store.BucketSubmissionsByUnit},
	Log: "sync: built the supervisors' list index", Counted: "sheets",
	Entries: func(_, v []byte, add func(int, []byte, []byte)) error {
		var h struct { // only what the entry needs
			ID         string    `json:"id"`
			Unit       string    `json:"unit"`
			FinishedAt time.Time `json:"finished_at"`
		}
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		add(0, unitEntry(h.Unit, h.FinishedAt, h.ID), nil)
		return nil
	},
}

// ensureUnitIndex builds the index once, for a data dir from before it.
func ensureUnitIndex(db *store.DB) error { return unitIndex.Ensure(db) }
