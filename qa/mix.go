package qa

import "math"

// ModeShare is one mode's part of a month's reviews.
type ModeShare struct {
	Mode   string  `json:"mode"`
	Count  int     `json:"count"`
	Share  float64 `json:"share"`  // of the month's reviews, 0–1
	Target float64 `json:"target"` // 0.2, 0.7 or 0.1
	// Gap is how many reviews this mode is short of its target share of the
	// total (negative: ahead).
	Gap float64 `json:"gap"`
}

// Mix is a month's modes against 即席 : 远程 : 录音 = 2 : 7 : 1.
type Mix struct {
	Month string      `json:"month"`
	Total int         `json:"total"`
	Modes []ModeShare `json:"modes"`
	// OnTarget: every mode within 5 percentage points of its target (a month
	// with no reviews is not on target).
	OnTarget bool `json:"on_target"`
	// Next is the mode the next review should use to move the month toward
	// 2:7:1: the one furthest below its share of total+1.
	Next string `json:"next"`
}

// MixTolerance is how far (a fraction) a mode's share may stray from its
// target and the month still count as on target.
const MixTolerance = 0.05

// MixOf works out a month's mix from the count of each mode.
func MixOf(month string, counts map[string]int) Mix {
	m := Mix{Month: month, Modes: []ModeShare{}}
	for _, mode := range Modes {
		m.Total += counts[mode]
	}
	m.OnTarget = m.Total > 0
	bestNeed := math.Inf(-1)
	for _, mode := range Modes {
		n, target := counts[mode], TargetMix[mode]
		s := ModeShare{Mode: mode, Count: n, Target: target}
		if m.Total > 0 {
			s.Share = round4(float64(n) / float64(m.Total))
		}
		s.Gap = round2(target*float64(m.Total) - float64(n))
		if math.Abs(s.Share-target) > MixTolerance+1e-9 {
			m.OnTarget = false
		}
		if need := target*float64(m.Total+1) - float64(n); need > bestNeed+1e-9 {
			bestNeed, m.Next = need, mode
		}
		m.Modes = append(m.Modes, s)
	}
	return m
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
func round4(f float64) float64 { return math.Round(f*10000) / 10000 }
