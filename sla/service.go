package sla

import (
	"fmt"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Service is the door to the rules: anyone who manages orders reads them,
// the admin replaces them.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the SLA service.
func NewService(db *store.DB, now store.Clock) *Service { return &Service{db: db, now: now} }

// RuleSet is the rules in force and whether they are the built-in ones.
type RuleSet struct {
	Rules   []Rule     `json:"rules"`
	Builtin bool       `json:"builtin"`
	Since   *time.Time `json:"since,omitempty"`
}

// Rules reads the rule set.
func (s *Service) Rules() (RuleSet, error) {
	var rs RuleSet
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		rs.Rules, err = Rules(tx)
		rs.Builtin = tx.Bucket(store.BucketSLA).Get(keyRules) == nil
		if since := Since(tx); !since.IsZero() {
			rs.Since = &since
		}
		return err
	})
	return rs, err
}

// PutRules replaces the rule set (admin) and re-times every open order in
// the same commit, audited as sla.rules.
func (s *Service) PutRules(by auth.Principal, rules []Rule) (RuleSet, error) {
	if by.Role != auth.RoleAdmin {
		return RuleSet{}, errs.ErrForbidden
	}
	if err := ValidateRules(rules); err != nil {
		return RuleSet{}, err
	}
	now := s.now()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := PutRules(tx, rules); err != nil {
			return err
		}
		n, err := Retime(tx, now)
		if err != nil {
			return err
		}
		return store.Audit(tx, now, by.Actor(), "sla.rules", "sla/rules", fmt.Sprintf("%d rules, %d open orders re-timed", len(rules), n))
	})
	if err != nil {
		return RuleSet{}, err
	}
	return s.Rules()
}

// Retime recomputes the clock of every open order (after the rules or the
// calendar changed) and answers how many changed.
func Retime(tx *bolt.Tx, now time.Time) (int, error) {
	ids, err := workorders.OpenIDs(tx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		changed, err := workorders.Touch(tx, id, now, Stamp)
		if err != nil {
			return n, err
		}
		if changed {
			n++
		}
	}
	return n, nil
}

var keyFresh = []byte("fresh")

// Ensure runs once per data dir, when a binary with clocks first opens it.
// A data dir that already holds orders is an upgrade: now is recorded as
// the upgrade time — orders accepted before it start their clock now,
// marked from_upgrade — and every open order is timed in the same commit,
// so phones pull their due times. Finished orders keep no clock: no fine
// reaches back before the upgrade. An empty data dir is marked fresh and
// has clocks from the start. No record changes shape (an order without
// "sla" reads as before), so this needs no schema version.
func (s *Service) Ensure() error {
	var done bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketSLA)
		done = b.Get(keySince) != nil || b.Get(keyFresh) != nil
		return nil
	}); err != nil || done {
		return err
	}
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(store.BucketSLA)
		if b.Get(keySince) != nil || b.Get(keyFresh) != nil {
			return nil
		}
		if k, _ := tx.Bucket(store.BucketWorkOrders).Cursor().First(); k == nil {
			return b.Put(keyFresh, store.TimeKey(now))
		}
		if err := b.Put(keySince, store.TimeKey(now)); err != nil {
			return err
		}
		n, err := Retime(tx, now)
		if err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: "system"}, "sla.upgrade", "sla/since",
			fmt.Sprintf("clocks start now for orders accepted before; %d open orders timed", n))
	})
}

// RetimeAll re-times every open order in one commit (after the calendar
// changed).
func (s *Service) RetimeAll() error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		_, err := Retime(tx, now)
		return err
	})
}
