package qa

import (
	"encoding/json"
	"sort"
	"time"
)

// DefaultTolerance is how many points (of 100) a reviewer's total may stray
// from the session's median before they are listed for retraining.
const DefaultTolerance = 5.0

// Calibration is a 校准 session (seed 001 §5: at least quarterly, the
// reviewers score the same calls; those who stray are retrained until they
// meet the standard).
type Calibration struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	TaskIDs   []string  `json:"task_ids"`
	Reviewers []string  `json:"reviewers"`
	Tolerance float64   `json:"tolerance"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Scores: reviewer → task id → their sheet's score.
	Scores map[string]map[string]CalScore `json:"scores"`
	// Outcome is worked out on every read (never stored).
	Outcome *CalOutcome `json:"outcome,omitempty"`
}

// CalScore is one reviewer's sheet of one calibration call.
type CalScore struct {
	Percent float64   `json:"percent"`
	At      time.Time `json:"at"`
}

// CalInput creates a session.
type CalInput struct {
	Title     string   `json:"title"`
	TaskIDs   []string `json:"task_ids"`
	Reviewers []string `json:"reviewers"`
	Tolerance *float64 `json:"tolerance,omitempty" jsonschema:"description=points of 100 a total may stray from the median; default 5"`
}

// CalScoreInput is one reviewer's sheet of one call of a session.
type CalScoreInput struct {
	TaskID  string                     `json:"task_id"`
	Answers map[string]json.RawMessage `json:"answers"`
}

// CalCall is one call's spread of totals.
type CalCall struct {
	TaskID string             `json:"task_id"`
	Median *float64           `json:"median"`
	Totals map[string]float64 `json:"totals"`
}

// CalReviewer is one reviewer's standing in the session.
type CalReviewer struct {
	Reviewer string `json:"reviewer"`
	Scored   int    `json:"scored"`
	// MaxDeviation is the largest |total − median| over the calls they scored.
	MaxDeviation float64  `json:"max_deviation"`
	Strays       []string `json:"strays"` // task ids beyond the tolerance
	Retrain      bool     `json:"retrain"`
}

// CalOutcome is what a session found.
type CalOutcome struct {
	Complete  bool          `json:"complete"` // every reviewer scored every call
	Calls     []CalCall     `json:"calls"`
	Reviewers []CalReviewer `json:"reviewers"`
	Retrain   []string      `json:"retrain"` // 校准不合格: listed for retraining
}

// Median of xs (the mean of the middle two for an even count).
func Median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Evaluate works out a session: per call the median of the totals given,
// per reviewer the calls where their total strays from that median by more
// than the tolerance. A call scored by fewer than two reviewers has no
// median to stray from yet.
func Evaluate(c *Calibration) *CalOutcome {
	out := &CalOutcome{Complete: true, Calls: []CalCall{}, Reviewers: []CalReviewer{}, Retrain: []string{}}
	byReviewer := map[string]*CalReviewer{}
	for _, r := range c.Reviewers {
		cr := &CalReviewer{Reviewer: r, Strays: []string{}}
		byReviewer[r] = cr
	}
	for _, task := range c.TaskIDs {
		call := CalCall{TaskID: task, Totals: map[string]float64{}}
		var xs []float64
		for _, r := range c.Reviewers {
			if sc, ok := c.Scores[r][task]; ok {
				call.Totals[r] = sc.Percent
				xs = append(xs, sc.Percent)
				byReviewer[r].Scored++
			} else {
				out.Complete = false
			}
		}
		if len(xs) >= 2 {
			med := round2(Median(xs))
			call.Median = &med
			for r, total := range call.Totals {
				d := round2(abs(total - med))
				cr := byReviewer[r]
				if d > cr.MaxDeviation {
					cr.MaxDeviation = d
				}
				if d > c.Tolerance+1e-9 {
					cr.Strays = append(cr.Strays, task)
					cr.Retrain = true
				}
			}
		}
		out.Calls = append(out.Calls, call)
	}
	for _, r := range c.Reviewers {
		cr := byReviewer[r]
		out.Reviewers = append(out.Reviewers, *cr)
		if cr.Retrain {
			out.Retrain = append(out.Retrain, r)
		}
	}
	return out
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
