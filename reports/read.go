package reports

import (
	"bytes"
	"errors"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/names"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"

	bolt "go.etcd.io/bbolt"
)

// The walks below seek the owners' time indexes (store/layout.go) to the start
// of the range and stop at its end; index keys are time(8) 0x00 id.

// eachTask calls fn for every callback task whose job finished in
// [from, to), oldest first (BucketCallbacksByTime).
func eachTask(tx *bolt.Tx, from, to time.Time, fn func(*callbacks.Task)) error {
	c := tx.Bucket(store.BucketCallbacksByTime).Cursor()
	end := store.TimeKey(to)
	for k, _ := c.Seek(store.TimeKey(from)); k != nil && len(k) > 8 && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		var t callbacks.Task
		err := store.GetJSON(tx, store.BucketCallbacks, []byte(store.SplitLast(k)), &t)
		if errors.Is(err, store.ErrNotFound) {
			continue // an index entry without its task: nothing to count
		}
		if err != nil {
			return err
		}
		fn(&t)
	}
	return nil
}

// eachHead calls fn for the head (latest version) of every submission of
// kind finished in [from, to) (BucketSubmissionsByTime, keyed by the head's
// skew-corrected finish time; sync moves the entry when an edit changes it).
func eachHead(tx *bolt.Tx, from, to time.Time, kind string, fn func(*submissions.Head) error) error {
	c := tx.Bucket(store.BucketSubmissionsByTime).Cursor()
	end := store.TimeKey(to)
	for k, _ := c.Seek(store.TimeKey(from)); k != nil && len(k) > 8 && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		var h submissions.Head
		err := store.GetJSON(tx, store.BucketSubmissionHeads, []byte(store.SplitLast(k)), &h)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if h.Kind != kind {
			continue
		}
		if err := fn(&h); err != nil {
			return err
		}
	}
	return nil
}

// latestVersion loads the stored version the head points at
// (BucketSubmissions: id 0x00 version(u32 BE)), or nil when it is missing.
func latestVersion(tx *bolt.Tx, h *submissions.Head) (*submissions.Version, error) {
	var v submissions.Version
	err := store.GetJSON(tx, store.BucketSubmissions, store.Key(h.ID, store.U32(uint32(h.Version))), &v)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// inUnit: "" is every unit (an admin); otherwise the record's unit must match.
// unitName is unit's display name (names/), or the code when it has none.
func unitName(tx *bolt.Tx, unit string) (string, error) {
	l, ok, err := names.Get(tx, names.KindUnit, unit)
	if err != nil || !ok || l.Zh == "" {
		return unit, err
	}
	return l.Zh, nil
}

func inUnit(unit, recordUnit string) bool { return unit == "" || recordUnit == unit }

// The same reports, each in one short read transaction, for callers that
// hold the store rather than a transaction (the server has no bbolt import).
// They answer ErrRollupsBuilding (503) while the rollups are rebuilt.

// CallbacksReport is Callbacks in its own read transaction.
func CallbacksReport(db *store.DB, from, to time.Time, group, unit string) (rows []CallbackRow, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkReady(tx); err != nil {
			return err
		}
		rows, err = Callbacks(tx, from, to, group, unit)
		return err
	})
	return rows, err
}

// InspectionsReport is Inspections in its own read transaction.
func InspectionsReport(db *store.DB, from, to time.Time, unit string) (rows []InspectionRow, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkReady(tx); err != nil {
			return err
		}
		rows, err = Inspections(tx, from, to, unit)
		return err
	})
	return rows, err
}

// TechniciansReport is Technicians in its own read transaction.
func TechniciansReport(db *store.DB, from, to time.Time, unit string) (rows []TechnicianRow, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkReady(tx); err != nil {
			return err
		}
		rows, err = Technicians(tx, from, to, unit)
		return err
	})
	return rows, err
}

// FinesReport is Fines in its own read transaction.
func FinesReport(db *store.DB, month, unit string) (rows []FineRow, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkReady(tx); err != nil {
			return err
		}
		rows, err = Fines(tx, month, unit)
		return err
	})
	return rows, err
}
