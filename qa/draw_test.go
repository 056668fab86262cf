package qa

import (
	"fmt"
	"reflect"
	"testing"
)

func cands(agents, per int) []Candidate {
	outcomes := []string{"very_satisfied", "satisfied", "unsatisfied", "unreachable"}
	types := []string{"install", "repair", "move", "complaint"}
	var out []Candidate
	for a := 0; a < agents; a++ {
		for i := 0; i < per; i++ {
			out = append(out, Candidate{QueueItem: QueueItem{TaskID: fmt.Sprintf("cb-%02d-%02d", a, i), Agent: fmt.Sprintf("agent%02d", a),
				Outcome: outcomes[(i/2)%len(outcomes)], OrderType: types[i%len(types)]}})
		}
	}
	return out
}

func TestDrawFillsTheQuotaEvenlyAcrossAgents(t *testing.T) {
	got := Draw(cands(5, 10), nil, 20, "qa1/2026-11-20")
	if len(got) != 20 {
		t.Fatalf("drew %d, want the quota 20", len(got))
	}
	per := map[string]int{}
	seen := map[string]bool{}
	for _, it := range got {
		per[it.Agent]++
		if seen[it.TaskID] {
			t.Fatalf("%s drawn twice", it.TaskID)
		}
		seen[it.TaskID] = true
	}
	for a, n := range per {
		if n != 4 {
			t.Errorf("%s: %d calls, want 4 each (5 agents share 20)", a, n)
		}
	}
	if len(per) != 5 {
		t.Errorf("%d agents reviewed, want all 5", len(per))
	}
}

func TestDrawSpreadsOutcomesAndCallTypes(t *testing.T) {
	got := Draw(cands(5, 10), nil, 20, "qa1/2026-11-20")
	outcomes, types := map[string]int{}, map[string]int{}
	for _, it := range got {
		outcomes[it.Outcome]++
		types[it.OrderType]++
	}
	for _, o := range []string{"very_satisfied", "satisfied", "unsatisfied", "unreachable"} {
		if outcomes[o] != 5 {
			t.Errorf("outcome %s: %d of 20, want 5 (an even spread)", o, outcomes[o])
		}
	}
	for _, ty := range []string{"install", "repair", "move", "complaint"} {
		if types[ty] < 4 {
			t.Errorf("call type %s: %d of 20, want at least 4", ty, types[ty])
		}
	}
}

func TestDrawGivesEveryAgentOneBeforeAnyoneTwo(t *testing.T) {
	// 25 agents, quota 20: the 20 least reviewed this month, one call each.
	load := map[string]int{}
	for a := 0; a < 25; a++ {
		load[fmt.Sprintf("agent%02d", a)] = a // agent00 least reviewed
	}
	got := Draw(cands(25, 3), load, 20, "qa1/2026-11-20")
	per := map[string]int{}
	for _, it := range got {
		per[it.Agent]++
	}
	if len(per) != 20 {
		t.Fatalf("%d agents in 20 calls, want 20 different agents", len(per))
	}
	for a := 20; a < 25; a++ {
		if per[fmt.Sprintf("agent%02d", a)] > 0 {
			t.Errorf("agent%02d (most reviewed this month) drawn before the least reviewed", a)
		}
	}
}

func TestDrawPrefersCallsNobodyHasHeard(t *testing.T) {
	c := cands(1, 4)
	c[0].Seen, c[1].Seen = true, true
	got := Draw(c, nil, 2, "x")
	for _, it := range got {
		if it.TaskID == c[0].TaskID || it.TaskID == c[1].TaskID {
			t.Errorf("%s was already heard but drawn before unheard calls", it.TaskID)
		}
	}
}

func TestDrawIsDeterministic(t *testing.T) {
	a := Draw(cands(4, 9), nil, 20, "qa1/2026-11-20")
	b := Draw(cands(4, 9), nil, 20, "qa1/2026-11-20")
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same inputs drew different queues")
	}
	if len(Draw(cands(2, 3), nil, 20, "s")) != 6 {
		t.Error("fewer calls than the quota: want them all")
	}
}

func TestMixAgainst271(t *testing.T) {
	cases := []struct {
		name   string
		counts map[string]int
		on     bool
		next   string
	}{
		{"即席 4 远程 14 录音 2 of 20: on target", map[string]int{ModeOnsite: 4, ModeRemote: 14, ModeRecording: 2}, true, ModeRemote},
		{"no reviews: not on target, start remote", map[string]int{}, false, ModeRemote},
		{"all remote: onsite is furthest behind", map[string]int{ModeRemote: 10}, false, ModeOnsite},
		{"too many recordings", map[string]int{ModeOnsite: 2, ModeRemote: 5, ModeRecording: 3}, false, ModeRemote},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := MixOf("2026-11", c.counts)
			if m.OnTarget != c.on || m.Next != c.next {
				t.Errorf("on_target %v next %s, want %v %s (%+v)", m.OnTarget, m.Next, c.on, c.next, m.Modes)
			}
		})
	}
	m := MixOf("2026-11", map[string]int{ModeOnsite: 1, ModeRemote: 8, ModeRecording: 1})
	if m.Modes[0].Share != 0.1 || m.Modes[0].Gap != 1 || m.Modes[1].Gap != -1 {
		t.Errorf("shares/gaps: %+v", m.Modes)
	}
}

func TestCalibrationListsReviewersBeyondTheTolerance(t *testing.T) {
	c := &Calibration{TaskIDs: []string{"cb-1", "cb-2"}, Reviewers: []string{"a", "b", "c", "d"}, Tolerance: 5,
		Scores: map[string]map[string]CalScore{
			"a": {"cb-1": {Percent: 90}, "cb-2": {Percent: 80}},
			"b": {"cb-1": {Percent: 85}, "cb-2": {Percent: 75}}, // exactly 5 below on cb-1 median 90? see below
			"c": {"cb-1": {Percent: 95}, "cb-2": {Percent: 80}},
			"d": {"cb-1": {Percent: 70}, "cb-2": {Percent: 85}},
		}}
	out := Evaluate(c)
	// cb-1 totals 90 85 95 70: median 87.5; a +2.5, b −2.5, c +7.5, d −17.5.
	// cb-2 totals 80 75 80 85: median 80; b −5 (at the tolerance: fine), d +5.
	if med := *out.Calls[0].Median; med != 87.5 {
		t.Fatalf("cb-1 median %v, want 87.5", med)
	}
	if !reflect.DeepEqual(out.Retrain, []string{"c", "d"}) {
		t.Errorf("retrain %v, want [c d]", out.Retrain)
	}
	if !out.Complete {
		t.Error("every reviewer scored every call: complete")
	}
	if out.Reviewers[3].MaxDeviation != 17.5 {
		t.Errorf("d max deviation %v, want 17.5", out.Reviewers[3].MaxDeviation)
	}
	// One sheet alone has no median to stray from.
	lone := Evaluate(&Calibration{TaskIDs: []string{"x"}, Reviewers: []string{"a", "b"}, Tolerance: 1,
		Scores: map[string]map[string]CalScore{"a": {"x": {Percent: 10}}}})
	if lone.Complete || len(lone.Retrain) != 0 || lone.Calls[0].Median != nil {
		t.Errorf("one sheet: %+v", lone)
	}
}
