package checklists

import (
	"encoding/json"
	"math"
	"testing"

	"fieldcheck/errs"
)

// checkErr fails unless err is nil or a validation_failed *errs.Error that
// names at least one field, each with both messages.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid || e.Code != "validation_failed" || len(e.Fields) == 0 {
		t.Fatalf("want a validation_failed *errs.Error with fields, got %T %v", err, err)
	}
	for p, m := range e.Fields {
		if p == "" || m.Zh == "" || m.En == "" {
			t.Fatalf("field %q: incomplete message %+v", p, m)
		}
	}
}

func checkResult(t *testing.T, r Result) {
	t.Helper()
	for _, f := range []float64{r.Score, r.MaxScore, r.Fines} {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			t.Fatalf("bad number in %+v", r)
		}
	}
	if r.Score > r.MaxScore {
		t.Fatalf("score %v above max %v", r.Score, r.MaxScore)
	}
	if (r.Percent == nil) != (r.MaxScore == 0) || (r.Percent != nil && (*r.Percent < 0 || *r.Percent > 100)) {
		t.Fatalf("percent %v with max %v", r.Percent, r.MaxScore)
	}
}

func FuzzValidateTemplate(f *testing.F) {
	list, err := Builtins()
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range list {
		data, _ := json.Marshal(b)
		f.Add(data)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"x","kind":"walkthrough","title":{"zh":"巡检"},"grading":[{"id":"a","min":50,"label":{"zh":"甲"}},{"id":"b","min":60,"label":{"zh":"乙"}}],"sections":[{"id":"s","title":{"zh":"节"},"items":[{"id":"c","type":"count","label":{"zh":"计"},"score":{"max":5,"per_instance":-1,"cap":9}}]}]}`))
	f.Add([]byte(`{"id":"x","kind":"acceptance","title":{"zh":"t"},"sections":[{"id":"s","title":{"zh":"t"},"items":[{"id":"p","type":"photo","label":{"zh":"p"},"photos":{"min":3,"max":1}},{"id":"p","type":"speedtest","label":{"zh":"s"},"speedtest":{"min_ratio":2}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tpl Template
		if json.Unmarshal(data, &tpl) != nil {
			return
		}
		err := ValidateTemplate(&tpl)
		checkErr(t, err)
		if err != nil {
			return
		}
		// A valid template must score any submission without trouble.
		checkResult(t, Score(&tpl, &Submission{}, Context{SubscribedMbps: 100}))
		checkErr(t, Validate(&tpl, &Submission{}, Context{}))
	})
}

func FuzzValidateSubmission(f *testing.F) {
	acc := builtin(f, "install_acceptance")
	walk := builtin(f, "store_walkthrough")
	spot := builtin(f, "home_visit_spotcheck")
	_, good := newAcceptance(f, nil)
	data, _ := json.Marshal(good)
	f.Add(data)
	_, w := newWalkthrough(f, func(s *Submission) {
		s.Answers["hall_environment"] = raw(f, 6)
		s.Answers["storefront"] = raw(f, Fail)
		s.Photos = map[string][]string{"photo_storefront": {sha('a')}}
	})
	data, _ = json.Marshal(w)
	f.Add(data)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"order_facts":{"order_type":"removal","product":"宽带+IPTV"},"answers":{"indoor_wiring":"loose","fault_found":"network","speedtest":{"down_mbps":1}},"photos":{"photo_recovered":["` + sha('4') + `"]}}`))
	f.Add([]byte(`{"template_id":"install_acceptance","template_version":1,"subject":{"store_id":"s"},"answers":{"speedtest":{"down_mbps":-1,"method":"x"},"shoe_covers":"yes","survey_quality":7.5,"customer_signature":"ZZ"},"photos":{"photo_install":["a","a"],"nope":[]},"photo_meta":{"b":{"lat":100}}}`))
	f.Add([]byte(`{"answers":{"hall_environment":1e400,"storefront":null,"x":[[[]]]},"photos":{"photo_hall_environment":["` + sha('1') + `","` + sha('1') + `"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Submission
		if json.Unmarshal(data, &s) != nil {
			return
		}
		for _, tpl := range []*Template{acc, walk, spot} {
			s.TemplateID, s.TemplateVersion = tpl.ID, tpl.Version
			// Conditions judged on whatever facts the input carries (none: all subject conditions hold).
			ctx := Context{SubscribedMbps: 100, Facts: s.OrderFacts}
			checkErr(t, Validate(tpl, &s, ctx))
			// Score and ReferencedPhotos must survive invalid input too.
			checkResult(t, Score(tpl, &s, ctx))
			for _, h := range ReferencedPhotos(tpl, &s) {
				if !ValidSHA256(h) {
					t.Fatalf("ReferencedPhotos returned %q", h)
				}
			}
		}
	})
}
