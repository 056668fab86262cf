package workorders

import (
	"testing"
	"time"

	"fieldcheck/errs"

	bolt "go.etcd.io/bbolt"
)

// Issue 20: an enterprise order's 方案 times are recorded as they happen
// (PATCH), stay absent on orders without them, and a submission before its
// request (or without one) is refused by field.
func TestProposalTimes(t *testing.T) {
	db := newDB(t)
	made := mustCreate(t, db, newOrder("wo-p1"))
	if made.ProposalRequestedAt != nil || made.ProposalSubmittedAt != nil {
		t.Fatalf("a new order has 方案 times %v %v", made.ProposalRequestedAt, made.ProposalSubmittedAt)
	}
	req, sub := t0.Add(time.Hour), t0.Add(50*time.Hour)
	patch := func(c Changes) (*WorkOrder, error) {
		var wo *WorkOrder
		err := db.Update(func(tx *bolt.Tx) (err error) {
			wo, err = Patch(tx, "wo-p1", c, admin, t0.Add(2*time.Hour))
			return err
		})
		return wo, err
	}
	early := t0
	if _, err := patch(Changes{ProposalSubmittedAt: &early}); !hasField(err, "proposal_submitted_at") {
		t.Fatalf("submitted without a request: %v", err)
	}
	wo, err := patch(Changes{ProposalRequestedAt: &req})
	if err != nil || wo.ProposalRequestedAt == nil || !wo.ProposalRequestedAt.Equal(req) || wo.Version != 2 {
		t.Fatalf("request: %+v %v", wo, err)
	}
	if _, err := patch(Changes{ProposalSubmittedAt: &early}); !hasField(err, "proposal_submitted_at") {
		t.Fatalf("submitted before the request: %v", err)
	}
	wo, err = patch(Changes{ProposalSubmittedAt: &sub})
	if err != nil || wo.ProposalSubmittedAt == nil || !wo.ProposalSubmittedAt.Equal(sub) || wo.Version != 3 {
		t.Fatalf("submission: %+v %v", wo, err)
	}
}

func hasField(err error, f string) bool {
	e, ok := errs.As(err)
	return ok && e.Fields[f].Zh != ""
}
