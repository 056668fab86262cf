package checklists

import (
	"fmt"
	"math"
	"unicode/utf8"

	"fieldcheck/errs"
)

// Limits on a template definition. A template travels to every phone on each
// sync and is rendered on small screens, so anything far beyond what a real
// checklist needs is refused rather than stored.
const (
	MaxIDLen           = 64   // ids of templates, sections, items, choices, bands
	MaxSections        = 200  // sections per template
	MaxItemsPerSection = 200  // items per section
	MaxItems           = 1000 // items per template, all sections together
	MaxChoices         = 50   // choices per choice item
	MaxBands           = 20   // grading bands
	MaxTitleLen        = 200  // runes in a title or label, per language
	MaxHelpLen         = 2000 // runes in a help text, per language
	MaxPhotosPerItem   = 20   // photos.max ceiling
	DefaultPhotosMax   = 10   // photos.max when a photo item gives no rule
	MaxPoints          = 1000 // score.max, per_instance and cap ceiling
	MaxFinePerPoint    = 1e5  // yuan
	MaxFineCap         = 1e6  // yuan
	MaxMinRatio        = 1.5  // speedtest.min_ratio ceiling
	MaxNumberBound     = 1e12 // |number.min|, |number.max|
	MaxTemplateVersion = 1<<31 - 1
)

// Kinds lists the template kinds.
var Kinds = []string{KindAcceptance, KindWalkthrough, KindSpotcheck, KindCallback, KindCallReview}

// Types lists the item types.
var Types = []string{TypeCheck, TypePassFail, TypeCount, TypeNumber, TypeText, TypeChoice,
	TypePhoto, TypeSignature, TypeSpeedtest, TypeRating}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ValidID reports whether s is a well-formed id: 1–64 characters of a–z,
// 0–9 and "_". Ids end up in store keys, URL paths and answer maps, so the
// alphabet is small on purpose (no 0x00, no "/", no case folding surprises).
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// scorable reports whether items of type typ may carry a score rule: the
// three types whose answer is a finding. A count deducts per instance, a
// pass_fail "fail" and a check false deduct the item's max (product
// decision: a check with a score is an all-or-nothing item whose "no" is the
// finding, like a pass_fail without "na").
func scorable(typ string) bool {
	return typ == TypeCount || typ == TypePassFail || typ == TypeCheck
}

// criticalable reports whether items of type typ can fail critically
// (API.md: a check false, a pass_fail fail, a speedtest below min_ratio).
func criticalable(typ string) bool {
	return typ == TypeCheck || typ == TypePassFail || typ == TypeSpeedtest
}

// ValidateTemplate checks a template definition and names every problem by
// its path ("sections[2].items[0].type", "grading[1].min", "title.zh"). It
// returns nil or an *errs.Error of kind Invalid (code validation_failed).
// Version, CreatedAt and CreatedBy are set by Put and not checked.
//
// Rules beyond the obvious ones (product decisions):
//   - zh texts are required, en texts optional (the UI falls back to zh);
//   - a critical item must be required: an unanswered critical item could
//     neither pass nor fail;
//   - score rules only on count, pass_fail and check items; per_instance and
//     cap only on count items (count items need per_instance > 0), cap ≤ max;
//   - grading bands strictly descending by min, the last one at 0, so every
//     percent gets a grade.
func ValidateTemplate(t *Template) error {
	var v errs.Validation
	if t == nil {
		v.Add("template", "缺少模板定义", "the template definition is missing")
		return v.Err()
	}
	if !ValidID(t.ID) {
		v.Add("id", "ID 须为 1–64 位小写字母、数字或下划线", "id must be 1–64 characters of a–z, 0–9 or _")
	}
	if t.Version < 0 || t.Version > MaxTemplateVersion {
		v.Add("version", "版本号无效", "version is out of range")
	}
	if !oneOf(t.Kind, Kinds) {
		v.Add("kind", "类型须为 acceptance、walkthrough、spotcheck 或 callback",
			"kind must be acceptance, walkthrough, spotcheck or callback")
	}
	checkText(&v, "title", t.Title, MaxTitleLen, true)
	checkBands(&v, t.Grading)

	switch {
	case len(t.Sections) == 0:
		v.Add("sections", "至少需要一个分节", "at least one section is needed")
	case len(t.Sections) > MaxSections:
		v.Add("sections", fmt.Sprintf("分节不能超过 %d 个", MaxSections),
			fmt.Sprintf("at most %d sections", MaxSections))
		return v.Err() // do not walk an absurd structure
	}
	sectionAt := map[string]string{}
	itemAt := map[string]string{}
	total := 0
	for i := range t.Sections {
		s := &t.Sections[i]
		sp := fmt.Sprintf("sections[%d]", i)
		if !ValidID(s.ID) {
			v.Add(sp+".id", "分节 ID 须为 1–64 位小写字母、数字或下划线",
				"section id must be 1–64 characters of a–z, 0–9 or _")
		} else if prev, dup := sectionAt[s.ID]; dup {
			v.Add(sp+".id", "分节 ID 重复（亦见 "+prev+"）", "duplicate section id (also at "+prev+")")
		} else {
			sectionAt[s.ID] = sp
		}
		checkText(&v, sp+".title", s.Title, MaxTitleLen, true)
		if s.Help != nil {
			checkText(&v, sp+".help", *s.Help, MaxHelpLen, false)
		}
		switch {
		case len(s.Items) == 0:
			v.Add(sp+".items", "分节至少需要一个检查项", "a section needs at least one item")
		case len(s.Items) > MaxItemsPerSection:
			v.Add(sp+".items", fmt.Sprintf("每个分节的检查项不能超过 %d 个", MaxItemsPerSection),
				fmt.Sprintf("at most %d items per section", MaxItemsPerSection))
			continue
		}
		total += len(s.Items)
		if total > MaxItems {
			v.Add("sections", fmt.Sprintf("检查项总数不能超过 %d 个", MaxItems),
				fmt.Sprintf("at most %d items in all", MaxItems))
			return v.Err()
		}
		for j := range s.Items {
			it := &s.Items[j]
			ip := fmt.Sprintf("%s.items[%d]", sp, j)
			if !ValidID(it.ID) {
				v.Add(ip+".id", "检查项 ID 须为 1–64 位小写字母、数字或下划线",
					"item id must be 1–64 characters of a–z, 0–9 or _")
			} else if prev, dup := itemAt[it.ID]; dup {
				v.Add(ip+".id", "检查项 ID 在模板内重复（亦见 "+prev+"）",
					"duplicate item id in this template (also at "+prev+")")
			} else {
				itemAt[it.ID] = ip
			}
			checkItem(&v, ip, it)
		}
	}
	checkConditions(&v, t)
	return v.Err()
}

// checkText checks a bilingual text: zh required when required is set,
// both within max runes and free of control characters.
func checkText(v *errs.Validation, path string, t Text, max int, required bool) {
	for _, l := range []struct{ lang, s string }{{"zh", t.Zh}, {"en", t.En}} {
		p := path + "." + l.lang
		n := utf8.RuneCountInString(l.s)
		switch {
		case l.lang == "zh" && required && blank(l.s):
			v.Add(p, "不能为空", "must not be empty")
		case n > max:
			v.Add(p, fmt.Sprintf("不能超过 %d 个字", max), fmt.Sprintf("at most %d characters", max))
		case !utf8.ValidString(l.s) || hasControl(l.s):
			v.Add(p, "含有无效字符", "contains invalid characters")
		}
	}
}

func blank(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' && r != '\u3000' {
			return false
		}
	}
	return true
}

// hasControl reports control characters other than newline and tab.
func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return true
		}
	}
	return false
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func checkBands(v *errs.Validation, bands []Band) {
	if len(bands) == 0 {
		return
	}
	if len(bands) > MaxBands {
		v.Add("grading", fmt.Sprintf("评级档次不能超过 %d 个", MaxBands), fmt.Sprintf("at most %d grading bands", MaxBands))
		return
	}
	seen := map[string]bool{}
	for i, b := range bands {
		bp := fmt.Sprintf("grading[%d]", i)
		if !ValidID(b.ID) {
			v.Add(bp+".id", "档次 ID 须为 1–64 位小写字母、数字或下划线",
				"band id must be 1–64 characters of a–z, 0–9 or _")
		} else if seen[b.ID] {
			v.Add(bp+".id", "档次 ID 重复", "duplicate band id")
		}
		seen[b.ID] = true
		checkText(v, bp+".label", b.Label, MaxTitleLen, true)
		switch {
		case !finite(b.Min) || b.Min < 0 || b.Min > 100:
			v.Add(bp+".min", "下限须在 0 到 100 之间", "min must be between 0 and 100")
		case i > 0 && finite(bands[i-1].Min) && b.Min >= bands[i-1].Min:
			v.Add(bp+".min", "档次须按下限从高到低排列", "bands must be listed highest min first")
		case i == len(bands)-1 && b.Min != 0:
			v.Add(bp+".min", "最低档次的下限须为 0，使每个得分都有评级",
				"the last band must start at 0 so every percent gets a grade")
		}
	}
}

func checkItem(v *errs.Validation, ip string, it *Item) {
	typeOK := oneOf(it.Type, Types)
	if !typeOK {
		v.Add(ip+".type", "题型无效（check、pass_fail、count、number、text、choice、photo、signature、speedtest、rating）",
			"type must be one of check, pass_fail, count, number, text, choice, photo, signature, speedtest, rating")
	}
	checkText(v, ip+".label", it.Label, MaxTitleLen, true)
	if it.Help != nil {
		checkText(v, ip+".help", *it.Help, MaxHelpLen, false)
	}
	if !typeOK {
		return // the type-specific rules below would only add noise
	}

	if it.Critical {
		if !criticalable(it.Type) {
			v.Add(ip+".critical", "只有 check、pass_fail、speedtest 题可设为关键项",
				"only check, pass_fail and speedtest items can be critical")
		} else if !it.Required {
			v.Add(ip+".required", "关键项必须为必答", "a critical item must be required")
		}
	}

	// number
	if it.Number != nil && it.Type != TypeNumber {
		v.Add(ip+".number", "只有 number 题可设数值范围", "only number items take a number range")
	}
	if it.Number != nil && it.Type == TypeNumber {
		n := it.Number
		for _, b := range []struct {
			name string
			p    *float64
		}{{"min", n.Min}, {"max", n.Max}} {
			if b.p != nil && (!finite(*b.p) || math.Abs(*b.p) > MaxNumberBound) {
				v.Add(ip+".number."+b.name, "数值超出范围", "out of range")
			}
		}
		if n.Min != nil && n.Max != nil && *n.Min > *n.Max {
			v.Add(ip+".number.min", "下限不能大于上限", "min must not exceed max")
		}
		if utf8.RuneCountInString(n.Unit) > 20 || hasControl(n.Unit) {
			v.Add(ip+".number.unit", "单位过长或含无效字符", "unit is too long or has invalid characters")
		}
	}

	// choices
	if it.Type == TypeChoice {
		switch {
		case len(it.Choices) < 2:
			v.Add(ip+".choices", "选择题至少需要两个选项", "a choice item needs at least two choices")
		case len(it.Choices) > MaxChoices:
			v.Add(ip+".choices", fmt.Sprintf("选项不能超过 %d 个", MaxChoices), fmt.Sprintf("at most %d choices", MaxChoices))
		default:
			seen := map[string]bool{}
			for k, c := range it.Choices {
				cp := fmt.Sprintf("%s.choices[%d]", ip, k)
				if !ValidID(c.ID) {
					v.Add(cp+".id", "选项 ID 须为 1–64 位小写字母、数字或下划线",
						"choice id must be 1–64 characters of a–z, 0–9 or _")
				} else if seen[c.ID] {
					v.Add(cp+".id", "选项 ID 重复", "duplicate choice id")
				}
				seen[c.ID] = true
				checkText(v, cp+".label", c.Label, MaxTitleLen, true)
			}
		}
	} else if len(it.Choices) > 0 {
		v.Add(ip+".choices", "只有 choice 题可设选项", "only choice items take choices")
	}

	// photos
	if it.Photos != nil && it.Type != TypePhoto {
		v.Add(ip+".photos", "只有 photo 题可设照片数量", "only photo items take a photos rule")
	}
	if it.Photos != nil && it.Type == TypePhoto {
		p := it.Photos
		if p.Min < 0 {
			v.Add(ip+".photos.min", "不能为负数", "must not be negative")
		}
		switch {
		case p.Max < 1 || p.Max > MaxPhotosPerItem:
			v.Add(ip+".photos.max", fmt.Sprintf("须在 1 到 %d 之间", MaxPhotosPerItem),
				fmt.Sprintf("must be between 1 and %d", MaxPhotosPerItem))
		case p.Min > p.Max:
			v.Add(ip+".photos.min", "最少张数不能大于最多张数", "min must not exceed max")
		}
	}

	// score
	if it.Score != nil {
		if !scorable(it.Type) {
			v.Add(ip+".score", "只有 count、pass_fail、check 题可计分", "only count, pass_fail and check items are scored")
		} else {
			checkScore(v, ip+".score", it.Type, it.Score)
		}
	}

	// speedtest
	if it.Type == TypeSpeedtest {
		switch {
		case it.Speedtest == nil:
			v.Add(ip+".speedtest.min_ratio", "测速题须设达标比例 min_ratio", "a speedtest item needs speedtest.min_ratio")
		case !finite(it.Speedtest.MinRatio) || it.Speedtest.MinRatio <= 0 || it.Speedtest.MinRatio > MaxMinRatio:
			v.Add(ip+".speedtest.min_ratio", "达标比例须大于 0 且不超过 1.5", "min_ratio must be above 0 and at most 1.5")
		}
	} else if it.Speedtest != nil {
		v.Add(ip+".speedtest", "只有 speedtest 题可设测速规则", "only speedtest items take a speedtest rule")
	}
}

func checkScore(v *errs.Validation, sp, typ string, r *ScoreRule) {
	bad := func(f float64, max float64) bool { return !finite(f) || f < 0 || f > max }
	if !finite(r.Max) || r.Max <= 0 || r.Max > MaxPoints {
		v.Add(sp+".max", fmt.Sprintf("满分须大于 0 且不超过 %d", MaxPoints), fmt.Sprintf("max must be above 0 and at most %d", MaxPoints))
	}
	if typ == TypeCount {
		if !finite(r.PerInstance) || r.PerInstance <= 0 || r.PerInstance > MaxPoints {
			v.Add(sp+".per_instance", "按次计扣分题须设每次扣分（大于 0）", "a count item needs per_instance above 0")
		}
		if r.Cap != nil {
			switch {
			case bad(*r.Cap, MaxPoints):
				v.Add(sp+".cap", "扣分上限不能为负数", "cap must not be negative")
			case finite(r.Max) && *r.Cap > r.Max:
				v.Add(sp+".cap", "扣分上限不能超过满分", "cap must not exceed max")
			}
		}
	} else {
		if r.PerInstance != 0 {
			v.Add(sp+".per_instance", "只有 count 题按次扣分", "only count items deduct per instance")
		}
		if r.Cap != nil {
			v.Add(sp+".cap", "只有 count 题有扣分上限", "only count items take a cap")
		}
	}
	if bad(r.FinePerPoint, MaxFinePerPoint) {
		v.Add(sp+".fine_per_point", "每分罚款须在 0 到 100000 元之间", "fine_per_point must be between 0 and 100000 yuan")
	}
	if r.FineCap != nil && bad(*r.FineCap, MaxFineCap) {
		v.Add(sp+".fine_cap", "罚款上限须在 0 到 1000000 元之间", "fine_cap must be between 0 and 1000000 yuan")
	}
}
