package submissions

import (
	"encoding/json"
	"log/slog"
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

func unitIndexOn(tx *bolt.Tx) bool { return tx.Bucket(store.BucketMeta).Get(metaUnitIndex) != nil }

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

// buildUnitIndex indexes every head when the index is not complete yet.
func buildUnitIndex(tx *bolt.Tx) error {
	if unitIndexOn(tx) {
		return nil
	}
	start := time.Now()
	b, err := store.EmptyBucket(tx, store.BucketSubmissionsByUnit)
	if err != nil {
		return err
	}
	n := 0
	var keys [][]byte
	c := tx.Bucket(store.BucketSubmissionHeads).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			continue
		}
		var h struct { // only what the entry needs
			ID         string    `json:"id"`
			Unit       string    `json:"unit"`
			FinishedAt time.Time `json:"finished_at"`
		}
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		keys = append(keys, unitEntry(h.Unit, h.FinishedAt, h.ID))
		n++
	}
	if err := store.PutSorted(b, keys); err != nil {
		return err
	}
	if n > 0 {
		slog.Info("sync: built the supervisors' list index", "sheets", n, "took", time.Since(start).Round(time.Millisecond))
	}
	return tx.Bucket(store.BucketMeta).Put(metaUnitIndex, []byte{1})
}

// ensureUnitIndex builds the index once, for a data dir from before it.
func ensureUnitIndex(db *store.DB) error {
	built := false
	if err := db.View(func(tx *bolt.Tx) error { built = unitIndexOn(tx); return nil }); err != nil || built {
		return err
	}
	return db.Update(buildUnitIndex)
}
