package workorders

import (
	"bytes"
	"encoding/base64"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The list's filter indexes (issue 15: a list that filters by a field pages
// through an index on that field, never scans and skips). Each order has,
// for each of three scopes — every order ("*"), its unit ("u:"unit), its
// technician ("t:"technician) — one entry in
//
//	BucketWorkOrdersByTime:   scope 0x00 when(8) 0x00 id → nil
//	BucketWorkOrdersByStatus: scope 0x00 status 0x00 when(8) 0x00 id → nil
//
// where when is the appointment start, or the creation time for an order
// without one (the time Filter's From and To bound). A list with a status
// and/or a date range is one cursor run over the matching range, in that
// time order; the cursor is the entry's key after the range's prefix, so
// orders added meanwhile never repeat or hide the ones already listed. A
// list with neither keeps the id order of BucketWorkOrders / ByTech / ByUnit.
//
// Meta "workorders_index" says the indexes are complete: a data dir from
// before them gets them built from its orders when the service starts
// (NewService); until then save leaves them alone and List scans.
var metaIndex = []byte("workorders_index")

func indexOn(tx *bolt.Tx) bool { return listIndex.On(tx) }

// listTime is the time an order is listed and filtered by.
func listTime(wo *WorkOrder) time.Time {
	if t := wo.Appointment.From; !t.IsZero() {
		return t
	}
	return wo.CreatedAt
}

func indexScopes(wo *WorkOrder) []string {
	return []string{"*", "u:" + wo.Unit, "t:" + wo.Technician}
}

// indexKeys are wo's entries: byTime, byStatus.
func indexKeys(wo *WorkOrder) (byTime, byStatus [][]byte) {
	when := store.TimeKey(listTime(wo))
	for _, sc := range indexScopes(wo) {
		byTime = append(byTime, store.Key(sc, when, wo.ID))
		byStatus = append(byStatus, store.Key(sc, wo.Status, when, wo.ID))
	}
	return byTime, byStatus
}

// moveIndex takes old's entries out and puts wo's in, writing only those
// that changed (completing an order moves its three status entries only).
func moveIndex(tx *bolt.Tx, old, wo *WorkOrder) error {
	if !indexOn(tx) {
		return nil
	}
	var oldT, oldS [][]byte
	if old != nil {
		oldT, oldS = indexKeys(old)
	}
	newT, newS := indexKeys(wo)
	for _, m := range []struct {
		bucket   []byte
		old, new [][]byte
	}{{store.BucketWorkOrdersByTime, oldT, newT}, {store.BucketWorkOrdersByStatus, oldS, newS}} {
		b := tx.Bucket(m.bucket)
		for _, k := range m.old {
			if !containsKey(m.new, k) {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		for _, k := range m.new {
			if !containsKey(m.old, k) {
				if err := b.Put(k, []byte{}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func containsKey(ks [][]byte, k []byte) bool {
	for _, x := range ks {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// listIndex is the filter indexes as a store.Derived: built from the
// orders when they are not complete (a data dir from before them).
var listIndex = store.Derived{
	Meta: metaIndex, Source: store.BucketWorkOrders, Into: [][]byte{store.BucketWorkOrdersByTime, store.BucketWorkOrdersByStatus},
	Log: "workorders: built the list indexes", Counted: "orders",
	Entries: func(k, v []byte, add func(int, []byte, []byte)) error {
		wo, err := decode(k, v)
		if err != nil {
			return err
		}
		byTime, byStatus := indexKeys(wo)
		for _, key := range byTime {
			add(0, key, nil)
		}
		for _, key := range byStatus {
			add(1, key, nil)
		}
		return nil
	},
}

var errBadCursor = errs.New(errs.BadRequest, "bad_cursor", "分页参数 after 无效", "after is not a cursor this list gave")

// listIndexed is List for a status and/or a date range, over the index of
// the narrowest scope the filter names.
func listIndexed(tx *bolt.Tx, f Filter, limit int, after string) ([]WorkOrder, string, error) {
	scope := "*"
	switch {
	case f.Technician != "":
		scope = "t:" + f.Technician
	case f.Unit != "":
		scope = "u:" + f.Unit
	}
	bucket, prefix := store.BucketWorkOrdersByTime, store.Prefix(scope)
	switch {
	case f.Status != "":
		bucket, prefix = store.BucketWorkOrdersByStatus, store.Prefix(scope, f.Status)
	case f.Type != "" && typeIndexOn(tx): // typeindex.go
		bucket, prefix = store.BucketWorkOrdersByType, store.Prefix(scope, f.Type)
	}
	start := prefix
	if !f.From.IsZero() {
		start = append(prefix[:len(prefix):len(prefix)], store.TimeKey(f.From)...)
	}
	if after != "" {
		rest, err := base64.RawURLEncoding.DecodeString(after)
		if err != nil || len(rest) < 10 || rest[8] != store.Sep {
			return nil, "", errBadCursor
		}
		// The first key past the cursor's own.
		start = append(append(prefix[:len(prefix):len(prefix)], rest...), store.Sep)
	}
	var end []byte
	if !f.To.IsZero() {
		end = append(prefix[:len(prefix):len(prefix)], store.TimeKey(f.To)...)
	}
	var out []WorkOrder
	var last []byte
	next := ""
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if end != nil && bytes.Compare(k, end) >= 0 {
			break
		}
		wo, err := Get(tx, string(k[len(prefix)+9:]))
		if err != nil {
			return nil, "", err
		}
		if !f.match(wo) { // a unit beside a technician; the rest the range decides
			continue
		}
		if len(out) == limit {
			next = base64.RawURLEncoding.EncodeToString(last)
			break
		}
		out = append(out, *wo)
		last = append(last[:0], k[len(prefix):]...)
	}
	return out, next, nil
}
