package submissions

import (
	"encoding/json"
	"testing"

	"fieldcheck/checklists"
)

// Issue 14: a version the customer signed anew is not "edited after
// signature"; an edit that keeps the old signature still is. The new
// signature answer shape ({sha256, strokes}) counts as signed.
func TestResignedVersionIsNotEditedAfterSignature(t *testing.T) {
	db := newDB(t)
	expect(t, push(t, db, tech1, newAcceptance(t, db, nil))[0], StatusAccepted, 1, "")
	edit := func(base int, note string, sig any) *checklists.Submission {
		return newAcceptance(t, db, func(s *checklists.Submission) {
			s.BaseVersion = base
			s.Answers["survey_suggestions"] = raw(t, note)
			if sig != nil {
				s.Answers["customer_signature"] = raw(t, sig)
			}
		})
	}
	// v2: changed after the customer signed v1, signature kept.
	expect(t, push(t, db, tech1, edit(1, "改了地址", nil))[0], StatusAccepted, 2, "")
	// v3: the customer signed again (new image, with its strokes).
	newSig := fakePhoto("a1", "customer_signature", 7)
	resigned := map[string]any{"sha256": newSig, "strokes": [][][3]float64{{{10, 20, 0}, {30, 40, 16}, {50, 45, 33}}}, "w": 340, "h": 200}
	expect(t, push(t, db, tech1, edit(2, "改了地址", resigned))[0], StatusAccepted, 3, "")
	// v4: changed again, the v3 signature kept.
	expect(t, push(t, db, tech1, edit(3, "又改了", resigned))[0], StatusAccepted, 4, "")

	v2, v3, v4 := get(t, db, tech1, "a1", 2), get(t, db, tech1, "a1", 3), get(t, db, tech1, "a1", 4)
	if !contains(v2.Flags, FlagEditedAfterSignature) {
		t.Fatalf("v2 flags %v, want edited_after_signature (signature of v1 kept on a changed sheet)", v2.Flags)
	}
	if contains(v3.Flags, FlagEditedAfterSignature) {
		t.Fatalf("v3 flags %v: the customer signed this version anew", v3.Flags)
	}
	if !contains(v4.Flags, FlagEditedAfterSignature) {
		t.Fatalf("v4 flags %v, want edited_after_signature (changed after the v3 signature)", v4.Flags)
	}
	var got map[string]any
	if err := json.Unmarshal(v3.Answers["customer_signature"], &got); err != nil || got["sha256"] != newSig || got["strokes"] == nil {
		t.Fatalf("v3 signature answer %s, want the image hash with its strokes", v3.Answers["customer_signature"])
	}
	if !contains(v3.MissingPhotos, newSig) {
		t.Fatalf("v3 awaits %v, want the new signature image referenced", v3.MissingPhotos)
	}
}
