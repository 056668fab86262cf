// Package workorders owns work orders (工单) and service outlets (营业网点,
// "stores" in the API): validation, creation, reassignment, rescheduling (改约),
// cancellation, completion, CSV/JSON import, and the indexes and sync feed
// entries that follow from each change.
//
// It reads users only to check that a technician exists and is active; it
// must not import callbacks or sync (both import this package). Completing an
// order starts its callback (回访): every completion — a sheet's push, a
// manual completion, an unreachable repair's close — goes through one unit
// of work, finish.Job, which the server wires in with Service.WithFinisher.
package workorders
