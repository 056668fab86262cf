package workorders

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Conflicts a client can act on.
var (
	ErrExists    = errs.New(errs.Conflict, "workorder_exists", "工单号已存在", "a work order with this id already exists")
	ErrCompleted = errs.New(errs.Conflict, "workorder_completed", "工单已竣工，不能再修改", "the work order is already completed")
	ErrCancelled = errs.New(errs.Conflict, "workorder_cancelled", "工单已撤销，不能再修改", "the work order is cancelled")
)

// Completion says how an order was finished.
type Completion struct {
	By   string    // a submission id, CompletedManually or CompletedUnreachable
	Note string    // the supervisor's or technician's note, if any
	At   time.Time // when the job was finished (skew-corrected for a sheet)
	Now  time.Time // when it is written
}

// Finisher completes order id inside tx and starts what follows a finished
// job. Production wires finish.Job (the order and its 回访 in one unit of
// work) with Service.WithFinisher; this package cannot import callbacks,
// which imports it.
type Finisher func(tx *bolt.Tx, id string, c Completion, who store.Actor) (*WorkOrder, error)

// notFound names the missing order.
func notFound(id string) error {
	return errs.New(errs.NotFound, "not_found", "未找到工单 "+errs.Echo(id), "work order "+errs.Echo(id)+" not found")
}

// Get loads order id; errs NotFound when absent.
func Get(tx *bolt.Tx, id string) (*WorkOrder, error) {
	var wo WorkOrder
	err := store.GetJSON(tx, store.BucketWorkOrders, []byte(id), &wo)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	wo.fill()
	return &wo, nil
}

func decode(k, v []byte) (*WorkOrder, error) {
	var wo WorkOrder
	if err := json.Unmarshal(v, &wo); err != nil {
		return nil, fmt.Errorf("workorders: decode %q: %w", k, err)
	}
	wo.fill()
	return &wo, nil
}

// fill gives an order stored before v1.1 what it lacks: accepted_at is when
// it reached the server.
func (wo *WorkOrder) fill() {
	if wo.AcceptedAt.IsZero() {
		wo.AcceptedAt = wo.CreatedAt
	}
}

// InUnit is nil when unit is empty (an admin: every unit) or the order's
// unit; otherwise Forbidden. Supervisors act only within their unit.
func InUnit(unit string, wo *WorkOrder) error {
	if unit != "" && wo.Unit != unit {
		return errOtherUnit
	}
	return nil
}

var errOtherUnit = errs.New(errs.Forbidden, "other_unit", "只能管理本单位的工单", "you may only manage work orders of your own unit")

// Create validates in and stores it as a new assigned order, version 1. The
// order's unit is its technician's unit.
func Create(tx *bolt.Tx, in WorkOrder, who store.Actor, now time.Time) (*WorkOrder, error) {
	return create(tx, in, who, now, "")
}

// create is Create confined to onlyUnit (see InUnit).
func create(tx *bolt.Tx, in WorkOrder, who store.Actor, now time.Time, onlyUnit string) (*WorkOrder, error) {
	wo := in
	clean(&wo)
	unit, err := validate(tx, &wo, true)
	if err != nil {
		return nil, err
	}
	wo.Unit = unit
	if err := InUnit(onlyUnit, &wo); err != nil {
		return nil, err
	}
	if store.Has(tx, store.BucketWorkOrders, []byte(wo.ID)) {
		return nil, ErrExists
	}
	wo.Status = StatusAssigned
	wo.Version = 1
	wo.CreatedAt, wo.UpdatedAt = now, now
	if wo.AcceptedAt.IsZero() {
		wo.AcceptedAt = now
	}
	wo.CompletedAt, wo.CompletedBy, wo.CompletionNote = nil, "", ""
	if err := save(tx, nil, &wo); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%s for %s (%s)", wo.Type, wo.Technician, wo.Unit)
	if err := store.Audit(tx, now, who, "workorder.create", "workorder/"+wo.ID, detail); err != nil {
		return nil, err
	}
	return &wo, nil
}

// CustomerPatch changes some of the customer's fields.
type CustomerPatch struct {
	Name    *string `json:"name"`
	Phone   *string `json:"phone"`
	Address *string `json:"address"`
	Tier    *string `json:"tier"`
	Kind    *string `json:"kind"`
}

// Changes is the body of a PATCH: reassign (technician), reschedule 改约
// (appointment), cancel (status "cancelled"), or correct the order's details.
// Absent fields stay as they are.
type Changes struct {
	Technician     *string        `json:"technician"`
	Appointment    *Window        `json:"appointment"`
	Status         *string        `json:"status"`
	Type           *string        `json:"type"`
	Product        *string        `json:"product"`
	SubscribedMbps *float64       `json:"subscribed_mbps"`
	Customer       *CustomerPatch `json:"customer"`
	Note           *string        `json:"note"`
	Line           *string        `json:"line"`
	AcceptedAt     *time.Time     `json:"accepted_at"`
	// ProposalRequestedAt / ProposalSubmittedAt record an enterprise
	// order's 方案 times as they happen (issue 20).
	ProposalRequestedAt *time.Time `json:"proposal_requested_at"`
	ProposalSubmittedAt *time.Time `json:"proposal_submitted_at"`
	// Version, when given, is the version the caller last saw: a change made
	// meanwhile by someone else is a Conflict (ErrStale), nothing written.
	Version *int `json:"version,omitempty"`
	// Reason says why an order is cancelled (撤销原因); kept on the order.
	Reason *string `json:"reason,omitempty"`
	// HoldReason goes with status "on_hold" (缓装/待装原因).
	HoldReason *string `json:"hold_reason"`
}

// ErrStale: the order changed since the caller read it.
var ErrStale = errs.New(errs.Conflict, "version_conflict", "工单已被他人修改，请查看最新内容后重试",
	"the work order was changed by someone else; check the latest and try again")

// Patch applies p to order id. A completed or cancelled order is a Conflict.
// A change bumps the version; an unchanged order is returned as it is.
func Patch(tx *bolt.Tx, id string, p Changes, who store.Actor, now time.Time) (*WorkOrder, error) {
	old, err := Get(tx, id)
	if err != nil {
		return nil, err
	}
	if p.Version != nil && *p.Version != old.Version {
		return nil, ErrStale
	}
	next := *old
	set(&next.Technician, p.Technician)
	set(&next.Type, p.Type)
	set(&next.Product, p.Product)
	set(&next.SubscribedMbps, p.SubscribedMbps)
	set(&next.Note, p.Note)
	set(&next.Line, p.Line)
	set(&next.AcceptedAt, p.AcceptedAt)
	if p.ProposalRequestedAt != nil {
		t := *p.ProposalRequestedAt
		next.ProposalRequestedAt = &t
	}
	if p.ProposalSubmittedAt != nil {
		t := *p.ProposalSubmittedAt
		next.ProposalSubmittedAt = &t
	}
	if p.Appointment != nil {
		next.Appointment = *p.Appointment
	}
	if c := p.Customer; c != nil {
		set(&next.Customer.Name, c.Name)
		set(&next.Customer.Phone, c.Phone)
		set(&next.Customer.Address, c.Address)
		set(&next.Customer.Tier, c.Tier)
		set(&next.Customer.Kind, c.Kind)
	}
	status := ""
	if p.Status != nil {
		switch *p.Status {
		case StatusAssigned, StatusCancelled, StatusOnHold:
			next.Status = *p.Status
			if *p.Status == StatusCancelled && p.Reason != nil {
				next.CancelReason = strings.TrimSpace(*p.Reason)
				if utf8.RuneCountInString(next.CancelReason) > MaxTextLen {
					var v errs.Validation
					v.Add("reason", fmt.Sprintf("不能超过 %d 个字", MaxTextLen), fmt.Sprintf("must be at most %d characters", MaxTextLen))
					return nil, v.Err()
				}
			}
			status = *p.Status
		default:
			var v errs.Validation
			v.Add("status", "只能把工单改为 cancelled（撤销）、on_hold（缓装）或 assigned；竣工请用 complete",
				`status may only be set to "cancelled", "on_hold" or "assigned"; complete an order with POST /workorders/:id/complete`)
			return nil, v.Err()
		}
	}
	if old.Status != StatusCompleted && old.Status != StatusCancelled {
		if err := applyHold(old, &next, status, p.HoldReason, who.Username, now); err != nil {
			return nil, err
		}
	}
	return update(tx, old, next, who, now, "")
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// update replaces old with next (patch semantics, shared with Import):
// refuses closed orders and orders outside onlyUnit, validates, bumps the
// version, keeps the indexes and the feed right, and audits what changed.
func update(tx *bolt.Tx, old *WorkOrder, next WorkOrder, who store.Actor, now time.Time, onlyUnit string) (*WorkOrder, error) {
	if err := InUnit(onlyUnit, old); err != nil {
		return nil, err
	}
	switch old.Status {
	case StatusCompleted:
		return nil, ErrCompleted
	case StatusCancelled:
		return nil, ErrCancelled
	}
	clean(&next)
	// The technician is checked only when it changes: cancelling or
	// rescheduling the order of a technician who has since been disabled
	// must still work.
	reassign := next.Technician != old.Technician
	unit, err := validate(tx, &next, reassign)
	if err != nil {
		return nil, err
	}
	if reassign {
		next.Unit = unit
		if err := InUnit(onlyUnit, &next); err != nil {
			return nil, err
		}
	}
	what := changes(old, &next)
	if len(what) == 0 {
		return old, nil
	}
	next.Version = old.Version + 1
	next.UpdatedAt = now
	if err := save(tx, old, &next); err != nil {
		return nil, err
	}
	action := "workorder.update"
	switch {
	case next.Status == StatusCancelled:
		action = "workorder.cancel"
	case next.Status == StatusOnHold && old.Status != StatusOnHold:
		action = "workorder.hold"
	case old.Status == StatusOnHold && next.Status != StatusOnHold:
		action = "workorder.unhold"
	case reassign:
		action = "workorder.reassign"
	case len(what) == 1 && strings.HasPrefix(what[0], "appointment"):
		action = "workorder.reschedule"
	}
	if err := store.Audit(tx, now, who, action, "workorder/"+next.ID, strings.Join(what, "; ")); err != nil {
		return nil, err
	}
	return &next, nil
}

// changes lists what differs between a and b, for the audit log.
func changes(a, b *WorkOrder) []string {
	var out []string
	diff := func(name, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %s→%s", name, x, y))
		}
	}
	diff("technician", a.Technician, b.Technician)
	diff("unit", a.Unit, b.Unit)
	diff("status", a.Status, b.Status)
	diff("type", a.Type, b.Type)
	diff("product", a.Product, b.Product)
	diff("subscribed_mbps", fmt.Sprint(a.SubscribedMbps), fmt.Sprint(b.SubscribedMbps))
	if a.Customer != b.Customer {
		out = append(out, "customer")
	}
	if !a.Appointment.From.Equal(b.Appointment.From) || !a.Appointment.To.Equal(b.Appointment.To) {
		out = append(out, fmt.Sprintf("appointment %s→%s", windowText(a.Appointment), windowText(b.Appointment)))
	}
	if a.Note != b.Note {
		out = append(out, "note")
	}
	diff("line", a.Line, b.Line)
	diff("hold_reason", a.HoldReason, b.HoldReason)
	if !a.AcceptedAt.Equal(b.AcceptedAt) {
		out = append(out, "accepted_at")
	}
	for _, f := range []struct {
		name string
		a, b *time.Time
	}{{"proposal_requested_at", a.ProposalRequestedAt, b.ProposalRequestedAt}, {"proposal_submitted_at", a.ProposalSubmittedAt, b.ProposalSubmittedAt}} {
		if (f.a == nil) != (f.b == nil) || (f.a != nil && !f.a.Equal(*f.b)) {
			out = append(out, f.name)
		}
	}
	if a.CancelReason != b.CancelReason {
		out = append(out, "reason "+b.CancelReason)
	}
	return out
}

func windowText(w Window) string {
	if w.From.IsZero() {
		return "none"
	}
	return w.From.In(store.Shanghai).Format("2006-01-02 15:04") + "–" + w.To.In(store.Shanghai).Format("15:04")
}

// save writes wo (old is nil for a new order), keeps the by-tech and by-unit
// indexes, and publishes the change for sync pulls: the technician and the
// unit (inspectors pick spot checks there) get "workorder"; a technician or
// unit that lost the order, and the technician of a cancelled one, get
// "removed".
func save(tx *bolt.Tx, old, wo *WorkOrder) error {
	if err := observe(tx, old, wo); err != nil {
		return err
	}
	id := []byte(wo.ID)
	var removed []string
	if old != nil && old.Technician != wo.Technician {
		if err := store.Delete(tx, store.BucketWorkOrdersByTech, store.Key(old.Technician, id)); err != nil {
			return err
		}
		removed = append(removed, store.ScopeUser(old.Technician))
	}
	if old != nil && old.Unit != wo.Unit {
		if err := store.Delete(tx, store.BucketWorkOrdersByUnit, store.Key(old.Unit, id)); err != nil {
			return err
		}
		removed = append(removed, store.ScopeUnit(old.Unit))
	}
	// The index keys are rewritten only when they move: a Put of an
	// unchanged key still dirties its leaf page, and completing an order
	// (every acceptance sheet) changes neither.
	if old == nil || old.Technician != wo.Technician {
		if err := store.Mark(tx, store.BucketWorkOrdersByTech, store.Key(wo.Technician, id)); err != nil {
			return err
		}
	}
	if old == nil || old.Unit != wo.Unit {
		if err := store.Mark(tx, store.BucketWorkOrdersByUnit, store.Key(wo.Unit, id)); err != nil {
			return err
		}
	}
	if err := moveIndex(tx, old, wo); err != nil {
		return err
	}
	if err := moveTypeIndex(tx, old, wo); err != nil {
		return err
	}
	if err := store.PutJSON(tx, store.BucketWorkOrders, id, wo); err != nil {
		return err
	}
	live := []string{store.ScopeUnit(wo.Unit)}
	if wo.Status == StatusCancelled {
		removed = append(removed, store.ScopeUser(wo.Technician))
	} else {
		live = append(live, store.ScopeUser(wo.Technician))
	}
	if len(removed) > 0 {
		if err := store.Publish(tx, "removed", wo.ID, removed...); err != nil {
			return err
		}
	}
	return store.Publish(tx, "workorder", wo.ID, live...)
}

// Complete marks order id completed at `at` by `by` (a submission id or
// "manual"), bumps its version and publishes the change. Completing an order
// that is already completed (or cancelled) is an errs Conflict. It is the
// order's half only: a finished job goes through finish.Job, which also
// starts its 回访.
func Complete(tx *bolt.Tx, id, by string, at time.Time, who store.Actor) (*WorkOrder, error) {
	return complete(tx, id, by, "", at, who)
}

// CompleteWith is Complete with the whole Completion (its note too).
func CompleteWith(tx *bolt.Tx, id string, c Completion, who store.Actor) (*WorkOrder, error) {
	return complete(tx, id, c.By, c.Note, c.At, who)
}

func complete(tx *bolt.Tx, id, by, note string, at time.Time, who store.Actor) (*WorkOrder, error) {
	old, err := Get(tx, id)
	if err != nil {
		return nil, err
	}
	switch old.Status {
	case StatusCompleted:
		return nil, ErrCompleted
	case StatusCancelled:
		return nil, ErrCancelled
	}
	wo := *old
	if old.Status == StatusOnHold {
		endHold(&wo, at) // finished while on hold: the hold ends with the job
	}
	wo.Status = StatusCompleted
	wo.CompletedAt = &at
	wo.CompletedBy = by
	wo.CompletionNote = note
	wo.Version++
	wo.UpdatedAt = at
	if err := save(tx, old, &wo); err != nil {
		return nil, err
	}
	if err := store.Audit(tx, at, who, "workorder.complete", "workorder/"+id, "by "+by); err != nil {
		return nil, err
	}
	return &wo, nil
}

// checkCompletionNote trims a manual completion's note and checks its length.
func checkCompletionNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxTextLen {
		var v errs.Validation
		v.Add("note", fmt.Sprintf("不能超过 %d 个字", MaxTextLen), fmt.Sprintf("must be at most %d characters", MaxTextLen))
		return "", v.Err()
	}
	return note, nil
}

// CompletedManually is CompletedBy for POST /workorders/:id/complete.
const CompletedManually = "manual"
