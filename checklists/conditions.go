package checklists

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"fieldcheck/errs"
)

// Conditions (form logic, issue 19): a section or an item may carry
// "when", and applies only when it holds. A hidden item is neither required
// nor scored and counts in no compliance denominator; an answer sent for it
// (a phone on an older app) is accepted and ignored.
//
//	when  = {"all": [cond, ...]} | {"any": [cond, ...]}
//	cond  = when
//	      | {"subject": "order_type"|"product"|"customer_tier"|"customer_kind"|"store_kind",
//	         "op": "eq"|"in"|"ne"|"not_in", "value": ...}
//	      | {"item": "<earlier item id>",
//	         "op": "eq"|"in"|"gt"|"gte"|"lt"|"lte"|"answered"|"not_answered", "value": ...}
//
// The phone runs the same rules (pwa/static/js/conds.js); the table in
// testdata/conditions.json runs against both.

// Cond is a condition: a group (All or Any) or one test on the subject or on
// an earlier answer.
type Cond struct {
	All     []Cond          `json:"all,omitempty"`
	Any     []Cond          `json:"any,omitempty"`
	Subject string          `json:"subject,omitempty"`
	Item    string          `json:"item,omitempty"`
	Op      string          `json:"op,omitempty"`
	Value   json.RawMessage `json:"value,omitempty"`
}

// Condition subjects.
const (
	SubjectOrderType    = "order_type"
	SubjectProduct      = "product"
	SubjectCustomerTier = "customer_tier"
	SubjectCustomerKind = "customer_kind"
	SubjectStoreKind    = "store_kind"
)

// Condition ops.
const (
	OpEq          = "eq"
	OpIn          = "in"
	OpNe          = "ne"
	OpNotIn       = "not_in"
	OpGt          = "gt"
	OpGte         = "gte"
	OpLt          = "lt"
	OpLte         = "lte"
	OpAnswered    = "answered"
	OpNotAnswered = "not_answered"
)

// Limits on conditions.
const (
	MaxCondDepth  = 5  // nesting of all/any
	MaxCondParts  = 50 // conditions in one when, all levels together
	MaxCondValues = 50 // entries of an "in" list
)

// Facts are what subject conditions are judged on: the work order's type,
// product, customer tier and kind, or the store's kind. A nil *Facts means
// the subject is unknown: every subject condition then holds, so nothing is
// hidden for want of an order.
type Facts struct {
	OrderType    string `json:"order_type,omitempty"`
	Product      string `json:"product,omitempty"`
	CustomerTier string `json:"customer_tier,omitempty"`
	CustomerKind string `json:"customer_kind,omitempty"`
	StoreKind    string `json:"store_kind,omitempty"`
}

// MaxFactLen bounds each fact a phone may carry in a push (order_facts).
const MaxFactLen = 500

// ValidFacts reports whether f is a well-formed set of facts: each field
// valid UTF-8 within MaxFactLen bytes.
func ValidFacts(f *Facts) bool {
	if f == nil {
		return false
	}
	for _, s := range []string{f.OrderType, f.Product, f.CustomerTier, f.CustomerKind, f.StoreKind} {
		if len(s) > MaxFactLen || !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// The product families (broadband / phone / IPTV / mobile) and the words
// that name each, shared with the phone: the FAMILIES line of
// pwa/static/js/conds.js is written from this file by TestFamiliesJS
// (FC_UPDATE=1 go test ./checklists -run TestFamiliesJS), which fails while
// the two differ.
//
//go:embed families.json
var familiesJSON []byte

// FamiliesJSON is the family word table as stored (families.json).
func FamiliesJSON() []byte { return bytes.Clone(familiesJSON) }

var familyWords = func() map[string][]string {
	var m map[string][]string
	if err := json.Unmarshal(familiesJSON, &m); err != nil {
		panic("checklists: families.json: " + err.Error())
	}
	return m
}()

// Families lists, sorted, the product families product belongs to: a
// family whose word the product contains (case-insensitive). "宽带+IPTV" is
// broadband and iptv; "固话" is phone. The broadband words are those of
// workorders.IsBroadband.
func Families(product string) []string {
	p := strings.ToLower(product)
	out := []string{}
	for fam, words := range familyWords {
		for _, w := range words {
			if strings.Contains(p, w) {
				out = append(out, fam)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// subjectValues is what the subject facts say for s: the product's
// families, or the one value (an empty customer kind is residential).
func subjectValues(f *Facts, s string) []string {
	one := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	switch s {
	case SubjectOrderType:
		return one(f.OrderType)
	case SubjectProduct:
		return Families(f.Product)
	case SubjectCustomerTier:
		return one(f.CustomerTier)
	case SubjectCustomerKind:
		if f.CustomerKind == "" {
			return []string{"residential"}
		}
		return one(f.CustomerKind)
	case SubjectStoreKind:
		return one(f.StoreKind)
	}
	return nil
}

// valueList decodes a condition's value as a list of JSON values (a single
// value is a list of one).
func valueList(raw json.RawMessage) []any {
	var v any
	if isNull(raw) || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// answerOf reads what condition ops compare: the decoded answer, and
// whether the item counts as answered (photos for a photo item, a
// non-blank string for text).
type answerOf func(id string) (v any, answered bool)

// holds evaluates c. f nil: subject conditions hold.
func (c *Cond) holds(f *Facts, ans answerOf) bool {
	switch {
	case c.All != nil || c.Any != nil:
		if c.All != nil {
			for i := range c.All {
				if !c.All[i].holds(f, ans) {
					return false
				}
			}
			return true
		}
		return anyHolds(c.Any, f, ans)
	case c.Subject != "":
		if f == nil {
			return true
		}
		have := subjectValues(f, c.Subject)
		hit := false
		for _, want := range valueList(c.Value) {
			if s, ok := want.(string); ok && containsStr(have, s) {
				hit = true
				break
			}
		}
		switch c.Op {
		case OpEq, OpIn:
			return hit
		case OpNe, OpNotIn:
			return !hit
		}
		return false
	case c.Item != "":
		v, answered := ans(c.Item)
		switch c.Op {
		case OpAnswered:
			return answered
		case OpNotAnswered:
			return !answered
		}
		if !answered {
			return false
		}
		switch c.Op {
		case OpEq, OpIn:
			for _, want := range valueList(c.Value) {
				if sameValue(v, want) {
					return true
				}
			}
			return false
		case OpGt, OpGte, OpLt, OpLte:
			a, ok1 := v.(float64)
			list := valueList(c.Value)
			if !ok1 || len(list) != 1 {
				return false
			}
			b, ok2 := list[0].(float64)
			if !ok2 {
				return false
			}
			switch c.Op {
			case OpGt:
				return a > b
			case OpGte:
				return a >= b
			case OpLt:
				return a < b
			}
			return a <= b
		}
	}
	return false
}

func anyHolds(list []Cond, f *Facts, ans answerOf) bool {
	for i := range list {
		if list[i].holds(f, ans) {
			return true
		}
	}
	return false
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sameValue compares two decoded JSON scalars.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// HasConditions reports whether any section or item of t carries a when.
func HasConditions(t *Template) bool {
	for i := range t.Sections {
		if t.Sections[i].When != nil {
			return true
		}
		for j := range t.Sections[i].Items {
			if t.Sections[i].Items[j].When != nil {
				return true
			}
		}
	}
	return false
}

// Visible says which items of t apply to submission s judged on facts f
// (nil: unknown subject, every subject condition holds): item id → shown.
// Every item of t is a key. Items are judged in template order; a section's
// condition hides all its items; a hidden item's answer counts as not given
// for the conditions that follow. Reports use it to leave hidden items out
// of their denominators.
func Visible(t *Template, s *Submission, f *Facts) map[string]bool {
	if t == nil {
		return map[string]bool{}
	}
	var answers map[string]json.RawMessage
	var photos map[string][]string
	if s != nil {
		answers, photos = s.Answers, s.Photos
	}
	shown := map[string]bool{}
	types := map[string]string{}
	ans := func(id string) (any, bool) {
		if !shown[id] {
			return nil, false
		}
		if types[id] == TypePhoto {
			return nil, len(photos[id]) > 0
		}
		raw := answers[id]
		if isNull(raw) {
			return nil, false
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return nil, false
		}
		if str, ok := v.(string); ok && types[id] == TypeText && blank(str) {
			return v, false
		}
		return v, true
	}
	for i := range t.Sections {
		sec := &t.Sections[i]
		secShown := sec.When == nil || sec.When.holds(f, ans)
		for j := range sec.Items {
			it := &sec.Items[j]
			types[it.ID] = it.Type
			shown[it.ID] = secShown && (it.When == nil || it.When.holds(f, ans))
		}
	}
	return shown
}

// conditional lists the items whose section or own condition is set.
func conditional(t *Template) map[string]bool {
	out := map[string]bool{}
	for i := range t.Sections {
		for j := range t.Sections[i].Items {
			if t.Sections[i].When != nil || t.Sections[i].Items[j].When != nil {
				out[t.Sections[i].Items[j].ID] = true
			}
		}
	}
	return out
}

// ---- template validation ----

var subjects = []string{SubjectOrderType, SubjectProduct, SubjectCustomerTier, SubjectCustomerKind, SubjectStoreKind}

// subjectChoices are the values a subject condition may name (those of
// workorders: order types, tiers, customer kinds; the product families).
// store_kind is free text.
func subjectChoices(s string) []string {
	switch s {
	case SubjectOrderType:
		return []string{"install", "move", "repair", "removal", "complaint"}
	case SubjectCustomerTier:
		return []string{"vip", "high_value", "standard"}
	case SubjectCustomerKind:
		return []string{"residential", "enterprise"}
	case SubjectProduct:
		out := make([]string, 0, len(familyWords))
		for f := range familyWords {
			out = append(out, f)
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// condCheck checks the conditions of one template against its items.
type condCheck struct {
	v     *errs.Validation
	kind  string
	pos   map[string]int   // item id → position in template order
	byID  map[string]*Item // every item
	parts int
}

// checkWhen checks a section's or item's when at path; before is the
// position of the first item it may not refer to (the item itself, or the
// section's first item).
func (cc *condCheck) checkWhen(path string, c *Cond, before int) {
	cc.parts = 0
	if c.All == nil && c.Any == nil {
		cc.v.Add(path, `条件须为 {"all": [...]} 或 {"any": [...]}`, `a condition must be {"all": [...]} or {"any": [...]}`)
		return
	}
	cc.check(path, c, before, 0)
}

func (cc *condCheck) check(path string, c *Cond, before, depth int) {
	cc.parts++
	if cc.parts > MaxCondParts {
		if cc.parts == MaxCondParts+1 {
			cc.v.Add(path, fmt.Sprintf("一个条件最多 %d 项", MaxCondParts), fmt.Sprintf("at most %d parts in one condition", MaxCondParts))
		}
		return
	}
	group := c.All != nil || c.Any != nil
	leaf := c.Subject != "" || c.Item != "" || c.Op != "" || !isNull(c.Value)
	switch {
	case group && leaf:
		cc.v.Add(path, "条件组（all/any）不能同时是单项条件", "a group (all/any) cannot also be a single condition")
		return
	case c.All != nil && c.Any != nil:
		cc.v.Add(path, "all 和 any 只能选一个", "use either all or any, not both")
		return
	case group:
		if depth >= MaxCondDepth {
			cc.v.Add(path, fmt.Sprintf("条件最多嵌套 %d 层", MaxCondDepth), fmt.Sprintf("conditions nest at most %d deep", MaxCondDepth))
			return
		}
		name, list := "all", c.All
		if c.Any != nil {
			name, list = "any", c.Any
		}
		if len(list) == 0 {
			cc.v.Add(path+"."+name, "条件组不能为空", "a group needs at least one condition")
		}
		for i := range list {
			cc.check(fmt.Sprintf("%s.%s[%d]", path, name, i), &list[i], before, depth+1)
		}
		return
	case c.Subject != "" && c.Item != "":
		cc.v.Add(path, "一项条件只能针对对象（subject）或某一检查项（item）之一", "a condition is on the subject or on an item, not both")
		return
	case c.Subject != "":
		cc.checkSubject(path, c)
	case c.Item != "":
		cc.checkItemCond(path, c, before)
	default:
		cc.v.Add(path, "条件须指明 subject 或 item", "a condition needs a subject or an item")
	}
}

func (cc *condCheck) checkSubject(path string, c *Cond) {
	if !oneOf(c.Subject, subjects) {
		cc.v.Add(path+".subject", "条件对象须为 order_type、product、customer_tier、customer_kind 或 store_kind",
			"subject must be order_type, product, customer_tier, customer_kind or store_kind")
		return
	}
	storeSide := c.Subject == SubjectStoreKind
	if storeSide != (cc.kind == KindWalkthrough) && oneOf(cc.kind, Kinds) {
		if storeSide {
			cc.v.Add(path+".subject", "只有营业网点巡检表能按网点类型设条件", "only a walkthrough can depend on the store's kind")
		} else {
			cc.v.Add(path+".subject", "营业网点巡检表不针对工单，不能按工单设条件", "a walkthrough is about a store, not a work order")
		}
		return
	}
	choices := subjectChoices(c.Subject)
	okValue := func(x any) bool {
		s, ok := x.(string)
		if !ok || s == "" || len(s) > MaxIDLen*2 {
			return false
		}
		return choices == nil || oneOf(s, choices)
	}
	cc.checkValue(path, c, okValue, []string{OpEq, OpIn, OpNe, OpNotIn}, choices)
}

// checkValue checks op and value: eq/ne take one value, in/not_in a
// non-empty list; ok says whether one value fits.
func (cc *condCheck) checkValue(path string, c *Cond, ok func(any) bool, ops []string, choices []string) {
	if !oneOf(c.Op, ops) {
		cc.v.Add(path+".op", "比较方式须为 "+strings.Join(ops, "、"), "op must be one of "+strings.Join(ops, ", "))
		return
	}
	var v any
	if isNull(c.Value) || json.Unmarshal(c.Value, &v) != nil {
		cc.v.Add(path+".value", "缺少比较值", "a value is needed")
		return
	}
	hint := ""
	if len(choices) > 0 {
		hint = "（" + strings.Join(choices, "、") + "）"
	}
	switch c.Op {
	case OpIn, OpNotIn:
		l, isList := v.([]any)
		switch {
		case !isList || len(l) == 0:
			cc.v.Add(path+".value", "须为非空列表", "must be a non-empty list")
		case len(l) > MaxCondValues:
			cc.v.Add(path+".value", fmt.Sprintf("最多 %d 个值", MaxCondValues), fmt.Sprintf("at most %d values", MaxCondValues))
		default:
			for i, x := range l {
				if !ok(x) {
					cc.v.Add(fmt.Sprintf("%s.value[%d]", path, i), "值无效"+hint, "not a valid value here"+hint)
				}
			}
		}
	default:
		if !ok(v) {
			cc.v.Add(path+".value", "值无效"+hint, "not a valid value here"+hint)
		}
	}
}

func (cc *condCheck) checkItemCond(path string, c *Cond, before int) {
	p, known := cc.pos[c.Item]
	switch {
	case !ValidID(c.Item) || !known:
		cc.v.Add(path+".item", "条件引用的检查项不存在", "the condition refers to no such item")
		return
	case p >= before:
		cc.v.Add(path+".item", "条件只能引用在它之前的检查项", "a condition may only refer to an earlier item")
		return
	}
	it := cc.byID[c.Item]
	if c.Op == OpAnswered || c.Op == OpNotAnswered {
		if !isNull(c.Value) {
			cc.v.Add(path+".value", "answered / not_answered 不带比较值", "answered and not_answered take no value")
		}
		return
	}
	num := func(x any) bool { _, ok := x.(float64); return ok }
	integer := func(x any) bool { f, ok := x.(float64); return ok && f == float64(int64(f)) }
	switch it.Type {
	case TypeCheck:
		cc.checkValue(path, c, func(x any) bool { _, ok := x.(bool); return ok }, []string{OpEq, OpIn, OpAnswered, OpNotAnswered}, nil)
	case TypePassFail:
		cc.checkValue(path, c, func(x any) bool { s, _ := x.(string); return s == Pass || s == Fail || s == NA },
			[]string{OpEq, OpIn, OpAnswered, OpNotAnswered}, []string{Pass, Fail, NA})
	case TypeChoice:
		ids := make([]string, len(it.Choices))
		for i, ch := range it.Choices {
			ids[i] = ch.ID
		}
		cc.checkValue(path, c, func(x any) bool { s, _ := x.(string); return oneOf(s, ids) },
			[]string{OpEq, OpIn, OpAnswered, OpNotAnswered}, ids)
	case TypeText:
		cc.checkValue(path, c, func(x any) bool { s, ok := x.(string); return ok && utf8.RuneCountInString(s) <= MaxTitleLen },
			[]string{OpEq, OpIn, OpAnswered, OpNotAnswered}, nil)
	case TypeCount, TypeRating:
		ok := integer
		if c.Op == OpGt || c.Op == OpGte || c.Op == OpLt || c.Op == OpLte {
			ok = num
		}
		cc.checkValue(path, c, ok, []string{OpEq, OpIn, OpGt, OpGte, OpLt, OpLte, OpAnswered, OpNotAnswered}, nil)
	case TypeNumber:
		cc.checkValue(path, c, num, []string{OpEq, OpIn, OpGt, OpGte, OpLt, OpLte, OpAnswered, OpNotAnswered}, nil)
	default: // photo, signature, speedtest
		cc.v.Add(path+".op", "此题型只能判断是否已答（answered / not_answered）",
			"this item type can only be tested with answered or not_answered")
	}
}

// checkConditions checks every when of t (ValidateTemplate, after the
// items were checked one by one).
func checkConditions(v *errs.Validation, t *Template) {
	cc := &condCheck{v: v, kind: t.Kind, pos: map[string]int{}, byID: map[string]*Item{}}
	n := 0
	for i := range t.Sections {
		for j := range t.Sections[i].Items {
			it := &t.Sections[i].Items[j]
			if _, dup := cc.pos[it.ID]; !dup {
				cc.pos[it.ID], cc.byID[it.ID] = n, it
			}
			n++
		}
	}
	n = 0
	for i := range t.Sections {
		s := &t.Sections[i]
		if s.When != nil {
			cc.checkWhen(fmt.Sprintf("sections[%d].when", i), s.When, n)
		}
		for j := range s.Items {
			if w := s.Items[j].When; w != nil {
				cc.checkWhen(fmt.Sprintf("sections[%d].items[%d].when", i, j), w, n)
			}
			n++
		}
	}
}
