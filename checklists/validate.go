package checklists

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"
)

// Limits on a submission's answers.
const (
	MaxTextLen      = 2000   // runes in a text answer
	MaxCount        = 10000  // instances in a count answer
	MaxSubjectIDLen = 128    // bytes in subject.workorder_id / store_id
	MaxMbps         = 100000 // speedtest down/up ceiling (100 Gbit/s)
	MaxMs           = 600000 // speedtest ping/jitter ceiling (10 minutes)
)

// Pass/fail answers.
const (
	Pass = "pass"
	Fail = "fail"
	NA   = "na" // does not apply to this store or visit: excluded from scoring
)

// Speed test methods.
const (
	MethodBrowser = "browser"
	MethodManual  = "manual"
)

// ValidSHA256 reports whether s is a lowercase hex sha256 (64 characters),
// the form every photo and signature reference takes (store.ValidSHA256).
func ValidSHA256(s string) bool { return store.ValidSHA256(s) }

// items returns the template's items in order.
func items(t *Template) []*Item {
	var out []*Item
	for i := range t.Sections {
		for j := range t.Sections[i].Items {
			out = append(out, &t.Sections[i].Items[j])
		}
	}
	return out
}

// photoBounds is how many photos a photo item takes. A required photo item
// takes at least one even when its rule says min 0, and photos.min is
// enforced always (a photo item with min ≥ 1 is in effect required).
func photoBounds(it *Item) (min, max int) {
	max = DefaultPhotosMax
	if it.Photos != nil {
		min, max = it.Photos.Min, it.Photos.Max
	}
	if it.Required && min < 1 {
		min = 1
	}
	return min, max
}

// isNull reports an absent answer: no bytes or JSON null.
func isNull(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) == 0 || string(b) == "null"
}

// keyPath is prefix.key for a well-formed id; a malformed key (possibly
// huge or full of odd bytes) is reported at prefix alone, so the error body
// never echoes arbitrary input.
func keyPath(prefix, key string) string {
	if ValidID(key) {
		return prefix + "." + key
	}
	return prefix
}

// Validate checks s against t and returns nil or an *errs.Error of kind
// Invalid whose Fields name every failing path ("answers.shoe_covers",
// "photos.photo_install[1]", "subject.workorder_id"), in zh-CN and English.
//
// Rules (API.md Templates and Sync):
//   - template_id / template_version must be t's;
//   - subject by kind: acceptance and spotcheck need subject.workorder_id,
//     walkthrough subject.store_id, callback may carry a workorder_id; the
//     other field must be empty;
//   - every answer must name an item; required items must be answered
//     (false and "na" are answers; a required text must not be blank; a
//     required photo item needs at least one photo);
//   - answers by type: check bool; pass_fail "pass"|"fail"|"na"; count an
//     integer 0–10000; number finite and in number.min/max; text ≤ 2000
//     characters; choice one of the choice ids; rating an integer 0–5;
//     signature a lowercase hex sha256 or {sha256, strokes} (signature.go); speedtest an object with down_mbps
//     and method ("browser"|"manual"), up_mbps/ping_ms/jitter_ms optional,
//     all non-negative; photo items take no answer (their photos go in photos);
//   - photos only for photo items, between the item's min and max, each a
//     lowercase hex sha256, no repeats within one item;
//   - photo_meta keys must be hashes the submission references;
//   - an item its conditions hide (ctx.Facts, earlier answers; Visible) is
//     neither required nor checked, and what was sent for it is ignored.
func Validate(t *Template, s *Submission, ctx Context) error {
	var v errs.Validation
	if t == nil || s == nil {
		v.Add("template_id", "未知的模板", "unknown template")
		return v.Err()
	}
	if s.TemplateID != t.ID {
		v.Add("template_id", "模板 ID 与模板不符", "template_id does not match the template")
	}
	if s.TemplateVersion != t.Version {
		v.Add("template_version", "模板版本与模板不符", "template_version does not match the template")
	}
	validateSubject(&v, t.Kind, s.Subject)

	all := items(t)
	byID := make(map[string]*Item, len(all))
	for _, it := range all {
		byID[it.ID] = it
	}
	// Items hidden by their conditions are neither required nor checked: an
	// answer or photos sent for one (a phone on an older app) are ignored.
	hidden := func(string) bool { return false }
	optional := func(it *Item) bool { return !it.Required }
	if HasConditions(t) {
		shown := Visible(t, s, ctx.Facts)
		hidden = func(id string) bool { return !shown[id] }
		if ctx.Lenient {
			cond := conditional(t)
			optional = func(it *Item) bool { return !it.Required || cond[it.ID] }
		}
	}

	// answers
	if len(s.Answers) > MaxItems {
		v.Add("answers", "答案数量超过上限", "too many answers") // never walk an absurd map
	} else {
		for id := range s.Answers {
			if _, ok := byID[id]; !ok {
				v.Add(keyPath("answers", id), "模板中没有此检查项", "no such item in this template")
			}
		}
	}
	for _, it := range all {
		if hidden(it.ID) {
			continue
		}
		path := "answers." + it.ID
		raw, given := s.Answers[it.ID]
		if given && isNull(raw) {
			given = false
		}
		if it.Type == TypePhoto {
			if given {
				v.Add(path, "拍照题不填答案，照片放在 photos 中", "photo items take no answer; their photos go in photos")
			}
			continue
		}
		if !given {
			if !optional(it) {
				v.Add(path, "此项必答", "this item must be answered")
			}
			continue
		}
		checkAnswer(&v, path, it, raw)
	}

	// photos
	refs := map[string]bool{}
	if len(s.Photos) > MaxItems {
		v.Add("photos", "照片项数量超过上限", "too many photo entries")
	} else {
		for id, list := range s.Photos {
			it, ok := byID[id]
			switch {
			case !ok:
				v.Add(keyPath("photos", id), "模板中没有此检查项", "no such item in this template")
				continue
			case it.Type != TypePhoto:
				v.Add("photos."+id, "此项不是拍照题", "this item does not take photos")
				continue
			}
			_, max := photoBounds(it)
			if hidden(id) {
				max = MaxPhotosPerItem
			}
			if len(list) > max {
				v.Add("photos."+id, fmt.Sprintf("最多 %d 张照片", max), fmt.Sprintf("at most %d photos", max))
				continue
			}
			seen := map[string]bool{}
			for k, h := range list {
				hp := fmt.Sprintf("photos.%s[%d]", id, k)
				switch {
				case !ValidSHA256(h):
					v.Add(hp, "照片须以 64 位小写十六进制 sha256 引用", "a photo must be referenced by its lowercase hex sha256")
				case seen[h]:
					v.Add(hp, "同一张照片重复", "the same photo is listed twice")
				default:
					refs[h] = true
				}
				seen[h] = true
			}
		}
	}
	for _, it := range all {
		if it.Type != TypePhoto || hidden(it.ID) || (optional(it) && it.Required) {
			continue
		}
		min, _ := photoBounds(it)
		if n := len(s.Photos[it.ID]); n < min && !v.Has("photos."+it.ID) {
			v.Add("photos."+it.ID, fmt.Sprintf("至少需要 %d 张照片", min), fmt.Sprintf("at least %d photos are needed", min))
		}
	}
	for _, it := range all {
		if it.Type == TypeSignature {
			if h := SignatureSHA(s.Answers[it.ID]); ValidSHA256(h) {
				refs[h] = true
			}
		}
	}

	// photo_meta
	if len(s.PhotoMeta) > MaxItems {
		v.Add("photo_meta", "照片信息数量超过上限", "too many photo_meta entries")
	} else {
		for h, m := range s.PhotoMeta {
			mp := "photo_meta"
			if ValidSHA256(h) {
				mp += "." + h
			}
			if !refs[h] {
				v.Add(mp, "此照片未被本次提交引用", "this photo is not referenced by the submission")
				continue
			}
			if m.Lat != nil && (!finite(*m.Lat) || math.Abs(*m.Lat) > 90) {
				v.Add(mp+".lat", "纬度须在 -90 到 90 之间", "lat must be between -90 and 90")
			}
			if m.Lng != nil && (!finite(*m.Lng) || math.Abs(*m.Lng) > 180) {
				v.Add(mp+".lng", "经度须在 -180 到 180 之间", "lng must be between -180 and 180")
			}
		}
	}

	if l := s.Location; l != nil {
		if !finite(l.Lat) || math.Abs(l.Lat) > 90 {
			v.Add("location.lat", "纬度须在 -90 到 90 之间", "lat must be between -90 and 90")
		}
		if !finite(l.Lng) || math.Abs(l.Lng) > 180 {
			v.Add("location.lng", "经度须在 -180 到 180 之间", "lng must be between -180 and 180")
		}
		if !finite(l.AccuracyM) || l.AccuracyM < 0 {
			v.Add("location.accuracy_m", "精度不能为负数", "accuracy_m must not be negative")
		}
	}
	return v.Err()
}

func validateSubject(v *errs.Validation, kind string, s Subject) {
	need, forbid := "", ""
	switch kind {
	case KindAcceptance, KindSpotcheck:
		need, forbid = "workorder_id", "store_id"
	case KindWalkthrough:
		need, forbid = "store_id", "workorder_id"
	case KindCallback:
		forbid = "store_id"
	case KindCallReview: // of a callback call: its order, never a store
		forbid = "store_id"
	}
	get := func(f string) string {
		if f == "store_id" {
			return s.StoreID
		}
		return s.WorkOrderID
	}
	for _, f := range []string{"workorder_id", "store_id"} {
		val, p := get(f), "subject."+f
		switch {
		case f == need && val == "":
			if f == "store_id" {
				v.Add(p, "巡检须指明营业网点", "a walkthrough needs subject.store_id")
			} else {
				v.Add(p, "须指明工单", "this checklist needs subject.workorder_id")
			}
		case f == forbid && val != "":
			v.Add(p, "此类检查表不针对该对象", "this kind of checklist is not about this subject")
		case val != "" && (len(val) > MaxSubjectIDLen || !utf8.ValidString(val) || strings.ContainsFunc(val, unicode.IsControl)):
			v.Add(p, "ID 无效", "invalid id")
		}
	}
}

// checkAnswer checks one non-null answer against its item's type.
func checkAnswer(v *errs.Validation, path string, it *Item, raw json.RawMessage) {
	switch it.Type {
	case TypeCheck:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			v.Add(path, "须为 true 或 false", "must be true or false")
		}
	case TypePassFail:
		var s string
		if json.Unmarshal(raw, &s) != nil || (s != Pass && s != Fail && s != NA) {
			v.Add(path, "须为 pass、fail 或 na", `must be "pass", "fail" or "na"`)
		}
	case TypeCount:
		if n, ok := intAnswer(raw); !ok || n < 0 || n > MaxCount {
			v.Add(path, fmt.Sprintf("须为 0 到 %d 的整数", MaxCount), fmt.Sprintf("must be a whole number from 0 to %d", MaxCount))
		}
	case TypeRating:
		if n, ok := intAnswer(raw); !ok || n < 0 || n > 5 {
			v.Add(path, "须为 0 到 5 的整数", "must be a whole number from 0 to 5")
		}
	case TypeNumber:
		var f float64
		if json.Unmarshal(raw, &f) != nil || !finite(f) {
			v.Add(path, "须为数字", "must be a number")
			return
		}
		if r := it.Number; r != nil {
			if r.Min != nil && f < *r.Min {
				v.Add(path, fmt.Sprintf("不能小于 %g", *r.Min), fmt.Sprintf("must be at least %g", *r.Min))
			} else if r.Max != nil && f > *r.Max {
				v.Add(path, fmt.Sprintf("不能大于 %g", *r.Max), fmt.Sprintf("must be at most %g", *r.Max))
			}
		}
	case TypeText:
		var s string
		switch {
		case json.Unmarshal(raw, &s) != nil:
			v.Add(path, "须为文字", "must be a string")
		case utf8.RuneCountInString(s) > MaxTextLen:
			v.Add(path, fmt.Sprintf("不能超过 %d 个字", MaxTextLen), fmt.Sprintf("at most %d characters", MaxTextLen))
		case it.Required && blank(s):
			v.Add(path, "此项必答", "this item must be answered")
		}
	case TypeChoice:
		var s string
		if json.Unmarshal(raw, &s) != nil || !hasChoice(it, s) {
			v.Add(path, "须为选项之一", "must be one of the item's choices")
		}
	case TypeSignature:
		checkSignature(v, path, raw)
	case TypeSpeedtest:
		checkSpeedtest(v, path, raw)
	}
}

// intAnswer decodes a JSON integer (no fraction, no exponent).
func intAnswer(raw json.RawMessage) (int64, bool) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return 0, false // not a JSON number ("3" as a string decodes into json.Number too)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	return i, err == nil
}

func hasChoice(it *Item, id string) bool {
	for _, c := range it.Choices {
		if c.ID == id {
			return true
		}
	}
	return false
}

// speedtestAnswer mirrors Speedtest with pointers, to tell a missing field
// from a zero.
type speedtestAnswer struct {
	DownMbps *float64 `json:"down_mbps"`
	UpMbps   *float64 `json:"up_mbps"`
	PingMs   *float64 `json:"ping_ms"`
	JitterMs *float64 `json:"jitter_ms"`
	Method   *string  `json:"method"`
}

func checkSpeedtest(v *errs.Validation, path string, raw json.RawMessage) {
	var a speedtestAnswer
	if err := json.Unmarshal(raw, &a); err != nil || bytes.TrimSpace(raw)[0] != '{' {
		v.Add(path, "须为测速结果 {down_mbps, up_mbps, ping_ms, jitter_ms, method}",
			"must be a speed test {down_mbps, up_mbps, ping_ms, jitter_ms, method}")
		return
	}
	fields := []struct {
		name     string
		p        *float64
		max      float64
		required bool
	}{
		{"down_mbps", a.DownMbps, MaxMbps, true},
		{"up_mbps", a.UpMbps, MaxMbps, false},
		{"ping_ms", a.PingMs, MaxMs, false},
		{"jitter_ms", a.JitterMs, MaxMs, false},
	}
	for _, f := range fields {
		fp := path + "." + f.name
		switch {
		case f.p == nil:
			if f.required {
				v.Add(fp, "缺少测速数值", "missing")
			}
		case !finite(*f.p) || *f.p < 0 || *f.p > f.max:
			v.Add(fp, fmt.Sprintf("须在 0 到 %g 之间", f.max), fmt.Sprintf("must be between 0 and %g", f.max))
		}
	}
	if a.Method == nil || (*a.Method != MethodBrowser && *a.Method != MethodManual) {
		v.Add(path+".method", "测速方式须为 browser 或 manual", `method must be "browser" or "manual"`)
	}
}

// decodeSpeedtest reads a speedtest answer; ok is false when it is absent or
// malformed.
func decodeSpeedtest(raw json.RawMessage) (Speedtest, bool) {
	var a speedtestAnswer
	if isNull(raw) || json.Unmarshal(raw, &a) != nil || a.DownMbps == nil || !finite(*a.DownMbps) {
		return Speedtest{}, false
	}
	st := Speedtest{DownMbps: *a.DownMbps}
	if a.UpMbps != nil {
		st.UpMbps = *a.UpMbps
	}
	if a.PingMs != nil {
		st.PingMs = *a.PingMs
	}
	if a.JitterMs != nil {
		st.JitterMs = *a.JitterMs
	}
	if a.Method != nil {
		st.Method = *a.Method
	}
	return st, true
}
