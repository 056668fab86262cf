package qa

import (
	"sort"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Report periods (监控分析日报 / 周报 / 月报, seed 001 §6).
const (
	PeriodDaily   = "daily"
	PeriodWeekly  = "weekly"
	PeriodMonthly = "monthly"
)

// AgentRow is one agent's scores in a period (CSR 成绩).
type AgentRow struct {
	Agent    string         `json:"agent"`
	Name     string         `json:"agent_name"`
	Count    int            `json:"count"`
	Avg      float64        `json:"avg"`
	Min      float64        `json:"min"`
	Max      float64        `json:"max"`
	Grades   map[string]int `json:"grades"`
	Comments []string       `json:"comments,omitempty"` // monthly: the period's improvement notes (评语)
}

// Suggestion is one improvement note given (改进建议记录).
type Suggestion struct {
	ReviewID string   `json:"review_id"`
	Day      string   `json:"day"`
	Agent    string   `json:"agent"`
	Name     string   `json:"agent_name"`
	Percent  *float64 `json:"percent"`
	Text     string   `json:"text"`
}

// ItemRow is one sheet item across the period (各项分值分析).
type ItemRow struct {
	ItemID   string          `json:"item_id"`
	Label    checklists.Text `json:"label"`
	Max      float64         `json:"max"`
	Judged   int             `json:"judged"`    // sheets where the item applied
	Lost     int             `json:"lost"`      // sheets where it lost points
	LostRate float64         `json:"lost_rate"` // lost ÷ judged, 0–1
	AvgScore float64         `json:"avg_score"` // points kept per judged sheet
}

// Need is a training need: an item many calls lose points on, with the
// agents who lost them.
type Need struct {
	ItemID string          `json:"item_id"`
	Label  checklists.Text `json:"label"`
	Agents []string        `json:"agents"`
}

// Plan is next period's monitoring plan (下周/下月监控计划及重点).
type Plan struct {
	FocusAgents []string       `json:"focus_agents"` // below 85 on average, or never reviewed
	FocusItems  []string       `json:"focus_items"`  // the items lost most often (ids)
	Modes       map[string]int `json:"modes"`        // reviews per mode to bring the month to 2:7:1
	Reviews     int            `json:"reviews"`      // quota × days
}

// Week is one week of a monthly report (各周改进状况).
type Week struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Count int      `json:"count"`
	Avg   *float64 `json:"avg"`
}

// Report is a daily, weekly or monthly monitoring analysis.
type Report struct {
	Period      string         `json:"period"`
	From        string         `json:"from"`
	To          string         `json:"to"` // inclusive
	Count       int            `json:"count"`
	Avg         *float64       `json:"avg"`
	Modes       map[string]int `json:"modes"`
	Mix         Mix            `json:"mix"`
	CallTypes   map[string]int `json:"call_types"`
	Agents      []AgentRow     `json:"agents"`
	Suggestions []Suggestion   `json:"suggestions"`
	Items       []ItemRow      `json:"items,omitempty"`
	Training    []Need         `json:"training_needs,omitempty"`
	Plan        *Plan          `json:"plan,omitempty"`
	Weeks       []Week         `json:"weeks,omitempty"`
}

// PeriodRange is [from, to) of the period containing day: the day, its
// week (Monday first) or its month.
func PeriodRange(period string, day time.Time) (time.Time, time.Time, error) {
	day = store.DayStart(day)
	switch period {
	case PeriodDaily:
		return day, day.AddDate(0, 0, 1), nil
	case PeriodWeekly:
		off := (int(day.Weekday()) + 6) % 7
		from := day.AddDate(0, 0, -off)
		return from, from.AddDate(0, 0, 7), nil
	case PeriodMonthly:
		from := monthStart(day)
		return from, from.AddDate(0, 1, 0), nil
	}
	return time.Time{}, time.Time{}, errs.NotFoundf("report", period)
}

// TrainingThreshold: an item lost on at least this share of sheets is a
// training need.
const TrainingThreshold = 0.2

// Report builds the period's analysis over the reviews the caller may read.
func (s *Service) Report(p auth.Principal, period string, day time.Time) (*Report, error) {
	from, to, err := PeriodRange(period, day)
	if err != nil {
		return nil, err
	}
	rep := &Report{Period: period, From: dayOf(from), To: dayOf(to.AddDate(0, 0, -1)), Modes: map[string]int{},
		CallTypes: map[string]int{}, Agents: []AgentRow{}, Suggestions: []Suggestion{}}
	var reviews []*Review
	names := map[string]string{}
	var tpl *checklists.Template
	monthModes := map[string]int{}
	err = s.db.View(func(tx *bolt.Tx) error {
		if err := eachReview(tx, from, to, func(r *Review) {
			if canRead(p, r) {
				reviews = append(reviews, r)
			}
		}); err != nil {
			return err
		}
		ms := monthStart(from)
		if err := eachReview(tx, ms, ms.AddDate(0, 1, 0), func(r *Review) {
			if canRead(p, r) {
				monthModes[r.Mode]++
			}
		}); err != nil {
			return err
		}
		for _, r := range reviews {
			if _, ok := names[r.Call.Agent]; !ok {
				names[r.Call.Agent] = nameOf(tx, r.Call.Agent)
			}
		}
		tpl, _ = checklists.Get(tx, DefaultTemplate, 0)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Count = len(reviews)
	rep.Mix = MixOf(monthStart(from).Format("2006-01"), monthModes)
	byAgent := map[string]*AgentRow{}
	var sum float64
	var scored int
	for _, r := range reviews {
		rep.Modes[r.Mode]++
		rep.CallTypes[r.Call.OrderType]++
		a := byAgent[r.Call.Agent]
		if a == nil {
			a = &AgentRow{Agent: r.Call.Agent, Name: names[r.Call.Agent], Grades: map[string]int{}, Min: 101}
			byAgent[r.Call.Agent] = a
		}
		a.Count++
		if pc := r.Result.Percent; pc != nil {
			sum += *pc
			scored++
			a.Avg += *pc
			a.Min = min(a.Min, *pc)
			a.Max = max(a.Max, *pc)
		}
		if g := r.Result.Grade; g != nil {
			a.Grades[*g]++
		}
		if r.Improvement != "" {
			rep.Suggestions = append(rep.Suggestions, Suggestion{ReviewID: r.ID, Day: r.Day, Agent: r.Call.Agent,
				Name: names[r.Call.Agent], Percent: r.Result.Percent, Text: r.Improvement})
			if period == PeriodMonthly {
				a.Comments = append(a.Comments, r.Improvement)
			}
		}
	}
	if scored > 0 {
		v := round2(sum / float64(scored))
		rep.Avg = &v
	}
	for _, a := range byAgent {
		n := 0
		for _, g := range a.Grades {
			n += g
		}
		if n > 0 {
			a.Avg = round2(a.Avg / float64(n))
		} else {
			a.Min = 0
		}
		rep.Agents = append(rep.Agents, *a)
	}
	sort.Slice(rep.Agents, func(i, j int) bool {
		if rep.Agents[i].Avg != rep.Agents[j].Avg {
			return rep.Agents[i].Avg < rep.Agents[j].Avg
		}
		return rep.Agents[i].Agent < rep.Agents[j].Agent
	})
	// 各项分数分值: every report; training needs and the plan from the week up.
	var training []Need
	rep.Items, training = itemAnalysis(tpl, reviews)
	if period == PeriodDaily {
		return rep, nil
	}
	rep.Training = training
	rep.Plan = s.plan(rep, to, period)
	if period == PeriodMonthly {
		for w := from; w.Before(to); {
			end := w.AddDate(0, 0, 7-(int(w.Weekday())+6)%7)
			if end.After(to) {
				end = to
			}
			wk := Week{From: dayOf(w), To: dayOf(end.AddDate(0, 0, -1))}
			var ws float64
			var wn int
			for _, r := range reviews {
				if !r.CreatedAt.Before(w) && r.CreatedAt.Before(end) {
					wk.Count++
					if r.Result.Percent != nil {
						ws += *r.Result.Percent
						wn++
					}
				}
			}
			if wn > 0 {
				v := round2(ws / float64(wn))
				wk.Avg = &v
			}
			rep.Weeks = append(rep.Weeks, wk)
			w = end
		}
	}
	return rep, nil
}

// itemAnalysis is 各项分值分析 and the training needs it shows.
func itemAnalysis(tpl *checklists.Template, reviews []*Review) ([]ItemRow, []Need) {
	rows := []ItemRow{}
	needs := []Need{}
	if tpl == nil {
		return rows, needs
	}
	at := map[string]int{}
	agents := map[string]map[string]bool{}
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			if it.Score != nil {
				at[it.ID] = len(rows)
				rows = append(rows, ItemRow{ItemID: it.ID, Label: it.Label, Max: it.Score.Max})
			}
		}
	}
	kept := make([]float64, len(rows))
	for _, r := range reviews {
		for _, d := range r.Result.Deductions {
			i, ok := at[d.ItemID]
			if !ok || d.Excluded {
				continue
			}
			rows[i].Judged++
			kept[i] += d.Max - d.Points
			if d.Points > 0 {
				rows[i].Lost++
				if agents[d.ItemID] == nil {
					agents[d.ItemID] = map[string]bool{}
				}
				agents[d.ItemID][r.Call.Agent] = true
			}
		}
	}
	for i := range rows {
		if rows[i].Judged > 0 {
			rows[i].LostRate = round4(float64(rows[i].Lost) / float64(rows[i].Judged))
			rows[i].AvgScore = round2(kept[i] / float64(rows[i].Judged))
		}
		if rows[i].Judged > 0 && rows[i].LostRate >= TrainingThreshold {
			n := Need{ItemID: rows[i].ItemID, Label: rows[i].Label, Agents: []string{}}
			for a := range agents[rows[i].ItemID] {
				n.Agents = append(n.Agents, a)
			}
			sort.Strings(n.Agents)
			needs = append(needs, n)
		}
	}
	sort.SliceStable(needs, func(i, j int) bool {
		return rows[at[needs[i].ItemID]].LostRate > rows[at[needs[j].ItemID]].LostRate
	})
	return rows, needs
}

// plan is next period's plan: agents to watch, items to listen for, and the
// modes that bring the month back to 2:7:1.
func (s *Service) plan(rep *Report, nextFrom time.Time, period string) *Plan {
	days := 5 // a working week
	if period == PeriodMonthly {
		days = 22
	}
	pl := &Plan{FocusAgents: []string{}, FocusItems: []string{}, Reviews: s.cfg.Quota * days, Modes: map[string]int{}}
	for _, a := range rep.Agents {
		if a.Avg < 85 {
			pl.FocusAgents = append(pl.FocusAgents, a.Agent)
		}
	}
	items := append([]ItemRow{}, rep.Items...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].LostRate > items[j].LostRate })
	for _, it := range items {
		if len(pl.FocusItems) == 3 || it.Lost == 0 {
			break
		}
		pl.FocusItems = append(pl.FocusItems, it.ItemID)
	}
	// The month's counts so far (next period starts a new month for a
	// monthly plan) plus the plan's reviews should meet 2:7:1.
	base := map[string]int{}
	if period != PeriodMonthly && monthStart(nextFrom).Equal(monthStart(nextFrom.AddDate(0, 0, -1))) {
		for _, m := range rep.Mix.Modes {
			base[m.Mode] = m.Count
		}
	}
	total := pl.Reviews
	for _, m := range base {
		total += m
	}
	left := pl.Reviews
	for _, mode := range []string{ModeRecording, ModeOnsite} {
		n := int(TargetMix[mode]*float64(total)+0.5) - base[mode]
		n = max(0, min(n, left))
		pl.Modes[mode] = n
		left -= n
	}
	pl.Modes[ModeRemote] = left
	return pl
}

// nameOf is a user's display name ("" when unknown).
func nameOf(tx *bolt.Tx, username string) string {
	if u, err := auth.GetUser(tx, username); err == nil {
		return u.Name
	}
	return ""
}
