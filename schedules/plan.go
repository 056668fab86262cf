package schedules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Subject is what a plan inspects: a store (walkthroughs) or a unit, whose
// technicians' home visits are spot-checked (入户抽查).
type Subject struct {
	StoreID string `json:"store_id,omitempty"`
	Unit    string `json:"unit,omitempty"`
}

func (s Subject) key() string {
	if s.StoreID != "" {
		return "store:" + s.StoreID
	}
	return "unit:" + s.Unit
}

// Version is a plan as it stood from From (an Asia/Shanghai day) until the
// next version's From. Versions are never changed once written.
type Version struct {
	N          int       `json:"n"`
	From       string    `json:"from"`
	TemplateID string    `json:"template_id"`
	Frequency  string    `json:"frequency"`
	EveryDays  int       `json:"every_days,omitempty"`
	Inspectors []string  `json:"inspectors"`
	Active     bool      `json:"active"`
	At         time.Time `json:"at"`
	By         string    `json:"by"`
}

// Plan is an inspection plan (巡检计划).
type Plan struct {
	ID      string  `json:"id"`
	Kind    string  `json:"kind"` // walkthrough | spotcheck
	Subject Subject `json:"subject"`
	// Unit is the inspected unit: the store's, or the subject unit. A
	// supervisor manages the plans of their unit.
	Unit      string    `json:"unit"`
	Start     string    `json:"start"` // the first version's From
	Versions  []Version `json:"versions"`
	CreatedAt time.Time `json:"created_at"`
}

// Current is the latest version.
func (p *Plan) Current() Version { return p.Versions[len(p.Versions)-1] }

// inForce is the version in force on day d, if any.
func (p *Plan) inForce(d Day) (Version, bool) {
	var out Version
	ok := false
	for _, v := range p.Versions {
		if from, err := ParseDay(v.From); err == nil && !from.After(d) {
			out, ok = v, true
		}
	}
	return out, ok
}

// Input is a plan as the console sends it (POST creates, PUT edits; an edit
// cannot change the subject).
type Input struct {
	StoreID    string   `json:"store_id,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	TemplateID string   `json:"template_id"`
	Frequency  string   `json:"frequency"`
	EveryDays  int      `json:"every_days,omitempty"`
	Inspectors []string `json:"inspectors"`
	Start      string   `json:"start"`
	// Active false pauses the plan from the version's day on.
	Active *bool `json:"active,omitempty"`
}

// Limits of a plan.
const (
	MaxInspectors = 20
	MaxEveryDays  = 366
)

// check validates in against the store, returning the version it makes
// (From is the start as given) and the subject's kind and unit.
func check(tx *bolt.Tx, in Input) (Version, string, Subject, string, error) {
	var v errs.Validation
	sub := Subject{StoreID: strings.TrimSpace(in.StoreID), Unit: strings.TrimSpace(in.Unit)}
	kind, unit := "", ""
	switch {
	case sub.StoreID != "" && sub.Unit != "":
		v.Add("store_id", "网点和单位只能选一个", "give a store or a unit, not both")
	case sub.StoreID != "":
		o, err := workorders.GetOutlet(tx, sub.StoreID)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
			v.Add("store_id", "没有这个营业网点", "no such store")
		} else if err != nil {
			return Version{}, "", sub, "", err
		} else {
			kind, unit = checklists.KindWalkthrough, o.Unit
		}
	case sub.Unit != "":
		kind, unit = checklists.KindSpotcheck, sub.Unit
	default:
		v.Add("store_id", "请选择要检查的网点或单位", "pick the store or unit to inspect")
	}
	tpl, err := checklists.Get(tx, strings.TrimSpace(in.TemplateID), 0)
	if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
		v.Add("template_id", "没有这个检查表模板", "no such template")
	} else if err != nil {
		return Version{}, "", sub, "", err
	} else if kind != "" && tpl.Kind != kind {
		if kind == checklists.KindWalkthrough {
			v.Add("template_id", "网点计划须用网点巡检表", "a store plan needs a walkthrough template")
		} else {
			v.Add("template_id", "单位计划须用入户抽查表", "a unit plan needs a spot-check template")
		}
	}
	ver := Version{TemplateID: strings.TrimSpace(in.TemplateID), Frequency: in.Frequency, Active: in.Active == nil || *in.Active}
	switch in.Frequency {
	case Weekly, Monthly, Quarterly:
	case EveryDays:
		if in.EveryDays < 1 || in.EveryDays > MaxEveryDays {
			v.Add("every_days", fmt.Sprintf("间隔天数须在 1 到 %d 之间", MaxEveryDays), fmt.Sprintf("every_days must be 1 to %d", MaxEveryDays))
		}
		ver.EveryDays = in.EveryDays
	default:
		v.Add("frequency", "频次须为每周、每月、每季度或每 N 天", "frequency must be weekly, monthly, quarterly or days")
	}
	seen := map[string]bool{}
	if len(in.Inspectors) > MaxInspectors {
		in.Inspectors = nil // refused below; not looked up one by one
		v.Add("inspectors", fmt.Sprintf("最多 %d 名稽查员", MaxInspectors), fmt.Sprintf("at most %d inspectors", MaxInspectors))
	}
	for i, name := range in.Inspectors {
		name = strings.TrimSpace(name)
		path := fmt.Sprintf("inspectors[%d]", i)
		if seen[name] {
			continue
		}
		seen[name] = true
		u, err := auth.GetUser(tx, name)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
			v.Add(path, "没有这个稽查员", "no such inspector")
			continue
		} else if err != nil {
			return Version{}, "", sub, "", err
		}
		if u.Role != auth.RoleInspector || u.Disabled {
			v.Add(path, "只能指派在用的稽查员", "only an enabled inspector can be assigned")
			continue
		}
		ver.Inspectors = append(ver.Inspectors, name)
	}
	if len(in.Inspectors) == 0 && !v.Has("inspectors") {
		v.Add("inspectors", "请至少指派一名稽查员", "assign at least one inspector")
	}
	if _, err := ParseDay(in.Start); err != nil {
		v.Add("start", "开始日期格式为 YYYY-MM-DD", "start must be a date, YYYY-MM-DD")
	}
	ver.From = in.Start
	return ver, kind, sub, unit, v.Err()
}

var errPlanNotFound = errs.New(errs.NotFound, "not_found", "未找到该巡检计划", "no such inspection plan")

// Get loads a plan.
func Get(tx *bolt.Tx, id string) (*Plan, error) {
	var p Plan
	err := store.GetJSON(tx, store.BucketSchedulePlans, []byte(id), &p)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errPlanNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("schedules: load plan %q: %w", id, err)
	}
	if len(p.Versions) == 0 {
		return nil, fmt.Errorf("schedules: plan %q has no version", id)
	}
	return &p, nil
}

// save writes p and its inspector index (the latest version's inspectors;
// old was the plan before, nil when new).
func save(tx *bolt.Tx, old, p *Plan) error {
	var before []string
	if old != nil {
		before = old.Current().Inspectors
	}
	now := p.Current().Inspectors
	for _, u := range before {
		if !slices.Contains(now, u) {
			if err := store.Delete(tx, store.BucketSchedulesByInspector, store.Key(u, p.ID)); err != nil {
				return err
			}
		}
	}
	for _, u := range now {
		if err := store.Mark(tx, store.BucketSchedulesByInspector, store.Key(u, p.ID)); err != nil {
			return err
		}
	}
	if err := store.Mark(tx, store.BucketSchedulesBySubject, store.Key(p.Subject.key(), p.ID)); err != nil {
		return err
	}
	return store.PutJSON(tx, store.BucketSchedulePlans, []byte(p.ID), p)
}

// Visit is an inspection that matched a plan (stored under the plan and day).
type Visit struct {
	SubmissionID string    `json:"submission_id"`
	Author       string    `json:"author"`
	FinishedAt   time.Time `json:"finished_at"`
}

// Inspection is what sync tells Visited about an accepted sheet.
type Inspection struct {
	SubmissionID string
	Kind         string // walkthrough | spotcheck
	TemplateID   string
	StoreID      string // walkthrough
	Unit         string // the inspected unit (the store's, or the order's)
	Author       string
	FinishedAt   time.Time
}

// Visited records in, in the transaction that accepts it, against every
// plan of its subject whose version in force that day uses its template:
// the window it falls in is done from now on. A day before a plan's start
// or in a window an edit dropped counts for nothing.
func Visited(tx *bolt.Tx, in Inspection) error {
	var sub Subject
	switch in.Kind {
	case checklists.KindWalkthrough:
		sub.StoreID = in.StoreID
	case checklists.KindSpotcheck:
		sub.Unit = in.Unit
	default:
		return nil
	}
	if sub.StoreID == "" && sub.Unit == "" {
		return nil
	}
	day := Today(in.FinishedAt)
	var ids []string
	prefix := store.Prefix(sub.key())
	if err := store.ScanPrefix(tx, store.BucketSchedulesBySubject, prefix, nil, func(k, _ []byte) error {
		ids = append(ids, string(k[len(prefix):]))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		p, err := Get(tx, id)
		if err != nil {
			return err
		}
		v, ok := p.inForce(day)
		if !ok || !v.Active || v.TemplateID != in.TemplateID || len(spans(p, day, day)) == 0 {
			continue
		}
		key := store.Key(p.ID, fmtDay(day), in.SubmissionID)
		if store.Has(tx, store.BucketScheduleVisits, key) {
			continue
		}
		if err := store.PutJSON(tx, store.BucketScheduleVisits, key,
			Visit{SubmissionID: in.SubmissionID, Author: in.Author, FinishedAt: in.FinishedAt}); err != nil {
			return err
		}
	}
	return nil
}

// firstVisit is the earliest visit of plan id on a day in [start, end].
func firstVisit(tx *bolt.Tx, id string, start, end Day) (*Visit, error) {
	c := tx.Bucket(store.BucketScheduleVisits).Cursor()
	prefix := store.Prefix(id)
	last := []byte(fmtDay(end))
	for k, v := c.Seek(store.Key(id, fmtDay(start))); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rest := k[len(prefix):]
		if len(rest) < len(last) || bytes.Compare(rest[:len(last)], last) > 0 {
			return nil, nil
		}
		var vis Visit
		if err := json.Unmarshal(v, &vis); err != nil {
			return nil, err
		}
		return &vis, nil
	}
	return nil, nil
}
