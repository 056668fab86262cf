package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	gosync "sync"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/rollups"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"

	bolt "go.etcd.io/bbolt"
)

// rebuildBatch is how many records one rebuild transaction counts: big
// enough that commits do not dominate, small enough that a push waits for
// the writer lock a few milliseconds at most.
const rebuildBatch = 2000

// RollupsReady reports whether the rollups are complete (no rebuild due or
// running).
func RollupsReady(db *store.DB) (ready bool, progress string) {
	_ = db.View(func(tx *bolt.Tx) error {
		ready, progress = rollups.Ready(tx), rollups.Progress(tx)
		return nil
	})
	return ready, progress
}

// checkReady is the reports' guard: 503 rollups_building while a rebuild is
// due or running.
func checkReady(tx *bolt.Tx) error {
	if !rollups.Ready(tx) {
		return ErrRollupsBuilding
	}
	return nil
}

// Rebuild rewrites the rollups from the records: it empties them (the
// writers count into the empty cells from that commit on), then puts every
// callback task and submission in batches of their own transactions, then
// marks them complete. progress, when set, is told after each batch. Safe
// while the server serves: a record written meanwhile is counted by its
// writer, and putting it again moves nothing.
func Rebuild(ctx context.Context, db *store.DB, progress func(done, total int)) error {
	var total int
	err := db.Update(func(tx *bolt.Tx) error {
		total = callbacks.Count(tx) + submissions.CountHeads(tx)
		return rollups.Reset(tx)
	})
	if err != nil {
		return err
	}
	done := 0
	// step walks one owner's records in batches of their own transactions,
	// through the owner's Page iterator (reports decodes no other
	// package's bucket).
	step := func(page func(tx *bolt.Tx, after string, n int) (string, int, error)) error {
		after := ""
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := 0
			err := db.Update(func(tx *bolt.Tx) error {
				last, count, err := page(tx, after, rebuildBatch)
				if err != nil {
					return err
				}
				if count > 0 {
					after = last
				}
				n = count
				return rollups.SetProgress(tx, fmt.Sprintf("%d/%d", done+n, total))
			})
			if err != nil {
				return err
			}
			done += n
			if progress != nil {
				progress(done, total)
			}
			if n < rebuildBatch {
				return nil
			}
		}
	}
	err = step(func(tx *bolt.Tx, after string, n int) (string, int, error) {
		return callbacks.Page(tx, after, n, func(t *callbacks.Task) error {
			return rollups.PutTask(tx, t.ID, callbacks.RollupOf(t))
		})
	})
	if err != nil {
		return err
	}
	err = step(func(tx *bolt.Tx, after string, n int) (string, int, error) {
		return submissions.PageHeads(tx, after, n, func(h *submissions.Head) error {
			s, err := submissions.RollupOf(tx, h)
			if err != nil {
				return err
			}
			return rollups.PutSheet(tx, h.ID, s)
		})
	})
	if err != nil {
		return err
	}
	return db.Update(rollups.MarkBuilt)
}

// Rollups runs the rollups' start: ready as they are, marked complete at
// once on a store without records, or rebuilt in the background (the first
// start after an upgrade). Status is what /readyz shows meanwhile.
type Rollups struct {
	stop   context.CancelFunc
	mu     gosync.Mutex
	done   int
	total  int
	err    error
	active bool
	start  time.Time
	finish chan struct{}
}

// BeforeRebuild, when set, runs in a background rebuild's goroutine before
// it begins: tests hold a rebuild there to see the server meanwhile.
var BeforeRebuild func()

// StartRollups checks the rollups and starts a rebuild when they are absent
// or of another Version. It returns at once; Wait waits for the rebuild.
func StartRollups(db *store.DB, log func(msg string, args ...any)) (*Rollups, error) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Rollups{finish: make(chan struct{}), stop: cancel}
	var ready, empty bool
	err := db.Update(func(tx *bolt.Tx) error {
		ready = rollups.Ready(tx)
		if ready {
			return nil
		}
		if empty = !callbacks.Any(tx) && !submissions.AnyHeads(tx); empty {
			if err := rollups.Reset(tx); err != nil {
				return err
			}
			return rollups.MarkBuilt(tx)
		}
		return nil
	})
	if err != nil || ready || empty {
		close(r.finish)
		return r, err
	}
	r.active, r.start = true, time.Now()
	hold := BeforeRebuild
	go func() {
		defer close(r.finish)
		if hold != nil {
			hold()
		}
		if log != nil {
			log("rollups: rebuilding the report figures from the records")
		}
		err := Rebuild(ctx, db, func(done, total int) {
			r.mu.Lock()
			r.done, r.total = done, total
			r.mu.Unlock()
		})
		r.mu.Lock()
		r.active, r.err = false, err
		r.mu.Unlock()
		if log != nil {
			if err != nil {
				log("rollups: rebuild failed (reports answer 503 until `fieldcheck rollups rebuild`)", "err", err)
			} else {
				log("rollups: rebuilt", "records", r.total, "took", time.Since(r.start).Round(time.Millisecond).String())
			}
		}
	}()
	return r, nil
}

// Stop ends a running rebuild after its current batch and waits for it; the
// next start begins it again.
func (r *Rollups) Stop() {
	r.stop()
	<-r.finish
}

// Wait blocks until no rebuild runs; it returns the rebuild's error.
func (r *Rollups) Wait() error {
	<-r.finish
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Status is "" when the rollups are complete, else what a person reads on
// /readyz: "rebuilding report rollups: 41% (820000 of 2000000 records)".
func (r *Rollups) Status() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.active:
		pct := 0
		if r.total > 0 {
			pct = r.done * 100 / r.total
		}
		return fmt.Sprintf("rebuilding report rollups: %d%% (%d of %d records)", pct, r.done, r.total)
	case r.err != nil:
		return "report rollups rebuild failed: " + r.err.Error()
	}
	return ""
}

// Verify recomputes every report from the records through the scanning
// code (ScanCallbacks, ScanTechnicians, ScanInspections, ScanFines: the
// reference) for every month that has records, compares each with the
// rollups — read with month cells and with day cells only — and writes one
// line per difference to w. It returns how many it found.
func Verify(db *store.DB, w io.Writer) (int, error) {
	diffs := 0
	err := db.View(func(tx *bolt.Tx) error {
		months := recordMonths(tx)
		for _, m := range months {
			from, to, err := MonthRange(m)
			if err != nil {
				return err
			}
			report := func(name string, ref, got any) {
				a, _ := json.Marshal(ref)
				b, _ := json.Marshal(got)
				if !bytes.Equal(a, b) {
					diffs++
					fmt.Fprintf(w, "%s %s:\n  records: %s\n  rollups: %s\n", m, name, a, b)
				}
			}
			// Callbacks by day, for the province and each unit, in one walk.
			byUnit, err := scanCallbacksByUnit(tx, from, to)
			if err != nil {
				return err
			}
			for unit, ref := range byUnit {
				for _, sp := range []struct {
					name string
					fn   spansFunc
				}{{"", rollups.Spans}, {" (days)", rollups.DaySpans}} {
					got, err := callbacksWith(tx, from, to, GroupDay, unit, sp.fn)
					if err != nil {
						return err
					}
					report(fmt.Sprintf("callbacks unit=%q%s", unit, sp.name), ref, got)
				}
				got, err := callbacksWith(tx, from, to, GroupMonth, unit, rollups.Spans)
				if err != nil {
					return err
				}
				report(fmt.Sprintf("callbacks by month unit=%q", unit), sumCallbackRows(ref, m), got)
			}
			techs, err := ScanTechnicians(tx, from, to, "")
			if err != nil {
				return err
			}
			for _, sp := range []spansFunc{rollups.Spans, rollups.DaySpans} {
				got, err := techniciansWith(tx, from, to, "", sp)
				if err != nil {
					return err
				}
				report("technicians", techs, got)
			}
			insp, err := ScanInspections(tx, from, to, "")
			if err != nil {
				return err
			}
			for _, sp := range []spansFunc{rollups.Spans, rollups.DaySpans} {
				got, err := inspectionsWith(tx, from, to, "", sp)
				if err != nil {
					return err
				}
				report("inspections", unlabelInspections(insp), unlabelInspections(got))
			}
			fines, err := ScanFines(tx, m, "")
			if err != nil {
				return err
			}
			got, err := Fines(tx, m, "")
			if err != nil {
				return err
			}
			report("fines", unlabelFines(fines), unlabelFines(got))
		}
		return nil
	})
	return diffs, err
}

// recordMonths lists the months (YYYY-MM, Asia/Shanghai) from the first to
// the last finished job or sheet.
func recordMonths(tx *bolt.Tx) []string {
	var first, last time.Time
	for _, span := range []func(*bolt.Tx) (time.Time, time.Time){callbacks.FinishSpan, submissions.FinishSpan} {
		f, l := span(tx)
		if !f.IsZero() && (first.IsZero() || f.Before(first)) {
			first = f
		}
		if l.After(last) {
			last = l
		}
	}
	if first.IsZero() {
		return nil
	}
	var out []string
	for m := PeriodOf(first, GroupMonth); m <= PeriodOf(last, GroupMonth); {
		out = append(out, m)
		t, _, _ := MonthRange(m)
		m = PeriodOf(t.AddDate(0, 1, 0), GroupMonth)
	}
	return out
}

// scanCallbacksByUnit is ScanCallbacks by day for every unit ("" the
// province) in one walk of the tasks, counted by the same countTask.
func scanCallbacksByUnit(tx *bolt.Tx, from, to time.Time) (map[string][]CallbackRow, error) {
	ps := Periods(from, to, GroupDay)
	at := make(map[string]int, len(ps))
	for i, p := range ps {
		at[p.Key] = i
	}
	out := map[string][]CallbackRow{}
	rowsOf := func(unit string) []CallbackRow {
		rows := out[unit]
		if rows == nil {
			rows = make([]CallbackRow, len(ps))
			for i, p := range ps {
				rows[i] = CallbackRow{Period: p.Key, From: day(p.From), To: lastDay(p.To), reasons: map[string]int{}}
			}
			out[unit] = rows
		}
		return rows
	}
	rowsOf("")
	err := eachTask(tx, from, to, func(t *callbacks.Task) {
		i, ok := at[PeriodOf(t.FinishedAt, GroupDay)]
		if !ok {
			return
		}
		countTask(&rowsOf("")[i], t)
		countTask(&rowsOf(t.Unit)[i], t)
	})
	if err != nil {
		return nil, err
	}
	for _, rows := range out {
		for i := range rows {
			finishCallbackRow(&rows[i])
		}
	}
	return out, nil
}

// sumCallbackRows folds a month's day rows into its month row (the
// reference of the month grouping: weeks and months are sums of days).
func sumCallbackRows(days []CallbackRow, month string) []CallbackRow {
	r := CallbackRow{Period: month, reasons: map[string]int{}}
	for i, d := range days {
		if i == 0 {
			r.From = d.From
		}
		r.To = d.To
		r.Completed += d.Completed
		r.Callbacks += d.Callbacks
		r.Done += d.Done
		r.SameDay += d.SameDay
		r.Within3Days += d.Within3Days
		r.Unreachable += d.Unreachable
		r.VerySatisfied += d.VerySatisfied
		r.Satisfied += d.Satisfied
		r.Unsatisfied += d.Unsatisfied
		for k, n := range d.reasons {
			r.reasons[k] += n
		}
	}
	finishCallbackRow(&r)
	return []CallbackRow{r}
}

// Labels are display text kept as last counted (rollups) or first seen
// (the walk): verify compares the figures, not the words.
func unlabelInspections(rows []InspectionRow) []InspectionRow {
	out := make([]InspectionRow, len(rows))
	for i, r := range rows {
		r.Deductions = append([]DeductionSum{}, r.Deductions...)
		for j := range r.Deductions {
			r.Deductions[j].Label.Zh, r.Deductions[j].Label.En = "", ""
		}
		out[i] = r
	}
	return out
}

func unlabelFines(rows []FineRow) []FineRow {
	out := make([]FineRow, len(rows))
	for i, r := range rows {
		r.SpotCheckItems = append([]FineItem{}, r.SpotCheckItems...)
		for j := range r.SpotCheckItems {
			r.SpotCheckItems[j].Label.Zh, r.SpotCheckItems[j].Label.En = "", ""
		}
		stores := append([]StoreFines{}, r.Stores...)
		for j := range stores {
			stores[j].Items = append([]FineItem{}, stores[j].Items...)
			for k := range stores[j].Items {
				stores[j].Items[k].Label.Zh, stores[j].Items[k].Label.En = "", ""
			}
		}
		r.Stores = stores
		out[i] = r
	}
	return out
}
