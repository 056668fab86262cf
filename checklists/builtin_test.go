package checklists

import (
	"testing"
	"unicode/utf8"
)

func TestBuiltinsAreValidAndBilingual(t *testing.T) {
	list, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, tpl := range list {
		kinds[tpl.ID] = tpl.Kind
		if err := ValidateTemplate(tpl); err != nil {
			t.Errorf("%s: %v", tpl.ID, err)
		}
		check := func(where string, tx Text) {
			if tx.Zh == "" || tx.En == "" {
				t.Errorf("%s %s: want both zh and en, got %+v", tpl.ID, where, tx)
			}
			if !utf8.ValidString(tx.Zh) {
				t.Errorf("%s %s: invalid UTF-8", tpl.ID, where)
			}
		}
		check("title", tpl.Title)
		for _, s := range tpl.Sections {
			check(s.ID, s.Title)
			for _, it := range s.Items {
				check(it.ID, it.Label)
				if it.Help != nil {
					check(it.ID+".help", *it.Help)
				}
				for _, c := range it.Choices {
					check(it.ID+"."+c.ID, c.Label)
				}
			}
		}
	}
	want := map[string]string{
		"install_acceptance":   KindAcceptance,
		"store_walkthrough":    KindWalkthrough,
		"home_visit_spotcheck": KindSpotcheck,
		"callback_script":      KindCallback,
		"call_review":          KindCallReview,
	}
	for id, k := range want {
		if kinds[id] != k {
			t.Errorf("built-in %s: kind %q, want %q", id, kinds[id], k)
		}
	}
}

// Seed 002, chapter 1 (营业网点服务现场巡检考评细则): every item at its points,
// per-instance deduction, cap, reference fine and fine cap.
func TestWalkthroughMatchesSeed002(t *testing.T) {
	tpl := builtin(t, "store_walkthrough")
	type rule struct {
		typ                          string
		max, perInstance, cap        float64
		finePerPoint, fineIfAllFound float64
	}
	want := map[string]rule{
		"storefront":         {TypePassFail, 2, 0, 2, 50, 100}, // 门前环境 2分 扣两分 100元
		"vi_signage":         {TypePassFail, 1, 0, 1, 50, 50},  // VI 1分 50元
		"led_display":        {TypePassFail, 1, 0, 1, 50, 50},  // LED显示 1分 50元
		"hours_sign":         {TypePassFail, 1, 0, 1, 50, 50},  // 营业时间牌 1分 50元
		"functional_zones":   {TypePassFail, 2, 0, 2, 50, 100}, // 功能区域设置 2分 100元
		"hall_environment":   {TypeCount, 5, 1, 4, 50, 200},    // 厅内环境 5分 每例1分 最高4分 每分50元 最高200元
		"service_facilities": {TypeCount, 6, 1, 6, 50, 300},    // 服务基础设施 6分 每例1分 最高6分 每分50元 最高300元
	}
	scored := 0
	for _, it := range items(tpl) {
		if it.Score == nil {
			continue
		}
		scored++
		w, ok := want[it.ID]
		if !ok {
			t.Errorf("unexpected scored item %s", it.ID)
			continue
		}
		r := it.Score
		capv := r.Max
		if r.Cap != nil {
			capv = *r.Cap
		}
		if it.Type != w.typ || r.Max != w.max || r.PerInstance != w.perInstance || capv != w.cap || r.FinePerPoint != w.finePerPoint {
			t.Errorf("%s: %s max %v per %v cap %v fine/pt %v, want %+v", it.ID, it.Type, r.Max, r.PerInstance, capv, r.FinePerPoint, w)
		}
		fine := capv * r.FinePerPoint
		if r.FineCap != nil && *r.FineCap < fine {
			fine = *r.FineCap
		}
		if fine != w.fineIfAllFound {
			t.Errorf("%s: largest fine %v, want %v", it.ID, fine, w.fineIfAllFound)
		}
		if !it.Required {
			t.Errorf("%s: a scored walkthrough item must be required", it.ID)
		}
		if photo := findItem(t, tpl, "photo_"+it.ID); photo.Type != TypePhoto || photo.Required {
			t.Errorf("%s: want an optional photo item photo_%s", it.ID, it.ID)
		}
	}
	if scored != len(want) {
		t.Errorf("%d scored items, want %d", scored, len(want))
	}
	wantBands := []struct {
		id  string
		min float64
	}{{"excellent", 90}, {"good", 85}, {"improve", 75}, {"fail", 0}}
	if len(tpl.Grading) != len(wantBands) {
		t.Fatalf("grading: %+v", tpl.Grading)
	}
	for i, b := range wantBands {
		if tpl.Grading[i].ID != b.id || tpl.Grading[i].Min != b.min {
			t.Errorf("band %d: %+v, want %s ≥ %v (seed 001)", i, tpl.Grading[i], b.id, b.min)
		}
	}
}

func TestAcceptanceMatchesSeed004(t *testing.T) {
	tpl := builtin(t, "install_acceptance")
	for _, c := range []struct {
		id       string
		typ      string
		required bool
		critical bool
	}{
		{"appointment_confirmed", TypeCheck, true, false},
		{"reconfirmed_30min", TypeCheck, true, false},
		{"arrived_on_time", TypeCheck, true, false},
		{"self_introduction", TypeCheck, true, false},
		{"uniform_badge_toolbag", TypeCheck, true, false},
		{"shoe_covers", TypeCheck, true, false},
		{"drop_cloth", TypeCheck, true, false},
		{"computer_checked", TypePassFail, true, false},
		{"account_explained", TypeCheck, true, false},
		{"speedtest", TypeSpeedtest, true, true},
		{"indoor_wiring", TypeChoice, true, false},
		{"splitter_location", TypeText, true, false},
		{"modem_label", TypeCheck, true, false},
		{"lightning_label", TypeCheck, true, false},
		{"site_cleaned", TypeCheck, true, false},
		{"one_visit", TypePassFail, true, false},
		{"photo_install", TypePhoto, true, false},
		{"photo_modem_label", TypePhoto, true, false},
		{"customer_signature", TypeSignature, true, false},
		{"survey_attitude", TypeRating, false, false},
		{"survey_punctuality", TypeRating, false, false},
		{"survey_quality", TypeRating, false, false},
		{"survey_satisfaction", TypeChoice, false, false},
		{"survey_suggestions", TypeText, false, false},
	} {
		it := findItem(t, tpl, c.id)
		if it.Type != c.typ || it.Required != c.required || it.Critical != c.critical {
			t.Errorf("%s: %s required %v critical %v, want %s %v %v", c.id, it.Type, it.Required, it.Critical, c.typ, c.required, c.critical)
		}
	}
	if r := findItem(t, tpl, "speedtest").Speedtest; r == nil || r.MinRatio != 0.9 {
		t.Errorf("speedtest min_ratio: %+v, want 0.9", r)
	}
	if p := findItem(t, tpl, "photo_install").Photos; p == nil || p.Min != 2 {
		t.Errorf("photo_install: %+v, want min 2", p)
	}
	sat := findItem(t, tpl, "survey_satisfaction")
	if len(sat.Choices) != 3 || sat.Choices[0].ID != "very_satisfied" || sat.Choices[1].ID != "satisfied" || sat.Choices[2].ID != "unsatisfied" {
		t.Errorf("survey_satisfaction choices: %+v (seed 004 第五十四条's three levels)", sat.Choices)
	}
}

func TestCallbackScriptMatchesSeed004(t *testing.T) {
	tpl := builtin(t, "callback_script")
	good := findItem(t, tpl, "good_time")
	if !good.Required || len(good.Choices) != 2 || good.Choices[0].ID != "yes" || good.Choices[1].ID != "call_later" {
		t.Errorf("good_time: %+v", good)
	}
	for id, typ := range map[string]string{"quality": TypeChoice, "attitude": TypeChoice, "punctual": TypeChoice,
		"rule_broken": TypeChoice, "recommend": TypeChoice, "overall_score": TypeRating, "suggestions": TypeText} {
		if it := findItem(t, tpl, id); it.Type != typ {
			t.Errorf("%s: %s, want %s", id, it.Type, typ)
		}
	}
}
