package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"fieldcheck/sync/submissions"
)

// audit collects the verdicts printed under the summary.
type audit struct {
	mu     sync.Mutex
	lines  []string
	failed bool
}

// check adds one verdict line; problems (at most a few shown) fail it.
func (a *audit) check(what string, problems []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(problems) == 0 {
		a.lines = append(a.lines, "ok   "+what)
		return
	}
	a.failed = true
	line := fmt.Sprintf("FAIL %s — %d problems:", what, len(problems))
	for i, p := range problems {
		if i == 5 {
			line += fmt.Sprintf("\n       … and %d more", len(problems)-5)
			break
		}
		line += "\n       " + p
	}
	a.lines = append(a.lines, line)
}

// note adds a line that does not fail the run: something worth knowing.
func (a *audit) note(line string) {
	a.mu.Lock()
	a.lines = append(a.lines, "note "+line)
	a.mu.Unlock()
}

// listAll reads every page of a list route.
func listAll[T any](c *client, path string) ([]T, error) {
	var all []T
	after := ""
	for page := 0; page < 1000; page++ {
		var out struct {
			Items []T     `json:"items"`
			Next  *string `json:"next"`
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		q := path + sep + "limit=5000"
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		if _, err := c.retry(time.Now().Add(time.Minute), func() (int, error) { return c.do("GET", q, nil, "", &out) }); err != nil {
			return nil, fmt.Errorf("GET %s: %w", q, err)
		}
		all = append(all, out.Items...)
		if out.Next == nil || *out.Next == "" {
			return all, nil
		}
		after = *out.Next
	}
	return nil, fmt.Errorf("GET %s: more than 1000 pages", path)
}

// parallel runs fn over n items with a few workers.
func parallel(n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

type summary struct {
	ID            string   `json:"id"`
	Version       int      `json:"version"`
	Author        string   `json:"author"`
	Complete      bool     `json:"complete"`
	MissingPhotos []string `json:"missing_photos"`
}

// auditAPI checks, through the HTTP API as the admin, that every write a
// client saw acknowledged is there exactly once and that nothing else is.
func auditAPI(admin *client, a *audit, devs []*device, agents []*agent, o *org, prefix string) error {
	subs, err := listAll[summary](admin, "/api/v1/submissions")
	if err != nil {
		return err
	}
	stored := map[string]summary{}
	for _, s := range subs {
		stored[s.ID] = s
	}
	authors := map[string]bool{}
	for _, d := range devs {
		authors[d.c.user] = true
	}

	// 1. Versions: every acknowledged one present, none the device did not create.
	type job struct {
		d *device
		l *subLedger
		v int
	}
	var jobs []job
	var lost, extra, complete, refusedStored, inDoubt []string
	known := map[string]bool{}
	nSubs := 0
	for _, d := range devs {
		for _, l := range d.subs {
			known[l.id] = true
			nSubs++
			s, ok := stored[l.id]
			acked, created := l.acked(), len(l.chain)
			switch {
			case !ok && acked > 0:
				lost = append(lost, fmt.Sprintf("%s (%d acknowledged versions) is not stored", l.id, acked))
				continue
			case !ok:
				continue
			case s.Version < acked:
				lost = append(lost, fmt.Sprintf("%s stores v%d, v%d was acknowledged", l.id, s.Version, acked))
			case s.Version > created:
				extra = append(extra, fmt.Sprintf("%s stores v%d, its device created %d", l.id, s.Version, created))
			case !l.inDoubt && s.Version != created:
				lost = append(lost, fmt.Sprintf("%s stores v%d of %d answered versions", l.id, s.Version, created))
			}
			if l.inDoubt {
				inDoubt = append(inDoubt, l.id)
			}
			for v := 1; v <= acked; v++ {
				jobs = append(jobs, job{d, l, v})
			}
			if s.Version >= 1 && s.Version <= created {
				all := true
				for _, sha := range l.chain[s.Version-1].photos {
					all = all && d.photos[sha]
				}
				if all && (!s.Complete || len(s.MissingPhotos) > 0) {
					complete = append(complete, fmt.Sprintf("%s v%d: every photo acknowledged, yet complete=%v missing=%d", l.id, s.Version, s.Complete, len(s.MissingPhotos)))
				}
			}
		}
		for _, r := range d.refused {
			if _, ok := stored[r.id]; ok {
				refusedStored = append(refusedStored, fmt.Sprintf("second acceptance %s for %s was stored", r.id, r.order))
			}
		}
	}
	var phantom []string
	for _, s := range subs {
		if authors[s.Author] && !known[s.ID] {
			phantom = append(phantom, fmt.Sprintf("%s v%d by %s was never sent", s.ID, s.Version, s.Author))
		}
	}

	// 2. Each acknowledged version holds what was sent (the server's own
	// canonical content hash, recomputed from the stored submission).
	var mu sync.Mutex
	var content []string
	parallel(len(jobs), 6, func(i int) {
		j := jobs[i]
		var v submissions.View
		_, err := admin.retry(time.Now().Add(time.Minute), func() (int, error) {
			return admin.do("GET", fmt.Sprintf("/api/v1/submissions/%s?version=%d", url.PathEscape(j.l.id), j.v), nil, "", &v)
		})
		problem := ""
		switch {
		case err != nil:
			problem = fmt.Sprintf("%s v%d: %v", j.l.id, j.v, err)
		case v.Version != j.v:
			problem = fmt.Sprintf("%s ?version=%d answered v%d", j.l.id, j.v, v.Version)
		default:
			sub := v.Submission
			if v.FinishedAtOriginal != nil {
				sub.FinishedAt = v.FinishedAtOriginal
			}
			if h, err := submissions.ContentHash(&sub); err != nil || h != j.l.chain[j.v-1].hash {
				problem = fmt.Sprintf("%s v%d holds content %.12s, was sent %.12s", j.l.id, j.v, h, j.l.chain[j.v-1].hash)
			}
		}
		if problem != "" {
			mu.Lock()
			content = append(content, problem)
			mu.Unlock()
		}
	})
	a.check(fmt.Sprintf("%d acknowledged versions of %d submissions: all present exactly once, with the content sent", len(jobs), nSubs), append(append(lost, extra...), content...))
	a.check(fmt.Sprintf("no submission has more versions than its device created; %d whose last push went unanswered at give-up are within bounds", len(inDoubt)), extra)
	a.check(fmt.Sprintf("no stored submission by a load device that the device never sent (%d stored by them)", len(known)), phantom)
	a.check("every second acceptance for a completed order was refused, none stored", refusedStored)
	a.check("every submission whose photos were all acknowledged is complete, none missing", complete)

	// 3. Photos: every acknowledged upload is held, byte for byte.
	var shas []string
	for _, d := range devs {
		for sha := range d.photos {
			shas = append(shas, sha)
		}
	}
	var photoProblems []string
	parallel(len(shas), 6, func(i int) {
		sha := shas[i]
		var data []byte
		_, err := admin.retry(time.Now().Add(time.Minute), func() (int, error) {
			status, body, err := admin.getRaw("/api/v1/photos/" + sha + "?size=full")
			data = body
			return status, err
		})
		sum := sha256.Sum256(data)
		if err != nil || hex.EncodeToString(sum[:]) != sha {
			mu.Lock()
			photoProblems = append(photoProblems, fmt.Sprintf("photo %.12s: %v (%d bytes)", sha, err, len(data)))
			mu.Unlock()
		}
	})
	a.check(fmt.Sprintf("%d acknowledged photos: all held, bytes hash to their names", len(shas)), photoProblems)

	// 4. Callbacks: one task per completed order, every acknowledged result stored.
	tasks, err := listAll[cbTask](admin, "/api/v1/callbacks")
	if err != nil {
		return err
	}
	type order struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	orders, err := listAll[order](admin, "/api/v1/workorders?unit="+url.QueryEscape(o.unit))
	if err != nil {
		return err
	}
	perOrder := map[string][]cbTask{}
	for _, t := range tasks {
		perOrder[t.WorkOrderID] = append(perOrder[t.WorkOrderID], t)
	}
	sheetFor := map[string]*subLedger{}
	for _, d := range devs {
		for _, l := range d.subs {
			if l.kind == "acceptance" {
				sheetFor[l.subject] = l
			}
		}
	}
	var cbProblems, completion []string
	completed := 0
	for _, wo := range orders {
		l := sheetFor[wo.ID]
		switch {
		case wo.Status == "completed":
			completed++
			if n := len(perOrder[wo.ID]); n != 1 {
				cbProblems = append(cbProblems, fmt.Sprintf("completed order %s has %d callback tasks", wo.ID, n))
			}
			if l == nil {
				completion = append(completion, fmt.Sprintf("order %s completed without a sheet from its device", wo.ID))
			}
		case l != nil && l.acked() > 0:
			completion = append(completion, fmt.Sprintf("order %s is %s, its acceptance %s was acknowledged", wo.ID, wo.Status, l.id))
		case len(perOrder[wo.ID]) > 0:
			cbProblems = append(cbProblems, fmt.Sprintf("order %s is %s but has a callback task", wo.ID, wo.Status))
		}
	}
	a.check(fmt.Sprintf("%d orders completed (every acknowledged acceptance completed its order, nothing else did)", completed), completion)
	a.check(fmt.Sprintf("%d completed orders: exactly one callback task each", completed), cbProblems)

	byID := map[string]cbTask{}
	for _, t := range tasks {
		byID[t.ID] = t
	}
	var resultProblems, vipProblems []string
	nResults, extraAttempts := 0, 0
	for _, ag := range agents {
		for _, r := range ag.results {
			nResults++
			t, ok := byID[r.task]
			switch {
			case !ok:
				resultProblems = append(resultProblems, fmt.Sprintf("task %s (result acknowledged) is gone", r.task))
			case t.Status != "done" || t.Result == nil:
				resultProblems = append(resultProblems, fmt.Sprintf("task %s is %s after its result was acknowledged", r.task, t.Status))
			case t.Result.Note != r.note || t.Result.By != ag.c.user || t.Result.Satisfaction != r.satisfaction:
				resultProblems = append(resultProblems, fmt.Sprintf("task %s holds %+v, %s recorded %q", r.task, *t.Result, ag.c.user, r.note))
			}
		}
		for id, n := range ag.attempts {
			stored := 0
			for _, at := range byID[id].Attempts {
				if at.Agent == ag.c.user && at.Outcome == "no_answer" {
					stored++
				}
			}
			if stored < n {
				resultProblems = append(resultProblems, fmt.Sprintf("task %s: %d acknowledged no-answer attempts by %s, %d stored", id, n, ag.c.user, stored))
			}
			extraAttempts += stored - n
		}
	}
	vip := 0
	for _, t := range tasks {
		if o.tier[t.WorkOrderID] == "vip" {
			vip++
			if t.Channel != "manual" || t.ManualReason != "tier" || t.SurveyURL != "" {
				vipProblems = append(vipProblems, fmt.Sprintf("VIP task %s: channel %s (%s), survey %q", t.ID, t.Channel, t.ManualReason, t.SurveyURL))
			}
		}
	}
	a.check(fmt.Sprintf("%d acknowledged callback results: each stored once, as recorded, by its agent", nResults), resultProblems)
	a.check(fmt.Sprintf("%d VIP callback tasks: manual from the start, no SMS link", vip), vipProblems)
	if extraAttempts > 0 {
		a.note(fmt.Sprintf("%d no-answer attempts stored twice: an attempt whose reply was lost in a kill is recorded again when retried (the attempts route has no idempotency key)", extraAttempts))
	}
	fmt.Fprintf(os.Stderr, "API audit: %d submissions, %d versions, %d photos, %d tasks read\n", len(subs), len(jobs), len(shas), len(tasks))
	return nil
}
