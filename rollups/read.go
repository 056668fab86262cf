package rollups

import (
	"bytes"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Span is one cell level and period a range reads, added (Sign 1) or taken
// away (-1): a month less a few days reads the month and those days.
type Span struct {
	Level  byte
	Period string
	Sign   int64
}

// Spans covers [from, to) — Asia/Shanghai day starts — with the fewest
// cells: a whole month is its month cell; a month mostly covered is the
// month less the days outside the range; otherwise its days.
func Spans(from, to time.Time) []Span { return spans(from, to, false) }

// DaySpans covers [from, to) with day cells only (verify reads both ways).
func DaySpans(from, to time.Time) []Span { return spans(from, to, true) }

func spans(from, to time.Time, daysOnly bool) []Span {
	from, to = store.DayStart(from), store.DayStart(to)
	var out []Span
	for m := monthStart(from); m.Before(to); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, 0)
		a, b := maxTime(from, m), minTime(to, end)
		n, k := days(m, end), days(a, b)
		switch {
		case k == n && !daysOnly:
			out = append(out, Span{LevelMonth, m.Format("2006-01"), 1})
		case n-k+1 < k && !daysOnly:
			out = append(out, Span{LevelMonth, m.Format("2006-01"), 1})
			for d := m; d.Before(a); d = d.AddDate(0, 0, 1) {
				out = append(out, Span{LevelDay, d.Format("2006-01-02"), -1})
			}
			for d := b; d.Before(end); d = d.AddDate(0, 0, 1) {
				out = append(out, Span{LevelDay, d.Format("2006-01-02"), -1})
			}
		default:
			for d := a; d.Before(b); d = d.AddDate(0, 0, 1) {
				out = append(out, Span{LevelDay, d.Format("2006-01-02"), 1})
			}
		}
	}
	return out
}

func monthStart(t time.Time) time.Time {
	t = t.In(store.Shanghai)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, store.Shanghai)
}

func days(a, b time.Time) int {
	n := 0
	for d := a; d.Before(b); d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Scan calls fn for every cell of kind in the spans whose key parts start
// with prefix (a part may be the last one and still match only whole: pass
// exact to require the parts to be the cell's whole key). rest is the key
// after the period: the parts, 0x00-joined; vals are only valid during fn.
func Scan(tx *bolt.Tx, kind byte, sp []Span, prefix []string, exact bool, fn func(rest []byte, vals []int64, sign int64)) {
	b := tx.Bucket(BucketCells)
	if b == nil {
		return
	}
	c := b.Cursor()
	var buf [32]int64
	for _, s := range sp {
		base := CellKey(kind, s.Level, s.Period)
		base = append(base, store.Sep)
		start := len(base)
		seek := append(base, joinParts(prefix)...)
		if exact {
			if v := b.Get(seek); v != nil {
				fn(seek[start:], DecodeVals(v, buf[:0]), s.Sign)
			}
			continue
		}
		if len(prefix) > 0 {
			seek = append(seek, store.Sep)
		}
		for k, v := c.Seek(seek); k != nil && bytes.HasPrefix(k, seek); k, v = c.Next() {
			fn(k[start:], DecodeVals(v, buf[:0]), s.Sign)
		}
	}
}

// Label is an item's label (zh, en) as last counted, or empty.
func Label(tx *bolt.Tx, item string) (zh, en string) {
	b := tx.Bucket(BucketCells)
	if b == nil {
		return "", ""
	}
	v := b.Get(append([]byte{KindLabel}, item...))
	if i := bytes.IndexByte(v, 0); i >= 0 {
		return string(v[:i]), string(v[i+1:])
	}
	return string(v), ""
}

// Latest is the latest walkthrough of a store in a unit finished before to:
// its finish time and template, ok false when there is none at or after from.
func Latest(tx *bolt.Tx, unit, storeID string, from, to time.Time) (at time.Time, tpl string, ok bool) {
	b := tx.Bucket(BucketCells)
	if b == nil {
		return time.Time{}, "", false
	}
	prefix := append([]byte{KindLatest}, store.Prefix(unit, storeID)...)
	c := b.Cursor()
	k, v := c.Seek(append(append([]byte{}, prefix...), store.TimeKey(to)...))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) < len(prefix)+8 {
		return time.Time{}, "", false
	}
	at = store.ParseTimeKey(k[len(prefix) : len(prefix)+8])
	if at.Before(from) {
		return time.Time{}, "", false
	}
	return at, string(v), true
}
