package workorders

import (
	"log/slog"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Service is the door to work orders and outlets: each method is one whole
// action for a caller — its scope check, its transaction and its audit
// entries — so the server only parses, calls and answers.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the work-order service on the store, first building the
// list's filter indexes from the orders when the store has none yet (a data
// dir from before them; index.go). Should that fail, lists scan instead.
func NewService(db *store.DB, now store.Clock) *Service {
	if err := db.Update(buildIndex); err != nil {
		slog.Error("workorders: building the list indexes", "error", err)
	}
	return &Service{db: db, now: now}
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

// canRead: technicians see their own orders, everyone else their unit's
// (admins all).
func canRead(p auth.Principal, wo *WorkOrder) error {
	if p.Role == auth.RoleTechnician {
		if wo.Technician != p.Username {
			return errs.ErrForbidden
		}
		return nil
	}
	return InUnit(ManagedUnit(p), wo)
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

// Complete marks an order of the caller's unit done by hand; then (the
// callback kick-off) runs in the same commit.
func (s *Service) Complete(by auth.Principal, id, note string, then Hook) (*WorkOrder, error) {
	unit := ManagedUnit(by)
	now := s.now()
	var wo *WorkOrder
	err := s.db.Update(func(tx *bolt.Tx) error {
		err := getInUnit(tx, unit, id)
		if err != nil {
			return err
		}
		// The job is finished now, so its 回访 starts now, in the same commit.
		wo, err = CompleteManual(tx, id, note, by.Actor(), now, then)
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

// List pages through the orders the caller may see: a technician their own,
// an admin any, everyone else their unit's. A filter naming someone else's
// orders is refused rather than narrowed.
func (s *Service) List(by auth.Principal, f Filter, limit int, after string) ([]WorkOrder, string, error) {
	switch by.Role {
	case auth.RoleTechnician:
		if f.Technician != "" && f.Technician != by.Username {
			return nil, "", errs.ErrForbidden
		}
		f.Technician = by.Username
	case auth.RoleAdmin:
	default:
		if f.Unit != "" && f.Unit != by.Unit {
			return nil, "", errs.ErrForbidden
		}
		f.Unit = ManagedUnit(by)
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
