// Package rollups keeps the report figures as counts per Asia/Shanghai day
// and month, unit and technician (or store, reason, item), maintained in the
// same bbolt write transaction as the change that moves them — so a report
// reads a few cells instead of walking the month's records.
//
// The writers describe a record's contribution, not a change: callbacks.save
// calls PutTask with the task as it now is, sync's saveHead calls PutSheet
// with the sheet as it now is. The contribution last counted for each record
// is kept beside the cells (BucketFacts: record id → the cells it added to),
// so an edit, a late callback result or a reassignment subtracts exactly what
// the record counted before and adds what it counts now. A record keeps the
// unit stored on it (the unit it was finished under); nothing here reads a
// user's current unit, so moving a user moves no figure.
//
// Cells (BucketCells) are keyed kind(1) level(1) period 0x00 part 0x00 part…
// with level 'd' (period YYYY-MM-DD) or 'm' (YYYY-MM); a month cell is the
// sum of its days, written beside them. Values are zigzag varints, added
// elementwise; a cell that sums to all zeros is deleted, so the cells are
// exactly what a rebuild from the records writes.
//
// The reports read cells through Sum (reports/rollup.go); the scanning code
// they used before stays in reports as the reference (`fieldcheck rollups
// verify` compares the two).
package rollups

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Buckets, created on the first write (absent = no rollups yet).
var (
	// BucketCells: cell key → zigzag varint counters.
	BucketCells = []byte("rollup_cells")
	// BucketFacts: 't' task id | 'h' submission id → the record's last
	// counted contribution (encodeFact).
	BucketFacts = []byte("rollup_facts")
	// BucketMeta: "version" → Version once a rebuild finished (or the
	// rollups were started on an empty store); "rebuild" → progress text
	// while one runs.
	BucketMeta = []byte("rollup_meta")
)

// Version is the format of the cells. A store whose rollup_meta says another
// (or nothing) is rebuilt on start (server) or by `fieldcheck rollups
// rebuild`. Bump it whenever what a record contributes changes.
const Version = 1

// Cell kinds.
const (
	KindCallbacks  = 'C' // unit → CB* counters
	KindReasons    = 'R' // unit, reason (as given) → count
	KindTechnician = 'T' // unit, technician → T* counters
	KindStore      = 'I' // unit, store → I* counters (walkthroughs)
	KindDeduction  = 'D' // unit, store, item → D* counters (walkthroughs)
	KindSpot       = 'S' // unit → S* counters (spot checks)
	KindSpotItem   = 'P' // unit, item → D* counters (spot checks)
	KindSpotPerson = 'Q' // unit, item, technician → count (people at fault)
	KindLabel      = 'N' // item → label zh 0x00 en (not counted; last written)
	// KindLatest marks walkthroughs by time (not counted, no level):
	// 'L' unit 0x00 store 0x00 time(8) 0x00 submission id → template id 0x00
	// version; the grade uses the latest sheet's bands.
	KindLatest = 'L'
)

// Counter positions.
const (
	CBCompleted = iota
	CBDone
	CBSameDay
	CBWithin3Days
	CBUnreachable
	CBVery
	CBSatisfied
	CBUnsatisfied
	cbLen
)

const (
	TSheets = iota
	TShoeAnswered
	TShoeCovers
	TClothAnswered
	TDropCloth
	TSpeedRecorded
	TSpeedJudged
	TSpeedPassed
	TPhotosComplete
	TFlagged
	TPhotoReused
	TClockSkew
	TSpeedBelow
	TEditedAfterSignature
	TCallbacks
	TCallbacksDone
	TVery
	TSatisfied
	TUnsatisfied
	TSpeedHidden // sheets whose template's speed tests were all hidden by its conditions
	tLen
)

const (
	IInspections = iota
	IScored
	IPercentMicro // percent × 1e6, summed
	IFailed
	IFinesCents
	iLen
)

const (
	DFindings = iota
	DInstances
	DPointsCents
	DFinesCents
	dLen
)

const (
	SSpotChecks = iota
	SFinesCents
	sLen
)

// Levels.
const (
	LevelDay   = 'd'
	LevelMonth = 'm'
)

// entry is one cell a record adds to: kind and the key parts after the
// period (rest, 0x00-joined), and the amounts.
type entry struct {
	kind byte
	rest string
	vals []int64
	text string // marks only (KindLatest, KindLabel)
}

// fact is what one record contributes: its Shanghai day and entries.
type fact struct {
	day     string // YYYY-MM-DD
	entries []entry
}

func (f *fact) add(kind byte, vals []int64, parts ...string) {
	rest := joinParts(parts)
	for i := range f.entries {
		e := &f.entries[i]
		if e.kind == kind && e.rest == rest {
			for j, v := range vals {
				if j < len(e.vals) {
					e.vals[j] += v
				}
			}
			return
		}
	}
	f.entries = append(f.entries, entry{kind: kind, rest: rest, vals: vals})
}

func joinParts(parts []string) string {
	var b []byte
	for i, p := range parts {
		if i > 0 {
			b = append(b, store.Sep)
		}
		b = append(b, p...)
	}
	return string(b)
}

// Day is t's Asia/Shanghai day, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(store.Shanghai).Format("2006-01-02") }

// CellKey is the key of a cell: kind, level, period, then the parts.
func CellKey(kind, level byte, period string, parts ...string) []byte {
	k := make([]byte, 0, 2+len(period)+32)
	k = append(k, kind, level)
	k = append(k, period...)
	for _, p := range parts {
		k = append(k, store.Sep)
		k = append(k, p...)
	}
	return k
}

// encodeFact: day, then per entry kind, rest, count of values, values.
func encodeFact(f *fact) []byte {
	b := binary.AppendUvarint(nil, uint64(len(f.day)))
	b = append(b, f.day...)
	for _, e := range f.entries {
		b = append(b, e.kind)
		b = binary.AppendUvarint(b, uint64(len(e.rest)))
		b = append(b, e.rest...)
		b = binary.AppendUvarint(b, uint64(len(e.vals)))
		for _, v := range e.vals {
			b = binary.AppendVarint(b, v)
		}
		b = binary.AppendUvarint(b, uint64(len(e.text)))
		b = append(b, e.text...)
	}
	return b
}

var errCorrupt = errors.New("rollups: corrupt fact")

func decodeFact(b []byte) (*fact, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, errCorrupt
	}
	f := &fact{day: string(b[w : w+int(n)])}
	b = b[w+int(n):]
	for len(b) > 0 {
		e := entry{kind: b[0]}
		b = b[1:]
		n, w = binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return nil, errCorrupt
		}
		e.rest = string(b[w : w+int(n)])
		b = b[w+int(n):]
		cnt, w := binary.Uvarint(b)
		if w <= 0 || cnt > 64 {
			return nil, errCorrupt
		}
		b = b[w:]
		e.vals = make([]int64, cnt)
		for i := range e.vals {
			v, w := binary.Varint(b)
			if w <= 0 {
				return nil, errCorrupt
			}
			e.vals[i], b = v, b[w:]
		}
		n, w = binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return nil, errCorrupt
		}
		e.text = string(b[w : w+int(n)])
		b = b[w+int(n):]
		f.entries = append(f.entries, e)
	}
	return f, nil
}

// DecodeVals reads a cell's counters.
func DecodeVals(b []byte, into []int64) []int64 {
	into = into[:0]
	for len(b) > 0 {
		v, w := binary.Varint(b)
		if w <= 0 {
			break
		}
		into = append(into, v)
		b = b[w:]
	}
	return into
}

func encodeVals(vals []int64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.AppendVarint(b, v)
	}
	return b
}

func buckets(tx *bolt.Tx) (cells, facts *bolt.Bucket, err error) {
	if cells, err = tx.CreateBucketIfNotExists(BucketCells); err != nil {
		return nil, nil, err
	}
	facts, err = tx.CreateBucketIfNotExists(BucketFacts)
	return cells, facts, err
}

// put replaces the contribution of record key (nil f: none) in the cells.
func put(tx *bolt.Tx, key []byte, f *fact) error {
	cells, facts, err := buckets(tx)
	if err != nil {
		return err
	}
	var enc []byte
	if f != nil {
		enc = encodeFact(f)
	}
	old := facts.Get(key)
	if bytes.Equal(old, enc) && (old != nil) == (enc != nil) {
		return nil // nothing moved
	}
	if old != nil {
		of, err := decodeFact(old)
		if err != nil {
			return fmt.Errorf("%w %q", err, key)
		}
		if err := apply(cells, of, -1); err != nil {
			return err
		}
	}
	if f == nil {
		return facts.Delete(key)
	}
	if err := apply(cells, f, 1); err != nil {
		return err
	}
	return facts.Put(key, enc)
}

// apply adds (sign 1) or subtracts (-1) a fact's entries to its day's and
// month's cells; marks (KindLatest, KindLabel) are put or deleted.
func apply(cells *bolt.Bucket, f *fact, sign int64) error {
	month := f.day
	if len(month) >= 7 {
		month = month[:7]
	}
	for _, e := range f.entries {
		switch e.kind {
		case KindLatest:
			k := append([]byte{KindLatest}, e.rest...)
			if sign < 0 {
				if err := cells.Delete(k); err != nil {
					return err
				}
				continue
			}
			if err := cells.Put(k, []byte(e.text)); err != nil {
				return err
			}
			continue
		case KindLabel:
			k := append([]byte{KindLabel}, e.rest...)
			if sign > 0 && !bytes.Equal(cells.Get(k), []byte(e.text)) {
				if err := cells.Put(k, []byte(e.text)); err != nil {
					return err
				}
			}
			continue
		}
		for _, lv := range [...]struct {
			level  byte
			period string
		}{{LevelDay, f.day}, {LevelMonth, month}} {
			k := CellKey(e.kind, lv.level, lv.period)
			k = append(k, store.Sep)
			k = append(k, e.rest...)
			if err := addCell(cells, k, e.vals, sign); err != nil {
				return err
			}
		}
	}
	return nil
}

func addCell(cells *bolt.Bucket, k []byte, vals []int64, sign int64) error {
	var buf [32]int64
	cur := DecodeVals(cells.Get(k), buf[:0])
	for len(cur) < len(vals) {
		cur = append(cur, 0)
	}
	zero := true
	for i := range cur {
		if i < len(vals) {
			cur[i] += sign * vals[i]
		}
		if cur[i] != 0 {
			zero = false
		}
	}
	if zero {
		return cells.Delete(k)
	}
	return cells.Put(k, encodeVals(cur))
}

// Ready reports whether the cells are complete: a rebuild of this Version
// finished (or the store had no records when the rollups began).
func Ready(tx *bolt.Tx) bool {
	b := tx.Bucket(BucketMeta)
	return b != nil && string(b.Get([]byte("version"))) == fmt.Sprint(Version) && b.Get([]byte("rebuild")) == nil
}

// Progress is the running rebuild's progress text, "" when none runs.
func Progress(tx *bolt.Tx) string {
	if b := tx.Bucket(BucketMeta); b != nil {
		return string(b.Get([]byte("rebuild")))
	}
	return ""
}

// Reset empties every cell and fact and marks a rebuild as begun: from this
// commit on the writers count into empty cells, and the rebuild puts every
// record (a record written meanwhile is already counted; putting it again
// moves nothing).
func Reset(tx *bolt.Tx) error {
	for _, name := range [][]byte{BucketCells, BucketFacts} {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
	}
	if _, _, err := buckets(tx); err != nil {
		return err
	}
	return SetProgress(tx, "0")
}

// SetProgress records the rebuild's progress (shown by /readyz).
func SetProgress(tx *bolt.Tx, text string) error {
	b, err := tx.CreateBucketIfNotExists(BucketMeta)
	if err != nil {
		return err
	}
	if text == "" {
		text = "0"
	}
	return b.Put([]byte("rebuild"), []byte(text))
}

// MarkBuilt records that the cells are complete at Version.
func MarkBuilt(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(BucketMeta)
	if err != nil {
		return err
	}
	if err := b.Delete([]byte("rebuild")); err != nil {
		return err
	}
	return b.Put([]byte("version"), []byte(fmt.Sprint(Version)))
}
