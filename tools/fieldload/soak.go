package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// soakGrace is how long an action started before the deadline may keep
// retrying after it (the server is up by then: kills stop at the deadline).
const soakGrace = 30 * time.Second

// soak runs devices simulated phones (nine in ten technicians, one in ten
// inspectors) and a few callback agents against one real server for dur,
// SIGKILLs and restarts it every killEvery at a random moment, then
// restarts it cleanly and audits, through the API and then the store file,
// that every acknowledged write is there exactly once.
func soak(bin string, devices int, dur, killEvery time.Duration, rssBound int64) error {
	if devices < 2 {
		return errors.New("soak needs at least 2 devices")
	}
	tmp, err := os.MkdirTemp("", "fieldload-soak")
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if keep {
			fmt.Fprintf(os.Stderr, "soak: data dir and server log kept in %s\n", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()
	dataDir := filepath.Join(tmp, "data")
	// A short SMS wait: standard-tier tasks fall to the manual queue during the run.
	p := newProc(bin, dataDir, []string{"FIELDCHECK_SMS_WAIT=2s"})
	p.logPath = filepath.Join(tmp, "server.log")
	setupStart := time.Now()
	if err := p.start(); err != nil {
		return err
	}
	running := true
	defer func() {
		if running {
			p.stop()
		}
	}()
	admin := newClient(p.base(), "admin", p.logins["admin"][1])
	if err := admin.login(); err != nil {
		return fmt.Errorf("admin login: %w", err)
	}

	nInsp := max(1, devices/10)
	nTech := devices - nInsp
	nAgents := max(2, devices/25)
	perTech := 10 + int(dur.Seconds()/2)
	const prefix = "s"
	fmt.Fprintf(os.Stderr, "soak: setting up %d technicians (%d orders each), %d inspectors, %d agents…\n", nTech, perTech, nInsp, nAgents)
	o, err := setupOrg(admin, prefix, nTech, perTech, nAgents, 5)
	if err != nil {
		return err
	}
	if err := setupInspectors(admin, o, prefix, nInsp, 3); err != nil {
		return err
	}
	acceptance, err := fetchTemplate(admin, "install_acceptance")
	if err != nil {
		return err
	}
	walkthrough, err := fetchTemplate(admin, "store_walkthrough")
	if err != nil {
		return err
	}
	script, err := fetchTemplate(admin, "callback_script")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "soak: org ready after %s; logging in…\n", time.Since(setupStart).Round(100*time.Millisecond))

	// Every device and agent logs in before the clock starts, four at a
	// time: each login is a bcrypt comparison, and two hundred at once
	// only queue behind each other (that is a login storm, not this test).
	users := append(append(append([]string{}, o.techs...), o.inspectors...), o.agents...)
	clients := make([]*client, len(users))
	errc := make(chan error, len(users))
	parallel(len(users), 4, func(i int) {
		clients[i] = newClient(p.base(), users[i], o.pass)
		if err := clients[i].login(); err != nil {
			errc <- fmt.Errorf("login %s: %w", users[i], err)
		}
	})
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	setupTook := time.Since(setupStart)

	st := newSoakStats()
	start := time.Now()
	deadline := start.Add(dur)
	giveUp := deadline.Add(soakGrace)
	var devs []*device
	var agents []*agent
	for i, c := range clients {
		c.rec = st.request
		switch u := c.user; {
		case i < len(o.techs):
			devs = append(devs, newDevice(c, "technician", st, acceptance, o.orders[u], o.mbps, uint64(i), deadline, giveUp))
		case i < len(o.techs)+len(o.inspectors):
			devs = append(devs, newDevice(c, "inspector", st, walkthrough, o.stores[u], 0, uint64(i), deadline, giveUp))
		default:
			agents = append(agents, newAgent(c, st, uint64(i), deadline, giveUp, script.ID, script.Version))
		}
	}

	fmt.Fprintf(os.Stderr, "soak: %d devices and %d agents for %s, SIGKILL every %s…\n", len(devs), len(agents), dur, killEvery)
	var wg sync.WaitGroup
	for _, d := range devs {
		wg.Add(1)
		go func() { defer wg.Done(); d.run() }()
	}
	for _, ag := range agents {
		wg.Add(1)
		go func() { defer wg.Done(); ag.run() }()
	}
	kills := killer{p: p, every: killEvery, deadline: deadline}
	killDone := make(chan error, 1)
	go func() { killDone <- kills.run() }()
	killErr := <-killDone
	wg.Wait()
	elapsed := time.Since(start)
	loadPeak := p.peakRSS()
	if killErr != nil {
		keep = true
		return killErr
	}

	// A clean stop and start: the audit reads what a normal restart finds.
	fmt.Fprintln(os.Stderr, "soak: load stopped; clean restart and audit…")
	auditStart := time.Now()
	p.stop()
	running = false
	if err := p.start(); err != nil {
		keep = true
		return fmt.Errorf("clean restart after the soak: %w", err)
	}
	running = true
	if err := admin.login(); err != nil {
		return fmt.Errorf("admin login for the audit: %w", err)
	}
	var a audit
	if err := auditAPI(admin, &a, devs, agents, o, prefix); err != nil {
		keep = true
		return fmt.Errorf("API audit: %w", err)
	}
	p.stop()
	running = false
	if err := auditBolt(dataDir, &a, devs, agents); err != nil {
		keep = true
		return fmt.Errorf("store audit: %w", err)
	}
	a.check("fieldcheck rollups verify: the report rollups equal the records after the SIGKILLs", rollupsVerify(bin, dataDir))
	serverErrs := st.get("server errors (5xx but 503)")
	var five []string
	if serverErrs > 0 {
		five = append(five, st.serverErrors...)
	}
	a.check(fmt.Sprintf("no 5xx other than 503 during the run (%d answers; see the table)", serverErrs), five)
	a.check(fmt.Sprintf("%d expectations checked live (versions, duplicates, conflicts, missing_photos, pulls, refreshes) held", st.nLive()), st.failures)
	var rss []string
	if loadPeak > rssBound {
		rss = append(rss, fmt.Sprintf("peak %d MB over the %d MB bound", loadPeak>>20, rssBound>>20))
	}
	a.check(fmt.Sprintf("server peak RSS %d MB under %d MB", loadPeak>>20, rssBound>>20), rss)
	auditTook := time.Since(auditStart)

	printSummary(st, &kills, summaryFigures{
		techs: nTech, inspectors: nInsp, agents: nAgents, dur: dur, elapsed: elapsed,
		setup: setupTook, audit: auditTook, peak: loadPeak, bound: rssBound,
	}, devs, agents)
	fmt.Println()
	for _, l := range a.lines {
		fmt.Println(l)
	}
	if a.failed {
		keep = true
		return errors.New("soak audit failed")
	}
	return nil
}

// killer SIGKILLs the server once in every window of length every, at a
// random moment, and starts it again at once on the same port and data.
type killer struct {
	p        *proc
	every    time.Duration
	deadline time.Time
	kills    int
	down     []time.Duration // kill → ready again
}

func (k *killer) run() error {
	if k.every <= 0 {
		return nil
	}
	start := time.Now()
	for window := start; window.Before(k.deadline); window = window.Add(k.every) {
		at := window.Add(rand.N(k.every))
		if !at.Before(k.deadline) {
			return nil
		}
		time.Sleep(time.Until(at))
		t0 := time.Now()
		k.p.kill()
		k.kills++
		var err error
		for try := 0; try < 3; try++ {
			if err = k.p.start(); err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("restart after SIGKILL %d: %w", k.kills, err)
		}
		k.down = append(k.down, time.Since(t0))
		fmt.Fprintf(os.Stderr, "soak: SIGKILL %d at +%s, serving again after %s\n", k.kills, t0.Sub(start).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	}
	return nil
}
