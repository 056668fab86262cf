package reports

import (
	"errors"
	"sort"
	"strconv"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/errs"
	fcsync "fieldcheck/sync"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// DeductionSum is one checklist item's deductions summed over a period.
type DeductionSum struct {
	ItemID string          `json:"item_id"`
	Label  checklists.Text `json:"label"`
	// Findings: sheets on which the item deducted points.
	Findings int `json:"findings"`
	// Instances: for count items the instances found (厅内环境 3 处), for
	// pass/fail items the findings.
	Instances int     `json:"instances"`
	Points    float64 `json:"points"`
	Fines     float64 `json:"fines"` // yuan
}

// deductions accumulates DeductionSums in the order items first deduct.
type deductions struct {
	list []DeductionSum
	at   map[string]int
}

func (d *deductions) add(x checklists.Deduction) {
	if x.Excluded || x.Points <= 0 {
		return
	}
	if d.at == nil {
		d.at = map[string]int{}
	}
	i, ok := d.at[x.ItemID]
	if !ok {
		i = len(d.list)
		d.at[x.ItemID] = i
		d.list = append(d.list, DeductionSum{ItemID: x.ItemID, Label: x.Label})
	}
	s := &d.list[i]
	s.Findings++
	if x.Count != nil {
		s.Instances += *x.Count
	} else {
		s.Instances++
	}
	s.Points = round2(s.Points + x.Points)
	s.Fines = round2(s.Fines + x.Fine)
}

func (d *deductions) items() []DeductionSum {
	if d.list == nil {
		return []DeductionSum{}
	}
	return d.list
}

// InspectionRow is one outlet's walkthroughs (营业网点服务现场巡检) in the range.
type InspectionRow struct {
	StoreID   string `json:"store_id"`
	StoreName string `json:"store_name"`
	Unit      string `json:"unit"`
	UnitName  string `json:"unit_name"` // the unit's display name, else its code
	// Inspections: walkthrough sheets finished in the range (the latest
	// version of each).
	Inspections int `json:"inspections"`
	// Score is the average percent of the sheets that had scored items,
	// rounded to two decimals; null when none had.
	Score *float64 `json:"score"`
	// Grade is the band of the average (the latest sheet's template bands,
	// else seed 001's: ≥ 90 excellent, ≥ 85 good, ≥ 75 improve, else fail).
	Grade *string `json:"grade"`
	// Failed: sheets whose critical item failed (passed false).
	Failed     int            `json:"failed"`
	Deductions []DeductionSum `json:"deductions"`
	Fines      float64        `json:"fines"` // yuan, as scored (seed 002 caps per item)
	Last       time.Time      `json:"last_inspected_at"`

	sumPercent float64
	scored     int
	tplID      string
	tplVersion int
	ded        deductions
}

// Inspections is the walkthrough report per outlet for sheets finished in
// [from, to), sorted by store id. unit "" is every unit; otherwise the
// outlet's unit.
func Inspections(tx *bolt.Tx, from, to time.Time, unit string) ([]InspectionRow, error) {
	byStore := map[string]*InspectionRow{}
	err := eachHead(tx, from, to, checklists.KindWalkthrough, func(h *fcsync.Head) error {
		if !inUnit(unit, h.Unit) || h.Subject.StoreID == "" {
			return nil
		}
		r := byStore[h.Subject.StoreID]
		if r == nil {
			r = &InspectionRow{StoreID: h.Subject.StoreID, Unit: h.Unit}
			byStore[h.Subject.StoreID] = r
		}
		r.Inspections++
		if h.Result.Percent != nil {
			r.sumPercent += *h.Result.Percent
			r.scored++
		}
		if !h.Result.Passed {
			r.Failed++
		}
		for _, d := range h.Result.Deductions {
			r.ded.add(d)
		}
		r.Fines = round2(r.Fines + h.Result.Fines)
		if !h.FinishedAt.Before(r.Last) { // the walk is oldest first
			r.Last, r.tplID, r.tplVersion = h.FinishedAt, h.TemplateID, h.TemplateVersion
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows := make([]InspectionRow, 0, len(byStore))
	bands := map[string][]checklists.Band{}
	for _, r := range byStore {
		if o, err := workorders.GetOutlet(tx, r.StoreID); err == nil {
			r.StoreName = o.Name
		} else if e, ok := errs.As(err); !ok || e.Kind != errs.NotFound {
			return nil, err
		}
		if r.UnitName, err = unitName(tx, r.Unit); err != nil {
			return nil, err
		}
		if r.scored > 0 {
			avg := round2(r.sumPercent / float64(r.scored))
			r.Score = &avg
			b, err := gradingOf(tx, bands, r.tplID, r.tplVersion)
			if err != nil {
				return nil, err
			}
			r.Grade = Grade(avg, b)
		}
		r.Deductions = r.ded.items()
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].StoreID < rows[j].StoreID })
	return rows, nil
}

// gradingOf returns a template version's bands (cached), or the default ones.
func gradingOf(tx *bolt.Tx, cache map[string][]checklists.Band, id string, version int) ([]checklists.Band, error) {
	key := id + "\x00" + strconv.Itoa(version)
	if b, ok := cache[key]; ok {
		return b, nil
	}
	tpl, err := checklists.Get(tx, id, version)
	var e *errs.Error
	switch {
	case err == nil && len(tpl.Grading) > 0:
		cache[key] = tpl.Grading
	case err == nil, errors.As(err, &e) && e.Kind == errs.NotFound:
		cache[key] = checklists.DefaultGrading
	default:
		return nil, err
	}
	return cache[key], nil
}

// Grade is the id of the first band (highest min first) whose min ≤ percent.
func Grade(percent float64, bands []checklists.Band) *string {
	for _, b := range bands {
		if b.Min <= percent {
			g := b.ID
			return &g
		}
	}
	return nil
}
