// Package rectifications owns 整改: what a unit is asked to fix after an
// unsatisfied callback (callbacks) or an inspection with deductions (the
// submissions domain), and the measures it reports.
//
// It owns the Rectifications bucket (store/layout.go) and nothing else; no
// other package decodes it. Rectifications are opened by another domain's
// write, inside that write's transaction (Open takes the caller's *bolt.Tx,
// so a sheet and the rectification it opens commit together); everything
// after that — List, Resolve, Assign, Reopen — goes through Service, which
// applies the caller's scope (technicians their own, inspectors and
// supervisors their unit's, admins all), opens its own transaction and
// writes the audit entry.
package rectifications
