package auth

import "testing"

// The one scope rule, role by role (issue 13): which rows of a unit, and
// which rows naming a user, a caller sees.
func TestScopeOfEachRole(t *testing.T) {
	for _, c := range []struct {
		name                      string
		p                         Principal
		east, west, ownRow, other bool // Covers("east", ""), ("west", ""), (unit, self), (east, someone else)
	}{
		{"admin: every unit", Principal{Username: "admin", Role: RoleAdmin}, true, true, true, true},
		{"technician: own rows only, whatever unit", Principal{Username: "tech1", Role: RoleTechnician, Unit: "east"}, false, false, true, false},
		{"supervisor: their unit", Principal{Username: "sup1", Role: RoleSupervisor, Unit: "east"}, true, false, false, true},
		{"supervisor without a unit: none", Principal{Username: "sup0", Role: RoleSupervisor}, false, false, false, false},
		{"inspector: their unit", Principal{Username: "insp1", Role: RoleInspector, Unit: "east"}, true, false, false, true},
		{"agent of a unit: that unit", Principal{Username: "agent1", Role: RoleAgent, Unit: "east"}, true, false, false, true},
		{"agent without a unit (call centre): every unit", Principal{Username: "agent0", Role: RoleAgent}, true, true, true, true},
		{"QA reviewer without a unit: every unit", Principal{Username: "qa0", Role: RoleQA}, true, true, true, true},
	} {
		sc := c.p.Scope()
		got := [4]bool{sc.Covers("east", ""), sc.Covers("west", ""), sc.Covers("west", c.p.Username), sc.Covers("east", "someone")}
		want := [4]bool{c.east, c.west, c.ownRow, c.other}
		if got != want {
			t.Errorf("%s: covers east, west, own row, another's east row = %v, want %v", c.name, got, want)
		}
	}
}
