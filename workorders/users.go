package workorders

import (
	"fieldcheck/auth"
	"fieldcheck/errs"

	bolt "go.etcd.io/bbolt"
)

// activeTechnician loads username when it is an enabled technician; ok is
// false when it is missing, disabled or another role.
func activeTechnician(tx *bolt.Tx, username string) (u *auth.User, ok bool, err error) {
	u, err = auth.GetUser(tx, username)
	if e, isErr := errs.As(err); isErr && e.Kind == errs.NotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return u, u.Role == auth.RoleTechnician && !u.Disabled, nil
}
