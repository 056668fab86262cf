package submissions

import (
	"fmt"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// PushTx is Push inside the caller's write transaction: each item is
// decided and written there, by the same decide and apply the server's Push
// runs, so every index, rollup and counter moves as in production. It is for
// bulk loaders that put thousands of sheets in one commit (fieldload
// province-gen); the server uses Push, which decides outside the write lock.
// Item errors are localized in req.Lang as Push does.
func PushTx(tx *bolt.Tx, p auth.Principal, req Batch, now time.Time) (*Merged, error) {
	if kindsFor(p.Role) == nil {
		return nil, fmt.Errorf("sync: role %q may not push", p.Role)
	}
	if len(req.Submissions) > MaxBatch {
		return nil, errTooMany
	}
	m := merger{p: p, now: now, device: store.CleanIdentifier(req.DeviceID)}
	if m.device == "" {
		m.device = store.CleanIdentifier(p.Device)
	}
	results := make([]Result, len(req.Submissions))
	for i, raw := range req.Submissions {
		it := decodeItem(raw)
		if it.bad != nil {
			results[i] = outcome(it.id, StatusRejected, 0, it.bad)
			continue
		}
		pl, err := m.decide(tx, it)
		if err != nil {
			return nil, fmt.Errorf("sync: push %s: %w", it.id, err)
		}
		if !pl.accept {
			results[i] = pl.result
			continue
		}
		if results[i], err = m.apply(tx, pl, current{head: pl.head, wo: pl.wo, outlet: pl.outlet}); err != nil {
			return nil, fmt.Errorf("sync: push %s: %w", it.id, err)
		}
	}
	for i := range results {
		if e := results[i].err; e != nil {
			results[i].Error = &ItemError{Code: e.Code, Message: e.Message.In(req.Lang)}
		}
	}
	return &Merged{Results: results}, nil
}
