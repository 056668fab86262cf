package fines

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Month is a closed month (第七条): when and by whom, and what it froze —
// every unit's fines and score as they stood.
type Month struct {
	Month    string    `json:"month"`
	ClosedAt time.Time `json:"closed_at"`
	ClosedBy string    `json:"closed_by"`
	Rows     []Row     `json:"rows"`
	Scores   []Score   `json:"scores"`
}

// MonthInfo is one month's state for the screens.
type MonthInfo struct {
	Month    string     `json:"month"`
	Closed   bool       `json:"closed"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	ClosedBy string     `json:"closed_by,omitempty"`
	ClosesAt time.Time  `json:"closes_at"`
}

func getMonth(tx *bolt.Tx, m string) (*Month, error) {
	raw := tx.Bucket(store.BucketFineMonths).Get([]byte(m))
	if raw == nil {
		return nil, nil
	}
	var mo Month
	if err := json.Unmarshal(raw, &mo); err != nil {
		return nil, fmt.Errorf("fines: decode month %s: %w", m, err)
	}
	return &mo, nil
}

// closeMonth freezes m: its rows and scores as they stand now.
func closeMonth(tx *bolt.Tx, m string, by store.Actor, now time.Time) (*Month, error) {
	rows, err := Rows(tx, m, "")
	if err != nil {
		return nil, err
	}
	scores, err := Scores(tx, m, "")
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Closed = true
	}
	for i := range scores {
		scores[i].Closed = true
	}
	mo := &Month{Month: m, ClosedAt: now, ClosedBy: by.Username, Rows: rows, Scores: scores}
	if err := store.PutJSON(tx, store.BucketFineMonths, []byte(m), mo); err != nil {
		return nil, err
	}
	return mo, store.Audit(tx, now, by, "fines.close", "fines/month/"+m,
		fmt.Sprintf("%d units", len(rows)))
}

// dueMonths are the months that should have closed by now and have not:
// from the first month with a fine, and the last three months, up to now.
func dueMonths(tx *bolt.Tx, now time.Time) []string {
	cur := MonthOf(now)
	start := MonthOf(now.AddDate(0, -3, 0))
	if k, _ := tx.Bucket(store.BucketFinesByMonth).Cursor().First(); len(k) >= 7 && string(k[:7]) < start {
		start = string(k[:7])
	}
	var out []string
	for m, i := start, 0; m < cur && i < 240; m, i = nextMonth(m), i+1 {
		if !Closed(tx, m) && !now.Before(ClosesAt(m)) {
			out = append(out, m)
		}
	}
	return out
}

// closeDue closes every month whose close day has passed.
func (s *Service) closeDue() error {
	now := s.now()
	var due []string
	if err := s.db.View(func(tx *bolt.Tx) error { due = dueMonths(tx, now); return nil }); err != nil {
		return err
	}
	if len(due) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, m := range dueMonths(tx, now) {
			if _, err := closeMonth(tx, m, store.Actor{Username: System}, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// ErrMonthNotOver: a month is closed only after it has ended.
var ErrMonthNotOver = errs.New(errs.Conflict, "month_not_over", "该月尚未结束，不能关账", "the month has not ended yet")

// Close closes month m now (admin; before its close day, when every agency
// has confirmed), audited as fines.close. Closing a closed month is a
// conflict.
func (s *Service) Close(by auth.Principal, m string) (MonthInfo, error) {
	if by.Role != auth.RoleAdmin {
		return MonthInfo{}, errs.ErrForbidden
	}
	if err := ValidMonth(m); err != nil {
		return MonthInfo{}, err
	}
	now := s.now()
	if nextMonth(m) > MonthOf(now) {
		return MonthInfo{}, ErrMonthNotOver
	}
	var info MonthInfo
	err := s.db.Update(func(tx *bolt.Tx) error {
		if Closed(tx, m) {
			return ErrMonthClosed
		}
		mo, err := closeMonth(tx, m, by.Actor(), now)
		if err != nil {
			return err
		}
		info = MonthInfo{Month: m, Closed: true, ClosedAt: &mo.ClosedAt, ClosedBy: mo.ClosedBy, ClosesAt: ClosesAt(m)}
		return nil
	})
	return info, err
}

// Months lists the last 12 months, newest first, with their state.
func (s *Service) Months() ([]MonthInfo, error) {
	if err := s.closeDue(); err != nil {
		return nil, err
	}
	now := s.now()
	var out []MonthInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		m := MonthOf(now)
		for i := 0; i < 12; i++ {
			info := MonthInfo{Month: m, ClosesAt: ClosesAt(m)}
			mo, err := getMonth(tx, m)
			if err != nil {
				return err
			}
			if mo != nil {
				info.Closed, info.ClosedAt, info.ClosedBy = true, &mo.ClosedAt, mo.ClosedBy
			}
			out = append(out, info)
			t, _ := time.ParseInLocation("2006-01", m, store.Shanghai)
			m = t.AddDate(0, -1, 0).Format("2006-01")
		}
		return nil
	})
	return out, err
}

// Report is the month's fines per unit the caller may see: frozen when the
// month is closed.
func (s *Service) Report(by auth.Principal, m, unit string) ([]Row, error) {
	unit, err := s.scope(by, m, unit)
	if err != nil {
		return nil, err
	}
	var rows []Row
	err = s.db.View(func(tx *bolt.Tx) error {
		mo, err := getMonth(tx, m)
		if err != nil {
			return err
		}
		if mo == nil {
			rows, err = Rows(tx, m, unit)
			return err
		}
		rows = []Row{}
		for _, r := range mo.Rows {
			if unit == "" || r.Unit == unit {
				rows = append(rows, r)
			}
		}
		return nil
	})
	return rows, err
}

// ScoresOf is the month's score per unit the caller may see: frozen when
// the month is closed.
func (s *Service) ScoresOf(by auth.Principal, m, unit string) ([]Score, error) {
	unit, err := s.scope(by, m, unit)
	if err != nil {
		return nil, err
	}
	var out []Score
	err = s.db.View(func(tx *bolt.Tx) error {
		mo, err := getMonth(tx, m)
		if err != nil {
			return err
		}
		if mo == nil {
			out, err = Scores(tx, m, unit)
			return err
		}
		out = []Score{}
		for _, r := range mo.Scores {
			if unit == "" || r.Unit == unit {
				out = append(out, r)
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out, err
}

// scope checks the month and narrows unit to what the caller may see.
func (s *Service) scope(by auth.Principal, m, unit string) (string, error) {
	if err := ValidMonth(m); err != nil {
		return "", err
	}
	own := unitOf(by)
	if unit != "" && own != "" && unit != own {
		return "", errs.ErrForbidden
	}
	if unit == "" {
		unit = own
	}
	return unit, s.closeDue()
}
