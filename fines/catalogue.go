package fines

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Escalation units (Item.Per): a fine per case, or a first unit plus one
// escalation per further started day or hour (延续超时).
const (
	PerCase = "case"
	PerDay  = "day"
	PerHour = "hour"
)

// Item is one entry of the fines catalogue: what is fined, under which
// article, the range per case (Min–Max yuan), and for time limits the
// escalation per further unit (EscMin–EscMax). MonthlyCap (0: none) caps an
// agency's confirmed fines of the item in one month; seed 004 sets no cap
// for 第十三–二十九条 (the agency contract may, 第四条), so the built-in
// catalogue has none and an admin sets them.
type Item struct {
	ID         string   `json:"id"`
	Article    string   `json:"article"`
	Name       errs.Msg `json:"name"`
	Min        float64  `json:"min"`
	Max        float64  `json:"max"`
	Per        string   `json:"per"`
	EscMin     float64  `json:"esc_min,omitempty"`
	EscMax     float64  `json:"esc_max,omitempty"`
	MonthlyCap float64  `json:"monthly_cap,omitempty"`
}

// Range is what a fine of n started units may be: the first unit is the
// 超时 itself (Min–Max), each further one is 延续超时 (EscMin–EscMax).
func (it Item) Range(n int) (lo, hi float64) {
	if n < 1 || it.Per == PerCase {
		n = 1
	}
	k := float64(n - 1)
	return round2(it.Min + k*it.EscMin), round2(it.Max + k*it.EscMax)
}

// Proposed is the amount proposed for n started units: the range's minimum
// plus (n − 1) × the minimum escalation.
func (it Item) Proposed(n int) float64 {
	lo, _ := it.Range(n)
	return lo
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

//go:embed data/catalogue.json
var builtinJSON []byte

var builtin = sync.OnceValue(func() []Item {
	var items []Item
	if err := json.Unmarshal(builtinJSON, &items); err != nil {
		panic("fines: built-in catalogue: " + err.Error())
	}
	return items
})

// Builtin is the catalogue seeded from seed 004 (a copy: callers may edit it).
func Builtin() []Item { return slices.Clone(builtin()) }

var keyCatalogue = []byte("\x00catalogue")

// Catalogue is the catalogue in force: the admin's, else the built-in one.
// It is kept in BucketFineMonths under a key no month can have.
func Catalogue(tx *bolt.Tx) ([]Item, error) {
	var items []Item
	err := store.GetJSON(tx, store.BucketFineMonths, keyCatalogue, &items)
	if errors.Is(err, store.ErrNotFound) {
		return Builtin(), nil
	}
	return items, err
}

// Find is item id of the catalogue, or nil.
func Find(items []Item, id string) *Item {
	for i := range items {
		if items[i].ID == id {
			return &items[i]
		}
	}
	return nil
}

// ValidateCatalogue checks a catalogue an admin sends. Items the rules and
// events name must stay (an item can be changed, not removed).
func ValidateCatalogue(items []Item) error {
	var v errs.Validation
	ids := map[string]bool{}
	for i, it := range items {
		p := fmt.Sprintf("items[%d].", i)
		if it.ID == "" || len(it.ID) > 64 || ids[it.ID] {
			v.Add(p+"id", "编号必填且不能重复", "id is required and unique")
		}
		ids[it.ID] = true
		if it.Name.Zh == "" {
			v.Add(p+"name.zh", "请填写中文名称", "name.zh is required")
		}
		if it.Min < 0 || it.Max < it.Min || it.Max > 100000 {
			v.Add(p+"max", "金额范围须满足 0 ≤ 最低 ≤ 最高 ≤ 100000", "the range must be 0 ≤ min ≤ max ≤ 100000")
		}
		if it.Per != PerCase && it.Per != PerDay && it.Per != PerHour {
			v.Add(p+"per", "per 须为 case、day 或 hour", "per must be case, day or hour")
		}
		if it.EscMin < 0 || it.EscMax < it.EscMin || it.EscMax > 100000 {
			v.Add(p+"esc_max", "加扣范围须满足 0 ≤ 最低 ≤ 最高", "the escalation range must be 0 ≤ min ≤ max")
		}
		if it.MonthlyCap < 0 || it.MonthlyCap > 1e7 {
			v.Add(p+"monthly_cap", "月度封顶须 ≥ 0（0 为不封顶）", "monthly_cap must be ≥ 0 (0: none)")
		}
	}
	for _, it := range Builtin() {
		if !ids[it.ID] {
			v.Add("items", "不能删除条目："+it.Name.Zh, "an item cannot be removed: "+it.ID)
			break
		}
	}
	return v.Err()
}
