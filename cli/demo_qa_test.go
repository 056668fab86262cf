package cli

import (
	"testing"
	"time"

	"fieldcheck/store"
)

// The demo's reviewer has a week of reviews in the 2:7:1 mix, today's queue
// still to work, and the agent reads the notes on their calls.
func TestDemoQAReviewerHasAWeekOfReviews(t *testing.T) {
	r := startServer(t, t.TempDir(), "--demo")
	reviewer := r.loginAs(t, demoQAUser)
	type review struct {
		ID          string `json:"id"`
		Day         string `json:"day"`
		Mode        string `json:"mode"`
		Improvement string `json:"improvement"`
	}
	var reviews list[review]
	r.call(t, reviewer, "GET", "/qa/reviews?limit=500", nil, &reviews)
	days, modes, notes := map[string]bool{}, map[string]int{}, 0
	for _, rv := range reviews.Items {
		days[rv.Day] = true
		modes[rv.Mode]++
		if rv.Improvement != "" {
			notes++
		}
	}
	today := store.DayStart(time.Now())
	t.Logf("%d reviews over %d days, modes %v, %d with notes", len(reviews.Items), len(days), modes, notes)
	if len(days) < 5 || len(reviews.Items) < 15 || days[today.Format("2006-01-02")] {
		t.Errorf("want a week of reviews before today: %d reviews on %v", len(reviews.Items), days)
	}
	if modes["remote"] <= modes["onsite"] || modes["onsite"] <= modes["recording"] || modes["recording"] == 0 || notes == 0 {
		t.Errorf("modes %v, %d notes: want about 2:7:1 and some improvement notes", modes, notes)
	}
	var day struct {
		Items []struct{ TaskID string } `json:"items"`
	}
	r.call(t, reviewer, "GET", "/qa/day", nil, &day)
	if len(day.Items) == 0 {
		t.Error("today's queue is empty")
	}
	var mine list[review]
	r.call(t, r.loginAs(t, "agent.liu"), "GET", "/qa/reviews?limit=500", nil, &mine)
	if len(mine.Items) != len(reviews.Items) {
		t.Errorf("the agent reads %d of the %d reviews of their calls", len(mine.Items), len(reviews.Items))
	}
}
