package checklists

import (
	"encoding/json"
	"math"
	"sort"
)

// DefaultGrading is seed 001's bands, used when a template has none:
// ≥ 90 excellent (优秀), ≥ 85 good, ≥ 75 needs improvement, below 75 fail.
// The seed calls both top bands 优秀; naming 85–90 "good" is a product
// decision (DOMAIN.md §3).
var DefaultGrading = []Band{
	{ID: "excellent", Min: 90, Label: Text{Zh: "优秀", En: "Excellent"}},
	{ID: "good", Min: 85, Label: Text{Zh: "良好", En: "Good"}},
	{ID: "improve", Min: 75, Label: Text{Zh: "待改进", En: "Needs improvement"}},
	{ID: "fail", Min: 0, Label: Text{Zh: "不合格", En: "Fail"}},
}

// speedEpsilon absorbs float noise when comparing a measured speed with
// min_ratio × subscribed (0.9 × 100 must accept exactly 90).
const speedEpsilon = 1e-9

// round2 rounds to two decimals (fen for yuan, hundredths of a point or a
// percent), so 89.99999999 never reaches a report.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// Score computes the breakdown of a valid submission (API.md Templates,
// Scoring). Deductions lists every item that has a score rule, in template
// order, including those that deducted nothing.
//
//   - count: deducts min(count × per_instance, cap), cap defaulting to max;
//   - pass_fail: "fail" deducts max; "na" is excluded from max_score and score;
//   - check (product decision): false deducts max, true nothing;
//   - an optional scored item left unanswered was not judged: it is excluded
//     like "na" rather than counted as a pass (no points claimed or lost);
//   - fine = min(deduction × fine_per_point, fine_cap);
//   - score = Σ max − Σ deductions, percent = 100 × score ÷ max_score,
//     each rounded to two decimals; the grade is taken from the rounded
//     percent, so the grade always agrees with the number shown;
//   - with no scored items (or all excluded) max_score is 0 and percent and
//     grade are null;
//   - passed is false when a critical item failed: a check false, a
//     pass_fail "fail", a speedtest whose down_mbps is below
//     min_ratio × ctx.SubscribedMbps. A low score alone does not fail a sheet.
//
// Items hidden by their conditions (Visible, judged on ctx.Facts) are left
// out altogether: no deduction line, nothing in max_score, never critical.
//
// Speed tests with ctx.SubscribedMbps 0 (no work order, or an order without
// a subscribed speed) cannot be judged: they neither fail nor set
// SpeedBelowSubscribed; SpeedUnjudged says so, for a reviewer to look at.
func Score(t *Template, s *Submission, ctx Context) Result {
	res := Result{Passed: true, Deductions: []Deduction{}}
	if t == nil || s == nil {
		return res
	}
	var sumMax, sumDed, sumFine float64
	var shown map[string]bool
	if HasConditions(t) {
		shown = Visible(t, s, ctx.Facts)
	}
	for _, it := range items(t) {
		if shown != nil && !shown[it.ID] {
			continue // hidden: not scored, not in max_score, never critical
		}
		raw := s.Answers[it.ID]
		answered := !isNull(raw)

		// Critical failures and the speed flag, scored or not.
		switch it.Type {
		case TypeCheck:
			var b bool
			if answered && json.Unmarshal(raw, &b) == nil && !b && it.Critical {
				res.FailedCritical = append(res.FailedCritical, it.ID)
			}
		case TypePassFail:
			var pf string
			if answered && json.Unmarshal(raw, &pf) == nil && pf == Fail && it.Critical {
				res.FailedCritical = append(res.FailedCritical, it.ID)
			}
		case TypeSpeedtest:
			if st, ok := decodeSpeedtest(raw); ok && it.Speedtest != nil {
				switch {
				case !(ctx.SubscribedMbps > 0) || !finite(ctx.SubscribedMbps):
					res.SpeedUnjudged = true
				case st.DownMbps+speedEpsilon < it.Speedtest.MinRatio*ctx.SubscribedMbps:
					res.SpeedBelowSubscribed = true
					if it.Critical {
						res.FailedCritical = append(res.FailedCritical, it.ID)
					}
				}
			}
		}

		if it.Score == nil || !scorable(it.Type) {
			continue
		}
		r := it.Score
		d := Deduction{ItemID: it.ID, Label: it.Label, Max: r.Max}
		switch it.Type {
		case TypeCount:
			n, ok := intAnswer(raw)
			if !answered || !ok || n < 0 {
				d.Excluded = true
				break
			}
			c := int(n)
			d.Count = &c
			limit := r.Max
			if r.Cap != nil {
				limit = *r.Cap
			}
			d.Points = math.Min(float64(n)*r.PerInstance, limit)
		case TypePassFail:
			var pf string
			if !answered || json.Unmarshal(raw, &pf) != nil || pf == NA || (pf != Pass && pf != Fail) {
				d.Excluded = true
				break
			}
			if pf == Fail {
				d.Points = r.Max
			}
		case TypeCheck:
			var b bool
			if !answered || json.Unmarshal(raw, &b) != nil {
				d.Excluded = true
				break
			}
			if !b {
				d.Points = r.Max
			}
		}
		if d.Points < 0 || !finite(d.Points) {
			d.Points = 0
		}
		if !d.Excluded {
			fine := d.Points * r.FinePerPoint
			if r.FineCap != nil {
				fine = math.Min(fine, *r.FineCap)
			}
			d.Points = round2(d.Points)
			d.Fine = round2(fine)
			sumMax += r.Max
			sumDed += d.Points
			sumFine += d.Fine
		}
		res.Deductions = append(res.Deductions, d)
	}

	res.MaxScore = round2(sumMax)
	res.Score = round2(sumMax - sumDed)
	res.Fines = round2(sumFine)
	if res.MaxScore > 0 {
		p := round2(100 * (sumMax - sumDed) / sumMax)
		res.Percent = &p
		bands := t.Grading
		if len(bands) == 0 {
			bands = DefaultGrading
		}
		for _, b := range bands {
			if b.Min <= p {
				g := b.ID
				res.Grade = &g
				break
			}
		}
	}
	res.Passed = len(res.FailedCritical) == 0
	return res
}

// ReferencedPhotos lists every sha256 a submission references: the photos
// map and the answers of signature items, deduplicated, in a stable order
// (template order, each item's photos in the order given; then photos under
// ids the template does not know, sorted). Only well-formed lowercase hex
// sha256 values are returned, so callers may use them as keys and file names.
func ReferencedPhotos(t *Template, s *Submission) []string {
	if s == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(h string) {
		if ValidSHA256(h) && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	known := map[string]bool{}
	if t != nil {
		for _, it := range items(t) {
			known[it.ID] = true
			switch it.Type {
			case TypeSignature:
				add(SignatureSHA(s.Answers[it.ID]))
			default:
				for _, h := range s.Photos[it.ID] {
					add(h)
				}
			}
		}
	}
	var rest []string
	for id, list := range s.Photos {
		if known[id] {
			continue
		}
		for _, h := range list {
			if ValidSHA256(h) && !seen[h] {
				rest = append(rest, h)
			}
		}
	}
	sort.Strings(rest)
	for _, h := range rest {
		add(h)
	}
	return out
}
