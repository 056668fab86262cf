package cli

import (
	"fmt"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/fines"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

const demoSLAKey = "demo_sla"

// loadSLADemo (once per data dir) gives the time limits and fines of issue
// 22 something real to show: open orders past their limit (one on hold),
// orders finished late this month whose fines await review, and the month
// before last closed with a confirmed fine, plus a sheet for it that
// arrived after the close (an adjustment in the next open month). A demo
// data dir made by an earlier release (an upgrade) is left as it was.
func loadSLADemo(db *store.DB, now time.Time, fresh bool) error {
	if !fresh {
		return nil
	}
	var done bool
	if err := db.View(func(tx *bolt.Tx) error {
		done = tx.Bucket(store.BucketMeta).Get([]byte(demoSLAKey)) != nil
		return nil
	}); err != nil || done {
		return err
	}
	who := store.Actor{Username: "demo"}
	day := store.DayStart(now)
	monthStart := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, store.Shanghai)
	closedMonth := monthStart.AddDate(0, -2, 0)
	at := func(t time.Time, h int) time.Time { return store.DayStart(t).Add(time.Duration(h) * time.Hour) }
	type order struct {
		id, typ, tier, kind, tech, name, addr string
		accepted                              time.Time
		finished                              *time.Time
	}
	ptr := func(t time.Time) *time.Time { return &t }
	// This month's late work: finished yesterday-ish, accepted well before
	// (dates fall back into the month's first day when the month is young).
	inMonth := func(t time.Time) time.Time {
		if t.Before(monthStart) {
			return monthStart.Add(t.Sub(store.DayStart(t)))
		}
		return t
	}
	lateDone := inMonth(at(now.AddDate(0, 0, -1), 15))
	if !lateDone.Before(now) {
		lateDone = now.Add(-time.Hour)
	}
	orders := []order{
		{"SLA-OPEN-1", workorders.TypeInstall, workorders.TierStandard, "", "tech.li", "孙丽", "成都市锦江区东大街 100 号", at(now.AddDate(0, 0, -7), 10), nil},
		{"SLA-OPEN-2", workorders.TypeRepair, workorders.TierVIP, "", "tech.li", "钱总", "成都市锦江区红星路 3 段 1 号", now.Add(-7 * time.Hour), nil},
		{"SLA-OPEN-3", workorders.TypeRepair, workorders.TierStandard, workorders.KindEnterprise, "tech.wang", "天府软件园 B 区", "成都市高新区天府大道 1700 号", now.Add(-5 * time.Hour), nil},
		{"SLA-LATE-1", workorders.TypeInstall, workorders.TierStandard, "", "tech.zhang", "周婷", "成都市成华区建设北路 20 号", lateDone.AddDate(0, 0, -6), ptr(lateDone)},
		{"SLA-LATE-2", workorders.TypeRepair, workorders.TierVIP, "", "tech.zhang", "郑先生", "成都市成华区府青路 8 号", lateDone.Add(-6 * time.Hour), ptr(lateDone)},
		{"SLA-LATE-3", workorders.TypeRemoval, workorders.TierStandard, "", "tech.wang", "冯女士", "成都市高新区益州大道 66 号", lateDone.AddDate(0, 0, -4), ptr(lateDone)},
		{"SLA-CLOSED-1", workorders.TypeInstall, workorders.TierStandard, "", "tech.zhang", "蒋先生", "成都市锦江区盐市口 5 号", at(closedMonth.AddDate(0, 0, 9), 10), ptr(at(closedMonth.AddDate(0, 0, 16), 11))},
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, o := range orders {
			if _, err := workorders.Get(tx, o.id); err == nil {
				continue
			}
			from := o.accepted.Add(2 * time.Hour)
			wo := workorders.WorkOrder{ID: o.id, Type: o.typ, Product: "broadband", SubscribedMbps: 300,
				Customer:    workorders.Customer{Name: o.name, Phone: "13900001234", Address: o.addr, Tier: o.tier, Kind: o.kind},
				Technician:  o.tech,
				Appointment: workorders.Window{From: from, To: from.Add(2 * time.Hour)},
				AcceptedAt:  o.accepted}
			if _, err := workorders.Create(tx, wo, who, o.accepted); err != nil {
				return fmt.Errorf("demo order %s: %w", o.id, err)
			}
			if o.finished != nil {
				if _, err := workorders.Complete(tx, o.id, workorders.CompletedManually, *o.finished, who); err != nil {
					return err
				}
			}
		}
		// 缓装 without a reason (第十八条): fined 30 yuan.
		hold := workorders.StatusOnHold
		_, err := workorders.Patch(tx, "SLA-OPEN-1", workorders.Changes{Status: &hold}, store.Actor{Username: "sup.east"}, now.Add(-2*time.Hour))
		return err
	})
	if err != nil {
		return err
	}
	// The review and the close happen as they would have: in the first days
	// of the month after (before the month would close on its own).
	cm := fines.MonthOf(closedMonth)
	reviewAt := closedMonth.AddDate(0, 1, 3).Add(10 * time.Hour)
	svc := fines.NewService(db, func() time.Time { return reviewAt })
	sup := auth.Principal{Username: "sup.east", Role: auth.RoleSupervisor, Unit: "chengdu-east"}
	list, err := svc.List(sup, fines.Filter{Month: cm})
	if err != nil {
		return err
	}
	for _, f := range list {
		if f.OrderID == "SLA-CLOSED-1" && f.Status == fines.StatusProposed {
			if _, err := svc.Review(sup, f.ID, fines.Review{Action: "confirm"}); err != nil {
				return err
			}
		}
	}
	if _, err := svc.Close(auth.Principal{Username: "admin", Role: auth.RoleAdmin}, cm); err != nil && !errs.IsKind(err, errs.Conflict) {
		return err
	}
	// A sheet finished in the closed month reaches the server after the close.
	return db.Update(func(tx *bolt.Tx) error {
		if _, err := workorders.Get(tx, "SLA-CLOSED-2"); err != nil {
			acc := at(closedMonth.AddDate(0, 0, 20), 9)
			wo := workorders.WorkOrder{ID: "SLA-CLOSED-2", Type: workorders.TypeRemoval, Product: "phone+broadband",
				Customer:    workorders.Customer{Name: "韩先生", Phone: "13900005678", Address: "成都市锦江区总府路 2 号", Tier: workorders.TierStandard},
				Technician:  "tech.li",
				Appointment: workorders.Window{From: acc.Add(time.Hour), To: acc.Add(3 * time.Hour)},
				AcceptedAt:  acc}
			if _, err := workorders.Create(tx, wo, who, acc); err != nil {
				return err
			}
			if _, err := workorders.Complete(tx, wo.ID, workorders.CompletedManually, acc.AddDate(0, 0, 5), who); err != nil {
				return err
			}
		}
		return tx.Bucket(store.BucketMeta).Put([]byte(demoSLAKey), []byte(now.Format(time.RFC3339)))
	})
}
