package workorders

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Service is the door to work orders and outlets: each method is one whole
// action for a caller — its scope check, its transaction and its audit
// entries — so the server only parses, calls and answers.
type Service struct {
	db     *store.DB
	now    store.Clock
	finish Finisher
}

// NewService makes the work-order service on the store, first building the
// list's filter indexes from the orders when the store has none yet (a data
// dir from before them; index.go). Should that fail, lists scan instead.
func NewService(db *store.DB, now store.Clock) *Service {
	if err := listIndex.Ensure(db); err != nil {
		slog.Error("workorders: building the list indexes", "error", err)
	}
	if err := typeIndex.Ensure(db); err != nil {
		slog.Error("workorders: building the type index", "error", err)
	}
	return &Service{db: db, now: now}
}

// WithFinisher sets the unit of work that completes an order (finish.Job:
// the order and its 回访 in one commit) and returns s. Without one, an order
// completes with nothing after it (this package's own tests).
func (s *Service) WithFinisher(f Finisher) *Service {
	s.finish = f
	return s
}

// finisher is the unit of work completing an order.
func (s *Service) finisher() Finisher {
	if s.finish == nil {
		return CompleteWith
	}
	return s.finish
}

// noUnit matches no unit: ids and units never contain 0x00.
const noUnit = "\x00"

// ManagedUnit is the unit a caller may manage: every unit ("") for an admin,
// their own for anyone else; a supervisor without a unit manages nothing.
func ManagedUnit(p auth.Principal) string {
	switch {
	case p.Role == auth.RoleAdmin:
		return ""
	case p.Unit == "":
		return noUnit
	}
	return p.Unit
}

// canRead applies the caller's scope (auth.Scope, the one rule) to one
// order: a technician their own, everyone else their unit's (admins all).
func canRead(p auth.Principal, wo *WorkOrder) error {
	sc := p.Scope()
	switch {
	case sc.Covers(wo.Unit, wo.Technician):
		return nil
	case sc.Own():
		return errs.ErrForbidden
	}
	return errOtherUnit
}

// Create adds an order in the caller's unit (any unit for an admin).
func (s *Service) Create(by auth.Principal, in WorkOrder) (*WorkOrder, error) {
	unit := ManagedUnit(by)
	var wo *WorkOrder
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if wo, err = Create(tx, in, by.Actor(), s.now()); err != nil {
			return err
		}
		// The unit is the technician's, known only now; refusing here
		// rolls the whole creation back.
		return InUnit(unit, wo)
	})
	return wo, err
}

// Get reads an order the caller may see.
func (s *Service) Get(by auth.Principal, id string) (*WorkOrder, error) {
	var wo *WorkOrder
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if wo, err = Get(tx, id); err != nil {
			return err
		}
		return canRead(by, wo)
	})
	return wo, err
}

// Patch changes an order of the caller's unit, and may not hand it to
// another unit's technician.
func (s *Service) Patch(by auth.Principal, id string, in Changes) (*WorkOrder, error) {
	unit := ManagedUnit(by)
	var wo *WorkOrder
	err := s.db.Update(func(tx *bolt.Tx) error {
		err := getInUnit(tx, unit, id)
		if err != nil {
			return err
		}
		if wo, err = Patch(tx, id, in, by.Actor(), s.now()); err != nil {
			return err
		}
		// A supervisor cannot hand an order to another unit's technician.
		return InUnit(unit, wo)
	})
	return wo, err
}

// Target names an order to change and, optionally, the version the caller
// last saw (0: any).
type Target struct {
	ID      string `json:"id"`
	Version int    `json:"version,omitempty"`
}

// Reassign hands several orders of the caller's unit to one technician in
// one commit: any order that cannot move (unknown, another unit's, closed,
// changed since the caller saw it) moves none, and the error names it by
// its place in the list (orders[i]).
func (s *Service) Reassign(by auth.Principal, orders []Target, technician string) ([]WorkOrder, error) {
	var v errs.Validation
	if len(orders) == 0 {
		v.Add("orders", "请选择工单", "choose at least one order")
	}
	if len(orders) > MaxReassign {
		v.Add("orders", fmt.Sprintf("一次最多改派 %d 张工单", MaxReassign), fmt.Sprintf("at most %d orders at once", MaxReassign))
	}
	if technician == "" {
		v.Add("technician", "请选择装维人员", "choose a technician")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	unit := ManagedUnit(by)
	out := make([]WorkOrder, 0, len(orders))
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i, o := range orders {
			c := Changes{Technician: &technician}
			if o.Version > 0 {
				c.Version = &o.Version
			}
			err := getInUnit(tx, unit, o.ID)
			var wo *WorkOrder
			if err == nil {
				wo, err = Patch(tx, o.ID, c, by.Actor(), s.now())
			}
			if err == nil {
				err = InUnit(unit, wo)
			}
			if err != nil {
				return atIndex(err, fmt.Sprintf("orders[%d]", i))
			}
			out = append(out, *wo)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MaxReassign bounds one bulk reassignment.
const MaxReassign = 500

// atIndex names the list entry a domain error is about; a field error on the
// technician stays on "technician".
func atIndex(err error, path string) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	if _, tech := c.Fields["technician"]; tech {
		return &c
	}
	c.Fields = map[string]errs.Msg{path: e.Message}
	for k, m := range e.Fields {
		c.Fields[path+"."+k] = m
	}
	return &c
}

// Complete marks an order of the caller's unit done by hand (one with no
// acceptance sheet: a complaint resolved by another department); the
// finisher starts its 回访 in the same commit.
func (s *Service) Complete(by auth.Principal, id, note string) (*WorkOrder, error) {
	unit := ManagedUnit(by)
	now := s.now()
	note, err := checkCompletionNote(note)
	if err != nil {
		return nil, err
	}
	var wo *WorkOrder
	err = s.db.Update(func(tx *bolt.Tx) error {
		err := getInUnit(tx, unit, id)
		if err != nil {
			return err
		}
		// The job is finished now, so its 回访 starts now, in the same commit.
		wo, err = s.finisher()(tx, id, Completion{By: CompletedManually, Note: note, At: now, Now: now}, by.Actor())
		return err
	})
	return wo, err
}

// Import stores parsed rows in one commit, confined to the caller's unit,
// and answers one result per row.
func (s *Service) Import(by auth.Principal, rows []Row) ([]ImportResult, error) {
	unit := ManagedUnit(by)
	var results []ImportResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		results, err = Import(tx, rows, by.Actor(), s.now(), unit)
		return err
	})
	return results, err
}

// ImportOptions say how ImportWith commits.
type ImportOptions struct {
	// DryRun checks every row as a commit would and writes nothing: the
	// preview.
	DryRun bool
	// AllOrNothing writes nothing when any row is rejected (those the file
	// got wrong included); otherwise the good rows go in and the bad are
	// reported (the API's default, per row).
	AllOrNothing bool
	// Expect is the Digest of the preview the caller confirms; when the rows
	// would now come out differently (someone created or changed one of
	// these orders meanwhile) nothing is written and the error is
	// ErrImportChanged.
	Expect string
}

// ImportOutcome is what an import did, or on a dry run would do.
type ImportOutcome struct {
	// Results has one entry per row, parse rejections included, by row.
	Results []ImportResult
	// Digest sums each row's id and outcome: pass it back as Expect.
	Digest string
	// Committed is true when the rows were written.
	Committed bool
}

// ErrImportChanged: the confirmed preview no longer holds.
var ErrImportChanged = errs.New(errs.Conflict, "import_changed", "预览之后有工单被他人修改，结果已变化，请核对后重新确认",
	"orders changed since the preview; check the new results and confirm again")

// ErrImportRejected: an all-or-nothing import with rejected rows wrote nothing.
var ErrImportRejected = errs.New(errs.Invalid, "import_rejected", "有错误的行，整批未导入；请改正后重试",
	"some rows have errors, so nothing was imported; fix them and try again")

// errRollback ends a transaction that must write nothing.
var errRollback = errors.New("workorders: roll back")

// ImportWith stores parsed rows for the caller like Import, with a preview
// (DryRun), all-or-nothing commits and a confirm that fails when the preview
// no longer holds. rejected are the rows the file itself got wrong
// (ParseCSV, ParseXLSX). The outcome is returned with ErrImportChanged and
// ErrImportRejected too, so the caller can show every row.
func (s *Service) ImportWith(by auth.Principal, rows []Row, rejected []ImportResult, o ImportOptions) (ImportOutcome, error) {
	unit := ManagedUnit(by)
	var out ImportOutcome
	var refusal error
	err := s.db.Update(func(tx *bolt.Tx) error {
		res, err := Import(tx, rows, by.Actor(), s.now(), unit)
		if err != nil {
			return err
		}
		if o.DryRun {
			for i := range res {
				order := rows[i].Order
				res[i].Order = &order
			}
		}
		res = append(res, rejected...)
		slices.SortStableFunc(res, func(a, b ImportResult) int { return a.Row - b.Row })
		out.Results, out.Digest = res, importDigest(res)
		bad := slices.ContainsFunc(res, func(r ImportResult) bool { return r.Status == ImportRejected })
		switch {
		case o.Expect != "" && o.Expect != out.Digest:
			refusal = ErrImportChanged
		case o.AllOrNothing && bad && !o.DryRun:
			refusal = ErrImportRejected
		}
		if o.DryRun || refusal != nil {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return ImportOutcome{}, err
	}
	out.Committed = err == nil
	return out, refusal
}

// importDigest sums each row's number, id and outcome (with its error code).
func importDigest(res []ImportResult) string {
	h := sha256.New()
	for _, r := range res {
		code := ""
		if r.Err != nil {
			code = r.Err.Code
		}
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\n", r.Row, r.ID, r.Status, code)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// List pages through the orders the caller may see: a technician their own,
// an admin any, everyone else their unit's. A filter naming someone else's
// orders is refused rather than narrowed.
func (s *Service) List(by auth.Principal, f Filter, limit int, after string) ([]WorkOrder, string, error) {
	switch sc := by.Scope(); {
	case sc.Own():
		if f.Technician != "" && f.Technician != by.Username {
			return nil, "", errs.ErrForbidden
		}
		f.Technician = by.Username
	case sc.AllUnits(): // a unit named narrows the list
	case sc.NoUnit():
		f.Unit = noUnit
	default:
		if f.Unit != "" && f.Unit != sc.Unit() {
			return nil, "", errs.ErrForbidden
		}
		f.Unit = sc.Unit()
	}
	var items []WorkOrder
	var next string
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		items, next, err = List(tx, f, limit, after)
		return err
	})
	return items, next, err
}

// ErrOutletOtherUnit: a supervisor adds stores to their own unit only.
var ErrOutletOtherUnit = errs.New(errs.Forbidden, "other_unit", "只能为本单位添加网点", "you may only add stores to your own unit")

// CreateOutlet adds a store (营业网点): a supervisor's goes to their own unit
// (the default when none is named), an admin's to any.
func (s *Service) CreateOutlet(by auth.Principal, in Outlet) (*Outlet, error) {
	if by.Role != auth.RoleAdmin {
		if in.Unit == "" {
			in.Unit = by.Unit
		}
		if in.Unit != by.Unit || by.Unit == "" {
			return nil, ErrOutletOtherUnit
		}
	}
	var o *Outlet
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		o, err = CreateOutlet(tx, in, by.Actor(), s.now())
		return err
	})
	return o, err
}

// ListOutlets pages through the stores, of one unit when unit is not empty.
func (s *Service) ListOutlets(unit string, limit int, after string) ([]Outlet, string, error) {
	var items []Outlet
	var next string
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		items, next, err = ListOutlets(tx, unit, limit, after)
		return err
	})
	return items, next, err
}

// getInUnit checks that order id exists and lies in unit ("" is every
// unit) before a manager changes it.
func getInUnit(tx *bolt.Tx, unit, id string) error {
	old, err := Get(tx, id)
	if err != nil {
		return err
	}
	return InUnit(unit, old)
}
