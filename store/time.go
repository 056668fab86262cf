package store

import "time"

// Shanghai is Asia/Shanghai. China keeps no daylight saving, so a fixed zone
// is exact and needs no tzdata on the host.
var Shanghai = time.FixedZone("CST", 8*3600)

// Clock tells the time; tests pass a fake one.
type Clock func() time.Time

// SystemClock is the real clock.
func SystemClock() time.Time { return time.Now() }

// DayStart is the start of t's Asia/Shanghai day.
func DayStart(t time.Time) time.Time {
	t = t.In(Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai)
}

// DayEnd is the last nanosecond of t's Asia/Shanghai day.
func DayEnd(t time.Time) time.Time {
	return DayStart(t).AddDate(0, 0, 1).Add(-time.Nanosecond)
}
