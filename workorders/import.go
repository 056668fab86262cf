package workorders

import (
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Import statuses.
const (
	ImportCreated  = "created"
	ImportUpdated  = "updated"
	ImportRejected = "rejected"
)

// Row is one order to import with the row number a person sees: its 1-based
// position in a JSON list, or its line in a CSV file (the header is line 1).
type Row struct {
	Row   int
	Order WorkOrder
}

// ImportResult is one row's outcome. Err says why a row was rejected; the
// server renders it in the caller's language as the row's "error".
type ImportResult struct {
	Row    int         `json:"row"`
	ID     string      `json:"id"`
	Status string      `json:"status"`
	Err    *errs.Error `json:"-"`
	// Order is the row as read, for a preview (set on dry runs and on rows
	// the file itself got wrong).
	Order *WorkOrder `json:"order,omitempty"`
}

// Numbered numbers orders from a JSON list 1, 2, 3 …
func Numbered(orders []WorkOrder) []Row {
	rows := make([]Row, len(orders))
	for i, o := range orders {
		rows[i] = Row{Row: i + 1, Order: o}
	}
	return rows
}

// Import upserts rows by id in one transaction: a new id is created, a known
// one updated with patch semantics (reassigning moves it off the old
// technician's phone; completed and cancelled orders are refused). Each bad
// row is rejected with its reason and writes nothing; the others go in. unit,
// when not empty, confines the import to orders of that unit (a
// supervisor's). The error is only for a failing store.
func Import(tx *bolt.Tx, rows []Row, who store.Actor, now time.Time, unit string) ([]ImportResult, error) {
	out := make([]ImportResult, 0, len(rows))
	for _, r := range rows {
		res := ImportResult{Row: r.Row, ID: r.Order.ID}
		status, err := upsert(tx, r.Order, who, now, unit)
		if e, ok := errs.As(err); ok {
			res.Status, res.Err = ImportRejected, e
		} else if err != nil {
			return nil, err
		} else {
			res.Status = status
		}
		out = append(out, res)
	}
	return out, nil
}

func upsert(tx *bolt.Tx, in WorkOrder, who store.Actor, now time.Time, unit string) (string, error) {
	old, err := Get(tx, in.ID)
	if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
		_, err := create(tx, in, who, now, unit)
		return ImportCreated, err
	}
	if err != nil {
		return "", err
	}
	next := *old
	next.Type, next.Product, next.SubscribedMbps = in.Type, in.Product, in.SubscribedMbps
	next.Customer, next.Technician, next.Appointment = in.Customer, in.Technician, in.Appointment
	if in.Note != "" {
		next.Note = in.Note
	}
	// The optional v1.1 columns change the order only when the file fills
	// them: an older sheet without them keeps what the order had.
	if in.Customer.Kind == "" {
		next.Customer.Kind = old.Customer.Kind
	}
	if in.Line != "" {
		next.Line = in.Line
	}
	if !in.AcceptedAt.IsZero() {
		next.AcceptedAt = in.AcceptedAt
	}
	_, err = update(tx, old, next, who, now, unit)
	return ImportUpdated, err
}
