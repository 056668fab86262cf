package checklists

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestValidateSubmission(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *Submission)
		want []string // every path that must be named; nil: valid
	}{
		{"a complete honest sheet is valid", nil, nil},
		{"no shoe covers (false) is an answer", func(s *Submission) { s.Answers["shoe_covers"] = raw(t, false) }, nil},
		{"optional survey answers are welcome", func(s *Submission) {
			s.Answers["survey_attitude"] = raw(t, 5)
			s.Answers["survey_satisfaction"] = raw(t, "very_satisfied")
			s.Answers["survey_suggestions"] = raw(t, "师傅很专业")
		}, nil},
		{"an optional answer may be null", func(s *Submission) { s.Answers["survey_attitude"] = json.RawMessage("null") }, nil},
		{"wrong template id", func(s *Submission) { s.TemplateID = "other" }, []string{"template_id"}},
		{"wrong template version", func(s *Submission) { s.TemplateVersion = 7 }, []string{"template_version"}},
		{"an acceptance needs a work order", func(s *Submission) { s.Subject = Subject{} }, []string{"subject.workorder_id"}},
		{"an acceptance is not about a store", func(s *Submission) { s.Subject.StoreID = "s1" }, []string{"subject.store_id"}},
		{"a required check left out", func(s *Submission) { delete(s.Answers, "shoe_covers") }, []string{"answers.shoe_covers"}},
		{"a required check answered null", func(s *Submission) { s.Answers["drop_cloth"] = json.RawMessage("null") }, []string{"answers.drop_cloth"}},
		{"a check answered with a string", func(s *Submission) { s.Answers["shoe_covers"] = raw(t, "yes") }, []string{"answers.shoe_covers"}},
		{"pass_fail takes pass, fail or na only", func(s *Submission) { s.Answers["one_visit"] = raw(t, "ok") }, []string{"answers.one_visit"}},
		{"an unknown answer id", func(s *Submission) { s.Answers["shoes"] = raw(t, true) }, []string{"answers.shoes"}},
		{"a choice outside its ids", func(s *Submission) { s.Answers["indoor_wiring"] = raw(t, "wireless") }, []string{"answers.indoor_wiring"}},
		{"a rating above 5", func(s *Submission) { s.Answers["survey_quality"] = raw(t, 6) }, []string{"answers.survey_quality"}},
		{"a rating with a fraction", func(s *Submission) { s.Answers["survey_quality"] = raw(t, 4.5) }, []string{"answers.survey_quality"}},
		{"a required text left blank", func(s *Submission) { s.Answers["splitter_location"] = raw(t, "  ") }, []string{"answers.splitter_location"}},
		{"a text too long", func(s *Submission) { s.Answers["survey_suggestions"] = raw(t, strings.Repeat("好", MaxTextLen+1)) }, []string{"answers.survey_suggestions"}},
		{"a signature that is not a sha256", func(s *Submission) { s.Answers["customer_signature"] = raw(t, strings.ToUpper(sha('a'))) }, []string{"answers.customer_signature"}},
		{"a speedtest without method", func(s *Submission) {
			s.Answers["speedtest"] = raw(t, map[string]any{"down_mbps": 50})
		}, []string{"answers.speedtest.method"}},
		{"a speedtest with a negative download", func(s *Submission) {
			s.Answers["speedtest"] = raw(t, map[string]any{"down_mbps": -1, "method": "manual"})
		}, []string{"answers.speedtest.down_mbps"}},
		{"a speedtest that is a number", func(s *Submission) { s.Answers["speedtest"] = raw(t, 95) }, []string{"answers.speedtest"}},
		{"a photo item takes no answer", func(s *Submission) { s.Answers["photo_install"] = raw(t, true) }, []string{"answers.photo_install"}},
		{"too few site photos", func(s *Submission) { s.Photos["photo_install"] = s.Photos["photo_install"][:1] }, []string{"photos.photo_install"}},
		{"the modem label photo missing", func(s *Submission) { delete(s.Photos, "photo_modem_label") }, []string{"photos.photo_modem_label"}},
		{"too many photos", func(s *Submission) {
			s.Photos["photo_modem_label"] = []string{sha('a'), sha('b'), sha('c'), sha('d')}
		}, []string{"photos.photo_modem_label"}},
		{"a photo hash that is not hex", func(s *Submission) { s.Photos["photo_install"][1] = "not-a-hash" }, []string{"photos.photo_install[1]"}},
		{"the same photo twice in one item", func(s *Submission) { s.Photos["photo_install"][1] = s.Photos["photo_install"][0] }, []string{"photos.photo_install[1]"}},
		{"photos under a non-photo item", func(s *Submission) { s.Photos["shoe_covers"] = []string{sha('a')} }, []string{"photos.shoe_covers"}},
		{"photos under an unknown item", func(s *Submission) { s.Photos["selfie"] = []string{sha('a')} }, []string{"photos.selfie"}},
		{"photo_meta for a photo not referenced", func(s *Submission) {
			s.PhotoMeta = map[string]PhotoMeta{sha('e'): {}}
		}, []string{"photo_meta." + sha('e')}},
		{"photo_meta of the signature is fine", func(s *Submission) {
			now := time.Now()
			s.PhotoMeta = map[string]PhotoMeta{sha('9'): {TakenAt: &now}, sha('1'): {Lat: f64(30.66), Lng: f64(104.06)}}
		}, nil},
		{"photo_meta with a latitude off the globe", func(s *Submission) {
			s.PhotoMeta = map[string]PhotoMeta{sha('1'): {Lat: f64(91)}}
		}, []string{"photo_meta." + sha('1') + ".lat"}},
		{"a location off the globe", func(s *Submission) { s.Location = &Location{Lat: 30, Lng: 200} }, []string{"location.lng"}},
		{"every failing field is named at once", func(s *Submission) {
			s.Subject = Subject{}
			delete(s.Answers, "shoe_covers")
			s.Answers["one_visit"] = raw(t, true)
			s.Answers["survey_quality"] = raw(t, -1)
			s.Photos["photo_install"] = []string{sha('1')}
			s.Answers["bogus"] = raw(t, 1)
		}, []string{"subject.workorder_id", "answers.shoe_covers", "answers.one_visit", "answers.survey_quality", "photos.photo_install", "answers.bogus"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, s := newAcceptance(t, c.edit)
			fields := fieldsOf(t, Validate(tpl, s, Context{SubscribedMbps: 100}))
			if c.want == nil && fields != nil {
				t.Fatalf("want valid, got %v", fields)
			}
			for _, p := range c.want {
				if _, ok := fields[p]; !ok {
					t.Errorf("want a problem at %s, got %v", p, fields)
				}
			}
			if c.want != nil && len(fields) != len(c.want) {
				t.Errorf("want exactly %v, got %v", c.want, fields)
			}
		})
	}
}

func TestValidateWalkthroughSubject(t *testing.T) {
	cases := []struct {
		name    string
		subject Subject
		want    string
	}{
		{"a walkthrough needs a store", Subject{}, "subject.store_id"},
		{"a walkthrough is not about a work order", Subject{StoreID: "s1", WorkOrderID: "wo1"}, "subject.workorder_id"},
		{"a store id with a control character", Subject{StoreID: "s1\x00x"}, "subject.store_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, s := newWalkthrough(t, func(s *Submission) { s.Subject = c.subject })
			fields := fieldsOf(t, Validate(tpl, s, Context{}))
			if _, ok := fields[c.want]; !ok || len(fields) != 1 {
				t.Errorf("want only %s, got %v", c.want, fields)
			}
		})
	}
}

func TestValidateCounts(t *testing.T) {
	cases := []struct {
		name  string
		value string
		ok    bool
	}{
		{"0 findings", "0", true},
		{"6 findings", "6", true},
		{"negative count", "-1", false},
		{"fractional count", "1.5", false},
		{"count as a string", `"3"`, false},
		{"count in exponent form", "1e2", false},
		{"absurd count", "99999999999", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, s := newWalkthrough(t, func(s *Submission) { s.Answers["hall_environment"] = json.RawMessage(c.value) })
			err := Validate(tpl, s, Context{})
			fields := fieldsOf(t, err)
			if c.ok != (err == nil) {
				t.Errorf("valid %v, want %v (%v)", err == nil, c.ok, fields)
			}
			if !c.ok {
				if _, named := fields["answers.hall_environment"]; !named {
					t.Errorf("want answers.hall_environment named, got %v", fields)
				}
			}
		})
	}
}

func TestValidateMalformedKeysAreNotEchoed(t *testing.T) {
	tpl, s := newWalkthrough(t, func(s *Submission) {
		s.Answers[strings.Repeat("x", 5000)] = raw(t, true)
	})
	fields := fieldsOf(t, Validate(tpl, s, Context{}))
	if _, ok := fields["answers"]; !ok || len(fields) != 1 {
		t.Errorf("want the malformed key reported at answers, got %d fields", len(fields))
	}
}
