package reports

import (
	"sort"
	"time"

	"fieldcheck/callbacks"

	bolt "go.etcd.io/bbolt"
)

// TopReasons is how many reasons for 不满意 a row lists.
const TopReasons = 5

// ReasonCount is one reason for dissatisfaction and how often it was given.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// CallbackRow is one period of the callback report (API.md Reports glossary).
// Every figure is about the jobs finished in the period (a job counts on the
// day it was finished, skew-corrected), however late its callback came.
type CallbackRow struct {
	Period string `json:"period"`
	From   string `json:"from"` // first day of the period inside the range
	To     string `json:"to"`   // last day of the period inside the range
	// Completed: finished jobs that need a callback (install, move, repair,
	// complaint; not removal). Callbacks: their tasks. Kickoff creates the
	// task in the transaction that completes the order, exactly once, so the
	// two agree; both are counted from BucketCallbacksByTime (see Callbacks).
	Completed int `json:"completed"`
	Callbacks int `json:"callbacks"`
	// Done: tasks with a result. Coverage = done ÷ completed.
	Done     int      `json:"done"`
	Coverage *float64 `json:"coverage"`
	// SameDay / Within3Days: results recorded by due_at (end of the finish
	// day) / deadline_at (end of the second day after); rates ÷ completed
	// (当天回访，最长三天内完成, seed 004 第五十三条).
	SameDay         int      `json:"same_day"`
	SameDayRate     *float64 `json:"same_day_rate"`
	Within3Days     int      `json:"within_3_days"`
	Within3DaysRate *float64 `json:"within_3_days_rate"`
	// Unreachable: tasks closed without reaching the customer.
	Unreachable   int `json:"unreachable"`
	VerySatisfied int `json:"very_satisfied"`
	Satisfied     int `json:"satisfied"`
	Unsatisfied   int `json:"unsatisfied"`
	// SatisfactionRate = (very + satisfied) ÷ (very + satisfied + unsatisfied)
	// (seed 004 第五十五条).
	SatisfactionRate *float64 `json:"satisfaction_rate"`
	// TopReasons: the main reasons for 不满意, most given first (at most
	// TopReasons), from the recorded results.
	TopReasons []ReasonCount `json:"top_reasons"`

	reasons map[string]int
}

// SatisfactionRate is (very satisfied + satisfied) ÷ (very satisfied +
// satisfied + unsatisfied), nil when nobody answered (seed 004 第五十五条).
func SatisfactionRate(very, satisfied, unsatisfied int) *float64 {
	return Rate(very+satisfied, very+satisfied+unsatisfied)
}

// ScanCallbacks is the callback report for the jobs finished in [from, to) —
// Asia/Shanghai day starts — one row per day, ISO week or month (group),
// oldest first, including periods with no jobs. unit "" is every unit;
// otherwise only tasks of that unit (the order's, i.e. its technician's).
//
// It seeks BucketCallbacksByTime to from and reads only the tasks in range.
// Completed is counted from the tasks too: there is no index of work orders
// by completion time, and every completed order that needs a callback has
// exactly one task keyed by its finish time. It is the reference
// `fieldcheck rollups verify` checks Callbacks against.
func ScanCallbacks(tx *bolt.Tx, from, to time.Time, group, unit string) ([]CallbackRow, error) {
	if !ValidGroup(group) {
		return nil, ErrBadGroup
	}
	ps := Periods(from, to, group)
	rows := make([]CallbackRow, len(ps))
	at := make(map[string]int, len(ps))
	for i, p := range ps {
		rows[i] = CallbackRow{Period: p.Key, From: day(p.From), To: lastDay(p.To), reasons: map[string]int{}}
		at[p.Key] = i
	}
	err := eachTask(tx, from, to, func(t *callbacks.Task) {
		if !inUnit(unit, t.Unit) {
			return
		}
		i, ok := at[PeriodOf(t.FinishedAt, group)]
		if !ok {
			return
		}
		countTask(&rows[i], t)
	})
	if err != nil {
		return nil, err
	}
	for i := range rows {
		finishCallbackRow(&rows[i])
	}
	return rows, nil
}

func countTask(r *CallbackRow, t *callbacks.Task) {
	r.Completed++
	r.Callbacks++
	if t.Status == callbacks.StatusUnreachable {
		r.Unreachable++
	}
	res := t.Result
	if res == nil {
		return
	}
	r.Done++
	if !res.At.After(t.DueAt) {
		r.SameDay++
	}
	if !res.At.After(t.DeadlineAt) {
		r.Within3Days++
	}
	switch res.Satisfaction {
	case callbacks.VerySatisfied:
		r.VerySatisfied++
	case callbacks.Satisfied:
		r.Satisfied++
	case callbacks.Unsatisfied:
		r.Unsatisfied++
		for _, reason := range res.Reasons {
			// A reason is free text: a number typed into it is still masked.
			r.reasons[MaskPhones(reason)]++
		}
	}
}

func finishCallbackRow(r *CallbackRow) {
	r.Coverage = Rate(r.Done, r.Completed)
	r.SameDayRate = Rate(r.SameDay, r.Completed)
	r.Within3DaysRate = Rate(r.Within3Days, r.Completed)
	r.SatisfactionRate = SatisfactionRate(r.VerySatisfied, r.Satisfied, r.Unsatisfied)
	r.TopReasons = topReasons(r.reasons, TopReasons)
}

// topReasons lists the n most given reasons, ties in text order.
func topReasons(m map[string]int, n int) []ReasonCount {
	out := make([]ReasonCount, 0, len(m))
	for reason, c := range m {
		out = append(out, ReasonCount{Reason: reason, Count: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
