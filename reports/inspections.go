package reports

import (
	"errors"
	"sort"
	"strconv"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/rollups"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
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

// deductions accumulates DeductionSums (amounts rounded to the hundredth
// each, as the rollups count them); items() lists the costliest first.
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
	s.Points = round2(s.Points + round2(x.Points))
	s.Fines = round2(s.Fines + round2(x.Fine))
}

func (d *deductions) items() []DeductionSum {
	if d.list == nil {
		return []DeductionSum{}
	}
	sortDeductions(d.list)
	return d.list
}

// sortDeductions puts the items that cost most points first (then by id).
func sortDeductions(l []DeductionSum) {
	sort.Slice(l, func(i, j int) bool {
		if l[i].Points != l[j].Points {
			return l[i].Points > l[j].Points
		}
		return l[i].ItemID < l[j].ItemID
	})
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

	sumPercent int64 // millionths (rollups.Micro)
	scored     int
	tplID      string
	tplVersion int
	ded        deductions
}

// ScanInspections is the walkthrough report per outlet for sheets finished in
// [from, to), sorted by store id (then unit: a store moved to another unit
// within the range has a row for each). unit "" is every unit; otherwise
// the outlet's unit as the sheet stored it. It walks the records: it is the
// reference `fieldcheck rollups verify` checks Inspections against.
func ScanInspections(tx *bolt.Tx, from, to time.Time, unit string) ([]InspectionRow, error) {
	byStore := map[string]*InspectionRow{} // store id 0x00 unit
	err := eachHead(tx, from, to, checklists.KindWalkthrough, func(h *submissions.Head) error {
		if !inUnit(unit, h.Unit) || h.Subject.StoreID == "" {
			return nil
		}
		key := h.Subject.StoreID + "\x00" + h.Unit
		r := byStore[key]
		if r == nil {
			r = &InspectionRow{StoreID: h.Subject.StoreID, Unit: h.Unit}
			byStore[key] = r
		}
		r.Inspections++
		if h.Result.Percent != nil {
			r.sumPercent += rollups.Micro(*h.Result.Percent)
			r.scored++
		}
		if !h.Result.Passed {
			r.Failed++
		}
		for _, d := range h.Result.Deductions {
			r.ded.add(d)
		}
		r.Fines = round2(r.Fines + round2(h.Result.Fines))
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
			avg := averagePercent(r.sumPercent, r.scored)
			r.Score = &avg
			b, err := gradingOf(tx, bands, r.tplID, r.tplVersion)
			if err != nil {
				return nil, err
			}
			r.Grade = Grade(avg, b)
		}
		r.Deductions = r.ded.items()
		r.Last = r.Last.In(store.Shanghai)
		rows = append(rows, *r)
	}
	sortInspections(rows)
	return rows, nil
}

// averagePercent is the mean of n percents summed in millionths, rounded to
// the hundredth.
func averagePercent(sumMicro int64, n int) float64 {
	return round2(float64(sumMicro) / 1e6 / float64(n))
}

// sortInspections orders rows by store id, then unit.
func sortInspections(rows []InspectionRow) {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].StoreID != rows[j].StoreID {
			return rows[i].StoreID < rows[j].StoreID
		}
		return rows[i].Unit < rows[j].Unit
	})
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
