package audits

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workdays"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Audit statuses.
const (
	StatusDraft = "draft"
	StatusFiled = "filed"
)

// Item results.
const (
	ResultPass          = "pass"
	ResultFail          = "fail"
	ResultPending       = "pending"        // not judged yet
	ResultShort         = "short"          // too few orders finished to draw the sample
	ResultNotApplicable = "not_applicable" // the unit does not claim the item (不提供)
)

// Audit is one enterprise service audit of one unit.
type Audit struct {
	ID             string     `json:"id"`
	Definition     string     `json:"definition"`
	Unit           string     `json:"unit"`
	Status         string     `json:"status"`
	Auditor        string     `json:"auditor"`
	AuditorName    string     `json:"auditor_name"`
	AuditorContact string     `json:"auditor_contact"`
	CreatedAt      time.Time  `json:"created_at"`
	FiledAt        *time.Time `json:"filed_at,omitempty"`
	// Unclaimed are the items the unit does not provide (认领目标 不提供):
	// not applicable, out of the totals.
	Unclaimed []string           `json:"unclaimed"`
	Draws     map[string][]Draw  `json:"draws"`
	Findings  map[string]Finding `json:"findings"`
	Advice    string             `json:"advice,omitempty"` // 建议
}

// Finding is the auditor's record of one item.
type Finding struct {
	// Result is the auditor's verdict on a non-sample item ("pass" / "fail").
	Result string `json:"result,omitempty"`
	Note   string `json:"note,omitempty"`
	// Orders are a sample item's judged orders: id → conforming.
	Orders   map[string]OrderJudgement `json:"orders,omitempty"`
	Evidence []Evidence                `json:"evidence,omitempty"`
}

// OrderJudgement is one sampled order's verdict.
type OrderJudgement struct {
	OK   bool   `json:"ok"`
	Note string `json:"note,omitempty"`
}

// Evidence is a photo or document kept for an item, named by the seed's rule.
type Evidence struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Ext    string `json:"ext,omitempty"`
}

// Service is the door to audits: inspectors and admins audit any unit, a
// supervisor their own.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the audits service.
func NewService(db *store.DB, now store.Clock) *Service { return &Service{db: db, now: now} }

// CreateInput starts an audit.
type CreateInput struct {
	Unit           string   `json:"unit"`
	AuditorName    string   `json:"auditor_name"`
	AuditorContact string   `json:"auditor_contact"`
	Unclaimed      []string `json:"unclaimed"`
}

func mayAudit(p auth.Principal, unit string) error {
	switch p.Role {
	case auth.RoleInspector, auth.RoleAdmin:
		return nil
	case auth.RoleSupervisor:
		if p.Unit == unit {
			return nil
		}
	}
	return errs.ErrForbidden
}

func newID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func newSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func checkText(v *errs.Validation, path, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(path, fmt.Sprintf("不能超过 %d 个字", max), fmt.Sprintf("must be at most %d characters", max))
	}
}

// Create starts an audit of in.Unit, audited as audit.create.
func (s *Service) Create(p auth.Principal, in CreateInput) (Audit, error) {
	var v errs.Validation
	if strings.TrimSpace(in.Unit) == "" {
		v.Add("unit", "请填写被稽查单位", "unit is required")
	}
	if strings.TrimSpace(in.AuditorName) == "" {
		v.Add("auditor_name", "请填写稽查人员姓名", "auditor_name is required")
	}
	if strings.TrimSpace(in.AuditorContact) == "" {
		v.Add("auditor_contact", "请填写稽查人员联系方式", "auditor_contact is required")
	}
	checkText(&v, "unit", in.Unit, 64)
	checkText(&v, "auditor_name", in.AuditorName, 32)
	checkText(&v, "auditor_contact", in.AuditorContact, 64)
	seen := map[string]bool{}
	for i, id := range in.Unclaimed {
		if _, ok := itemByID(id); !ok || seen[id] {
			v.Add(fmt.Sprintf("unclaimed[%d]", i), "没有这个稽查项或重复", "no such audit item, or listed twice")
		}
		seen[id] = true
	}
	if err := v.Err(); err != nil {
		return Audit{}, err
	}
	if err := mayAudit(p, in.Unit); err != nil {
		return Audit{}, err
	}
	now := s.now()
	a := Audit{ID: newID("AU-"), Definition: builtin.ID, Unit: in.Unit, Status: StatusDraft,
		Auditor: p.Username, AuditorName: strings.TrimSpace(in.AuditorName), AuditorContact: strings.TrimSpace(in.AuditorContact),
		CreatedAt: now, Unclaimed: append([]string{}, in.Unclaimed...), Draws: map[string][]Draw{}, Findings: map[string]Finding{}}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := store.PutJSON(tx, store.BucketAudits, []byte(a.ID), &a); err != nil {
			return err
		}
		return store.Audit(tx, now, p.Actor(), "audit.create", "audits/"+a.ID, a.Unit)
	})
	return a, err
}

func load(tx *bolt.Tx, p auth.Principal, id string) (Audit, error) {
	var a Audit
	if err := store.GetJSON(tx, store.BucketAudits, []byte(id), &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return a, errs.NotFoundf("稽查", id)
		}
		return a, err
	}
	if err := mayAudit(p, a.Unit); err != nil {
		return a, errs.NotFoundf("稽查", id)
	}
	return a, nil
}

// Get reads an audit the caller may see.
func (s *Service) Get(p auth.Principal, id string) (Audit, error) {
	var a Audit
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		a, err = load(tx, p, id)
		return err
	})
	return a, err
}

// change runs fn on a draft audit in one transaction and stores it.
func (s *Service) change(p auth.Principal, id, action, detail string, fn func(tx *bolt.Tx, a *Audit) error) (Audit, error) {
	var a Audit
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		if a, err = load(tx, p, id); err != nil {
			return err
		}
		if a.Status == StatusFiled {
			return errs.New(errs.Conflict, "audit_filed", "稽查已归档，不能再修改", "the audit is filed and can no longer change")
		}
		if err := fn(tx, &a); err != nil {
			return err
		}
		if err := store.PutJSON(tx, store.BucketAudits, []byte(a.ID), &a); err != nil {
			return err
		}
		return store.Audit(tx, s.now(), p.Actor(), action, "audits/"+a.ID, detail)
	})
	return a, err
}

func item(id string) (Item, error) {
	it, ok := itemByID(id)
	if !ok {
		return it, errs.NotFoundf("稽查项", id)
	}
	return it, nil
}

func (a *Audit) claimed(id string) bool {
	for _, u := range a.Unclaimed {
		if u == id {
			return false
		}
	}
	return true
}

// DrawSample draws a 工单抽查 item's sample: for each of the item's lines, n
// orders (0: the item's own count) at random from the unit's orders of that
// line completed in the last 3 months, with a fresh seed that is stored with
// the time, window and candidates' count. A draw is made once: the auditor
// cannot draw again to pick other orders. Audited as audit.draw.
func (s *Service) DrawSample(p auth.Principal, id, itemID string, n int) (Audit, error) {
	it, err := item(itemID)
	if err != nil {
		return Audit{}, err
	}
	if it.Method != MethodSample {
		return Audit{}, errs.New(errs.Invalid, "not_sampled", "该稽查项不做工单抽查", "this item is not checked on a sample of orders")
	}
	if n < 0 || n > 50 {
		var v errs.Validation
		v.Add("n", "抽查数量须在 1 到 50 之间", "n must be between 1 and 50")
		return Audit{}, v.Err()
	}
	if n == 0 {
		n = it.SamplePer
	}
	return s.change(p, id, "audit.draw", itemID, func(tx *bolt.Tx, a *Audit) error {
		if !a.claimed(itemID) {
			return errs.New(errs.Conflict, "not_claimed", "该单位未认领此项（不提供），不适用", "the unit does not claim this item: not applicable")
		}
		if len(a.Draws[itemID]) > 0 {
			return errs.New(errs.Conflict, "already_drawn", "该项已抽取样本，不能重抽", "this item's sample is drawn already and cannot be drawn again")
		}
		now := s.now()
		from := now.AddDate(0, -Lookback, 0)
		for _, line := range it.Lines {
			cands, err := candidates(tx, a.Unit, line, from, now)
			if err != nil {
				return err
			}
			seed := newSeed()
			d := Draw{Item: itemID, Line: line, Seed: seed, At: now, From: from, To: now, Candidates: len(cands), Want: n,
				Orders: Pick(cands, seed, n)}
			d.Short = len(cands) < n
			a.Draws[itemID] = append(a.Draws[itemID], d)
		}
		return nil
	})
}

// candidates are the ids of unit's orders of line completed in [from, to].
func candidates(tx *bolt.Tx, unit, line string, from, to time.Time) ([]string, error) {
	var ids []string
	err := eachOrder(tx, unit, func(wo workorders.WorkOrder) {
		if wo.Line == line && wo.Status == workorders.StatusCompleted && wo.CompletedAt != nil &&
			!wo.CompletedAt.Before(from) && !wo.CompletedAt.After(to) {
			ids = append(ids, wo.ID)
		}
	})
	return ids, err
}

func eachOrder(tx *bolt.Tx, unit string, fn func(workorders.WorkOrder)) error {
	return workorders.Each(tx, "", func(wo *workorders.WorkOrder) error {
		if wo.Unit == unit {
			fn(*wo)
		}
		return nil
	})
}

// JudgeInput is a verdict: on a sampled order (Order set) or on the item.
type JudgeInput struct {
	Order string `json:"order,omitempty"`
	OK    *bool  `json:"ok"`
	Note  string `json:"note,omitempty"`
}

// Judge records a verdict on an item, or on one of its sampled orders.
// Audited as audit.judge.
func (s *Service) Judge(p auth.Principal, id, itemID string, in JudgeInput) (Audit, error) {
	it, err := item(itemID)
	if err != nil {
		return Audit{}, err
	}
	var v errs.Validation
	if in.OK == nil {
		v.Add("ok", "请选择符合或不符合", "ok is required")
	}
	checkText(&v, "note", in.Note, 500)
	if it.Method == MethodSample && in.Order == "" {
		v.Add("order", "工单抽查项须逐单判定", "a sample item is judged order by order")
	}
	if it.TimeLimit != nil {
		v.Add("ok", "时限类稽查项按工单时间计算，不手工判定", "a time-limit item is computed from the order times, not judged")
	}
	if err := v.Err(); err != nil {
		return Audit{}, err
	}
	return s.change(p, id, "audit.judge", itemID+" "+in.Order, func(tx *bolt.Tx, a *Audit) error {
		if !a.claimed(itemID) {
			return errs.New(errs.Conflict, "not_claimed", "该单位未认领此项（不提供），不适用", "the unit does not claim this item: not applicable")
		}
		f := a.Findings[itemID]
		if in.Order != "" {
			if !drawn(a.Draws[itemID], in.Order) {
				var v errs.Validation
				v.Add("order", "该工单不在抽取的样本中", "the order is not in the drawn sample")
				return v.Err()
			}
			if f.Orders == nil {
				f.Orders = map[string]OrderJudgement{}
			}
			f.Orders[in.Order] = OrderJudgement{OK: *in.OK, Note: in.Note}
		} else {
			f.Result, f.Note = ResultFail, in.Note
			if *in.OK {
				f.Result = ResultPass
			}
		}
		a.Findings[itemID] = f
		return nil
	})
}

func drawn(ds []Draw, order string) bool {
	for _, d := range ds {
		for _, o := range d.Orders {
			if o == order {
				return true
			}
		}
	}
	return false
}

// AddEvidence keeps a photo or document (already uploaded, by its sha256)
// as the item's next piece of evidence, named by the seed's rule.
func (s *Service) AddEvidence(p auth.Principal, id, itemID, sha, ext string) (Audit, Evidence, error) {
	var ev Evidence
	it, err := item(itemID)
	if err != nil {
		return Audit{}, ev, err
	}
	var v errs.Validation
	if len(sha) != 64 || strings.Trim(strings.ToLower(sha), "0123456789abcdef") != "" {
		v.Add("sha256", "须为 64 位十六进制的 SHA-256", "sha256 must be 64 hex digits")
	}
	ext = strings.TrimPrefix(strings.ToLower(ext), ".")
	if len(ext) > 8 || strings.Trim(ext, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
		v.Add("ext", "扩展名无效", "ext must be a short file extension")
	}
	if err := v.Err(); err != nil {
		return Audit{}, ev, err
	}
	sha = strings.ToLower(sha)
	a, err := s.change(p, id, "audit.evidence", itemID, func(tx *bolt.Tx, a *Audit) error {
		if !a.claimed(itemID) {
			return errs.New(errs.Conflict, "not_claimed", "该单位未认领此项（不提供），不适用", "the unit does not claim this item: not applicable")
		}
		f := a.Findings[itemID]
		for _, have := range f.Evidence {
			if have.SHA256 == sha {
				// A phone's outbox sends again when the answer was lost:
				// the same file on the same item is kept once.
				ev = have
				return errSameEvidence
			}
		}
		ev = Evidence{Name: EvidenceName(it, len(f.Evidence)+1), SHA256: sha, Ext: ext}
		f.Evidence = append(f.Evidence, ev)
		a.Findings[itemID] = f
		return nil
	})
	if errors.Is(err, errSameEvidence) {
		a, err = s.Get(p, id)
	}
	return a, ev, err
}

// errSameEvidence rolls back an evidence request that repeats one already kept.
var errSameEvidence = errors.New("audits: evidence already kept")

// File closes the audit with the auditor's advice (建议); audited as audit.file.
func (s *Service) File(p auth.Principal, id, advice string) (Audit, error) {
	var v errs.Validation
	checkText(&v, "advice", advice, 2000)
	if err := v.Err(); err != nil {
		return Audit{}, err
	}
	return s.change(p, id, "audit.file", "", func(tx *bolt.Tx, a *Audit) error {
		now := s.now()
		a.Status, a.FiledAt, a.Advice = StatusFiled, &now, advice
		return nil
	})
}

// ItemResult is one item's outcome in the report.
type ItemResult struct {
	Item       Item        `json:"item"`
	Result     string      `json:"result"`
	Note       string      `json:"note,omitempty"`
	Draws      []Draw      `json:"draws,omitempty"`
	Judged     int         `json:"judged,omitempty"`
	Bad        []string    `json:"bad_orders,omitempty"`
	Timeliness *Timeliness `json:"timeliness,omitempty"`
	Evidence   []Evidence  `json:"evidence,omitempty"`
}

// Results is the audit's outcome per item and the count of passes among
// the applicable ones.
type Results struct {
	Audit      Audit        `json:"audit"`
	Items      []ItemResult `json:"items"`
	Applicable int          `json:"applicable"`
	Passed     int          `json:"passed"`
	Failed     int          `json:"failed"`
}

// Results works out every item's outcome: unclaimed items are not
// applicable; a sample item fails on one non-conforming order, is short
// when a line had fewer orders than the sample, passes when every drawn
// order conforms; a time-limit item is computed from the unit's orders
// requested in the last 3 months on the working-day calendar.
func (s *Service) Results(p auth.Principal, id string) (Results, error) {
	var r Results
	err := s.db.View(func(tx *bolt.Tx) error {
		a, err := load(tx, p, id)
		if err != nil {
			return err
		}
		cal, err := workdays.Load(tx)
		if err != nil {
			return err
		}
		now := s.now()
		if a.FiledAt != nil {
			now = *a.FiledAt
		}
		r.Audit = a
		for _, it := range builtin.Items {
			ir := ItemResult{Item: it, Result: ResultPending, Draws: a.Draws[it.ID]}
			f := a.Findings[it.ID]
			ir.Note, ir.Evidence = f.Note, f.Evidence
			switch {
			case !a.claimed(it.ID):
				ir.Result = ResultNotApplicable
			case it.TimeLimit != nil:
				var orders []workorders.WorkOrder
				from := now.AddDate(0, -Lookback, 0)
				err := eachOrder(tx, a.Unit, func(wo workorders.WorkOrder) {
					if wo.ProposalRequestedAt != nil && it.hasLine(wo.Line) &&
						!wo.ProposalRequestedAt.Before(from) && !wo.ProposalRequestedAt.After(now) {
						orders = append(orders, wo)
					}
				})
				if err != nil {
					return err
				}
				t := it.TimeLimit.Measure(cal, orders, now)
				ir.Timeliness = &t
				switch {
				case t.Orders == 0:
					ir.Result = ResultShort
				case t.Percent >= t.Target:
					ir.Result = ResultPass
				default:
					ir.Result = ResultFail
				}
			case it.Method == MethodSample:
				ir.Result = sampleResult(ir.Draws, f, &ir)
			case f.Result != "":
				ir.Result = f.Result
			}
			if ir.Result != ResultNotApplicable {
				r.Applicable++
			}
			switch ir.Result {
			case ResultPass:
				r.Passed++
			case ResultFail:
				r.Failed++
			}
			r.Items = append(r.Items, ir)
		}
		return nil
	})
	return r, err
}

func sampleResult(ds []Draw, f Finding, ir *ItemResult) string {
	if len(ds) == 0 {
		return ResultPending
	}
	short, all := false, true
	for _, d := range ds {
		short = short || d.Short
		for _, o := range d.Orders {
			j, ok := f.Orders[o]
			if !ok {
				all = false
				continue
			}
			ir.Judged++
			if !j.OK {
				ir.Bad = append(ir.Bad, o)
			}
		}
	}
	switch {
	case len(ir.Bad) > 0:
		return ResultFail // one non-conforming order fails the item
	case short:
		return ResultShort
	case all:
		return ResultPass
	}
	return ResultPending
}

// Summary is an audit in a list.
type Summary struct {
	ID          string     `json:"id"`
	Unit        string     `json:"unit"`
	Status      string     `json:"status"`
	AuditorName string     `json:"auditor_name"`
	CreatedAt   time.Time  `json:"created_at"`
	FiledAt     *time.Time `json:"filed_at,omitempty"`
}

// List pages the audits the caller may see (of unit, when given), by id,
// starting after the id after.
func (s *Service) List(p auth.Principal, unit string, limit int, after string) (items []Summary, next string, err error) {
	items = []Summary{}
	if p.Role != auth.RoleInspector && p.Role != auth.RoleAdmin && p.Role != auth.RoleSupervisor {
		return items, "", errs.ErrForbidden
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		var start []byte
		if after != "" {
			start = append([]byte(after), 0)
		}
		return store.ScanPrefix(tx, store.BucketAudits, nil, start, func(k, v []byte) error {
			var a Audit
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("audits: decode %s: %w", k, err)
			}
			if mayAudit(p, a.Unit) != nil || (unit != "" && a.Unit != unit) {
				return nil
			}
			if len(items) == limit {
				next = items[len(items)-1].ID
				return store.Stop
			}
			items = append(items, Summary{ID: a.ID, Unit: a.Unit, Status: a.Status, AuditorName: a.AuditorName, CreatedAt: a.CreatedAt, FiledAt: a.FiledAt})
			return nil
		})
	})
	return items, next, err
}
