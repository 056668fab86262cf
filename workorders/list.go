package workorders

import (
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Filter narrows List. Empty fields match everything. From/To bound the
// appointment start (an order without one counts at its creation time),
// From ≤ t < To.
type Filter struct {
	Status     string
	Technician string
	Unit       string
	Type       string // install, move, repair, removal, complaint
	From, To   time.Time
}

// DefaultLimit is a list page when the caller names none.
const DefaultLimit = 200

func (f Filter) match(wo *WorkOrder) bool {
	if f.Status != "" && wo.Status != f.Status ||
		f.Technician != "" && wo.Technician != f.Technician ||
		f.Unit != "" && wo.Unit != f.Unit || f.Type != "" && wo.Type != f.Type {
		return false
	}
	t := wo.Appointment.From
	if t.IsZero() {
		t = wo.CreatedAt
	}
	return (f.From.IsZero() || !t.Before(f.From)) && (f.To.IsZero() || t.Before(f.To))
}

// List returns up to limit orders matching f, starting after the cursor
// `after`, and the cursor for the next page ("" at the end). A status or a
// date range pages through the filter indexes in list-time order
// (index.go); otherwise the orders come in id order, a technician filter
// walking BucketWorkOrdersByTech, a unit filter BucketWorkOrdersByUnit.
func List(tx *bolt.Tx, f Filter, limit int, after string) ([]WorkOrder, string, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if f.Type != "" && f.Status == "" && typeIndexOn(tx) {
		return listIndexed(tx, f, limit, after)
	}
	if (f.Status != "" || !f.From.IsZero() || !f.To.IsZero()) && indexOn(tx) {
		return listIndexed(tx, f, limit, after)
	}
	bucket, prefix := store.BucketWorkOrders, []byte(nil)
	switch {
	case f.Technician != "":
		bucket, prefix = store.BucketWorkOrdersByTech, store.Prefix(f.Technician)
	case f.Unit != "":
		bucket, prefix = store.BucketWorkOrdersByUnit, store.Prefix(f.Unit)
	}
	var start []byte
	if after != "" {
		// The first key past `after` itself: "A1\x00" sorts after "A1" and
		// before "A10".
		start = append(append(append([]byte{}, prefix...), after...), store.Sep)
	}
	var out []WorkOrder
	err := store.ScanPrefix(tx, bucket, prefix, start, func(k, v []byte) error {
		var wo *WorkOrder
		var err error
		if prefix == nil {
			wo, err = decode(k, v)
		} else {
			wo, err = Get(tx, string(k[len(prefix):]))
		}
		if err != nil {
			return err
		}
		if !f.match(wo) {
			return nil
		}
		out = append(out, *wo)
		if len(out) > limit {
			return store.Stop
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		return out[:limit], out[limit-1].ID, nil
	}
	return out, "", nil
}
