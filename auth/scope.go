package auth

// Scope is which rows a caller may see, derived once from who they are
// (ScopeOf) and handed to every domain query that lists or loads records:
// work orders, callbacks, submissions, rectifications, reports. A handler
// never filters rows itself; each domain applies the scope inside its own
// transaction, to its own records (a technician's own rectifications, a
// supervisor's unit's callbacks), so none can forget it.
//
// The one rule, by role:
//   - admin: every unit;
//   - technician: their own rows (the records naming them), whatever unit;
//   - agent and QA reviewer: their unit's, or every unit's without a unit
//     (a central call centre);
//   - supervisor and inspector: their unit's; without a unit, no unit's
//     (an admin's edit left them none: they see nothing rather than all).
//
// Which roles may touch a domain at all stays in the route table and the
// domain's own checks; Scope says which of its rows.
type Scope struct {
	role string
	user string
	unit string // "" with all or none
	all  bool
	none bool
	own  bool // rows are the user's own
}

// ScopeOf is p's scope.
func ScopeOf(p Principal) Scope {
	sc := Scope{role: p.Role, user: p.Username, unit: p.Unit}
	switch p.Role {
	case RoleAdmin:
		sc.unit, sc.all = "", true
	case RoleTechnician:
		sc.own = true
	case RoleAgent, RoleQA:
		sc.all = p.Unit == ""
	default: // supervisor, inspector and any role added later
		sc.none = p.Unit == ""
	}
	return sc
}

// Scope is p's scope (ScopeOf).
func (p Principal) Scope() Scope { return ScopeOf(p) }

// Role is the caller's role.
func (sc Scope) Role() string { return sc.role }

// User is the caller's username.
func (sc Scope) User() string { return sc.user }

// AllUnits reports whether every unit's rows are in the scope.
func (sc Scope) AllUnits() bool { return sc.all }

// NoUnit reports whether no unit's rows are (a supervisor or inspector
// left without a unit).
func (sc Scope) NoUnit() bool { return sc.none }

// Own reports whether the scope is the caller's own rows (a technician).
func (sc Scope) Own() bool { return sc.own }

// Unit is the one unit the scope is limited to; "" when it covers every
// unit or none (AllUnits, NoUnit).
func (sc Scope) Unit() string { return sc.unit }

// CoversUnit reports whether a row of unit is in a unit-wide scope; an own
// scope covers a unit's rows only through Covers.
func (sc Scope) CoversUnit(unit string) bool {
	return !sc.none && !sc.own && (sc.all || unit == sc.unit)
}

// Covers reports whether a row of unit that names user (its technician,
// author or owner; "" when none) is in the scope.
func (sc Scope) Covers(unit, user string) bool {
	if sc.own {
		return user != "" && user == sc.user
	}
	return sc.CoversUnit(unit)
}
