// Package finish is the one unit of work from a finished job to its
// callback (回访): the order completes and its callback task starts in the
// same bbolt transaction, or neither does.
//
// Every completion takes this path — a technician's sheet pushed through
// sync (sync/submissions/push.go), a supervisor's manual completion (POST
// /workorders/:id/complete) and an unreachable repair's close (POST
// /workorders/:id/unreachable/close) — so no path can complete an order
// without its 回访, and none starts a second one (callbacks.Kickoff is
// once per order). It owns no bucket: it joins workorders and callbacks,
// which may not import each other in this direction (callbacks imports
// workorders), and it is the only place that does.
package finish

import (
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Job completes order id as c says and starts its callback task, inside tx
// (the caller's transaction: the sheet's merge, or the work-order service's
// own). A second completion is workorders.ErrCompleted and writes nothing.
// It is a workorders.Finisher.
func Job(tx *bolt.Tx, id string, c workorders.Completion, who store.Actor) (*workorders.WorkOrder, error) {
	wo, err := workorders.CompleteWith(tx, id, c, who)
	if err != nil {
		return nil, err
	}
	// 100% 回访: due/deadline from the finish time, created now.
	if err := callbacks.Kickoff(tx, wo, c.At, c.Now); err != nil {
		return nil, err
	}
	return wo, nil
}

var _ workorders.Finisher = Job

// Manual is the Completion of a job finished by hand at now.
func Manual(note string, now time.Time) workorders.Completion {
	return workorders.Completion{By: workorders.CompletedManually, Note: note, At: now, Now: now}
}
