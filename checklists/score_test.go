package checklists

import (
	"encoding/json"
	"testing"
)

func deduction(t *testing.T, r Result, id string) Deduction {
	t.Helper()
	for _, d := range r.Deductions {
		if d.ItemID == id {
			return d
		}
	}
	t.Fatalf("no deduction for %s in %+v", id, r.Deductions)
	return Deduction{}
}

// The walkthrough's full marks are 2+1+1+1+2+5+6 = 18 points (seed 002 ch. 1).
func TestScoreWalkthroughSeedRules(t *testing.T) {
	cases := []struct {
		name       string
		answers    map[string]any
		item       string  // the item whose deduction is checked
		points     float64 // deducted by that item
		fine       float64 // that item's fine, yuan
		score      float64
		maxScore   float64
		totalFines float64
	}{
		{"nothing found: full marks, no fine", nil, "hall_environment", 0, 0, 18, 18, 0},
		{"门前环境 dirty: −2, 100 yuan", map[string]any{"storefront": "fail"}, "storefront", 2, 100, 16, 18, 100},
		{"VI 店招 damaged: −1, 50 yuan", map[string]any{"vi_signage": "fail"}, "vi_signage", 1, 50, 17, 18, 50},
		{"功能区域 a zone missing: −2, 100 yuan", map[string]any{"functional_zones": "fail"}, "functional_zones", 2, 100, 16, 18, 100},
		{"厅内环境 1 instance: −1, 50 yuan", map[string]any{"hall_environment": 1}, "hall_environment", 1, 50, 17, 18, 50},
		{"厅内环境 4 instances: −4, 200 yuan", map[string]any{"hall_environment": 4}, "hall_environment", 4, 200, 14, 18, 200},
		{"厅内环境 6 instances: −4 capped, 200 yuan", map[string]any{"hall_environment": 6}, "hall_environment", 4, 200, 14, 18, 200},
		{"服务基础设施 3 instances: −3, 150 yuan", map[string]any{"service_facilities": 3}, "service_facilities", 3, 150, 15, 18, 150},
		{"服务基础设施 7 instances: −6 capped, 300 yuan", map[string]any{"service_facilities": 7}, "service_facilities", 6, 300, 12, 18, 300},
		{"营业时间牌 n/a: excluded from max and score", map[string]any{"hours_sign": "na"}, "hours_sign", 0, 0, 17, 17, 0},
		{"everything wrong: fines add up to 850 yuan", map[string]any{
			"storefront": "fail", "vi_signage": "fail", "led_display": "fail", "hours_sign": "fail",
			"functional_zones": "fail", "hall_environment": 9, "service_facilities": 9},
			"service_facilities", 6, 300, 1, 18, 850}, // 18 − (2+1+1+1+2+4+6): 厅内环境 keeps 1 point
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, s := newWalkthrough(t, func(s *Submission) {
				for k, v := range c.answers {
					s.Answers[k] = raw(t, v)
				}
			})
			if err := Validate(tpl, s, Context{}); err != nil {
				t.Fatalf("fixture invalid: %v", err)
			}
			r := Score(tpl, s, Context{})
			d := deduction(t, r, c.item)
			if d.Points != c.points || d.Fine != c.fine {
				t.Errorf("%s: points %v fine %v, want %v and %v", c.item, d.Points, d.Fine, c.points, c.fine)
			}
			if r.Score != c.score || r.MaxScore != c.maxScore || r.Fines != c.totalFines {
				t.Errorf("score %v/%v fines %v, want %v/%v and %v", r.Score, r.MaxScore, r.Fines, c.score, c.maxScore, c.totalFines)
			}
			if !r.Passed {
				t.Errorf("a walkthrough has no critical items; it must pass")
			}
		})
	}
}

func TestScoreNAExcludedFromMaxAndScore(t *testing.T) {
	tpl, s := newWalkthrough(t, func(s *Submission) {
		s.Answers["storefront"] = raw(t, NA)
		s.Answers["vi_signage"] = raw(t, Fail)
	})
	r := Score(tpl, s, Context{})
	d := deduction(t, r, "storefront")
	if !d.Excluded || d.Points != 0 || d.Fine != 0 {
		t.Errorf("n/a item: %+v, want excluded with no points or fine", d)
	}
	if r.MaxScore != 16 || r.Score != 15 {
		t.Errorf("score %v/%v, want 15/16", r.Score, r.MaxScore)
	}
	if r.Percent == nil || *r.Percent != 93.75 {
		t.Errorf("percent %v, want 93.75", r.Percent)
	}
}

// gradeTemplate is one count item worth 20 points, 1 per instance, so each
// finding costs exactly 5 percent.
func gradeTemplate(bands []Band) *Template {
	return &Template{ID: "g", Version: 1, Kind: KindWalkthrough, Title: Text{Zh: "评级"}, Grading: bands,
		Sections: []Section{{ID: "s", Title: Text{Zh: "节"}, Items: []Item{
			{ID: "findings", Type: TypeCount, Label: Text{Zh: "问题"}, Required: true,
				Score: &ScoreRule{Max: 20, PerInstance: 1}},
			{ID: "half", Type: TypeCount, Label: Text{Zh: "半分问题"}, Required: false,
				Score: &ScoreRule{Max: 20, PerInstance: 0.1}},
		}}}}
}

func TestGradeBands(t *testing.T) {
	cases := []struct {
		name     string
		findings int
		half     *int // tenth-of-a-point findings on a second 20-point item (max 40 then)
		percent  float64
		grade    string
	}{
		{"100 percent is excellent", 0, nil, 100, "excellent"},
		{"exactly 90 is excellent (≥ 90)", 2, nil, 90, "excellent"},
		{"just below 90 is good", 0, ptr(41), 89.75, "good"},
		{"exactly 85 is good (≥ 85)", 3, nil, 85, "good"},
		{"just below 85 needs improvement", 0, ptr(61), 84.75, "improve"},
		{"exactly 75 needs improvement (≥ 75)", 5, nil, 75, "improve"},
		{"just below 75 fails", 0, ptr(101), 74.75, "fail"},
		{"0 percent fails", 20, nil, 0, "fail"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := gradeTemplate(nil) // no bands: seed 001's defaults
			s := &Submission{TemplateID: "g", TemplateVersion: 1, Subject: Subject{StoreID: "s1"},
				Answers: map[string]json.RawMessage{"findings": raw(t, c.findings)}}
			if c.half != nil {
				// 40 points in play: each full finding −1 and each tenth −0.1, so
				// the percent moves in steps of 0.25.
				s.Answers["findings"] = raw(t, 0)
				s.Answers["half"] = raw(t, *c.half)
			}
			if err := Validate(tpl, s, Context{}); err != nil {
				t.Fatal(err)
			}
			r := Score(tpl, s, Context{})
			if r.Percent == nil || *r.Percent != c.percent {
				t.Fatalf("percent %v, want %v (score %v/%v)", deref(r.Percent), c.percent, r.Score, r.MaxScore)
			}
			if r.Grade == nil || *r.Grade != c.grade {
				t.Errorf("grade %v, want %s", r.Grade, c.grade)
			}
		})
	}
}

func ptr(i int) *int { return &i }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestTemplateBandsOverrideDefaults(t *testing.T) {
	tpl := gradeTemplate([]Band{{ID: "pass", Min: 60, Label: Text{Zh: "合格"}}, {ID: "below", Min: 0, Label: Text{Zh: "不合格"}}})
	s := &Submission{TemplateID: "g", TemplateVersion: 1, Answers: map[string]json.RawMessage{"findings": raw(t, 8)}}
	r := Score(tpl, s, Context{}) // 12/20 = 60 %
	if r.Grade == nil || *r.Grade != "pass" {
		t.Errorf("grade %v, want pass at exactly 60", r.Grade)
	}
}

func TestPercentIsRoundedNotFloatNoise(t *testing.T) {
	// 0.1 + 0.2 style noise: 3 findings × 0.1 on a 20-point item.
	tpl := gradeTemplate(nil)
	s := &Submission{TemplateID: "g", TemplateVersion: 1, Answers: map[string]json.RawMessage{
		"findings": raw(t, 0), "half": raw(t, 3)}}
	r := Score(tpl, s, Context{})
	if r.Score != 39.7 || *r.Percent != 99.25 {
		t.Errorf("score %v percent %v, want 39.7 and 99.25", r.Score, *r.Percent)
	}
}

func TestNoScoredItemsMeansNullPercentAndGrade(t *testing.T) {
	tpl, s := newAcceptance(t, nil) // the acceptance sheet has no points
	r := Score(tpl, s, Context{SubscribedMbps: 100})
	if r.MaxScore != 0 || r.Percent != nil || r.Grade != nil {
		t.Errorf("max %v percent %v grade %v, want 0, nil, nil", r.MaxScore, r.Percent, r.Grade)
	}
	if !r.Passed {
		t.Errorf("an honest complete sheet passes: %+v", r)
	}
	b, _ := json.Marshal(r)
	var m map[string]any
	json.Unmarshal(b, &m)
	if v, ok := m["percent"]; !ok || v != nil {
		t.Errorf("percent must be JSON null, got %v", m["percent"])
	}
	if v, ok := m["grade"]; !ok || v != nil {
		t.Errorf("grade must be JSON null, got %v", m["grade"])
	}
}

func TestAllNAMeansNullPercent(t *testing.T) {
	tpl, s := newWalkthrough(t, func(s *Submission) {
		for _, it := range []string{"storefront", "vi_signage", "led_display", "hours_sign", "functional_zones"} {
			s.Answers[it] = raw(t, NA)
		}
		delete(s.Answers, "hall_environment")
		delete(s.Answers, "service_facilities")
	})
	tpl.Sections[1].Items[2].Required = false // hall_environment
	tpl.Sections[1].Items[4].Required = false // service_facilities
	r := Score(tpl, s, Context{})
	if r.MaxScore != 0 || r.Percent != nil || r.Grade != nil {
		t.Errorf("all excluded: max %v percent %v grade %v, want 0, nil, nil", r.MaxScore, r.Percent, r.Grade)
	}
}

func TestCriticalItems(t *testing.T) {
	speed := func(down float64) json.RawMessage {
		return raw(t, map[string]any{"down_mbps": down, "up_mbps": 20, "ping_ms": 9, "jitter_ms": 1, "method": "manual"})
	}
	cases := []struct {
		name       string
		edit       func(s *Submission)
		subscribed float64
		passed     bool
		below      bool
		unjudged   bool
		failed     []string
	}{
		{"honest sheet at 95 of 100 Mbps passes", nil, 100, true, false, false, nil},
		{"exactly 90 percent of subscribed passes (min_ratio 0.9)", func(s *Submission) { s.Answers["speedtest"] = speed(90) }, 100, true, false, false, nil},
		{"89.9 of 100 Mbps fails the sheet: speed below subscribed", func(s *Submission) { s.Answers["speedtest"] = speed(89.9) }, 100, false, true, false, []string{"speedtest"}},
		{"no shoe covers is recorded, not a critical failure", func(s *Submission) { s.Answers["shoe_covers"] = raw(t, false) }, 100, true, false, false, nil},
		{"unknown subscribed speed: speed test not judged", func(s *Submission) { s.Answers["speedtest"] = speed(1) }, 0, true, false, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, s := newAcceptance(t, c.edit)
			if err := Validate(tpl, s, Context{SubscribedMbps: c.subscribed}); err != nil {
				t.Fatal(err)
			}
			r := Score(tpl, s, Context{SubscribedMbps: c.subscribed})
			if r.Passed != c.passed || r.SpeedBelowSubscribed != c.below || r.SpeedUnjudged != c.unjudged {
				t.Errorf("passed %v below %v unjudged %v, want %v %v %v", r.Passed, r.SpeedBelowSubscribed, r.SpeedUnjudged, c.passed, c.below, c.unjudged)
			}
			if len(r.FailedCritical) != len(c.failed) || (len(c.failed) > 0 && r.FailedCritical[0] != c.failed[0]) {
				t.Errorf("failed critical %v, want %v", r.FailedCritical, c.failed)
			}
		})
	}
}

func TestFailedCriticalFailsAPerfectSheet(t *testing.T) {
	cases := []struct {
		name   string
		typ    string
		answer any
	}{
		{"a critical check answered false fails a 100% sheet", TypeCheck, false},
		{"a critical pass_fail answered fail fails a 100% sheet", TypePassFail, Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := &Template{ID: "c", Version: 1, Kind: KindSpotcheck, Title: Text{Zh: "关键"},
				Sections: []Section{{ID: "s", Title: Text{Zh: "节"}, Items: []Item{
					{ID: "scored", Type: TypeCount, Label: Text{Zh: "计分"}, Required: true, Score: &ScoreRule{Max: 10, PerInstance: 1}},
					{ID: "safety", Type: c.typ, Label: Text{Zh: "安全"}, Required: true, Critical: true},
				}}}}
			if err := ValidateTemplate(tpl); err != nil {
				t.Fatal(err)
			}
			s := &Submission{TemplateID: "c", TemplateVersion: 1, Subject: Subject{WorkOrderID: "wo1"},
				Answers: map[string]json.RawMessage{"scored": raw(t, 0), "safety": raw(t, c.answer)}}
			if err := Validate(tpl, s, Context{}); err != nil {
				t.Fatal(err)
			}
			r := Score(tpl, s, Context{})
			if *r.Percent != 100 || r.Passed || len(r.FailedCritical) != 1 || r.FailedCritical[0] != "safety" {
				t.Errorf("percent %v passed %v failed %v, want 100, false, [safety]", *r.Percent, r.Passed, r.FailedCritical)
			}
		})
	}
}

func TestScoredCheckFalseDeductsMax(t *testing.T) {
	tpl := &Template{ID: "k", Version: 1, Kind: KindSpotcheck, Title: Text{Zh: "勾选"},
		Sections: []Section{{ID: "s", Title: Text{Zh: "节"}, Items: []Item{
			{ID: "a", Type: TypeCheck, Label: Text{Zh: "甲"}, Required: true, Score: &ScoreRule{Max: 3, FinePerPoint: 20, FineCap: f64(50)}},
			{ID: "b", Type: TypeCheck, Label: Text{Zh: "乙"}, Required: true, Score: &ScoreRule{Max: 1}},
		}}}}
	s := &Submission{TemplateID: "k", TemplateVersion: 1, Answers: map[string]json.RawMessage{"a": raw(t, false), "b": raw(t, true)}}
	r := Score(tpl, s, Context{})
	d := deduction(t, r, "a")
	if d.Points != 3 || d.Fine != 50 || r.Score != 1 || r.MaxScore != 4 {
		t.Errorf("check false: %+v score %v/%v, want −3, fine 60 capped at 50, 1/4", d, r.Score, r.MaxScore)
	}
}

func TestSpotcheckFinesInsideSeedRange(t *testing.T) {
	tpl := builtin(t, "home_visit_spotcheck")
	for _, it := range items(tpl) {
		if it.Score == nil {
			continue
		}
		if it.Type != TypePassFail || it.Score.Max != 1 {
			t.Errorf("%s: want a 1-point pass_fail", it.ID)
		}
		if f := it.Score.Max * it.Score.FinePerPoint; f < 20 || f > 100 {
			t.Errorf("%s: fine %v outside seed 004 第十二条's 20–100 yuan", it.ID, f)
		}
	}
	s := &Submission{TemplateID: tpl.ID, TemplateVersion: tpl.Version, Subject: Subject{WorkOrderID: "wo1"}, Answers: map[string]json.RawMessage{}}
	for _, it := range items(tpl) {
		if it.Type == TypePassFail {
			s.Answers[it.ID] = raw(t, Pass)
		}
	}
	s.Answers["shoe_covers"] = raw(t, Fail)
	s.Answers["computer_checked"] = raw(t, NA)
	if err := Validate(tpl, s, Context{}); err != nil {
		t.Fatal(err)
	}
	r := Score(tpl, s, Context{})
	if r.Fines != 50 || r.MaxScore != 11 || r.Score != 10 {
		t.Errorf("no shoe covers: fines %v score %v/%v, want 50 and 10/11", r.Fines, r.Score, r.MaxScore)
	}
}

func TestReferencedPhotos(t *testing.T) {
	tpl, s := newAcceptance(t, func(s *Submission) {
		s.Photos["photo_install"] = []string{sha('2'), sha('1')}
		s.Photos["photo_modem_label"] = []string{sha('1')} // same photo twice: listed once
		delete(s.Photos, "photo_recovered")
		s.Photos["stray"] = []string{sha('f'), "../../etc/passwd"}
	})
	got := ReferencedPhotos(tpl, s)
	want := []string{sha('2'), sha('1'), sha('9'), sha('f')}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %s, want %s", i, got[i][:4], want[i][:4])
		}
	}
}
