package submissions

import (
	"time"

	"fieldcheck/auth"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// nameOthers fills in, for supervisors and admins, what the other submission
// a flag points at is about — its work order, or its store and the store's
// name — so the review screen names it as users do and opens it on a tap
// instead of showing a raw id. Only for a submission p may read themselves;
// one of another unit stays unnamed. details is the view's own copy.
func nameOthers(tx *bolt.Tx, p auth.Principal, details []FlagDetail, now time.Time) error {
	if p.Role != auth.RoleSupervisor && p.Role != auth.RoleAdmin {
		return nil
	}
	for i := range details {
		d := &details[i]
		if d.SubmissionID == "" {
			continue
		}
		h, err := loadHead(tx, d.SubmissionID)
		if err != nil {
			return err
		}
		if h == nil {
			continue
		}
		if ok, err := canRead(tx, p, h, now); err != nil {
			return err
		} else if !ok {
			continue
		}
		d.OtherWorkOrderID, d.OtherStoreID = h.Subject.WorkOrderID, h.Subject.StoreID
		if h.Subject.StoreID != "" {
			if o, err := workorders.GetOutlet(tx, h.Subject.StoreID); err == nil {
				d.OtherStoreName = o.Name
			}
		}
	}
	return nil
}
