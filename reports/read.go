package reports

import (
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
// [from, to), oldest first, through the owner's iterator.
func eachTask(tx *bolt.Tx, from, to time.Time, fn func(*callbacks.Task)) error {
	return callbacks.FinishedBetween(tx, from, to, func(t *callbacks.Task) error { fn(t); return nil })
}

// eachHead calls fn for the head (latest version) of every submission of
// kind finished in [from, to), through the owner's iterator.
func eachHead(tx *bolt.Tx, from, to time.Time, kind string, fn func(*submissions.Head) error) error {
	return submissions.FinishedBetween(tx, from, to, kind, fn)
}

// latestVersion is the stored version the head points at, or nil.
func latestVersion(tx *bolt.Tx, h *submissions.Head) (*submissions.Version, error) {
	return submissions.Latest(tx, h)
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
