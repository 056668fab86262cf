package fines

import (
	"fmt"
	"testing"

	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkObserveCompletion is what the clock and the fines add to every
// order write: the observer alone, on a late install completed in a real
// transaction (rolled back, so the store does not grow).
func BenchmarkObserveCompletion(b *testing.B) {
	f := newFixture(&testing.T{}, "2026-11-30 12:00")
	defer f.db.Close()
	acc := at("2026-11-23 10:00")
	old := &workorders.WorkOrder{ID: "B-1", Type: workorders.TypeInstall, Unit: "chengdu-east", Technician: "tech1",
		Status: workorders.StatusAssigned, AcceptedAt: acc, Customer: workorders.Customer{Phone: "13800000001", Tier: "standard"}}
	done := at("2026-11-27 10:00")
	for _, observe := range []bool{false, true} {
		b.Run(fmt.Sprintf("observe=%v", observe), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				wo := *old
				wo.ID = fmt.Sprintf("B-%d", i)
				wo.Status, wo.CompletedAt = workorders.StatusCompleted, &done
				err := f.db.Bolt.Update(func(tx *bolt.Tx) error {
					if observe {
						if err := Observe(tx, old, &wo); err != nil {
							return err
						}
					}
					return errRollback
				})
				if err != errRollback {
					b.Fatal(err)
				}
			}
		})
	}
}

var errRollback = fmt.Errorf("rollback")
