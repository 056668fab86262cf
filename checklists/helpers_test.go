package checklists

import (
	"encoding/json"
	"strings"
	"testing"

	"fieldcheck/errs"
)

// sha is a well-formed photo hash made of one repeated hex digit.
func sha(c byte) string { return strings.Repeat(string(c), 64) }

func raw(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func f64(f float64) *float64 { return &f }

// builtin returns a fresh copy of built-in template id.
func builtin(t testing.TB, id string) *Template {
	t.Helper()
	list, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		if b.ID == id {
			b.Version = 1
			return b
		}
	}
	t.Fatalf("no built-in %s", id)
	return nil
}

// findItem returns the item id of t.
func findItem(t testing.TB, tpl *Template, id string) *Item {
	t.Helper()
	for _, it := range items(tpl) {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("template %s has no item %s", tpl.ID, id)
	return nil
}

// newWalkthrough is a clean walkthrough of store s1 (nothing found), edited by fn.
func newWalkthrough(t testing.TB, fn func(s *Submission)) (*Template, *Submission) {
	t.Helper()
	tpl := builtin(t, "store_walkthrough")
	s := &Submission{ID: "w1", TemplateID: tpl.ID, TemplateVersion: tpl.Version,
		Subject: Subject{StoreID: "s1"}, Answers: map[string]json.RawMessage{}}
	for _, it := range items(tpl) {
		switch it.Type {
		case TypePassFail:
			s.Answers[it.ID] = raw(t, Pass)
		case TypeCount:
			s.Answers[it.ID] = raw(t, 0)
		}
	}
	if fn != nil {
		fn(s)
	}
	return tpl, s
}

// newAcceptance is a complete, honest acceptance sheet for order wo1, edited by fn.
func newAcceptance(t testing.TB, fn func(s *Submission)) (*Template, *Submission) {
	t.Helper()
	tpl := builtin(t, "install_acceptance")
	s := &Submission{ID: "a1", TemplateID: tpl.ID, TemplateVersion: tpl.Version,
		Subject: Subject{WorkOrderID: "wo1"}, Answers: map[string]json.RawMessage{},
		Photos: map[string][]string{"photo_install": {sha('1'), sha('2')}, "photo_modem_label": {sha('3')}, "photo_recovered": {sha('4')}}}
	for _, it := range items(tpl) {
		if !it.Required {
			continue
		}
		switch it.Type {
		case TypeCheck:
			s.Answers[it.ID] = raw(t, true)
		case TypePassFail:
			s.Answers[it.ID] = raw(t, Pass)
		case TypeChoice:
			s.Answers[it.ID] = raw(t, it.Choices[0].ID)
		case TypeText:
			s.Answers[it.ID] = raw(t, "客厅电视柜旁")
		case TypeSignature:
			s.Answers[it.ID] = raw(t, sha('9'))
		case TypeSpeedtest:
			s.Answers[it.ID] = raw(t, map[string]any{"down_mbps": 95.5, "up_mbps": 30, "ping_ms": 12, "jitter_ms": 2, "method": "browser"})
		}
	}
	if fn != nil {
		fn(s)
	}
	return tpl, s
}

// fieldsOf returns the field paths of a validation error, failing the test
// when err is not one.
func fieldsOf(t testing.TB, err error) map[string]errs.Msg {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid || e.Code != "validation_failed" {
		t.Fatalf("want a validation_failed *errs.Error, got %T %v", err, err)
	}
	for p, m := range e.Fields {
		if m.Zh == "" || m.En == "" {
			t.Errorf("field %s lacks a zh or en message: %+v", p, m)
		}
	}
	return e.Fields
}
