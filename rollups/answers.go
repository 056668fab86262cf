package rollups

import (
	"encoding/json"
	"strconv"
	gosync "sync"

	"fieldcheck/checklists"
	"fieldcheck/errs"

	bolt "go.etcd.io/bbolt"
)

// Item ids of the home-visit conduct the acceptance sheet evidences (the
// same ids reports.ItemShoeCovers and reports.ItemDropCloth name).
const (
	itemShoeCovers = "shoe_covers"
	itemDropCloth  = "drop_cloth"
)

// Answers fills the acceptance figures a sheet's answers give: shoe covers
// and drop cloth (answered, worn) and a speed test with a measured download
// on one of the template version's speedtest items.
// Items s.Shown hides count in nothing.
func (s *Sheet) Answers(tx *bolt.Tx, answers map[string]json.RawMessage) error {
	shown := func(id string) bool { return s.Shown == nil || s.Shown[id] }
	s.ShoeAnswered, s.ShoeCovers = affirmative(answers[itemShoeCovers])
	s.ShoeAnswered = s.ShoeAnswered && shown(itemShoeCovers)
	s.ClothAnswered, s.DropCloth = affirmative(answers[itemDropCloth])
	s.ClothAnswered = s.ClothAnswered && shown(itemDropCloth)
	items, err := speedItems(tx, s.TemplateID, s.TemplateVersion)
	if err != nil {
		return err
	}
	s.SpeedRecorded, s.SpeedHidden = false, len(items) > 0
	for _, id := range items {
		if !shown(id) {
			continue
		}
		s.SpeedHidden = false
		var st checklists.Speedtest
		if raw := answers[id]; len(raw) > 0 && json.Unmarshal(raw, &st) == nil && st.DownMbps > 0 {
			s.SpeedRecorded = true
		}
	}
	return nil
}

// affirmative reads a check (true/false) or pass_fail ("pass"/"fail"; "na"
// is not an answer) item.
func affirmative(raw json.RawMessage) (answered, yes bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, false
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
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

// Template versions never change once stored, so their speedtest item ids
// are kept for the process's life.
var speedCache gosync.Map // file 0x00 id 0x00 version → []string

func speedItems(tx *bolt.Tx, id string, version int) ([]string, error) {
	key := tx.DB().Path() + "\x00" + id + "\x00" + strconv.Itoa(version)
	if v, ok := speedCache.Load(key); ok {
		return v.([]string), nil
	}
	tpl, err := checklists.Get(tx, id, version)
	if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
		return nil, nil // not cached: a template stored later may bring it
	} else if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			if it.Type == checklists.TypeSpeedtest {
				ids = append(ids, it.ID)
			}
		}
	}
	speedCache.Store(key, ids)
	return ids, nil
}
