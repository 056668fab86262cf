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
		wo, err := workorders.Get(tx, id)
		if err != nil {
			return n, err
		}
		before := wo.SLA
		if err := workorders.Touch(tx, id, now); err != nil {
			return n, err
		}
		if after, _ := workorders.Get(tx, id); after != nil && after.Version != wo.Version {
			n++
		}
		_ = before
	}
	return n, nil
}

// Migrate is the upgrade that brings clocks to a data dir with orders
// (store.Migration To 3): it records now as the upgrade time — orders
// accepted before it start their clock now, marked from_upgrade — and times
// every open order, so phones pull their due times. Finished orders keep no
// clock: no fine reaches back before the upgrade.
func Migrate(tx *bolt.Tx, now time.Time) error {
	if err := tx.Bucket(store.BucketSLA).Put(keySince, store.TimeKey(now)); err != nil {
		return err
	}
	_, err := Retime(tx, now)
	return err
}
