package fines

import (
	"sort"
	"time"

	"fieldcheck/names"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// The weights of 第五条 (points out of 100).
const (
	WeightTimely      = 40.0 // 装、拆、移机及时率
	WeightFaults      = 10.0 // 用户障碍率
	WeightComplaints  = 10.0 // 用户投诉率
	WeightAppointment = 30.0 // 预约服务、预约服务率
	WeightOther       = 10.0 // 其它
)

// Part is one part of the score: its rate (nil when nothing counted) and
// the points it earns.
type Part struct {
	Rate   *float64 `json:"rate"`
	Count  int      `json:"count"` // what the rate is of
	Points float64  `json:"points"`
	Max    float64  `json:"max"`
}

// Score is an agency's month under 第五条; docs/SLA.md gives each formula.
type Score struct {
	Month       string  `json:"month"`
	Unit        string  `json:"unit"`
	UnitName    string  `json:"unit_name"`
	Closed      bool    `json:"closed"`
	Timely      Part    `json:"timely"`
	Faults      Part    `json:"faults"`
	Complaints  Part    `json:"complaints"`
	Appointment Part    `json:"appointment"`
	Other       Part    `json:"other"`
	Total       float64 `json:"total"`
}

// timelinessItems are the fines the timeliness part already counts.
var timelinessItems = map[string]bool{
	"art15_install_overdue": true, "art21_priority_repair_overdue": true,
	"art22_repair_overdue": true, "art29_removal_overdue": true,
}

type scoreAcc struct {
	timelyAll, timelyLate   int
	accepted, repairs, cmpl int
	apptAll, apptKept       int
	otherFines              int
}

// Scores computes the month's score per unit ("" every unit with orders or
// fines in the month), from the orders as they are now and the fines booked
// in the month.
func Scores(tx *bolt.Tx, month, unit string) ([]Score, error) {
	from, err := time.ParseInLocation("2006-01", month, store.Shanghai)
	if err != nil {
		return nil, ErrBadMonth
	}
	to := from.AddDate(0, 1, 0)
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	acc := map[string]*scoreAcc{}
	get := func(u string) *scoreAcc {
		if acc[u] == nil {
			acc[u] = &scoreAcc{}
		}
		return acc[u]
	}
	err = workorders.Each(tx, unit, func(wo *workorders.WorkOrder) error {
		if wo.Status == workorders.StatusCancelled {
			return nil
		}
		if in(wo.AcceptedAt) {
			a := get(wo.Unit)
			a.accepted++
			switch wo.Type {
			case workorders.TypeRepair:
				a.repairs++
			case workorders.TypeComplaint:
				a.cmpl++
			}
		}
		if wo.Status != workorders.StatusCompleted || wo.CompletedAt == nil || !in(*wo.CompletedAt) {
			return nil
		}
		switch wo.Type {
		case workorders.TypeInstall, workorders.TypeMove, workorders.TypeRemoval:
			if wo.SLA != nil {
				a := get(wo.Unit)
				a.timelyAll++
				if wo.SLA.OverdueUnits > 0 {
					a.timelyLate++
				}
			}
		}
		if wo.Type != workorders.TypeComplaint && !wo.Appointment.To.IsZero() {
			a := get(wo.Unit)
			a.apptAll++
			if kept(wo) {
				a.apptKept++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachInMonth(tx, month, unit, func(f *Fine) error {
		a := get(f.Unit)
		if f.Status == StatusConfirmed && !timelinessItems[f.Item] {
			a.otherFines++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	look, err := names.ForExport(tx)
	if err != nil {
		return nil, err
	}
	closed := Closed(tx, month)
	out := make([]Score, 0, len(acc))
	for u, a := range acc {
		s := Score{Month: month, Unit: u, UnitName: look.Unit(u), Closed: closed}
		s.Timely = share(a.timelyAll-a.timelyLate, a.timelyAll, WeightTimely, false)
		s.Faults = share(a.repairs, a.accepted, WeightFaults, true)
		s.Complaints = share(a.cmpl, a.accepted, WeightComplaints, true)
		s.Appointment = share(a.apptKept, a.apptAll, WeightAppointment, false)
		s.Other = Part{Count: a.otherFines, Max: WeightOther, Points: max(0, WeightOther-float64(a.otherFines))}
		s.Total = round2(s.Timely.Points + s.Faults.Points + s.Complaints.Points + s.Appointment.Points + s.Other.Points)
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out, nil
}

// share is the part for n of d: weight × rate, or weight × (1 − rate) when
// lower is better; full points when there is nothing to count.
func share(n, d int, weight float64, lowerBetter bool) Part {
	p := Part{Count: d, Max: weight, Points: weight}
	if d == 0 {
		return p
	}
	r := round4(float64(n) / float64(d))
	p.Rate = &r
	if lowerBetter {
		p.Points = round2(weight * (1 - r))
	} else {
		p.Points = round2(weight * r)
	}
	return p
}

func round4(f float64) float64 { return float64(int64(f*10000+0.5)) / 10000 }

// kept says whether an order's appointment was kept (履约): by its
// appointment record when it has one (a "kept" entry and no "missed"),
// else finished by the end of the (last agreed) appointment day.
func kept(wo *workorders.WorkOrder) bool {
	if len(wo.Appointments) > 0 {
		k := false
		for _, r := range wo.Appointments {
			switch r.Event {
			case workorders.ApptMissed:
				return false
			case workorders.ApptKept:
				k = true
			}
		}
		if k {
			return true
		}
	}
	return !wo.CompletedAt.After(store.DayEnd(wo.Appointment.To))
}
