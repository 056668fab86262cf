package fines

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// ReopenWindow is how soon after a repair was cleared a new fault of the
// same customer makes the clearance suspect (虚假销障, 第二十三条): the
// seed says "soon"; 72 hours is a product decision.
const ReopenWindow = 72 * time.Hour

// RepeatFaults is the fault count in one month that is fined (第二十八条:
// 同一宽带客户当月连续出现4次障碍).
const RepeatFaults = 4

// fault is one repair order of a customer, in BucketFaults.
type fault struct {
	OrderID   string     `json:"order_id"`
	Accepted  time.Time  `json:"accepted_at"`
	ClearedAt *time.Time `json:"cleared_at,omitempty"`
	Cancelled bool       `json:"cancelled,omitempty"`
}

func faultKey(phone string, accepted time.Time, id string) []byte {
	return store.Key(phone, store.TimeKey(accepted), id)
}

// faults lists the customer's repairs, oldest first.
func faults(tx *bolt.Tx, phone string) ([]fault, error) {
	var out []fault
	err := store.ScanPrefix(tx, store.BucketFaults, store.Prefix(phone), nil, func(k, v []byte) error {
		var f fault
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("fines: decode fault %q: %w", k, err)
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// observeFault keeps the repair index and raises the two fault flags as
// proposed fines: the 4th fault of one customer in a month (第二十八条, on the
// 4th order) and a new fault within ReopenWindow of the last clearance
// (第二十三条 suspicion, on the cleared order). The supervisor confirms or
// waives them like any other.
func observeFault(tx *bolt.Tx, old, wo *workorders.WorkOrder, catalogue func() ([]Item, error)) error {
	if wo.Type != workorders.TypeRepair || wo.Customer.Phone == "" {
		return nil
	}
	phone := wo.Customer.Phone
	key := faultKey(phone, wo.AcceptedAt, wo.ID)
	if old != nil && (old.Customer.Phone != phone || !old.AcceptedAt.Equal(wo.AcceptedAt)) {
		if err := store.Delete(tx, store.BucketFaults, faultKey(old.Customer.Phone, old.AcceptedAt, old.ID)); err != nil {
			return err
		}
	}
	f := fault{OrderID: wo.ID, Accepted: wo.AcceptedAt, Cancelled: wo.Status == workorders.StatusCancelled}
	if wo.Status == workorders.StatusCompleted {
		f.ClearedAt = wo.CompletedAt
	}
	isNew := old == nil || old.Type != workorders.TypeRepair
	var earlier []fault
	if isNew {
		all, err := faults(tx, phone)
		if err != nil {
			return err
		}
		for _, x := range all {
			if x.OrderID != wo.ID && !x.Cancelled && x.Accepted.Before(wo.AcceptedAt) {
				earlier = append(earlier, x)
			}
		}
	}
	if err := store.PutJSON(tx, store.BucketFaults, key, &f); err != nil {
		return err
	}
	if !isNew {
		return nil
	}
	items, err := catalogue()
	if err != nil {
		return err
	}
	month := MonthOf(wo.AcceptedAt)
	var same []string
	for _, x := range earlier {
		if MonthOf(x.Accepted) == month {
			same = append(same, x.OrderID)
		}
	}
	if len(same)+1 == RepeatFaults {
		if it := Find(items, "art28_repeat_faults"); it != nil {
			fn := fromItem(*it, wo, wo.AcceptedAt, 0)
			fn.Evidence.Note = fmt.Sprintf("当月第 %d 次障碍，之前：%s", RepeatFaults, strings.Join(same, "、"))
			if _, err := propose(tx, fn, store.Key(phone, month+"#art28")); err != nil {
				return err
			}
		}
	}
	// The customer's last cleared fault, if it was cleared only just now.
	var last *fault
	for i := range earlier {
		x := &earlier[i]
		if x.ClearedAt != nil && !x.ClearedAt.After(wo.AcceptedAt) && (last == nil || x.ClearedAt.After(*last.ClearedAt)) {
			last = x
		}
	}
	if last != nil && wo.AcceptedAt.Sub(*last.ClearedAt) <= ReopenWindow {
		prev, err := workorders.Get(tx, last.OrderID)
		if err != nil {
			return err
		}
		if it := Find(items, "art23_false_clear"); it != nil {
			fn := fromItem(*it, prev, wo.AcceptedAt, 0)
			fn.Evidence.DoneAt = last.ClearedAt
			fn.Evidence.Sheet = prev.CompletedBy
			fn.Evidence.Note = fmt.Sprintf("销障后 %.0f 小时再次报障（工单 %s），疑似虚假销障", wo.AcceptedAt.Sub(*last.ClearedAt).Hours(), wo.ID)
			if _, err := propose(tx, fn, orderKey(prev.ID, "art23_reopened")); err != nil {
				return err
			}
		}
	}
	return nil
}
