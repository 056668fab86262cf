package fines

import (
	"sort"

	"fieldcheck/errs"
	"fieldcheck/names"

	bolt "go.etcd.io/bbolt"
)

// ItemTotal is one catalogue item's fines for one agency and month.
type ItemTotal struct {
	Item            string   `json:"item"`
	Article         string   `json:"article"`
	Name            errs.Msg `json:"name"`
	Proposed        int      `json:"proposed"`        // still awaiting review
	ProposedAmount  float64  `json:"proposed_amount"` // yuan, as proposed
	Confirmed       int      `json:"confirmed"`
	ConfirmedRaw    float64  `json:"confirmed_raw"` // before the monthly cap
	Cap             float64  `json:"cap,omitempty"` // 0: none
	ConfirmedAmount float64  `json:"confirmed_amount"`
	Capped          bool     `json:"capped,omitempty"`
	Waived          int      `json:"waived"`
}

// Row is one agency's (unit's) fines for one month: proposed and confirmed
// apart, caps applied to the confirmed ones, and the adjustments (fines for
// an earlier, closed month booked here) counted apart too.
type Row struct {
	Month    string `json:"month"`
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name"`
	Closed   bool   `json:"closed"`

	Proposed        int     `json:"proposed"`
	ProposedAmount  float64 `json:"proposed_amount"`
	Confirmed       int     `json:"confirmed"`
	ConfirmedRaw    float64 `json:"confirmed_raw"`
	ConfirmedAmount float64 `json:"confirmed_amount"` // caps applied
	Waived          int     `json:"waived"`
	// Adjustments are the fines booked here for an earlier, closed month.
	Adjustments      int         `json:"adjustments"`
	AdjustmentAmount float64     `json:"adjustment_amount"` // confirmed, before caps
	Items            []ItemTotal `json:"items"`
}

// Rows is the month's fines per unit ("" every unit), sorted by unit, from
// the fines booked in the month.
func Rows(tx *bolt.Tx, month, unit string) ([]Row, error) {
	items, err := Catalogue(tx)
	if err != nil {
		return nil, err
	}
	look, err := names.ForExport(tx)
	if err != nil {
		return nil, err
	}
	rows := map[string]*Row{}
	at := map[string]map[string]*ItemTotal{}
	err = eachInMonth(tx, month, unit, func(f *Fine) error {
		r := rows[f.Unit]
		if r == nil {
			r = &Row{Month: month, Unit: f.Unit, UnitName: look.Unit(f.Unit), Items: []ItemTotal{}}
			rows[f.Unit] = r
			at[f.Unit] = map[string]*ItemTotal{}
		}
		t := at[f.Unit][f.Item]
		if t == nil {
			t = &ItemTotal{Item: f.Item, Article: f.Article}
			if it := Find(items, f.Item); it != nil {
				t.Name, t.Cap = it.Name, it.MonthlyCap
			}
			at[f.Unit][f.Item] = t
		}
		switch f.Status {
		case StatusProposed:
			t.Proposed++
			t.ProposedAmount = round2(t.ProposedAmount + f.Proposed)
		case StatusConfirmed:
			t.Confirmed++
			t.ConfirmedRaw = round2(t.ConfirmedRaw + f.Amount)
		case StatusWaived:
			t.Waived++
		}
		if f.Adjustment {
			r.Adjustments++
			if f.Status == StatusConfirmed {
				r.AdjustmentAmount = round2(r.AdjustmentAmount + f.Amount)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Row, 0, len(rows))
	for u, r := range rows {
		for _, t := range at[u] {
			t.ConfirmedAmount = t.ConfirmedRaw
			if t.Cap > 0 && t.ConfirmedRaw > t.Cap {
				t.ConfirmedAmount, t.Capped = t.Cap, true
			}
			r.Proposed += t.Proposed
			r.ProposedAmount = round2(r.ProposedAmount + t.ProposedAmount)
			r.Confirmed += t.Confirmed
			r.ConfirmedRaw = round2(r.ConfirmedRaw + t.ConfirmedRaw)
			r.ConfirmedAmount = round2(r.ConfirmedAmount + t.ConfirmedAmount)
			r.Waived += t.Waived
			r.Items = append(r.Items, *t)
		}
		sort.Slice(r.Items, func(i, j int) bool { return r.Items[i].Item < r.Items[j].Item })
		r.Closed = Closed(tx, month)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out, nil
}
