package reports

import (
	"fieldcheck/auth"
	"fieldcheck/errs"
)

// ErrOtherUnit: a supervisor asked for another unit's report.
var ErrOtherUnit = errs.New(errs.Forbidden, "other_unit", "只能查看本单位的报表", "you may only see your own unit's reports")

// UnitFor is the unit a report for sc covers when asked is the ?unit= of
// the request: an admin's asked unit, or "" for every unit; anyone else's
// own unit (asking for another is ErrOtherUnit, and a caller without a unit
// sees nothing of anyone's). The caller's scope is decided here, not by the
// handler.
func UnitFor(sc auth.Scope, asked string) (string, error) {
	if sc.Role() == auth.RoleAdmin {
		return asked, nil
	}
	if sc.Unit() == "" || (asked != "" && asked != sc.Unit()) {
		return "", ErrOtherUnit
	}
	return sc.Unit(), nil
}
