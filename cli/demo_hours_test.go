package cli

import (
	"testing"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"
)

// The demo leaves the agent the same calls whatever hour it loads: a job of
// two days ago whose story calls the customer back "the next day" was made
// by yesterday's last shift, not left waiting because the demo loaded at
// ten past midnight (CI ran it then and found one call too many).
func TestDemoHistoryLeavesTheSameCallsWaitingAtAnyHour(t *testing.T) {
	day := store.DayStart(time.Now()).AddDate(0, 0, -1)
	pending := map[int][]time.Time{}
	for _, at := range []time.Duration{10 * time.Minute, 3*time.Hour + 20*time.Minute, 15 * time.Hour} {
		now := day.Add(at)
		db := fixtures.OpenDB(t)
		if err := checklists.EnsureBuiltins(db, now); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadDemo(db, "admin-password", now); err != nil {
			t.Fatal(err)
		}
		h, err := ReadHistory(db)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		pending[h.PendingCalls] = append(pending[h.PendingCalls], now)
	}
	if len(pending) != 1 {
		t.Errorf("calls left waiting, by the hour the demo loaded: %v", pending)
	}
}
