package callbacks

import (
	"bytes"
	"sort"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Scope is the part of the callback queue a caller sees and works (API.md
// v1.1 "Who may call what"): an agent works their own unit's tasks and an
// agent with no unit (a central call centre) every unit's; a supervisor reads
// their unit's; the admin every unit's. Every read and every action of the
// Service takes one, so no caller can forget it.
//
// A task's unit is the one Kickoff recorded: its order's, the unit of the
// technician the order was assigned to when the job was finished. Tasks have
// carried it since the first release, so no stored task lacks one; a task of
// an order that somehow had none is worked only by unit-less agents and the
// admin.
type Scope struct {
	unit string
	none bool
}

// Everywhere is every unit's tasks: the admin, an agent with no unit, the
// system itself (the demo, reports).
var Everywhere = Scope{}

// ScopeOf is p's part of the queue. Roles that have no business with
// callbacks get a scope that covers nothing.
func ScopeOf(p auth.Principal) Scope {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAgent, auth.RoleQA, auth.RoleSupervisor:
		// The one rule (auth.Scope): the admin every unit; an agent with no
		// unit (a central call centre) and a QA reviewer (品质保障员, the qa
		// package enforces what they may do) without one every unit's; a
		// supervisor left without a unit (an admin's edit) no unit's
		// customers rather than every unit's.
		sc := p.Scope()
		switch {
		case sc.AllUnits():
			return Everywhere
		case sc.NoUnit():
			return Scope{none: true}
		}
		return Scope{unit: sc.Unit()}
	}
	// Technicians and inspectors have no business with callbacks.
	return Scope{none: true}
}

// Unit is the one unit the scope is limited to, "" for every unit.
func (sc Scope) Unit() string { return sc.unit }

// Covers reports whether a task of unit is in the scope.
func (sc Scope) Covers(unit string) bool { return !sc.none && (sc.unit == "" || unit == sc.unit) }

func (sc Scope) covers(t *Task) bool { return sc.Covers(t.Unit) }

// The manual queue of each unit (BucketCallbackQueueByUnit): a ready task
// has, beside its 'q' entry, one entry unit 0x00 class(1) due(8) 0x00 id, so
// an agent of one unit claims with the same two seeks as the whole queue,
// whatever other units have waiting.
func (t *Task) unitQueueKey() []byte {
	q := t.queueKey()
	if q == nil || q[0] != ixReady {
		return nil
	}
	k := make([]byte, 0, len(t.Unit)+1+len(q)-1)
	k = append(k, t.Unit...)
	k = append(k, store.Sep)
	return append(k, q[1:]...)
}

// saveUnitEntry moves t's entry in its unit's queue from where old had it.
func saveUnitEntry(tx *bolt.Tx, old, t *Task) error {
	b := tx.Bucket(store.BucketCallbackQueueByUnit)
	nk := t.unitQueueKey()
	if old != nil {
		if ok := old.unitQueueKey(); ok != nil && !bytes.Equal(ok, nk) {
			if err := b.Delete(ok); err != nil {
				return err
			}
		}
	}
	if nk == nil {
		return nil
	}
	return b.Put(nk, []byte{})
}

// metaUnitQueue marks (in BucketMeta) that every ready task has its unit
// entry. A data dir from before the unit queues existed gets them built on
// its first unit-scoped claim — the 'q' entries say which tasks are ready, so
// nothing is lost and nothing else changes.
var metaUnitQueue = []byte("callbacks_unit_queue")

func ensureUnitQueue(tx *bolt.Tx) error {
	meta := tx.Bucket(store.BucketMeta)
	if meta.Get(metaUnitQueue) != nil {
		return nil
	}
	var ids []string
	c := tx.Bucket(store.BucketCallbackQueue).Cursor()
	for k, _ := c.Seek([]byte{ixReady}); k != nil && k[0] == ixReady; k, _ = c.Next() {
		ids = append(ids, store.SplitLast(k))
	}
	for _, id := range ids {
		t, err := loadTask(tx, id)
		if err != nil {
			return err
		}
		if err := saveUnitEntry(tx, nil, t); err != nil {
			return err
		}
	}
	return meta.Put(metaUnitQueue, []byte{1})
}

// nextReadyIn is nextReady within one unit's queue (Scope with a unit).
func nextReadyIn(tx *bolt.Tx, unit string, now time.Time) (string, error) {
	if err := ensureUnitQueue(tx); err != nil {
		return "", err
	}
	c := tx.Bucket(store.BucketCallbackQueueByUnit).Cursor()
	prefix := append([]byte(unit), store.Sep)
	n := len(prefix)
	var heads []queueHead
	for _, class := range []byte{classPriority, classStandard} {
		p := append(prefix[:n:n], class)
		k, _ := c.Seek(p)
		if k == nil || !bytes.HasPrefix(k, p) || len(k) < n+1+8+1 {
			continue
		}
		heads = append(heads, queueHead{store.ParseTimeKey(k[n+1 : n+9]), string(k[n+10:])})
	}
	return pickHead(heads, now), nil
}

// UncoveredUnits are the units in scope with pending tasks that no enabled
// agent can see: none of that unit and none without a unit (who sees all).
// A supervisor is shown their own unit's, the admin every unit's.
func (s *Service) UncoveredUnits(sc Scope) ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		covered := map[string]bool{}
		all := false
		if err := auth.ActiveUnits(tx, auth.RoleAgent, func(unit string) bool {
			covered[unit] = true
			all = unit == ""
			return !all // an agent without a unit sees every unit
		}); err != nil {
			return err
		}
		if all {
			return nil
		}
		now := s.now()
		if w, ok := countsWait(tx); ok && w == s.cfg.SMSWait {
			units := countedUnits(tx)
			if sc.unit != "" {
				units = []string{sc.unit}
			}
			for _, u := range units {
				if sc.Covers(u) && !covered[u] && pendingIn(tx, u, now) > 0 {
					out = append(out, u)
				}
			}
			return nil
		}
		var err error
		out, err = s.uncoveredWalk(tx, sc, covered, now)
		return err
	})
	sort.Strings(out)
	return out, err
}

// uncoveredWalk is UncoveredUnits' pending units by walking the queue: the
// reference for the counters, and the answer while they are not built.
func (s *Service) uncoveredWalk(tx *bolt.Tx, sc Scope, covered map[string]bool, now time.Time) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	c := tx.Bucket(store.BucketCallbackQueue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		t, err := loadTask(tx, store.SplitLast(k))
		if err != nil {
			return nil, err
		}
		t.advance(now, s.cfg.SMSWait)
		if t.Status != StatusPending || !sc.covers(t) || covered[t.Unit] || seen[t.Unit] {
			continue
		}
		seen[t.Unit] = true
		out = append(out, t.Unit)
	}
	return out, nil
}
