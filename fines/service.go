package fines

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// CloseDay is the day of the next month by which a month's results are
// confirmed (第七条: 8日前 … 送代理公司确认); the month closes when it ends.
const CloseDay = 8

// ClosesAt is when month m closes on its own: the end of CloseDay of the
// next month (Asia/Shanghai).
func ClosesAt(m string) time.Time {
	t, err := time.ParseInLocation("2006-01", m, store.Shanghai)
	if err != nil {
		return time.Time{}
	}
	return time.Date(t.Year(), t.Month()+1, CloseDay+1, 0, 0, 0, 0, store.Shanghai)
}

// Errors a client can act on.
var (
	ErrMonthClosed = errs.New(errs.Conflict, "month_closed", "该月考核已关账，不能再修改；迟到的罚款计入下一个未关账月份",
		"the month is closed and frozen; late fines count in the next open month")
	ErrBadMonth = errs.New(errs.BadRequest, "bad_month", "month 格式应为 YYYY-MM", "month must be YYYY-MM")
)

// Service is the door to fines: supervisors review their unit's, the admin
// every unit's and sets the catalogue.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the fines service.
func NewService(db *store.DB, now store.Clock) *Service { return &Service{db: db, now: now} }

// unitOf is the unit a caller acts for: "" (every unit) for an admin, their
// own otherwise; a supervisor without a unit acts for none.
func unitOf(p auth.Principal) string { return workorders.ManagedUnit(p) }

func inScope(p auth.Principal, unit string) bool {
	u := unitOf(p)
	return u == "" || u == unit
}

// ValidMonth parses "YYYY-MM".
func ValidMonth(m string) error {
	if len(m) != 7 {
		return ErrBadMonth
	}
	if _, err := time.ParseInLocation("2006-01", m, store.Shanghai); err != nil {
		return ErrBadMonth
	}
	return nil
}

// Filter narrows List.
type Filter struct {
	Month  string
	Status string
	Unit   string
}

// List is the fines booked in f.Month the caller may see, proposed first,
// then the largest amount first.
func (s *Service) List(by auth.Principal, f Filter) ([]Fine, error) {
	if err := ValidMonth(f.Month); err != nil {
		return nil, err
	}
	unit := unitOf(by)
	if f.Unit != "" {
		if unit != "" && f.Unit != unit {
			return nil, errs.ErrForbidden
		}
		unit = f.Unit
	}
	if err := s.closeDue(); err != nil {
		return nil, err
	}
	out := []Fine{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return eachInMonth(tx, f.Month, unit, func(x *Fine) error {
			if f.Status == "" || x.Status == f.Status {
				out = append(out, *x)
			}
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Status == StatusProposed) != (b.Status == StatusProposed) {
			return a.Status == StatusProposed
		}
		if a.Proposed != b.Proposed {
			return a.Proposed > b.Proposed
		}
		return a.ID < b.ID
	})
	return out, err
}

// Get reads one fine the caller may see.
func (s *Service) Get(by auth.Principal, id string) (*Fine, error) {
	var f *Fine
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if f, err = Get(tx, id); err != nil {
			return err
		}
		if !inScope(by, f.Unit) {
			return errs.ErrForbidden
		}
		return nil
	})
	return f, err
}

// Review is a supervisor's decision on a fine.
type Review struct {
	// Action: "confirm" (the proposed amount, or Amount when given),
	// "adjust" (Amount, within the range) or "waive" (Reason required).
	Action string   `json:"action"`
	Amount *float64 `json:"amount"`
	Reason string   `json:"reason"`
}

// MaxReasonLen bounds a review's reason (characters).
const MaxReasonLen = 500

// Review confirms, adjusts or waives fine id, audited as fine.confirm,
// fine.adjust or fine.waive. A fine of a closed month is frozen.
func (s *Service) Review(by auth.Principal, id string, r Review) (*Fine, error) {
	r.Reason = strings.TrimSpace(r.Reason)
	var v errs.Validation
	switch r.Action {
	case "confirm", "adjust", "waive":
	default:
		v.Add("action", "action 须为 confirm（确认）、adjust（调整）或 waive（免罚）", "action must be confirm, adjust or waive")
	}
	if r.Action == "adjust" && r.Amount == nil {
		v.Add("amount", "调整须填写金额", "amount is required to adjust")
	}
	if r.Action == "waive" && r.Reason == "" {
		v.Add("reason", "免罚须填写理由", "a waiver needs a reason")
	}
	if utf8.RuneCountInString(r.Reason) > MaxReasonLen {
		v.Add("reason", fmt.Sprintf("理由不能超过 %d 个字", MaxReasonLen), fmt.Sprintf("reason must be at most %d characters", MaxReasonLen))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.closeDue(); err != nil {
		return nil, err
	}
	now := s.now()
	var out *Fine
	err := s.db.Update(func(tx *bolt.Tx) error {
		f, err := Get(tx, id)
		if err != nil {
			return err
		}
		if !inScope(by, f.Unit) {
			return errs.ErrForbidden
		}
		if Closed(tx, f.Month) {
			return ErrMonthClosed
		}
		action := "fine." + r.Action
		switch r.Action {
		case "waive":
			f.Status, f.Amount = StatusWaived, 0
		default:
			amount := f.Proposed
			if r.Amount != nil {
				amount = round2(*r.Amount)
			}
			if amount < f.Min || amount > f.Max {
				var v errs.Validation
				v.Add("amount", fmt.Sprintf("金额须在 %s–%s 元之间", yuan(f.Min), yuan(f.Max)),
					fmt.Sprintf("amount must be within %s–%s yuan", yuan(f.Min), yuan(f.Max)))
				return v.Err()
			}
			if amount != f.Proposed {
				action = "fine.adjust"
			}
			f.Status, f.Amount = StatusConfirmed, amount
		}
		f.Reason, f.ReviewedBy, f.ReviewedAt = r.Reason, by.Username, &now
		if err := store.PutJSON(tx, store.BucketFines, []byte(f.ID), f); err != nil {
			return err
		}
		out = f
		detail := fmt.Sprintf("%s %s: %s yuan (proposed %s)", f.Item, f.Status, yuan(f.Amount), yuan(f.Proposed))
		if r.Reason != "" {
			detail += "; " + r.Reason
		}
		return store.Audit(tx, now, by.Actor(), action, "fine/"+f.ID, detail)
	})
	return out, err
}

func yuan(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", f), "0"), ".0")
}

// Raise is a fine a supervisor proposes by hand for what no event shows (a
// false completion found on a check, 第十七条): the order and the item.
type Raise struct {
	OrderID string   `json:"order_id"`
	Item    string   `json:"item"`
	Units   int      `json:"units"`
	Note    string   `json:"note"`
	Amount  *float64 `json:"amount"`
}

// Raise proposes a fine on an order of the caller's unit, audited as
// fine.propose.
func (s *Service) Raise(by auth.Principal, in Raise) (*Fine, error) {
	in.Note = strings.TrimSpace(in.Note)
	var v errs.Validation
	if in.OrderID == "" {
		v.Add("order_id", "请填写工单号", "order_id is required")
	}
	if in.Units < 0 || in.Units > 1000 {
		v.Add("units", "超时单位数须在 0–1000 之间", "units must be 0–1000")
	}
	if utf8.RuneCountInString(in.Note) > MaxReasonLen {
		v.Add("note", fmt.Sprintf("说明不能超过 %d 个字", MaxReasonLen), fmt.Sprintf("note must be at most %d characters", MaxReasonLen))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.closeDue(); err != nil {
		return nil, err
	}
	now := s.now()
	var out *Fine
	err := s.db.Update(func(tx *bolt.Tx) error {
		items, err := Catalogue(tx)
		if err != nil {
			return err
		}
		it := Find(items, in.Item)
		if it == nil {
			var v errs.Validation
			v.Add("item", "罚款条目不存在", "no such catalogue item")
			return v.Err()
		}
		wo, err := workorders.Get(tx, in.OrderID)
		if err != nil {
			return err
		}
		if !inScope(by, wo.Unit) {
			return errs.ErrForbidden
		}
		f := fromItem(*it, wo, now, max(in.Units, 1))
		f.ProposedBy = by.Username
		f.Evidence.Note = in.Note
		f.Evidence.Clock = wo.SLA
		if in.Amount != nil {
			a := round2(*in.Amount)
			if a < f.Min || a > f.Max {
				var v errs.Validation
				v.Add("amount", fmt.Sprintf("金额须在 %s–%s 元之间", yuan(f.Min), yuan(f.Max)),
					fmt.Sprintf("amount must be within %s–%s yuan", yuan(f.Min), yuan(f.Max)))
				return v.Err()
			}
			f.Proposed = a
		}
		if out, err = propose(tx, f, nil); err != nil {
			return err
		}
		return store.Audit(tx, now, by.Actor(), "fine.propose", "fine/"+out.ID,
			fmt.Sprintf("%s on %s: %s yuan", out.Item, out.OrderID, yuan(out.Proposed)))
	})
	return out, err
}

// CatalogueOf reads the catalogue in force.
func (s *Service) CatalogueOf() ([]Item, error) {
	var items []Item
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		items, err = Catalogue(tx)
		return err
	})
	return items, err
}

// PutCatalogue replaces the catalogue (admin), audited as fines.catalogue.
// Fines already proposed keep their range.
func (s *Service) PutCatalogue(by auth.Principal, items []Item) ([]Item, error) {
	if by.Role != auth.RoleAdmin {
		return nil, errs.ErrForbidden
	}
	if err := ValidateCatalogue(items); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := store.PutJSON(tx, store.BucketFineMonths, keyCatalogue, items); err != nil {
			return err
		}
		return store.Audit(tx, now, by.Actor(), "fines.catalogue", "fines/catalogue", fmt.Sprintf("%d items", len(items)))
	})
	return items, err
}

// Run closes months as their close day passes (hourly), so a late sheet
// books into the next month even when nobody opened the fines screens.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := s.closeDue(); err != nil && ctx.Err() == nil {
			_ = err // the next tick retries; a store failure shows in /readyz
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
