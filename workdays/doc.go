// Package workdays is the working-day calendar (工作日历): weekends, public
// holidays (法定节假日) and the weekend days worked in their place (调休上班),
// one calendar per year. An admin sets a year through the API; a year nobody
// set falls back to the built-in one (data/<year>.json, the State Council's
// published arrangement) and, failing that, to plain Monday–Friday.
//
// It owns BucketWorkdays and nothing else, and knows nothing of work orders:
// the SLA clocks (sla/) and the enterprise audits both count working days
// through Calendars.
package workdays
