package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// cbTask is the part of a callback task the agents and the audit read.
type cbTask struct {
	ID           string `json:"id"`
	WorkOrderID  string `json:"workorder_id"`
	Tier         string `json:"tier"`
	Channel      string `json:"channel"`
	ManualReason string `json:"manual_reason"`
	Status       string `json:"status"`
	LeaseHolder  string `json:"lease_holder"`
	SurveyURL    string `json:"survey_url"`
	Attempts     []struct {
		Agent   string `json:"agent"`
		Outcome string `json:"outcome"`
	} `json:"attempts"`
	Result *struct {
		Satisfaction string `json:"satisfaction"`
		Note         string `json:"note"`
		By           string `json:"by"`
	} `json:"result"`
}

// cbAck is a callback result the server acknowledged.
type cbAck struct {
	task, order, note, satisfaction string
}

// agent is one callback agent (回访员) working the queue: claim, sometimes a
// no-answer attempt or a release, mostly the customer's answer.
type agent struct {
	c        *client
	st       *soakStats
	rng      *rand.Rand
	deadline time.Time
	giveUp   time.Time
	tplID    string
	tplVer   int

	n        int
	held     map[string]bool // tasks this agent knows it holds now
	results  []cbAck
	attempts map[string]int // task → no-answer attempts acknowledged
}

func newAgent(c *client, st *soakStats, seed uint64, deadline, giveUp time.Time, tplID string, tplVer int) *agent {
	return &agent{c: c, st: st, rng: rand.New(rand.NewPCG(seed, 0xa6e7)), deadline: deadline, giveUp: giveUp,
		tplID: tplID, tplVer: tplVer, held: map[string]bool{}, attempts: map[string]int{}}
}

func (a *agent) run() {
	for time.Now().Before(a.deadline) {
		var t cbTask
		unsure := false
		status, err := a.c.retry(a.giveUp, func() (int, error) {
			t = cbTask{}
			status, err := a.c.do("POST", "/api/v1/callbacks/claim", nil, "", &t)
			if transient(status, err) {
				unsure = true
			}
			return status, err
		})
		switch {
		case err != nil:
			if time.Now().Before(a.giveUp) {
				a.st.fail("%s: claim: %v", a.c.user, err)
			}
			return
		case status == http.StatusNoContent:
			a.st.add("claims: queue empty", 1)
			time.Sleep(time.Duration(200+a.rng.IntN(300)) * time.Millisecond)
		default:
			a.st.add("claims: task leased", 1)
			a.work(t)
		}
		if unsure {
			// A claim whose answer was lost leased a task we were not told
			// of: find our leases the way the agent's screen lists them.
			a.recoverLeases()
		}
		time.Sleep(time.Duration(20+a.rng.IntN(100)) * time.Millisecond)
	}
}

func (a *agent) work(t cbTask) {
	if t.Status != "claimed" || t.LeaseHolder != a.c.user {
		a.st.fail("%s: claim answered task %s %s held by %q", a.c.user, t.ID, t.Status, t.LeaseHolder)
		return
	}
	a.held[t.ID] = true
	defer delete(a.held, t.ID) // each branch ends the lease
	switch r := a.rng.IntN(100); {
	case r < 12:
		a.post(t.ID, "release", nil, "releases")
	case r < 30:
		if a.post(t.ID, "attempts", map[string]string{"outcome": "no_answer", "note": "无人接听"}, "no-answer attempts") {
			a.attempts[t.ID]++
		}
	default:
		a.result(t)
	}
}

// post sends a release or an attempt and counts it when answered 200. A
// 409 after a lost reply means the lost attempt landed: the task went back
// to the queue and another agent has it now.
func (a *agent) post(id, what string, body any, count string) bool {
	unsure := false
	status, err := a.c.retry(a.giveUp, func() (int, error) {
		status, err := a.c.do("POST", "/api/v1/callbacks/"+id+"/"+what, body, "", nil)
		if transient(status, err) {
			unsure = true
		}
		return status, err
	})
	if status == http.StatusConflict && unsure {
		err = nil
	}
	if err != nil {
		if time.Now().Before(a.giveUp) {
			a.st.fail("%s: %s %s: %v", a.c.user, what, id, err)
		}
		return false
	}
	a.st.add(count, 1)
	return true
}

// result records the customer's answer with a note only this call carries,
// so a lost reply can be told from someone else's result.
func (a *agent) result(t cbTask) {
	a.n++
	in := map[string]any{"satisfaction": "very_satisfied", "score_0_5": 5, "template_id": a.tplID, "template_version": a.tplVer,
		"note": fmt.Sprintf("soak %s %s #%d", a.c.user, t.ID, a.n)}
	switch r := a.rng.IntN(10); {
	case r < 1:
		in["satisfaction"], in["reasons"], in["score_0_5"] = "unsatisfied", []string{"装维人员未穿鞋套"}, 2
	case r < 4:
		in["satisfaction"], in["score_0_5"] = "satisfied", 4
	}
	unsure := false
	status, err := a.c.retry(a.giveUp, func() (int, error) {
		status, err := a.c.do("POST", "/api/v1/callbacks/"+t.ID+"/result", in, "", nil)
		if transient(status, err) {
			unsure = true
		}
		return status, err
	})
	ack := cbAck{task: t.ID, order: t.WorkOrderID, note: in["note"].(string), satisfaction: in["satisfaction"].(string)}
	switch {
	case err == nil:
		a.results = append(a.results, ack)
		a.st.add("callback results acknowledged", 1)
	case status == http.StatusConflict && unsure:
		// The attempt that got no answer may have landed: read the task.
		var got cbTask
		if _, err := a.c.retry(a.giveUp, func() (int, error) { return a.c.do("GET", "/api/v1/callbacks/"+t.ID, nil, "", &got) }); err != nil {
			a.st.fail("%s: read %s after a lost result: %v", a.c.user, t.ID, err)
			return
		}
		if got.Result == nil || got.Result.Note != ack.note {
			a.st.fail("%s: result for %s answered 409 after a lost reply, but the stored result is not ours: %+v", a.c.user, t.ID, got.Result)
			return
		}
		a.results = append(a.results, ack)
		a.st.add("callback results acknowledged", 1)
		a.st.add("lost replies resolved by reading the task", 1)
	case status == 0:
		a.st.add("callback results given up (in doubt)", 1)
	default:
		a.st.fail("%s: result for %s (we hold the lease): %d %v", a.c.user, t.ID, status, err)
	}
}

// recoverLeases finds tasks leased to this agent that it was never told of.
func (a *agent) recoverLeases() {
	var out struct {
		Items []cbTask `json:"items"`
	}
	if _, err := a.c.retry(a.giveUp, func() (int, error) {
		return a.c.do("GET", "/api/v1/callbacks?status=claimed&limit=5000", nil, "", &out)
	}); err != nil {
		if time.Now().Before(a.giveUp) {
			a.st.fail("%s: list leases: %v", a.c.user, err)
		}
		return
	}
	for _, t := range out.Items {
		if t.LeaseHolder == a.c.user && !a.held[t.ID] && time.Now().Before(a.deadline) {
			a.st.add("leases recovered after a lost claim", 1)
			a.work(t)
		}
	}
}
