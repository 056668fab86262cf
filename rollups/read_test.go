package rollups

import (
	"testing"
	"time"

	"fieldcheck/store"
)

func d(y int, m time.Month, day int) time.Time {
	return time.Date(y, m, day, 0, 0, 0, 0, store.Shanghai)
}

// TestSpansCoverEachDayOnce: whatever the range, the spans add every day
// in it exactly once and no other day (a month cell counts its days).
func TestSpansCoverEachDayOnce(t *testing.T) {
	start := d(2026, 10, 1)
	for a := 0; a < 120; a += 3 {
		for n := 1; n < 75; n += 2 {
			from, to := start.AddDate(0, 0, a), start.AddDate(0, 0, a+n)
			for _, fn := range []func(time.Time, time.Time) []Span{Spans, DaySpans} {
				count := map[string]int64{}
				for _, s := range fn(from, to) {
					if s.Level == LevelDay {
						count[s.Period] += s.Sign
						continue
					}
					m, _ := time.ParseInLocation("2006-01", s.Period, store.Shanghai)
					for x := m; x.Before(m.AddDate(0, 1, 0)); x = x.AddDate(0, 0, 1) {
						count[x.Format("2006-01-02")] += s.Sign
					}
				}
				for x := start.AddDate(0, 0, -40); x.Before(start.AddDate(0, 0, 240)); x = x.AddDate(0, 0, 1) {
					want := int64(0)
					if !x.Before(from) && x.Before(to) {
						want = 1
					}
					if count[x.Format("2006-01-02")] != want {
						t.Fatalf("[%s, %s): day %s counted %d times", from.Format("01-02"), to.Format("01-02"), x.Format("2006-01-02"), count[x.Format("2006-01-02")])
					}
				}
			}
		}
	}
}

func TestSpansReadFewCells(t *testing.T) {
	cases := []struct {
		from, to time.Time
		want     int
	}{
		{d(2026, 11, 1), d(2026, 12, 1), 1},   // the month
		{d(2026, 11, 2), d(2026, 12, 1), 2},   // the month less its first day
		{d(2026, 11, 10), d(2026, 11, 13), 3}, // three days
		{d(2026, 11, 1), d(2027, 2, 1), 3},    // three months
		{d(2026, 11, 16), d(2026, 12, 16), 30},
	}
	for _, c := range cases {
		if got := len(Spans(c.from, c.to)); got > c.want {
			t.Errorf("[%s, %s): %d cells read, want at most %d", c.from.Format("01-02"), c.to.Format("01-02"), got, c.want)
		}
	}
}
