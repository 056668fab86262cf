package names

import (
	"fieldcheck/auth"

	bolt "go.etcd.io/bbolt"
)

// Book is what GET /names answers and sync/pull pages carry (the shape
// pwa/static/js/names.js reads): code → label per kind, username → name for
// people.
type Book struct {
	Units    map[string]Label `json:"units"`
	Products map[string]Label `json:"products"`
	Roles    map[string]Label `json:"roles"`
	People   map[string]Label `json:"people"`
}

// Lookup names codes for reports and exports, which have no browser to do
// it: a code without a name comes back as itself. The zero Lookup names
// nothing.
type Lookup struct{ b *Book }

// Unit, Product, Role and Person are the zh name of code, else the code.
func (l Lookup) Unit(code string) string    { return zh(l.book().Units, code) }
func (l Lookup) Product(code string) string { return zh(l.book().Products, code) }
func (l Lookup) Role(code string) string    { return zh(l.book().Roles, code) }
func (l Lookup) Person(code string) string  { return zh(l.book().People, code) }

func (l Lookup) book() *Book {
	if l.b == nil {
		return &Book{}
	}
	return l.b
}

func zh(m map[string]Label, code string) string {
	if n, ok := m[code]; ok && n.Zh != "" {
		return n.Zh
	}
	return code
}

// ForExport is every name, for a report or an export that the caller's
// scope already limits.
func ForExport(tx *bolt.Tx) (Lookup, error) {
	b, err := For(tx, auth.Principal{Role: auth.RoleAdmin})
	return Lookup{b}, err
}

// For is the book p receives. Everyone gets every product and role name.
// Units: a technician gets their own unit and the units above it; everyone
// else every named unit (inspectors walk stores of any unit, supervisors
// read their unit's sub-units, agents call customers of every unit).
//
// People, kept to whom the caller meets on their screens:
//   - a technician: themselves;
//   - an inspector: themselves and the technicians of their unit (spot
//     checks name the order's technician);
//   - an agent: themselves, every technician and supervisor (the callback
//     queue is every unit's; a rectification goes to a unit's supervisor);
//   - a supervisor: every user of their unit and the units below it, and the
//     roles that work across units (inspectors, agents, admins) whose
//     walkthroughs, calls and notes reach their screens;
//   - an admin: everyone.
func For(tx *bolt.Tx, p auth.Principal) (*Book, error) {
	b := &Book{People: map[string]Label{}}
	var err error
	if b.Products, err = all(tx, KindProduct); err != nil {
		return nil, err
	}
	if b.Roles, err = all(tx, KindRole); err != nil {
		return nil, err
	}
	units, err := all(tx, KindUnit)
	if err != nil {
		return nil, err
	}
	b.Units = units
	if p.Role == auth.RoleTechnician {
		b.Units = map[string]Label{}
		for code, depth := p.Unit, 0; code != "" && depth <= MaxDepth; depth++ {
			l, ok := units[code]
			if !ok {
				break
			}
			b.Units[code] = l
			code = l.Parent
		}
	}
	err = auth.EachCard(tx, func(u auth.Card) error {
		if u.Name != "" && sees(p, u, units) {
			b.People[u.Username] = Label{Zh: u.Name, En: u.Name}
		}
		return nil
	})
	return b, err
}

// sees says whether p gets u's name (see For).
func sees(p auth.Principal, u auth.Card, units map[string]Label) bool {
	if u.Username == p.Username {
		return true
	}
	switch p.Role {
	case auth.RoleAdmin:
		return true
	case auth.RoleInspector:
		return u.Role == auth.RoleTechnician && p.Unit != "" && u.Unit == p.Unit
	case auth.RoleAgent:
		return u.Role == auth.RoleTechnician || u.Role == auth.RoleSupervisor
	case auth.RoleQA:
		// A reviewer's screens name the agents they review and their fellow reviewers.
		return u.Role == auth.RoleAgent || u.Role == auth.RoleQA || u.Role == auth.RoleSupervisor
	case auth.RoleSupervisor:
		switch u.Role {
		case auth.RoleInspector, auth.RoleAgent, auth.RoleAdmin, auth.RoleQA:
			return true
		}
		return p.Unit != "" && within(u.Unit, p.Unit, units)
	}
	return false
}

// within reports whether unit is top or lies below it.
func within(unit, top string, units map[string]Label) bool {
	for depth := 0; unit != "" && depth <= MaxDepth; depth++ {
		if unit == top {
			return true
		}
		unit = units[unit].Parent
	}
	return false
}
