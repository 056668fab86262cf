package checklists

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Issue 14: a signature answer is the image's sha256 (older phones) or
// {sha256, strokes, w, h} with the pen strokes kept as evidence. Both are
// valid, both reference the image, and the stroke data is bounded.
func TestSignatureAnswerShapes(t *testing.T) {
	strokes := [][][]float64{{{10, 20, 0}, {12.5, 22, 16}, {30, 25, 33}}, {{40, 40, 500}, {60, 70, 530}}}
	stroke := func(n int) [][]float64 {
		out := make([][]float64, n)
		for i := range out {
			out[i] = []float64{float64(i % 300), 50, float64(i * 8)}
		}
		return out
	}
	cases := []struct {
		name   string
		answer any
		valid  bool
	}{
		{"the plain sha256 (old phones)", sha('9'), true},
		{"sha256 with strokes and pad size", map[string]any{"sha256": sha('9'), "strokes": strokes, "w": 340, "h": 200}, true},
		{"sha256 with no strokes", map[string]any{"sha256": sha('9'), "strokes": [][][]float64{}}, true},
		{"an upper-case sha256", strings.ToUpper(sha('a')), false},
		{"an object with a bad sha256", map[string]any{"sha256": "abc", "strokes": strokes}, false},
		{"an object without sha256", map[string]any{"strokes": strokes}, false},
		{"an unknown field", map[string]any{"sha256": sha('9'), "strokes": strokes, "png": "iVBOR"}, false},
		{"a point of two numbers", map[string]any{"sha256": sha('9'), "strokes": [][][]float64{{{1, 2}}}}, false},
		{"a point with negative time", map[string]any{"sha256": sha('9'), "strokes": [][][]float64{{{1, 2, -5}}}}, false},
		{"too many strokes", map[string]any{"sha256": sha('9'), "strokes": make([][][]float64, MaxSignatureStrokes+1)}, false},
		{"too many points", map[string]any{"sha256": sha('9'), "strokes": [][][]float64{stroke(MaxSignaturePoints/2 + 1), stroke(MaxSignaturePoints / 2)}}, false},
		{"a number", 42, false},
		{"an array", []string{sha('9')}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, s := newAcceptance(t, func(s *Submission) { s.Answers["customer_signature"] = raw(t, c.answer) })
			err := Validate(tpl, s, Context{})
			if c.valid {
				if err != nil {
					t.Fatalf("want valid, got %v", fieldsOf(t, err))
				}
				// The sheet is complete: the signature image counts as referenced.
				if refs := ReferencedPhotos(tpl, s); !slices.Contains(refs, sha('9')) {
					t.Fatalf("referenced %v, want the signature image %s", refs, sha('9'))
				}
				return
			}
			f := fieldsOf(t, err)
			found := false
			for p := range f {
				if strings.HasPrefix(p, "answers.customer_signature") {
					found = true
				}
			}
			if !found {
				t.Fatalf("fields %v, want answers.customer_signature named", f)
			}
		})
	}
	// A huge stroke payload is refused by its size before it is decoded.
	big := map[string]any{"sha256": sha('9'), "strokes": [][][]float64{stroke(MaxSignaturePoints)}}
	b, _ := json.Marshal(big)
	if len(b) <= MaxSignatureBytes {
		t.Fatalf("test payload %d bytes is not over the %d limit", len(b), MaxSignatureBytes)
	}
	tpl, s := newAcceptance(t, func(s *Submission) { s.Answers["customer_signature"] = b })
	if _, ok := fieldsOf(t, Validate(tpl, s, Context{}))["answers.customer_signature"]; !ok {
		t.Fatal("an oversized signature answer was not refused")
	}
	if SignatureSHA(b) != "" {
		t.Fatal("SignatureSHA read an oversized answer")
	}
}
