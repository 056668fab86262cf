package schedules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Window is one period of a plan with its outcome.
type Window struct {
	PlanID     string   `json:"plan_id"`
	Version    int      `json:"version"`
	Kind       string   `json:"kind"`
	Subject    Subject  `json:"subject"`
	Unit       string   `json:"unit"`
	StoreName  string   `json:"store_name,omitempty"`
	TemplateID string   `json:"template_id"`
	Frequency  string   `json:"frequency"`
	Inspectors []string `json:"inspectors"`
	// Start and Due are Asia/Shanghai days: the window's first and last.
	Start  string `json:"start"`
	Due    string `json:"due"`
	Status string `json:"status"`
	// SubmissionID and DoneAt name the inspection that closed it.
	SubmissionID string     `json:"submission_id,omitempty"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

// Windows works out plan p's windows overlapping [from, to] with their
// outcome as of today, oldest first. It reads only visits, so an edit made
// since cannot change a past window's outcome.
func Windows(tx *bolt.Tx, p *Plan, from, to, today Day) ([]Window, error) {
	var out []Window
	for _, sp := range spans(p, from, to) {
		v := p.Versions[sp.idx]
		w := Window{PlanID: p.ID, Version: v.N, Kind: p.Kind, Subject: p.Subject, Unit: p.Unit,
			TemplateID: v.TemplateID, Frequency: v.Frequency, Inspectors: v.Inspectors,
			Start: fmtDay(sp.start), Due: fmtDay(sp.end)}
		vis, err := firstVisit(tx, p.ID, sp.start, sp.end)
		if err != nil {
			return nil, err
		}
		switch {
		case vis != nil:
			w.Status, w.SubmissionID = StatusDone, vis.SubmissionID
			at := vis.FinishedAt
			w.DoneAt = &at
		case sp.end.Before(today):
			w.Status = StatusMissed
		case sp.start.After(today):
			w.Status = StatusUpcoming
		default:
			w.Status = StatusDue
		}
		out = append(out, w)
	}
	return out, nil
}

// MissedDays: how far back an inspector's pull still shows a missed window.
const MissedDays = 31

// MaxDue bounds the windows one pull carries.
const MaxDue = 200

// DueFor lists what inspector username has to do, for their phone: the
// windows due today of the plans they are on, and those missed in the last
// MissedDays, nearest due day first. Always a list (empty when nothing).
func DueFor(tx *bolt.Tx, username string, now time.Time) ([]Window, error) {
	out := []Window{}
	today := Today(now)
	prefix := store.Prefix(username)
	var ids []string
	if err := store.ScanPrefix(tx, store.BucketSchedulesByInspector, prefix, nil, func(k, _ []byte) error {
		ids = append(ids, string(k[len(prefix):]))
		return nil
	}); err != nil {
		return nil, err
	}
	for _, id := range ids {
		p, err := Get(tx, id)
		if err != nil {
			return nil, err
		}
		ws, err := Windows(tx, p, today.AddDate(0, 0, -MissedDays), today, today)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if (w.Status == StatusDue || w.Status == StatusMissed) && slices.Contains(w.Inspectors, username) {
				out = append(out, w)
			}
		}
	}
	sortWindows(out)
	if len(out) > MaxDue {
		out = out[:MaxDue]
	}
	return out, nil
}

// sortWindows: nearest due day first (missed ones, long past, lead), then plan.
func sortWindows(ws []Window) {
	sort.SliceStable(ws, func(i, j int) bool {
		if ws[i].Due != ws[j].Due {
			return ws[i].Due < ws[j].Due
		}
		return ws[i].PlanID < ws[j].PlanID
	})
}

// Service is the door to plans: scope, transaction and audit per action.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the plan service.
func NewService(db *store.DB, now store.Clock) *Service { return &Service{db: db, now: now} }

// inScope: an admin manages every plan, a supervisor their unit's.
func inScope(by auth.Principal, unit string) bool {
	return by.Role == auth.RoleAdmin || (by.Unit != "" && by.Unit == unit)
}

// secret: a plan of mystery visits (暗访 templates, issue 20) is the
// admin's alone. The store's own unit must not learn who visits or when
// before a visit is filed, so its supervisor neither makes nor sees one;
// the inspectors on it see their own windows as with any plan.
func secret(tx *bolt.Tx, p *Plan) bool {
	for _, v := range p.Versions {
		if mysteryTemplate(tx, v.TemplateID) {
			return true
		}
	}
	return false
}

func mysteryTemplate(tx *bolt.Tx, id string) bool {
	tpl, err := checklists.Get(tx, id, 0)
	return err == nil && tpl.Mystery
}

// managesPlan: in scope, and a mystery plan only for the admin.
func managesPlan(tx *bolt.Tx, by auth.Principal, p *Plan) bool {
	return inScope(by, p.Unit) && (by.Role == auth.RoleAdmin || !secret(tx, p))
}

// mysteryRefused is a supervisor asking for a plan of mystery visits.
func mysteryRefused() error {
	var v errs.Validation
	v.Add("template_id", "暗访计划只能由管理员制定（被访单位不能知道谁、何时来访）", "only the admin plans mystery visits: the unit visited must not know who comes or when")
	return v.Err()
}

// Create adds a plan for a store or unit of the caller's scope.
func (s *Service) Create(by auth.Principal, in Input) (*Plan, error) {
	now := s.now()
	var p *Plan
	err := s.db.Update(func(tx *bolt.Tx) error {
		v, kind, sub, unit, err := check(tx, in)
		if err != nil {
			return err
		}
		if !inScope(by, unit) {
			return errs.ErrForbidden
		}
		if by.Role != auth.RoleAdmin && mysteryTemplate(tx, v.TemplateID) {
			return mysteryRefused()
		}
		seq, err := store.NextSeq(tx, store.BucketSchedulePlans)
		if err != nil {
			return err
		}
		v.N, v.At, v.By = 1, now, by.Username
		p = &Plan{ID: fmt.Sprintf("pl-%010d", seq), Kind: kind, Subject: sub, Unit: unit, Start: v.From,
			Versions: []Version{v}, CreatedAt: now}
		if err := save(tx, nil, p); err != nil {
			return err
		}
		return store.Audit(tx, now, by.Actor(), "schedule.create", "plan/"+p.ID, describe(v))
	})
	return p, err
}

// Update edits a plan: a new version from max(today, start). Versions in
// force before today are kept as they are — their windows and outcomes are
// history — and only versions not yet begun (from today on) are replaced.
func (s *Service) Update(by auth.Principal, id string, in Input) (*Plan, error) {
	now := s.now()
	today := Today(now)
	var p *Plan
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := Get(tx, id)
		if err != nil {
			return err
		}
		if !inScope(by, old.Unit) {
			return errs.ErrForbidden
		}
		if !managesPlan(tx, by, old) {
			return errPlanNotFound
		}
		if by.Role != auth.RoleAdmin && mysteryTemplate(tx, strings.TrimSpace(in.TemplateID)) {
			return mysteryRefused()
		}
		if in.StoreID == "" && in.Unit == "" {
			in.StoreID, in.Unit = old.Subject.StoreID, old.Subject.Unit
		}
		if strings.TrimSpace(in.Start) == "" {
			in.Start = fmtDay(today)
		}
		v, _, sub, _, err := check(tx, in)
		if err != nil {
			return err
		}
		if sub != old.Subject {
			var bad errs.Validation
			bad.Add("store_id", "修改计划时不能更换检查对象", "an edit cannot change what the plan inspects")
			return bad.Err()
		}
		from, _ := ParseDay(v.From)
		if from.Before(today) {
			from = today
		}
		v.From, v.At, v.By = fmtDay(from), now, by.Username
		next := *old
		next.Versions = nil
		for _, ov := range old.Versions {
			if f, err := ParseDay(ov.From); err == nil && (f.Before(today) || f.Before(from)) {
				next.Versions = append(next.Versions, ov)
			}
		}
		v.N = old.Current().N + 1
		next.Versions = append(next.Versions, v)
		if err := save(tx, old, &next); err != nil {
			return err
		}
		p = &next
		return store.Audit(tx, now, by.Actor(), "schedule.update", "plan/"+p.ID, describe(v))
	})
	return p, err
}

func describe(v Version) string {
	f := v.Frequency
	if f == EveryDays {
		f = fmt.Sprintf("every %d days", v.EveryDays)
	}
	state := ""
	if !v.Active {
		state = ", paused"
	}
	return fmt.Sprintf("v%d %s %s from %s, %d inspectors%s", v.N, v.TemplateID, f, v.From, len(v.Inspectors), state)
}

// Get reads one plan in the caller's scope.
func (s *Service) Get(by auth.Principal, id string) (*Plan, error) {
	var p *Plan
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if p, err = Get(tx, id); err != nil {
			return err
		}
		if !managesPlan(tx, by, p) {
			return errPlanNotFound
		}
		return nil
	})
	return p, err
}

// List is every plan in the caller's scope, by id.
func (s *Service) List(by auth.Principal) ([]*Plan, error) {
	out := []*Plan{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return store.ScanPrefix(tx, store.BucketSchedulePlans, nil, nil, func(k, _ []byte) error {
			p, err := Get(tx, string(k))
			if err != nil {
				return err
			}
			if managesPlan(tx, by, p) {
				out = append(out, p)
			}
			return nil
		})
	})
	return out, err
}

// Filter narrows a window list.
type Filter struct {
	Status   string // "" all, or one status
	From, To Day
}

// ListWindows lists the windows of the plans in the caller's scope (an
// inspector: the plans they are on) between f.From and f.To, nearest due
// day first, store names filled in.
func (s *Service) ListWindows(by auth.Principal, f Filter) ([]Window, error) {
	today := Today(s.now())
	out := []Window{}
	err := s.db.View(func(tx *bolt.Tx) error {
		names := map[string]string{}
		return store.ScanPrefix(tx, store.BucketSchedulePlans, nil, nil, func(k, _ []byte) error {
			p, err := Get(tx, string(k))
			if err != nil {
				return err
			}
			mine := by.Role == auth.RoleInspector && slices.ContainsFunc(p.Versions, func(v Version) bool { return slices.Contains(v.Inspectors, by.Username) })
			if !mine && !managesPlan(tx, by, p) {
				return nil
			}
			ws, err := Windows(tx, p, f.From, f.To, today)
			if err != nil {
				return err
			}
			for _, w := range ws {
				if f.Status != "" && w.Status != f.Status {
					continue
				}
				if by.Role == auth.RoleInspector && !slices.Contains(w.Inspectors, by.Username) {
					continue
				}
				if id := w.Subject.StoreID; id != "" {
					if _, ok := names[id]; !ok {
						if o, err := workorders.GetOutlet(tx, id); err == nil {
							names[id] = o.Name
						}
					}
					w.StoreName = names[id]
				}
				out = append(out, w)
			}
			return nil
		})
	})
	sortWindows(out)
	return out, err
}
