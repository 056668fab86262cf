package reports

import (
	"sort"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// SpotCheckMonthCap is the most one agency (代理公司) is fined for spot-check
// non-conformities in one month, in yuan. Seed 004 第十二条: 入户服务检查或抽查
// 凡有不合规的，按20—100元/人/项的标准扣代理公司当月基础代理费，累计最多扣500—2000元.
// The seed leaves the number inside 500–2000 to the agency contract; we take
// 2000, the top of the range, so the report never hides a deduction a
// contract may allow — the uncapped sum is shown beside it. The per-item
// 20–100 yuan is the spot-check template's fine_per_point.
const SpotCheckMonthCap = 2000.0

// FineItem is one checklist item's fines in the month.
type FineItem struct {
	ItemID string          `json:"item_id"`
	Label  checklists.Text `json:"label"`
	// Findings: sheets on which the item deducted points.
	Findings int `json:"findings"`
	// People: distinct technicians found at fault (spot checks; 元/人/项).
	People int     `json:"people,omitempty"`
	Fines  float64 `json:"fines"` // yuan
}

// StoreFines is one outlet's walkthrough fines in the month (seed 002: each
// item's reference fine, capped per item and inspection as the scorer did).
type StoreFines struct {
	StoreID     string     `json:"store_id"`
	StoreName   string     `json:"store_name"`
	Inspections int        `json:"inspections"`
	Items       []FineItem `json:"items"`
	Fines       float64    `json:"fines"`
}

// FineRow is one unit's (agency's) fines for one month.
type FineRow struct {
	Month string `json:"month"`
	Unit  string `json:"unit"`
	// UnitName is the unit's display name, else its code.
	UnitName string `json:"unit_name"`
	// Spot checks of the unit's technicians (入户服务检查, seed 004 第三篇).
	SpotChecks        int        `json:"spot_checks"`
	SpotCheckItems    []FineItem `json:"spot_check_items"`
	SpotCheckFinesRaw float64    `json:"spot_check_fines_raw"` // before the monthly cap
	SpotCheckCap      float64    `json:"spot_check_cap"`
	SpotCheckFines    float64    `json:"spot_check_fines"` // min(raw, cap)
	Capped            bool       `json:"capped"`
	// Walkthroughs of the unit's outlets (seed 002), per outlet. Seed 002
	// caps fines per item and inspection only; it sets no monthly cap.
	Walkthroughs     int          `json:"walkthroughs"`
	Stores           []StoreFines `json:"stores"`
	WalkthroughFines float64      `json:"walkthrough_fines"`
	Total            float64      `json:"total"`

	spot   fineItems
	stores map[string]*storeAcc
}

type storeAcc struct {
	StoreFines
	items fineItems
}

// fineItems accumulates FineItems (each fine rounded to the fen, as the
// rollups count them); items() lists the costliest first.
type fineItems struct {
	list   []FineItem
	at     map[string]int
	people map[string]map[string]bool
}

func (f *fineItems) add(d checklists.Deduction, person string) {
	if d.Excluded || d.Points <= 0 {
		return
	}
	if f.at == nil {
		f.at, f.people = map[string]int{}, map[string]map[string]bool{}
	}
	i, ok := f.at[d.ItemID]
	if !ok {
		i = len(f.list)
		f.at[d.ItemID] = i
		f.list = append(f.list, FineItem{ItemID: d.ItemID, Label: d.Label})
		f.people[d.ItemID] = map[string]bool{}
	}
	it := &f.list[i]
	it.Findings++
	it.Fines = round2(it.Fines + round2(d.Fine))
	if person != "" && !f.people[d.ItemID][person] {
		f.people[d.ItemID][person] = true
		it.People++
	}
}

func (f *fineItems) items() []FineItem {
	if f.list == nil {
		return []FineItem{}
	}
	sortFineItems(f.list)
	return f.list
}

// sortFineItems puts the costliest items first (then by id).
func sortFineItems(l []FineItem) {
	sort.Slice(l, func(i, j int) bool {
		if l[i].Fines != l[j].Fines {
			return l[i].Fines > l[j].Fines
		}
		return l[i].ItemID < l[j].ItemID
	})
}

// CapFines applies a monthly cap: min(raw, cap), and whether it bit.
func CapFines(raw, limit float64) (float64, bool) {
	if raw > limit {
		return limit, true
	}
	return raw, false
}

// ScanFines is the month's fines per unit (agency), sorted by unit: spot checks
// by item with SpotCheckMonthCap applied, and walkthrough fines per outlet by
// item. month is "YYYY-MM" (Asia/Shanghai); a sheet counts in the month it
// was finished. unit "" is every unit. It walks the records: it is the
// reference `fieldcheck rollups verify` checks Fines against.
func ScanFines(tx *bolt.Tx, month, unit string) ([]FineRow, error) {
	from, to, err := MonthRange(month)
	if err != nil {
		return nil, err
	}
	by := map[string]*FineRow{}
	row := func(u string) *FineRow {
		r := by[u]
		if r == nil {
			r = &FineRow{Month: month, Unit: u, SpotCheckCap: SpotCheckMonthCap, stores: map[string]*storeAcc{}}
			by[u] = r
		}
		return r
	}
	err = eachHead(tx, from, to, checklists.KindSpotcheck, func(h *submissions.Head) error {
		if !inUnit(unit, h.Unit) {
			return nil
		}
		r := row(h.Unit)
		r.SpotChecks++
		for _, d := range h.Result.Deductions {
			r.spot.add(d, h.Technician)
		}
		r.SpotCheckFinesRaw = round2(r.SpotCheckFinesRaw + round2(h.Result.Fines))
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachHead(tx, from, to, checklists.KindWalkthrough, func(h *submissions.Head) error {
		if !inUnit(unit, h.Unit) || h.Subject.StoreID == "" {
			return nil
		}
		r := row(h.Unit)
		r.Walkthroughs++
		s := r.stores[h.Subject.StoreID]
		if s == nil {
			s = &storeAcc{StoreFines: StoreFines{StoreID: h.Subject.StoreID}}
			r.stores[h.Subject.StoreID] = s
		}
		s.Inspections++
		for _, d := range h.Result.Deductions {
			s.items.add(d, "")
		}
		s.Fines = round2(s.Fines + round2(h.Result.Fines))
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows := make([]FineRow, 0, len(by))
	for _, r := range by {
		if r.UnitName, err = unitName(tx, r.Unit); err != nil {
			return nil, err
		}
		r.SpotCheckItems = r.spot.items()
		r.SpotCheckFines, r.Capped = CapFines(r.SpotCheckFinesRaw, r.SpotCheckCap)
		r.Stores = make([]StoreFines, 0, len(r.stores))
		for _, s := range r.stores {
			if o, err := workorders.GetOutlet(tx, s.StoreID); err == nil {
				s.StoreName = o.Name
			} else if e, ok := errs.As(err); !ok || e.Kind != errs.NotFound {
				return nil, err
			}
			s.Items = s.items.items()
			r.WalkthroughFines += s.Fines
			r.Stores = append(r.Stores, s.StoreFines)
		}
		sort.Slice(r.Stores, func(i, j int) bool { return r.Stores[i].StoreID < r.Stores[j].StoreID })
		r.WalkthroughFines = round2(r.WalkthroughFines)
		r.Total = round2(r.SpotCheckFines + r.WalkthroughFines)
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Unit < rows[j].Unit })
	return rows, nil
}

// CurrentMonth is "YYYY-MM" of now in Asia/Shanghai.
func CurrentMonth(now time.Time) string { return PeriodOf(now, GroupMonth) }
