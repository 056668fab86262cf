package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/internal/fixtures"
	"fieldcheck/store"
)

// call is one API request as role; v (if not nil) receives the JSON answer.
func (r *running) call(t *testing.T, token, method, path string, body, v any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, "http://"+r.addr+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && res.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	if res.StatusCode >= 300 && v != nil {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, data)
	}
	return res.StatusCode
}

// loginAs logs in a demo user by username (the printed logins name the
// first user of each role; the others' passwords are read from the output).
func (r *running) loginAs(t *testing.T, username string) string {
	t.Helper()
	for _, line := range strings.Split(r.out.String(), "\n") {
		if f := strings.Fields(line); len(f) == 5 && f[0] == "demo" && f[3] == username {
			var out struct {
				AccessToken string `json:"access_token"`
			}
			if st := r.call(t, "", "POST", "/auth/login", map[string]string{"username": username, "password": f[4], "device_id": "demo-test"}, &out); st != 200 {
				t.Fatalf("login %s: %d", username, st)
			}
			return out.AccessToken
		}
	}
	t.Fatalf("no demo login printed for %s", username)
	return ""
}

type list[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

type callbackRow struct {
	Period        string   `json:"period"`
	Completed     int      `json:"completed"`
	Done          int      `json:"done"`
	Coverage      *float64 `json:"coverage"`
	VerySatisfied int      `json:"very_satisfied"`
	Satisfied     int      `json:"satisfied"`
	Unsatisfied   int      `json:"unsatisfied"`
	TopReasons    []struct {
		Reason string `json:"reason"`
		Count  int    `json:"count"`
	} `json:"top_reasons"`
}

type storeRow struct {
	StoreID     string  `json:"store_id"`
	Inspections int     `json:"inspections"`
	Score       float64 `json:"score"`
	Grade       *string `json:"grade"`
	Fines       float64 `json:"fines"`
}

type taskView struct {
	ID          string    `json:"id"`
	WorkOrderID string    `json:"workorder_id"`
	Tier        string    `json:"tier"`
	Status      string    `json:"status"`
	FinishedAt  time.Time `json:"finished_at"`
	Unit        string    `json:"unit"`
}

// counts is what a second start must leave exactly as it found it.
type counts struct {
	orders, submissions, callbacks, rectifications int
}

func (r *running) counts(t *testing.T, admin string) counts {
	t.Helper()
	n := func(path string) int {
		var l list[json.RawMessage]
		r.call(t, admin, "GET", path, nil, &l)
		if l.Next != nil {
			t.Fatalf("%s has more than one page", path)
		}
		return len(l.Items)
	}
	return counts{
		orders:         n("/workorders?limit=5000"),
		submissions:    n("/submissions?limit=5000"),
		callbacks:      n("/callbacks?limit=5000"),
		rectifications: n("/rectifications?limit=5000"),
	}
}

// The demo comes with a month of history: a supervisor's reports, an
// inspector's stores, the review flags and the agent's queue all have
// something real in them on first start — and a second start adds nothing.
func TestDemoHistoryGivesEveryRoleSomethingToShow(t *testing.T) {
	data := t.TempDir()
	started := time.Now()
	r := startServer(t, data, "--demo")
	t.Logf("serve --demo with history: listening after %s", time.Since(started).Round(time.Millisecond))
	sup, admin := r.loginAs(t, "sup.east"), r.login(t, "admin")
	today := store.DayStart(time.Now())

	// 回访 report, last 30 days: jobs, coverage, both sides of satisfaction,
	// and the reasons for 不满意.
	var rows list[callbackRow]
	r.call(t, sup, "GET", "/reports/callbacks?group=week", nil, &rows)
	var sum callbackRow
	reasons := map[string]bool{}
	for _, row := range rows.Items {
		sum.Completed += row.Completed
		sum.Done += row.Done
		sum.VerySatisfied += row.VerySatisfied
		sum.Satisfied += row.Satisfied
		sum.Unsatisfied += row.Unsatisfied
		for _, tr := range row.TopReasons {
			reasons[tr.Reason] = true
		}
	}
	t.Logf("chengdu-east, last 30 days: %+v", sum)
	if sum.Completed < 100 || sum.Done == 0 || sum.Done >= sum.Completed {
		t.Errorf("callback report: %d completed, %d done; want a month of jobs, most called back, a few still open", sum.Completed, sum.Done)
	}
	if sum.VerySatisfied+sum.Satisfied == 0 || sum.Unsatisfied == 0 {
		t.Errorf("callback report: very %d, satisfied %d, unsatisfied %d; want both sides", sum.VerySatisfied, sum.Satisfied, sum.Unsatisfied)
	}
	for reason := range reasons {
		if !slices.Contains(callbacks.DefaultReasons, reason) {
			t.Errorf("reason %q is not one the agents are offered", reason)
		}
	}
	if len(reasons) == 0 {
		t.Error("no reasons for 不满意 in the report")
	}

	// Walkthroughs (巡检) with grades that differ from store to store.
	grades := map[string]bool{}
	for _, who := range []string{sup, r.loginAs(t, "sup.west")} {
		var stores list[storeRow]
		r.call(t, who, "GET", "/reports/inspections", nil, &stores)
		for _, s := range stores.Items {
			if s.Inspections < 4 || s.Grade == nil {
				t.Errorf("store %s: %d walkthroughs, grade %v", s.StoreID, s.Inspections, s.Grade)
				continue
			}
			grades[*s.Grade] = true
			t.Logf("store %s: %d walkthroughs, average %.1f (%s), fines %.0f yuan", s.StoreID, s.Inspections, s.Score, *s.Grade, s.Fines)
		}
	}
	if len(grades) < 2 {
		t.Errorf("every store has the same grade: %v", grades)
	}

	// Review flags: exactly the one deliberate photo reuse, between two of
	// tech.li's jobs; some clock skew and slow speed tests.
	var reused list[struct {
		ID string `json:"id"`
	}]
	r.call(t, sup, "GET", "/submissions?flag=photo_reused&limit=5000", nil, &reused)
	if len(reused.Items) != 1 {
		t.Fatalf("%d sheets flagged photo_reused, want the one deliberate reuse", len(reused.Items))
	}
	type sheet struct {
		Author  string `json:"author"`
		Subject struct {
			WorkOrderID string `json:"workorder_id"`
		} `json:"subject"`
		FlagDetails []struct {
			Flag         string `json:"flag"`
			SubmissionID string `json:"submission_id"`
		} `json:"flag_details"`
	}
	var second, first sheet
	r.call(t, sup, "GET", "/submissions/"+reused.Items[0].ID, nil, &second)
	for _, d := range second.FlagDetails {
		if d.Flag == "photo_reused" {
			r.call(t, sup, "GET", "/submissions/"+d.SubmissionID, nil, &first)
		}
	}
	if second.Author != "tech.li" || first.Author != "tech.li" || first.Subject.WorkOrderID == second.Subject.WorkOrderID {
		t.Errorf("photo reuse: %+v shows a photo of %+v", second, first)
	}
	for _, flag := range []string{"clock_skew", "speed_below_subscribed"} {
		var l list[json.RawMessage]
		r.call(t, admin, "GET", "/submissions?limit=5000&flag="+flag, nil, &l)
		if len(l.Items) == 0 {
			t.Errorf("no sheet flagged %s", flag)
		}
	}

	// Rectifications (整改): some still open, some resolved.
	var rects list[struct {
		Source string `json:"source"`
		Status string `json:"status"`
	}]
	r.call(t, admin, "GET", "/rectifications?limit=5000", nil, &rects)
	bySource := map[string]int{}
	for _, rc := range rects.Items {
		bySource[rc.Source+" "+rc.Status]++
	}
	t.Logf("rectifications: %v", bySource)
	for _, want := range []string{"callback open", "callback resolved", "walkthrough resolved", "spotcheck resolved"} {
		if bySource[want] == 0 {
			t.Errorf("no %s rectification: %v", want, bySource)
		}
	}

	// Today's twelve open orders are as they always were.
	var orders list[struct {
		ID          string `json:"id"`
		Technician  string `json:"technician"`
		Status      string `json:"status"`
		Appointment struct {
			From time.Time `json:"from"`
		} `json:"appointment"`
	}]
	r.call(t, admin, "GET", "/workorders?limit=5000", nil, &orders)
	todaysIDs := map[string]int{}
	for i := range demoOrders {
		todaysIDs[fmt.Sprintf("WO%s-%02d", today.Format("20060102"), i+1)] = i
	}
	todays := 0
	for _, o := range orders.Items {
		i, ok := todaysIDs[o.ID]
		if !ok {
			// SLA-*: the time-limit demo's open orders, past their limits on purpose.
			if o.Status != "completed" && !strings.HasPrefix(o.ID, "SLA-") {
				t.Errorf("history order %s is %s", o.ID, o.Status)
			}
			continue
		}
		todays++
		d := demoOrders[i]
		if o.Status != "assigned" || o.Technician != d.tech || !o.Appointment.From.Equal(today.Add(time.Duration(d.slot)*time.Hour)) {
			t.Errorf("today's order %s: %s, %s at %s; want assigned to %s at %d:00", o.ID, o.Status, o.Technician, o.Appointment.From, d.tech, d.slot)
		}
	}
	if todays != len(demoOrders) {
		t.Errorf("%d of today's orders, want %d", todays, len(demoOrders))
	}

	// The agent has work on the first shift: finished jobs of earlier days,
	// a VIP among them, overdue first.
	agent := r.login(t, "agent")
	var claimed []taskView
	for range 10 {
		var task taskView
		if st := r.call(t, agent, "POST", "/callbacks/claim", nil, &task); st == http.StatusNoContent {
			break
		}
		claimed = append(claimed, task)
	}
	vip := false
	for _, task := range claimed {
		vip = vip || task.Tier == "vip"
		if _, open := todaysIDs[task.WorkOrderID]; open || !task.FinishedAt.Before(today) {
			t.Errorf("claimed %s of order %s finished %s: not from an earlier day", task.ID, task.WorkOrderID, task.FinishedAt)
		}
	}
	if len(claimed) < 3 || len(claimed) > 5 || !vip {
		t.Errorf("agent claimed %d tasks (vip among them: %v), want 3–5 with a VIP: %+v", len(claimed), vip, claimed)
	}

	// Every unit's callbacks have an agent who sees them (the demo's call
	// centre has no unit).
	var counters struct {
		Uncovered []string `json:"uncovered_units"`
	}
	if r.call(t, admin, "GET", "/callbacks/summary", nil, &counters); counters.Uncovered == nil || len(counters.Uncovered) != 0 {
		t.Errorf("units no demo agent sees: %v", counters.Uncovered)
	}

	// A second start keeps everything and adds nothing.
	before := r.counts(t, admin)
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
	again := startServer(t, data, "--demo")
	after := again.counts(t, again.login(t, "admin"))
	if after != before {
		t.Errorf("a second start changed the data: before %+v, after %+v", before, after)
	}
	again.cmd.Process.Signal(syscall.SIGTERM)
	again.cmd.Wait()
	db := fixtures.OpenDir(t, data)
	h, err := ReadHistory(db)
	if err != nil || h == nil || !h.Complete || h.Orders == 0 || h.Photos == 0 {
		t.Fatalf("stored history summary: %+v, %v", h, err)
	}
	t.Logf("history loaded in %d ms: %+v (API counts %+v)", h.LoadMillis, *h, before)
}
