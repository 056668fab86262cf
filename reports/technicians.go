package reports

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/sync/submissions"

	bolt "go.etcd.io/bbolt"
)

// Item ids of the home-visit conduct the acceptance sheet evidences
// (install_acceptance; 上门服务规范, seed 004 第二十二条).
const (
	ItemShoeCovers = "shoe_covers" // 进门时穿上鞋套
	ItemDropCloth  = "drop_cloth"  // 使用垫布放置工具包、材料
)

// TechnicianRow is one technician's compliance on the acceptance sheets they
// finished in the range, and the callbacks of the jobs they finished in it —
// under one unit: a technician who moved to another unit within the range
// has a row for each (a record keeps the unit it was finished under).
type TechnicianRow struct {
	Technician string `json:"technician"`
	Name       string `json:"name"`
	Unit       string `json:"unit"`
	UnitName   string `json:"unit_name"` // the unit's display name, else its code
	// Sheets: acceptance sheets (latest version of each).
	Sheets int `json:"sheets"`
	// Shoe covers / drop cloth worn: ÷ the sheets that answered the item (a
	// template without it does not count against anyone).
	ShoeCovers     int      `json:"shoe_covers"`
	ShoeCoversRate *float64 `json:"shoe_covers_rate"`
	DropCloth      int      `json:"drop_cloth"`
	DropClothRate  *float64 `json:"drop_cloth_rate"`
	// Speed test recorded (宽带速率测试，建立客户健康档案): a speedtest item
	// with a measured download, ÷ sheets (less those whose conditions hid
	// every speedtest item: a removal, a phone-only install).
	SpeedTestRecorded     int      `json:"speed_test_recorded"`
	SpeedTestRecordedRate *float64 `json:"speed_test_recorded_rate"`
	// Speed test passed: at least min_ratio of the subscribed speed, ÷ the
	// recorded tests that could be judged (the order had a subscribed speed).
	SpeedTestPassed     int      `json:"speed_test_passed"`
	SpeedTestPassedRate *float64 `json:"speed_test_passed_rate"`
	// Photo evidence complete: the server holds every referenced photo (no
	// missing photos), ÷ sheets.
	PhotosComplete            int      `json:"photos_complete"`
	PhotoEvidenceCompleteRate *float64 `json:"photo_evidence_complete_rate"`
	// Review flags, counted in sheets: Flagged are the sheets that need
	// review (NeedsReview: any flag), the ones the dashboard's 需复核 list shows.
	Flagged              int `json:"flagged"`
	PhotoReused          int `json:"photo_reused"`
	ClockSkew            int `json:"clock_skew"`
	SpeedBelowSubscribed int `json:"speed_below_subscribed"`
	EditedAfterSignature int `json:"edited_after_signature"`
	// Callbacks of the jobs they finished in the range (回访).
	Callbacks        int      `json:"callbacks"`
	CallbacksDone    int      `json:"callbacks_done"`
	VerySatisfied    int      `json:"very_satisfied"`
	Satisfied        int      `json:"satisfied"`
	Unsatisfied      int      `json:"unsatisfied"`
	SatisfactionRate *float64 `json:"satisfaction_rate"`

	shoeAnswered, clothAnswered, speedJudged, speedHidden int
}

// ScanTechnicians is the per-technician compliance report for acceptance sheets
// and callbacks of jobs finished in [from, to), sorted by username, then
// unit. unit "" is every unit; otherwise the order's unit. It walks the
// records: it is the reference `fieldcheck rollups verify` checks the
// rollups (Technicians) against.
func ScanTechnicians(tx *bolt.Tx, from, to time.Time, unit string) ([]TechnicianRow, error) {
	by := map[string]*TechnicianRow{} // technician 0x00 unit
	row := func(tech, u string) *TechnicianRow {
		r := by[tech+"\x00"+u]
		if r == nil {
			r = &TechnicianRow{Technician: tech, Unit: u}
			by[tech+"\x00"+u] = r
		}
		return r
	}
	speedItems := map[string][]string{} // template id 0x00 version → its speedtest item ids
	err := eachHead(tx, from, to, checklists.KindAcceptance, func(h *submissions.Head) error {
		if !inUnit(unit, h.Unit) {
			return nil
		}
		tech := h.Technician
		if tech == "" {
			tech = h.Author
		}
		v, err := latestVersion(tx, h)
		if err != nil || v == nil {
			return err
		}
		items, err := speedtestItems(tx, speedItems, h.TemplateID, h.TemplateVersion)
		if err != nil {
			return err
		}
		shown, err := shownItems(tx, h, v)
		if err != nil {
			return err
		}
		row(tech, h.Unit).countSheet(h, v, items, shown)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachTask(tx, from, to, func(t *callbacks.Task) {
		if !inUnit(unit, t.Unit) || t.Technician == "" {
			return
		}
		r := row(t.Technician, t.Unit)
		r.Callbacks++
		if t.Result == nil {
			return
		}
		r.CallbacksDone++
		switch t.Result.Satisfaction {
		case callbacks.VerySatisfied:
			r.VerySatisfied++
		case callbacks.Satisfied:
			r.Satisfied++
		case callbacks.Unsatisfied:
			r.Unsatisfied++
		}
	})
	if err != nil {
		return nil, err
	}
	rows := make([]TechnicianRow, 0, len(by))
	people := auth.NamesIn(tx)
	for _, r := range by {
		var err error
		if r.Name, _, err = people.Name(r.Technician); err != nil {
			return nil, err
		}
		if r.UnitName, err = unitName(tx, r.Unit); err != nil {
			return nil, err
		}
		r.ShoeCoversRate = Rate(r.ShoeCovers, r.shoeAnswered)
		r.DropClothRate = Rate(r.DropCloth, r.clothAnswered)
		r.SpeedTestRecordedRate = Rate(r.SpeedTestRecorded, r.Sheets-r.speedHidden)
		r.SpeedTestPassedRate = Rate(r.SpeedTestPassed, r.speedJudged)
		r.PhotoEvidenceCompleteRate = Rate(r.PhotosComplete, r.Sheets)
		r.SatisfactionRate = SatisfactionRate(r.VerySatisfied, r.Satisfied, r.Unsatisfied)
		rows = append(rows, *r)
	}
	sortTechnicians(rows)
	return rows, nil
}

// sortTechnicians orders rows by technician, then unit.
// It sorts positions and moves each row once: swapping 2,000 rows of some
// 300 bytes each in place cost more than the report's cell reads.
func sortTechnicians(rows []TechnicianRow) {
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := strings.Compare(rows[a].Technician, rows[b].Technician); c != 0 {
			return c
		}
		return strings.Compare(rows[a].Unit, rows[b].Unit)
	})
	sorted := make([]TechnicianRow, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}

// countSheet counts one sheet; shown says which items its conditions
// showed (nil: all): a hidden item counts in no denominator.
func (r *TechnicianRow) countSheet(h *submissions.Head, v *submissions.Version, speedItems []string, shown map[string]bool) {
	r.Sheets++
	vis := func(id string) bool { return shown == nil || shown[id] }
	if answered, yes := affirmative(v.Answers[ItemShoeCovers]); answered && vis(ItemShoeCovers) {
		r.shoeAnswered++
		if yes {
			r.ShoeCovers++
		}
	}
	if answered, yes := affirmative(v.Answers[ItemDropCloth]); answered && vis(ItemDropCloth) {
		r.clothAnswered++
		if yes {
			r.DropCloth++
		}
	}
	recorded, asked := false, false
	for _, id := range speedItems {
		if !vis(id) {
			continue
		}
		asked = true
		var st checklists.Speedtest
		if raw := v.Answers[id]; len(raw) > 0 && json.Unmarshal(raw, &st) == nil && st.DownMbps > 0 {
			recorded = true
		}
	}
	if len(speedItems) > 0 && !asked {
		r.speedHidden++
	}
	if recorded {
		r.SpeedTestRecorded++
		if !h.Result.SpeedUnjudged {
			r.speedJudged++
			if !h.Result.SpeedBelowSubscribed {
				r.SpeedTestPassed++
			}
		}
	}
	if h.Complete {
		r.PhotosComplete++
	}
	flags, _ := h.AllFlags()
	reused, skew := slices.Contains(flags, submissions.FlagPhotoReused), slices.Contains(flags, submissions.FlagClockSkew)
	if reused {
		r.PhotoReused++
	}
	if skew {
		r.ClockSkew++
	}
	if NeedsReview(flags) {
		r.Flagged++
	}
	if slices.Contains(flags, submissions.FlagSpeedBelowSubscribed) {
		r.SpeedBelowSubscribed++
	}
	if slices.Contains(flags, submissions.FlagEditedAfterSignature) {
		r.EditedAfterSignature++
	}
}

// NeedsReview is the one definition of a sheet that needs review: it carries
// any review flag (photo_reused, clock_skew, speed_below_subscribed,
// edited_after_signature; sync.Head.AllFlags). The technicians report counts
// these sheets as "flagged", and the supervisor's 需复核 list shows the
// submissions GET /submissions answers with a non-empty flags list — the
// same test, so the two cannot disagree.
func NeedsReview(flags []string) bool { return len(flags) > 0 }

// affirmative reads a check (true/false) or pass_fail ("pass"/"fail"; "na"
// is not an answer) item.
func affirmative(raw json.RawMessage) (answered, yes bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil && len(raw) > 0 && string(raw) != "null" {
		return true, b
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case checklists.Pass:
			return true, true
		case checklists.Fail:
			return true, false
		}
	}
	return false, false
}

// shownItems says which items of the sheet's template version its
// conditions showed, judged on what the sheet was judged on
// (checklists.Visible); nil when the template has no conditions.
func shownItems(tx *bolt.Tx, h *submissions.Head, v *submissions.Version) (map[string]bool, error) {
	tpl, err := checklists.Shared(tx, h.TemplateID, h.TemplateVersion)
	if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !checklists.HasConditions(tpl) {
		return nil, nil
	}
	return checklists.Visible(tpl, &v.Submission, v.JudgedOn), nil
}

// speedtestItems lists the speedtest items of a template version (cached).
func speedtestItems(tx *bolt.Tx, cache map[string][]string, id string, version int) ([]string, error) {
	key := id + "\x00" + strconv.Itoa(version)
	if ids, ok := cache[key]; ok {
		return ids, nil
	}
	tpl, err := checklists.Get(tx, id, version)
	if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
		cache[key] = nil
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var ids []string
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			if it.Type == checklists.TypeSpeedtest {
				ids = append(ids, it.ID)
			}
		}
	}
	cache[key] = ids
	return ids, nil
}
