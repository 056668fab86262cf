package main

// `fieldload province-bench` measures a loaded province (province-load) on
// the real server on 127.0.0.1: every report for one unit (its supervisor)
// and for the province (the admin), over distinct units and ranges, with a
// technician's push after every few requests; the month's callback report
// by day and the technicians' report as XLSX; the server's peak RSS while it
// serves the reports; a restart; then push and claim latency side by side
// with a smaller store (--small) for the growth ratio (growth). Each server
// is measured once its start-up page-cache warm-up is over.

import (
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

type provinceBenchShape struct {
	Jobs, Units, TechsPerUnit int
	Month                     string
	Requests                  int
	SmallJobs                 int // the jobs the --small store was loaded with
	Finished                  int // the jobs really there, when a load was stopped early (its spare orders follow --jobs)
}

func (sh provinceBenchShape) finished() int {
	if sh.Finished > 0 {
		return sh.Finished
	}
	return sh.Jobs
}

func provinceBench(bin, data, small string, sh provinceBenchShape) error {
	fmt.Printf("data dir %s: %s (%s)\n", data, dirSize(data), loadAvg())
	t0 := time.Now()
	srv := newProc(bin, data, nil)
	srv.readyWait = 30 * time.Minute // the open's page check reads the whole file
	srv.noDemo = true
	srv.logPath = filepath.Join(os.TempDir(), fmt.Sprintf("province-bench-%d-first.log", os.Getpid()))
	defer os.Remove(srv.logPath)
	if err := srv.start(); err != nil {
		return err
	}
	fmt.Printf("start-up to /readyz: %.1f s (%s)\n", time.Since(t0).Seconds(), loadAvg())
	printBuilds(srv.logPath)
	defer srv.stop()
	rng := rand.New(rand.NewSource(15))
	from, err := time.ParseInLocation("2006-01", sh.Month, shanghai())
	if err != nil {
		return err
	}
	days := int(from.AddDate(0, 1, 0).Sub(from).Hours() / 24)
	admin := newClient(srv.base(), "pv-admin", provincePass)
	if err := admin.login(); err != nil {
		return fmt.Errorf("login pv-admin: %w", err)
	}
	if err := waitWarm(admin, fmt.Sprintf("%d jobs", sh.finished())); err != nil {
		return err
	}
	sups := make([]*client, sh.Units)
	for u := range sups {
		sups[u] = newClient(srv.base(), unitCode(u)+"-sup", provincePass)
		if err := sups[u].login(); err != nil {
			return err
		}
	}
	tpl, err := fetchTemplate(admin, "install_acceptance")
	if err != nil {
		return err
	}
	pusher := newPusher(srv.base(), sh, tpl, rng)

	fmt.Printf("province-bench on %s: %d jobs in %s, %d units (%d requests per report and scope, a push every 5)\n",
		data, sh.finished(), sh.Month, sh.Units, sh.Requests)
	srv.resetRSS()
	reportsList := []struct{ name, path string }{
		{"callbacks month+techs", "/api/v1/reports/callbacks?group=month"}, // the pair: then technicians, same range
		{"callbacks by day", "/api/v1/reports/callbacks?group=day"},
		{"callbacks by week", "/api/v1/reports/callbacks?group=week"},
		{"callbacks by month", "/api/v1/reports/callbacks?group=month"},
		{"technicians", "/api/v1/reports/technicians?"},
		{"inspections", "/api/v1/reports/inspections?"},
		{"fines", "/api/v1/reports/fines?"},
	}
	fmt.Printf("\n%-20s %-9s %8s %8s %8s\n", "report", "scope", "p50", "p99", "max")
	n := 0
	for _, r := range reportsList {
		for _, scope := range []string{"unit", "province"} {
			var took []time.Duration
			for k := 0; k < sh.Requests; k++ {
				c := admin
				if scope == "unit" {
					c = sups[rng.Intn(len(sups))]
				}
				path := r.path
				if r.name == "fines" {
					path += "month=" + sh.Month
				} else {
					// A distinct range each time: a day up to the whole month.
					a := rng.Intn(days)
					b := a + rng.Intn(days-a)
					if k%4 == 0 {
						a, b = 0, days-1
					}
					path += fmt.Sprintf("&from=%s&to=%s", from.AddDate(0, 0, a).Format("2006-01-02"), from.AddDate(0, 0, b).Format("2006-01-02"))
				}
				t0 := time.Now()
				status, body, err := c.getRaw(path)
				if err == nil && status == 200 && r.name == "callbacks month+techs" {
					path = strings.Replace(path, "callbacks?group=month", "technicians?", 1)
					status, body, err = c.getRaw(path)
				}
				took = append(took, time.Since(t0))
				if err != nil || status != 200 {
					return fmt.Errorf("%s: %d %v %.200s", path, status, err, body)
				}
				if n++; n%5 == 0 {
					if _, err := pusher.push(); err != nil {
						return err
					}
				}
			}
			fmt.Printf("%-20s %-9s %8s %8s %8s  (%s)\n", r.name, scope, msf(pct(took, 0.5)), msf(pct(took, 0.99)), msf(pct(took, 1)), loadAvg())
		}
	}
	// The agents' counters, polled: each unit's agent and the admin (the
	// whole province), pushes in between as above.
	agents := make([]*client, sh.Units)
	for u := range agents {
		agents[u] = newClient(srv.base(), unitCode(u)+"-agent", provincePass)
		if err := agents[u].login(); err != nil {
			return err
		}
	}
	for _, scope := range []string{"unit", "province"} {
		var took []time.Duration
		for k := 0; k < sh.Requests; k++ {
			c := admin
			if scope == "unit" {
				c = agents[rng.Intn(len(agents))]
			}
			t0 := time.Now()
			status, body, err := c.getRaw("/api/v1/callbacks/summary")
			took = append(took, time.Since(t0))
			if err != nil || status != 200 {
				return fmt.Errorf("callbacks/summary: %d %v %.200s", status, err, body)
			}
			if n++; n%5 == 0 {
				if _, err := pusher.push(); err != nil {
					return err
				}
			}
		}
		fmt.Printf("%-20s %-9s %8s %8s %8s  (%s)\n", "callbacks/summary", scope, msf(pct(took, 0.5)), msf(pct(took, 0.99)), msf(pct(took, 1)), loadAvg())
	}
	fmt.Printf("\nexports (province, whole month, 3 runs each, slowest shown):\n")
	for _, x := range []struct{ name, path string }{
		{"callbacks by day XLSX", "/api/v1/reports/callbacks?group=day&format=xlsx"},
		{"technicians XLSX", "/api/v1/reports/technicians?format=xlsx"},
	} {
		var worst time.Duration
		var size int
		for k := 0; k < 3; k++ {
			path := x.path + fmt.Sprintf("&from=%s&to=%s", from.Format("2006-01-02"), from.AddDate(0, 0, days-1).Format("2006-01-02"))
			t0 := time.Now()
			status, body, err := admin.getRaw(path)
			if d := time.Since(t0); d > worst {
				worst = d
			}
			if err != nil || status != 200 {
				return fmt.Errorf("%s: %d %v", path, status, err)
			}
			size = len(body)
		}
		fmt.Printf("  %-24s %8s  (%d bytes)\n", x.name, msf(worst), size)
	}
	fmt.Printf("\npeak RSS while serving the reports: %d MB; now %s (%s)\n", srv.peakRSS()>>20, rssParts(srv.cmd.Process.Pid), loadAvg())

	srv.stop()
	t0 = time.Now()
	again := newProc(bin, data, nil)
	again.readyWait, again.noDemo = 30*time.Minute, true
	if err := again.start(); err != nil {
		return err
	}
	fmt.Printf("\nrestart to /readyz (nothing to build): %.1f s (%s)\n", time.Since(t0).Seconds(), loadAvg())
	again.stop()
	if err := startWithBuilds(bin, data); err != nil {
		return err
	}
	if small == "" {
		return nil
	}
	return growth(bin, data, small, sh)
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func shanghai() *time.Location { return time.FixedZone("CST", 8*3600) }

// pusher finishes the loaded technicians' spare orders, one sheet a push.
type pusher struct {
	base string
	sh   provinceBenchShape
	tpl  *template
	rng  *rand.Rand
	next int
	cl   map[string]*client
	// meter, when set, reads the store's write counters around each
	// accepted push (not its login), summed into wrote.
	meter *client
	wrote work
}

func newPusher(base string, sh provinceBenchShape, tpl *template, rng *rand.Rand) *pusher {
	return &pusher{base: base, sh: sh, tpl: tpl, rng: rng, cl: map[string]*client{}}
}

// push sends the next spare order's acceptance; it returns how long it
// took. A spare order an earlier run finished (a conflict) is skipped.
func (p *pusher) push() (time.Duration, error) {
	for {
		d, err := p.pushOnce()
		if err != errFinished {
			return d, err
		}
	}
}

var errFinished = fmt.Errorf("order finished by an earlier run")

func (p *pusher) pushOnce() (time.Duration, error) {
	techs := p.sh.Units * p.sh.TechsPerUnit
	perTech := max(1, p.sh.Jobs/techs)
	k := p.next
	p.next++
	spare := k / techs
	if spare >= spareOrders {
		return 0, fmt.Errorf("no spare orders left (%d pushes)", k)
	}
	t := k % techs
	u, i := t/p.sh.TechsPerUnit, t%p.sh.TechsPerUnit
	name := techName(u, i)
	c := p.cl[name]
	if c == nil {
		c = newClient(p.base, name, provincePass)
		if err := c.login(); err != nil {
			return 0, err
		}
		p.cl[name] = c
	}
	sub := sheet(p.tpl, provinceOrder(u, i, perTech+spare), 100, func(n int) []string {
		out := make([]string, n)
		for j := range out {
			out[j] = randomSHA()
		}
		return out
	})
	var out struct {
		Results []struct {
			Status string `json:"status"`
		} `json:"results"`
	}
	var before work
	if p.meter != nil {
		var err error
		if before, err = storeWork(p.meter); err != nil {
			return 0, err
		}
	}
	t0 := time.Now()
	status, err := c.do("POST", "/api/v1/sync/push", map[string]any{"device_id": "bench-" + name, "device_time": time.Now().UTC(),
		"submissions": []any{sub}}, "", &out)
	took := time.Since(t0)
	if err == nil && status == 200 && len(out.Results) == 1 && out.Results[0].Status == "conflict" {
		return took, errFinished
	}
	if err != nil || status != 200 || len(out.Results) != 1 || out.Results[0].Status != "accepted" {
		return took, fmt.Errorf("push %s: %d %v %+v", name, status, err, out)
	}
	if p.meter != nil {
		after, err := storeWork(p.meter)
		if err != nil {
			return 0, err
		}
		p.wrote.pages += after.pages - before.pages
		p.wrote.secs += after.secs - before.secs
	}
	return took, nil
}

// waitWarm waits until the server's start-up page-cache warm-up (store.Warm)
// has finished, and says how long that took and what it read.
func waitWarm(admin *client, name string) error {
	t0 := time.Now()
	for {
		w, err := storeWork(admin)
		if err != nil {
			return err
		}
		if w.warmDone {
			fmt.Printf("%s: page cache warmed (%d MB read) %.1f s after /readyz (%s)\n", name, int64(w.warmBytes)>>20, time.Since(t0).Seconds(), loadAvg())
			return nil
		}
		if time.Since(t0) > 30*time.Minute {
			return fmt.Errorf("%s: the warm-up has not finished in 30 min", name)
		}
		time.Sleep(time.Second)
	}
}

type work struct {
	pages, secs float64
	warmBytes   float64 // the start's page-cache warm-up (store.Warm): bytes read
	warmDone    bool
}

// storeWork reads the store's write counters from /metrics.
func storeWork(admin *client) (work, error) {
	status, body, err := admin.getRaw("/metrics")
	if err != nil || status != http.StatusOK {
		return work{}, fmt.Errorf("/metrics: %d %v", status, err)
	}
	var w work
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(value), 64)
		switch name {
		case "fieldcheck_store_pages_written_total":
			w.pages = v
		case "fieldcheck_store_write_seconds_total":
			w.secs = v
		case "fieldcheck_store_warm_bytes":
			w.warmBytes = v
		case "fieldcheck_store_warm_done":
			w.warmDone = v == 1
		}
	}
	return w, nil
}

// rssParts splits the resident set as the kernel does: anonymous memory
// (heap, stacks) and file pages (bbolt's read-only mmap of the store, which
// the kernel may drop at any time and counts in RSS once read).
func rssParts(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		for _, k := range []string{"VmRSS:", "RssAnon:", "RssFile:"} {
			if strings.HasPrefix(line, k) {
				out = append(out, strings.Join(strings.Fields(line), " "))
			}
		}
	}
	return strings.Join(out, ", ")
}

// loadAvg is the machine's load average now (1, 5, 15 min), printed beside
// each figure: this box is shared.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "load ?"
	}
	return "load " + strings.Join(f[:3], " ")
}

// atOpenBuilds are the Meta marks of what a server builds from the records
// at open when the mark is absent (a data dir from before the structure).
var atOpenBuilds = []string{"callbacks_counts", "workorders_index", "workorders_type_index", "callbacks_status_index"}

// startWithBuilds times a start that builds every at-open structure from
// the records (their marks removed first, as in a data dir from before
// them), then prints what the server logged about each build.
func startWithBuilds(bin, data string) error {
	db, err := store.Open(data)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, k := range atOpenBuilds {
			if err := tx.Bucket(store.BucketMeta).Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		return err
	}
	logPath := filepath.Join(os.TempDir(), fmt.Sprintf("province-bench-%d.log", os.Getpid()))
	defer os.Remove(logPath)
	srv := newProc(bin, data, nil)
	srv.readyWait, srv.logPath, srv.noDemo = 30*time.Minute, logPath, true
	t0 := time.Now()
	if err := srv.start(); err != nil {
		return err
	}
	took := time.Since(t0)
	srv.stop()
	fmt.Printf("\nstart-up with every at-open build (%s): %.1f s (%s)\n", strings.Join(atOpenBuilds, ", "), took.Seconds(), loadAvg())
	printBuilds(logPath)
	return nil
}

// printBuilds prints the server log's lines about what it built at open.
func printBuilds(logPath string) {
	log, _ := os.ReadFile(logPath)
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "built") || strings.Contains(line, "building") || strings.Contains(line, "rollups") {
			fmt.Println("  " + line)
		}
	}
}

// Growth's sample sizes: pushes and claims on each data dir.
const (
	growthPushes = 200
	growthClaims = 400
)

// growth measures push and claim latency on the big data dir and on the
// small one side by side: both servers up, requests alternating between
// them (and which of the two goes first alternating too), so a change in
// the machine's load or cache falls on both alike. Each claim's lease is
// given back at once, untimed, so the queue stays as it was. It prints
// what the store wrote (its counters on /metrics, read around each push so
// a technician's login is not counted): pages and write time per push and
// per claim with its release.
func growth(bin, big, small string, sh provinceBenchShape) error {
	type side struct {
		name           string
		srv            *proc
		admin, agent   *client
		pusher         *pusher
		pushes, claims []time.Duration
		claimWrote     work
	}
	var sides [2]*side
	for i, dir := range []string{big, small} {
		shape, finished := sh, sh.finished() // the spare orders are numbered after --jobs
		if i == 1 {
			shape.Jobs, finished = sh.SmallJobs, sh.SmallJobs
		}
		srv := newProc(bin, dir, nil)
		srv.readyWait, srv.noDemo = 30*time.Minute, true
		if err := srv.start(); err != nil {
			return err
		}
		defer srv.stop()
		sd := &side{name: fmt.Sprintf("%d jobs", finished), srv: srv,
			admin: newClient(srv.base(), "pv-admin", provincePass), agent: newClient(srv.base(), unitCode(0)+"-agent", provincePass)}
		if err := sd.admin.login(); err != nil {
			return err
		}
		if err := sd.agent.login(); err != nil {
			return err
		}
		tpl, err := fetchTemplate(sd.admin, "install_acceptance")
		if err != nil {
			return err
		}
		sd.pusher = newPusher(srv.base(), shape, tpl, rand.New(rand.NewSource(int64(15+i))))
		sd.pusher.meter = sd.admin
		sides[i] = sd
	}
	// Measure once the servers' page-cache warm-up is over: what a server
	// that has been up for a few minutes answers.
	for _, sd := range sides {
		if err := waitWarm(sd.admin, sd.name); err != nil {
			return err
		}
	}
	order := func(k int) []*side {
		if k%2 == 0 {
			return []*side{sides[0], sides[1]}
		}
		return []*side{sides[1], sides[0]}
	}
	for k := 0; k < growthPushes; k++ {
		for _, sd := range order(k) {
			d, err := sd.pusher.push()
			if err != nil {
				return err
			}
			sd.pushes = append(sd.pushes, d)
		}
	}
	var before [2]work
	for i, sd := range sides {
		var err error
		if before[i], err = storeWork(sd.admin); err != nil {
			return err
		}
	}
	for k := 0; k < growthClaims; k++ {
		for _, sd := range order(k) {
			var task struct {
				ID string `json:"id"`
			}
			t0 := time.Now()
			status, err := sd.agent.do("POST", "/api/v1/callbacks/claim", nil, "", &task)
			sd.claims = append(sd.claims, time.Since(t0))
			if err != nil && status != http.StatusNotFound && status != http.StatusConflict {
				return fmt.Errorf("claim: %d %v", status, err)
			}
			if task.ID != "" {
				if _, err := sd.agent.do("POST", "/api/v1/callbacks/"+task.ID+"/release", nil, "", nil); err != nil {
					return fmt.Errorf("release: %v", err)
				}
			}
		}
	}
	for i, sd := range sides {
		after, err := storeWork(sd.admin)
		if err != nil {
			return err
		}
		sd.claimWrote = work{pages: after.pages - before[i].pages, secs: after.secs - before[i].secs}
	}
	fmt.Printf("\npush and claim, the two data dirs side by side (%d pushes and %d claims each, alternating):\n", growthPushes, growthClaims)
	fmt.Printf("%-14s %9s %9s %9s %9s  %s\n", "", "push p50", "push p99", "claim p50", "claim p99", "store writes: per push; per claim with its release")
	for _, sd := range sides {
		fmt.Printf("%-14s %9s %9s %9s %9s  %.1f pages, %.2f ms; %.1f pages, %.2f ms\n", sd.name,
			msf(pct(sd.pushes, 0.5)), msf(pct(sd.pushes, 0.99)), msf(pct(sd.claims, 0.5)), msf(pct(sd.claims, 0.99)),
			sd.pusher.wrote.pages/growthPushes, sd.pusher.wrote.secs*1000/growthPushes,
			sd.claimWrote.pages/growthClaims, sd.claimWrote.secs*1000/growthClaims)
	}
	ratio := func(f func(*side) []time.Duration) float64 {
		return float64(pct(f(sides[0]), 0.5)) / float64(pct(f(sides[1]), 0.5))
	}
	fmt.Printf("growth (big ÷ small, p50): push %.2f×, claim %.2f× (%s)\n",
		ratio(func(sd *side) []time.Duration { return sd.pushes }), ratio(func(sd *side) []time.Duration { return sd.claims }), loadAvg())
	return nil
}
