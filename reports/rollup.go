package reports

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/rollups"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// The reports below read the rollups (rollups/): a few cursor seeks per
// period, whatever the number of records. The Scan* functions are the same
// reports walking the records, kept as the reference `fieldcheck rollups
// verify` compares these with.

// ErrRollupsBuilding answers a report while the rollups are rebuilt (the
// first start after an upgrade): 503 with Retry-After.
var ErrRollupsBuilding = errs.New(errs.Unavailable, "rollups_building",
	"报表数据正在重建，请稍后再试", "report figures are being rebuilt; try again shortly")

// spansFunc picks the cells a range reads: rollups.Spans (months where they
// fit), or rollups.DaySpans (verify checks the day cells too).
type spansFunc func(from, to time.Time) []rollups.Span

func unitParts(unit string) []string {
	if unit == "" {
		return nil
	}
	return []string{unit}
}

// parts splits a cell's rest into its 0x00-separated parts.
func parts(rest []byte) []string {
	ps := bytes.Split(rest, []byte{0})
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// sumInto adds sign × vals into acc (grown as needed).
func sumInto(acc []int64, vals []int64, sign int64) []int64 {
	for len(acc) < len(vals) {
		acc = append(acc, 0)
	}
	for i, v := range vals {
		acc[i] += sign * v
	}
	return acc
}

// Callbacks is the callback report (see ScanCallbacks for its meaning) from
// the rollups: per period, the unit's callback cells and reasons.
func Callbacks(tx *bolt.Tx, from, to time.Time, group, unit string) ([]CallbackRow, error) {
	return callbacksWith(tx, from, to, group, unit, rollups.Spans)
}

func callbacksWith(tx *bolt.Tx, from, to time.Time, group, unit string, spans spansFunc) ([]CallbackRow, error) {
	if !ValidGroup(group) {
		return nil, ErrBadGroup
	}
	ps := Periods(from, to, group)
	rows := make([]CallbackRow, len(ps))
	for i, p := range ps {
		r := &rows[i]
		*r = CallbackRow{Period: p.Key, From: day(p.From), To: lastDay(p.To), reasons: map[string]int{}}
		sp := spans(p.From, p.To)
		var acc []int64
		rollups.Scan(tx, rollups.KindCallbacks, sp, unitParts(unit), unit != "", func(_ []byte, vals []int64, sign int64) {
			acc = sumInto(acc, vals, sign)
		})
		acc = sumInto(acc, make([]int64, 8), 1)
		r.Completed, r.Callbacks = int(acc[rollups.CBCompleted]), int(acc[rollups.CBCompleted])
		r.Done = int(acc[rollups.CBDone])
		r.SameDay, r.Within3Days = int(acc[rollups.CBSameDay]), int(acc[rollups.CBWithin3Days])
		r.Unreachable = int(acc[rollups.CBUnreachable])
		r.VerySatisfied, r.Satisfied, r.Unsatisfied = int(acc[rollups.CBVery]), int(acc[rollups.CBSatisfied]), int(acc[rollups.CBUnsatisfied])
		rollups.Scan(tx, rollups.KindReasons, sp, unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
			ps := parts(rest)
			if len(ps) < 2 || len(vals) < 1 {
				return
			}
			r.reasons[MaskPhones(strings.Join(ps[1:], "\x00"))] += int(sign * vals[0])
		})
		for k, n := range r.reasons {
			if n <= 0 {
				delete(r.reasons, k)
			}
		}
		finishCallbackRow(r)
	}
	return rows, nil
}

// Technicians is the technicians' report (see ScanTechnicians) from the
// rollups: one row per technician and unit with any sheet or callback.
func Technicians(tx *bolt.Tx, from, to time.Time, unit string) ([]TechnicianRow, error) {
	return techniciansWith(tx, from, to, unit, rollups.Spans)
}

func techniciansWith(tx *bolt.Tx, from, to time.Time, unit string, spans spansFunc) ([]TechnicianRow, error) {
	acc := map[string][]int64{}
	rollups.Scan(tx, rollups.KindTechnician, spans(from, to), unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
		acc[string(rest)] = sumInto(acc[string(rest)], vals, sign)
	})
	rows := make([]TechnicianRow, 0, len(acc))
	units := map[string]string{}
	people := auth.NamesIn(tx)
	for key, v := range acc {
		v = sumInto(v, make([]int64, rollups.TSpeedHidden+1), 1)
		if v[rollups.TSheets] == 0 && v[rollups.TCallbacks] == 0 {
			continue
		}
		ps := parts([]byte(key))
		if len(ps) != 2 {
			continue
		}
		n := func(i int) int { return int(v[i]) }
		r := TechnicianRow{Technician: ps[1], Unit: ps[0], Sheets: n(rollups.TSheets),
			ShoeCovers: n(rollups.TShoeCovers), DropCloth: n(rollups.TDropCloth),
			SpeedTestRecorded: n(rollups.TSpeedRecorded), SpeedTestPassed: n(rollups.TSpeedPassed),
			PhotosComplete: n(rollups.TPhotosComplete), Flagged: n(rollups.TFlagged),
			PhotoReused: n(rollups.TPhotoReused), ClockSkew: n(rollups.TClockSkew),
			SpeedBelowSubscribed: n(rollups.TSpeedBelow), EditedAfterSignature: n(rollups.TEditedAfterSignature),
			Callbacks: n(rollups.TCallbacks), CallbacksDone: n(rollups.TCallbacksDone),
			VerySatisfied: n(rollups.TVery), Satisfied: n(rollups.TSatisfied), Unsatisfied: n(rollups.TUnsatisfied),
			shoeAnswered: n(rollups.TShoeAnswered), clothAnswered: n(rollups.TClothAnswered), speedJudged: n(rollups.TSpeedJudged)}
		var err error
		if r.Name, _, err = people.Name(r.Technician); err != nil {
			return nil, err
		}
		name, ok := units[r.Unit]
		if !ok {
			var err error
			if name, err = unitName(tx, r.Unit); err != nil {
				return nil, err
			}
			units[r.Unit] = name
		}
		r.UnitName = name
		r.ShoeCoversRate = Rate(r.ShoeCovers, r.shoeAnswered)
		r.DropClothRate = Rate(r.DropCloth, r.clothAnswered)
		// A sheet whose conditions hid every speed test was not asked for one.
		r.SpeedTestRecordedRate = Rate(r.SpeedTestRecorded, r.Sheets-n(rollups.TSpeedHidden))
		r.SpeedTestPassedRate = Rate(r.SpeedTestPassed, r.speedJudged)
		r.PhotoEvidenceCompleteRate = Rate(r.PhotosComplete, r.Sheets)
		r.SatisfactionRate = SatisfactionRate(r.VerySatisfied, r.Satisfied, r.Unsatisfied)
		rows = append(rows, r)
	}
	sortTechnicians(rows)
	return rows, nil
}

// itemAcc sums item cells (findings, instances, points, fines in
// hundredths) by item.
type itemAcc map[string][]int64

// lookups caches, for one report, the names and labels its rows repeat.
type lookups struct {
	tx     *bolt.Tx
	units  map[string]string
	labels map[string]checklists.Text
}

func newLookups(tx *bolt.Tx) *lookups {
	return &lookups{tx: tx, units: map[string]string{}, labels: map[string]checklists.Text{}}
}

func (l *lookups) unit(code string) (string, error) {
	if n, ok := l.units[code]; ok {
		return n, nil
	}
	n, err := unitName(l.tx, code)
	l.units[code] = n
	return n, err
}

func (l *lookups) label(item string) checklists.Text {
	if t, ok := l.labels[item]; ok {
		return t
	}
	zh, en := rollups.Label(l.tx, item)
	l.labels[item] = checklists.Text{Zh: zh, En: en}
	return l.labels[item]
}

func (a itemAcc) list(l *lookups) []DeductionSum {
	out := []DeductionSum{}
	for item, v := range a {
		v = sumInto(v, make([]int64, 4), 1)
		if v[rollups.DFindings] == 0 {
			continue
		}
		out = append(out, DeductionSum{ItemID: item, Label: l.label(item),
			Findings: int(v[rollups.DFindings]), Instances: int(v[rollups.DInstances]),
			Points: float64(v[rollups.DPointsCents]) / 100, Fines: float64(v[rollups.DFinesCents]) / 100})
	}
	sortDeductions(out)
	return out
}

// Inspections is the walkthrough report (see ScanInspections) from the
// rollups: per store and unit, its cells, its items' cells, and the latest
// sheet of the range for the grade's bands.
func Inspections(tx *bolt.Tx, from, to time.Time, unit string) ([]InspectionRow, error) {
	return inspectionsWith(tx, from, to, unit, rollups.Spans)
}

func inspectionsWith(tx *bolt.Tx, from, to time.Time, unit string, spans spansFunc) ([]InspectionRow, error) {
	sp := spans(from, to)
	acc := map[string][]int64{}
	rollups.Scan(tx, rollups.KindStore, sp, unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
		acc[string(rest)] = sumInto(acc[string(rest)], vals, sign)
	})
	items := map[string]itemAcc{} // unit 0x00 store → item → sums
	rollups.Scan(tx, rollups.KindDeduction, sp, unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
		i := bytes.LastIndexByte(rest, 0)
		if i < 0 {
			return
		}
		k := string(rest[:i])
		if items[k] == nil {
			items[k] = itemAcc{}
		}
		items[k][string(rest[i+1:])] = sumInto(items[k][string(rest[i+1:])], vals, sign)
	})
	rows := make([]InspectionRow, 0, len(acc))
	bands := map[string][]checklists.Band{}
	look := newLookups(tx)
	for key, v := range acc {
		v = sumInto(v, make([]int64, 5), 1)
		ps := parts([]byte(key))
		if v[rollups.IInspections] == 0 || len(ps) != 2 {
			continue
		}
		r := InspectionRow{Unit: ps[0], StoreID: ps[1], Inspections: int(v[rollups.IInspections]),
			Failed: int(v[rollups.IFailed]), Fines: float64(v[rollups.IFinesCents]) / 100}
		if o, err := workorders.GetOutlet(tx, r.StoreID); err == nil {
			r.StoreName = o.Name
		} else if e, ok := errs.As(err); !ok || e.Kind != errs.NotFound {
			return nil, err
		}
		var err error
		if r.UnitName, err = look.unit(r.Unit); err != nil {
			return nil, err
		}
		last, tpl, _ := rollups.Latest(tx, r.Unit, r.StoreID, from, to)
		r.Last = last.In(store.Shanghai)
		if scored := int(v[rollups.IScored]); scored > 0 {
			avg := averagePercent(v[rollups.IPercentMicro], scored)
			r.Score = &avg
			id, ver, _ := strings.Cut(tpl, "\x00")
			n, _ := strconv.Atoi(ver)
			b, err := gradingOf(tx, bands, id, n)
			if err != nil {
				return nil, err
			}
			r.Grade = Grade(avg, b)
		}
		r.Deductions = items[key].list(look)
		rows = append(rows, r)
	}
	sortInspections(rows)
	return rows, nil
}

// Fines is the month's fines per unit (see ScanFines) from the month cells.
func Fines(tx *bolt.Tx, month, unit string) ([]FineRow, error) {
	from, to, err := MonthRange(month)
	if err != nil {
		return nil, err
	}
	sp := rollups.Spans(from, to) // a whole month: its month cells
	return finesWith(tx, month, unit, sp)
}

func finesWith(tx *bolt.Tx, month, unit string, sp []rollups.Span) ([]FineRow, error) {
	look := newLookups(tx)
	by := map[string]*FineRow{}
	row := func(u string) *FineRow {
		r := by[u]
		if r == nil {
			r = &FineRow{Month: month, Unit: u, SpotCheckCap: SpotCheckMonthCap}
			by[u] = r
		}
		return r
	}
	spot := map[string][]int64{}
	rollups.Scan(tx, rollups.KindSpot, sp, unitParts(unit), unit != "", func(rest []byte, vals []int64, sign int64) {
		spot[string(rest)] = sumInto(spot[string(rest)], vals, sign)
	})
	spotItems := map[string]map[string][]int64{} // unit → item → sums
	rollups.Scan(tx, rollups.KindSpotItem, sp, unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
		ps := parts(rest)
		if len(ps) != 2 {
			return
		}
		if spotItems[ps[0]] == nil {
			spotItems[ps[0]] = map[string][]int64{}
		}
		spotItems[ps[0]][ps[1]] = sumInto(spotItems[ps[0]][ps[1]], vals, sign)
	})
	people := map[string]map[string]map[string]int64{} // unit → item → technician → findings
	rollups.Scan(tx, rollups.KindSpotPerson, sp, unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
		ps := parts(rest)
		if len(ps) != 3 || len(vals) < 1 {
			return
		}
		if people[ps[0]] == nil {
			people[ps[0]] = map[string]map[string]int64{}
		}
		if people[ps[0]][ps[1]] == nil {
			people[ps[0]][ps[1]] = map[string]int64{}
		}
		people[ps[0]][ps[1]][ps[2]] += sign * vals[0]
	})
	for u, v := range spot {
		v = sumInto(v, make([]int64, 2), 1)
		if v[rollups.SSpotChecks] == 0 {
			continue
		}
		r := row(u)
		r.SpotChecks = int(v[rollups.SSpotChecks])
		r.SpotCheckFinesRaw = float64(v[rollups.SFinesCents]) / 100
		r.SpotCheckItems = []FineItem{}
		for item, iv := range spotItems[u] {
			iv = sumInto(iv, make([]int64, 4), 1)
			if iv[rollups.DFindings] == 0 {
				continue
			}
			it := FineItem{ItemID: item, Label: look.label(item), Findings: int(iv[rollups.DFindings]),
				Fines: float64(iv[rollups.DFinesCents]) / 100}
			for _, n := range people[u][item] {
				if n > 0 {
					it.People++
				}
			}
			r.SpotCheckItems = append(r.SpotCheckItems, it)
		}
		sortFineItems(r.SpotCheckItems)
	}
	walks := map[string][]int64{} // unit 0x00 store
	rollups.Scan(tx, rollups.KindStore, sp, unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
		walks[string(rest)] = sumInto(walks[string(rest)], vals, sign)
	})
	items := map[string]map[string][]int64{} // unit 0x00 store → item → sums
	rollups.Scan(tx, rollups.KindDeduction, sp, unitParts(unit), false, func(rest []byte, vals []int64, sign int64) {
		i := bytes.LastIndexByte(rest, 0)
		if i < 0 {
			return
		}
		k := string(rest[:i])
		if items[k] == nil {
			items[k] = map[string][]int64{}
		}
		items[k][string(rest[i+1:])] = sumInto(items[k][string(rest[i+1:])], vals, sign)
	})
	for key, v := range walks {
		v = sumInto(v, make([]int64, 5), 1)
		ps := parts([]byte(key))
		if v[rollups.IInspections] == 0 || len(ps) != 2 {
			continue
		}
		r := row(ps[0])
		r.Walkthroughs += int(v[rollups.IInspections])
		s := StoreFines{StoreID: ps[1], Inspections: int(v[rollups.IInspections]), Fines: float64(v[rollups.IFinesCents]) / 100,
			Items: []FineItem{}}
		if o, err := workorders.GetOutlet(tx, s.StoreID); err == nil {
			s.StoreName = o.Name
		} else if e, ok := errs.As(err); !ok || e.Kind != errs.NotFound {
			return nil, err
		}
		for item, iv := range items[key] {
			iv = sumInto(iv, make([]int64, 4), 1)
			if iv[rollups.DFindings] == 0 {
				continue
			}
			s.Items = append(s.Items, FineItem{ItemID: item, Label: look.label(item),
				Findings: int(iv[rollups.DFindings]), Fines: float64(iv[rollups.DFinesCents]) / 100})
		}
		sortFineItems(s.Items)
		r.Stores = append(r.Stores, s)
	}
	rows := make([]FineRow, 0, len(by))
	for _, r := range by {
		var err error
		if r.UnitName, err = look.unit(r.Unit); err != nil {
			return nil, err
		}
		if r.SpotCheckItems == nil {
			r.SpotCheckItems = []FineItem{}
		}
		if r.Stores == nil {
			r.Stores = []StoreFines{}
		}
		r.SpotCheckFines, r.Capped = CapFines(r.SpotCheckFinesRaw, r.SpotCheckCap)
		sort.Slice(r.Stores, func(i, j int) bool { return r.Stores[i].StoreID < r.Stores[j].StoreID })
		for _, s := range r.Stores {
			r.WalkthroughFines += s.Fines
		}
		r.WalkthroughFines = round2(r.WalkthroughFines)
		r.Total = round2(r.SpotCheckFines + r.WalkthroughFines)
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Unit < rows[j].Unit })
	return rows, nil
}
