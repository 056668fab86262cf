package sla

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workdays"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// How a limit counts (Rule.Per) and what overdue time is counted in
// (Rule.Overdue).
const (
	PerHour    = "hour"    // Limit hours after the start
	PerDay     = "day"     // by the end of the Limit-th calendar day, the start's day the first
	PerWorkday = "workday" // by the end of the Limit-th working day, the start's day the first when it is one

	UnitHour = "hour"
	UnitDay  = "day"

	MeasureCompletion   = "completion"
	MeasureFirstContact = "first_contact"
)

// Rule sets the limit of the orders it matches. Empty match lists match
// everything; lists are ANDed, values inside one list ORed. The first
// matching rule wins.
type Rule struct {
	ID   string   `json:"id"`
	Name errs.Msg `json:"name"`
	// Article is the seed article the rule applies (第十五条 …).
	Article string   `json:"article,omitempty"`
	Types   []string `json:"types"`
	// Products match when the order's product contains one of them
	// (case-insensitive): "宽带", "固话", "专线".
	Products []string `json:"products,omitempty"`
	Tiers    []string `json:"tiers,omitempty"`
	Kinds    []string `json:"kinds,omitempty"`
	Limit    int      `json:"limit"`
	Per      string   `json:"per"`
	Overdue  string   `json:"overdue"`
	Measure  string   `json:"measure"`
	// Fine is the catalogue item an overdue order proposes ("" none).
	Fine string `json:"fine,omitempty"`
}

// Builtin is the rule set until an admin sets one. The limits the seed
// leaves to the contract are product decisions: installs and moves within
// 3 working days, ordinary repairs within 24 hours.
func Builtin() []Rule {
	return []Rule{
		{ID: "repair_enterprise", Name: errs.Msg{Zh: "政企客户修障 4 小时", En: "enterprise repair, 4 hours"}, Article: "第二十一条",
			Types: []string{workorders.TypeRepair}, Kinds: []string{workorders.KindEnterprise},
			Limit: 4, Per: PerHour, Overdue: UnitHour, Measure: MeasureCompletion, Fine: "art21_priority_repair_overdue"},
		{ID: "repair_vip", Name: errs.Msg{Zh: "VIP 客户修障 4 小时", En: "VIP repair, 4 hours"}, Article: "第二十一条",
			Types: []string{workorders.TypeRepair}, Tiers: []string{workorders.TierVIP},
			Limit: 4, Per: PerHour, Overdue: UnitHour, Measure: MeasureCompletion, Fine: "art21_priority_repair_overdue"},
		{ID: "repair", Name: errs.Msg{Zh: "普通修障 24 小时", En: "ordinary repair, 24 hours"}, Article: "第二十二条",
			Types: []string{workorders.TypeRepair},
			Limit: 24, Per: PerHour, Overdue: UnitDay, Measure: MeasureCompletion, Fine: "art22_repair_overdue"},
		{ID: "install_move", Name: errs.Msg{Zh: "装机、移机 3 个工作日", En: "install or move, 3 working days"}, Article: "第十五条",
			Types: []string{workorders.TypeInstall, workorders.TypeMove},
			Limit: 3, Per: PerWorkday, Overdue: UnitDay, Measure: MeasureCompletion, Fine: "art15_install_overdue"},
		{ID: "removal", Name: errs.Msg{Zh: "拆机 3 天内", En: "removal within 3 days"}, Article: "第二十九条",
			Types: []string{workorders.TypeRemoval},
			Limit: 3, Per: PerDay, Overdue: UnitDay, Measure: MeasureCompletion, Fine: "art29_removal_overdue"},
		{ID: "complaint_contact", Name: errs.Msg{Zh: "投诉 2 小时内首次联系", En: "complaint: first contact within 2 hours"},
			Types: []string{workorders.TypeComplaint},
			Limit: 2, Per: PerHour, Overdue: UnitHour, Measure: MeasureFirstContact},
	}
}

// Match is the first rule for wo, or nil.
func Match(rules []Rule, wo *workorders.WorkOrder) *Rule {
	for i := range rules {
		r := &rules[i]
		if r.matches(wo) {
			return r
		}
	}
	return nil
}

func (r *Rule) matches(wo *workorders.WorkOrder) bool {
	kind := wo.Customer.Kind
	if kind == "" {
		kind = workorders.KindResidential
	}
	if len(r.Types) > 0 && !slices.Contains(r.Types, wo.Type) ||
		len(r.Tiers) > 0 && !slices.Contains(r.Tiers, wo.Customer.Tier) ||
		len(r.Kinds) > 0 && !slices.Contains(r.Kinds, kind) {
		return false
	}
	if len(r.Products) == 0 {
		return true
	}
	p := strings.ToLower(wo.Product)
	for _, w := range r.Products {
		if strings.Contains(p, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// ValidateRules checks a rule set an admin sends.
func ValidateRules(rules []Rule) error {
	var v errs.Validation
	if len(rules) > 100 {
		v.Add("rules", "规则最多 100 条", "at most 100 rules")
	}
	ids := map[string]bool{}
	for i, r := range rules {
		p := fmt.Sprintf("rules[%d].", i)
		if r.ID == "" || len(r.ID) > 64 || ids[r.ID] {
			v.Add(p+"id", "规则编号必填且不能重复", "id is required and unique")
		}
		ids[r.ID] = true
		if r.Name.Zh == "" || utf8.RuneCountInString(r.Name.Zh) > 64 {
			v.Add(p+"name.zh", "请填写中文名称（最多 64 字）", "name.zh is required (at most 64 characters)")
		}
		if len(r.Types) == 0 {
			v.Add(p+"types", "请至少选一种工单类型", "name at least one order type")
		}
		if r.Limit < 1 || r.Limit > 24*90 {
			v.Add(p+"limit", "时限须在 1 到 2160 之间", "limit must be between 1 and 2160")
		}
		if r.Per != PerHour && r.Per != PerDay && r.Per != PerWorkday {
			v.Add(p+"per", "per 须为 hour、day 或 workday", "per must be hour, day or workday")
		}
		if r.Overdue != UnitHour && r.Overdue != UnitDay {
			v.Add(p+"overdue", "overdue 须为 hour 或 day", "overdue must be hour or day")
		}
		if r.Measure != MeasureCompletion && r.Measure != MeasureFirstContact {
			v.Add(p+"measure", "measure 须为 completion 或 first_contact", "measure must be completion or first_contact")
		}
	}
	return v.Err()
}

var (
	keyRules = []byte("rules")
	keySince = []byte("since")
)

// Rules is the rule set in force.
func Rules(tx *bolt.Tx) ([]Rule, error) {
	var rules []Rule
	err := store.GetJSON(tx, store.BucketSLA, keyRules, &rules)
	if errors.Is(err, store.ErrNotFound) {
		return Builtin(), nil
	}
	return rules, err
}

// PutRules replaces the rule set (validated by the caller).
func PutRules(tx *bolt.Tx, rules []Rule) error {
	raw, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	return tx.Bucket(store.BucketSLA).Put(keyRules, raw)
}

// Since is when this data dir got clocks (zero when it had them from the
// start): orders accepted before it start their clock then.
func Since(tx *bolt.Tx) time.Time {
	raw := tx.Bucket(store.BucketSLA).Get(keySince)
	if len(raw) != 8 {
		return time.Time{}
	}
	return store.ParseTimeKey(raw)
}

// Env is what computing a clock needs, read once per transaction.
type Env struct {
	Rules []Rule
	Cal   workdays.Calendars
	Since time.Time
}

// LoadEnv reads the rules, the calendars and the upgrade time.
func LoadEnv(tx *bolt.Tx) (Env, error) {
	rules, err := Rules(tx)
	if err != nil {
		return Env{}, err
	}
	cal, err := workdays.Load(tx)
	if err != nil {
		return Env{}, err
	}
	return Env{Rules: rules, Cal: cal, Since: Since(tx)}, nil
}
