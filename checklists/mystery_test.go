package checklists

import (
	"encoding/json"
	"testing"
)

// Issue 20: the mystery-visit templates (seed 003's norms, seed 002's 暗访)
// are built-in walkthroughs flagged mystery, each norm a 20-point
// pass_fail: a forbidden phrase alone takes a perfect visit from 优秀 to 待改进.
func TestMysteryVisitTemplates(t *testing.T) {
	want := map[string][]string{
		"store_mystery_visit":  {"greeting", "attitude", "no_forbidden_phrases", "queue", "comment_book"},
		"hotline_mystery_call": {"three_rings", "greeting", "no_forbidden_phrases", "handoff", "service_24h"},
	}
	for id, norms := range want {
		tpl := builtin(t, id)
		if tpl.Kind != KindWalkthrough || !tpl.Mystery {
			t.Fatalf("%s: kind %q mystery %v", id, tpl.Kind, tpl.Mystery)
		}
		var scored []string
		for _, it := range items(tpl) {
			if it.Score != nil {
				scored = append(scored, it.ID)
			}
		}
		if len(scored) != len(norms) {
			t.Fatalf("%s scores %v, want %v", id, scored, norms)
		}
		answers := func(failed string) *Submission {
			s := &Submission{TemplateID: id, TemplateVersion: 1, Subject: Subject{StoreID: "S-1"}, Answers: map[string]json.RawMessage{}}
			for _, n := range norms {
				v := "pass"
				if n == failed {
					v = "fail"
				}
				s.Answers[n] = raw(t, v)
			}
			return s
		}
		for _, c := range []struct {
			failed string
			score  float64
			grade  string
		}{{"", 100, "excellent"}, {"no_forbidden_phrases", 80, "improve"}} {
			s := answers(c.failed)
			if err := Validate(tpl, s, Context{}); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			r := Score(tpl, s, Context{})
			if r.Score != c.score || r.MaxScore != 100 || r.Grade == nil || *r.Grade != c.grade {
				t.Errorf("%s failing %q: %v/%v grade %v, want %v %s", id, c.failed, r.Score, r.MaxScore, r.Grade, c.score, c.grade)
			}
		}
	}
	// The ordinary walkthrough is not a mystery visit.
	if builtin(t, "store_walkthrough").Mystery {
		t.Fatal("store_walkthrough flagged mystery")
	}
}
