package main

// `fieldload province-gen` writes a province's month into a data dir in
// bulk, in-process, through the same domain write functions the server
// runs — workorders.Create, sync.PushTx (sync.Push's decide and apply: the
// order completed, its callback started, indexes, rollups and queue
// counters moved), callbacks.Service.ResultTx (Result's checks and writes)
// — but thousands of jobs to a write transaction with fsync off (one sync
// at the end), where province-load pushes a technician's day per commit.
// A generator goroutine prepares the sheets (JSON) while the writer
// commits. The users, stores, walkthroughs and the spare open orders are
// province-load's, so province-bench runs on either.
//
// Photos are not uploaded: every sheet names its required photos by hashes
// no one uploads, so the sheets wait for them (as province-load's do).

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync/atomic"
	"syscall"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/reports"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// genChunk is what one write transaction of province-gen holds: a few
// technicians' jobs of one day.
type genChunk struct {
	orders  []genOrder
	pushes  []genPush
	results []genResult
	jobs    int
}

type genOrder struct {
	wo      workorders.WorkOrder
	created time.Time
}

type genPush struct {
	p    auth.Principal
	subs []json.RawMessage
	now  time.Time
}

type genResult struct {
	order, agent string
	at           time.Time
	in           callbacks.ResultInput
}

// genCounts is what province-gen wrote.
type genCounts struct {
	jobs, results, unsatisfied, spots, walks int
}

func provinceGen(data string, sh provinceShape, batch int) (*genCounts, error) {
	started := time.Now()
	// The writer allocates a lot of short-lived JSON: fewer collections.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	db, err := store.Open(data)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.Bolt.NoSync = true // one fsync at the end, not one per commit
	defer db.Bolt.Sync()
	// A new data dir records the current layout version, as the server's
	// first start does (otherwise that start takes the month for an old
	// release's and snapshots it to backups/ before stamping it).
	if err := stampNew(db); err != nil {
		return nil, err
	}
	if r, err := reports.StartRollups(db, nil); err != nil {
		return nil, err
	} else if err := r.Wait(); err != nil {
		return nil, err
	}
	// The lists' indexes start complete on the empty store, as at the
	// server's first start, and are kept from here: the work orders' (built
	// by the service), the supervisors' submission list (built by its first
	// list); the callbacks' are built by callbacks.New below.
	workorders.NewService(db, time.Now)
	if _, _, err := submissions.List(db, auth.Principal{Username: "pv-sup", Role: auth.RoleSupervisor, Unit: unitCode(0)}, submissions.Filter{}, 1, ""); err != nil {
		return nil, err
	}
	pv, err := provinceSetup(db, sh, started)
	if err != nil {
		return nil, err
	}
	techs := sh.Units * sh.TechsPerUnit
	perTech := max(1, sh.Jobs/techs)
	perDay := max(1, perTech/pv.days)
	techsPerChunk := max(1, batch/perDay)

	// SIGINT or SIGTERM ends the month early but cleanly: the chunk being
	// written commits, then the spare orders and the walkthroughs are added
	// as at the end of a full run. A run started again on the same data dir
	// (same --jobs and shape) goes on where the last one stopped: the chunks
	// whose orders are there are skipped (each chunk is one transaction).
	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	chunks := make(chan *genChunk, 2)
	var finished atomic.Bool
	go func() {
		defer close(chunks)
		g := &generator{sh: sh, pv: pv, perTech: perTech, rng: rand.New(rand.NewSource(15)), cutoff: time.Now().Add(-time.Hour)}
		skipped := 0
	days:
		for d := 0; d < pv.days; d++ {
			for t0 := 0; t0 < techs; t0 += techsPerChunk {
				if stop.Err() != nil {
					fmt.Printf("stopped on day %d: finishing with the spare orders and the walkthroughs\n", d+1)
					break days
				}
				c := &genChunk{}
				for t := t0; t < min(techs, t0+techsPerChunk); t++ {
					g.techDay(c, t/sh.TechsPerUnit, t%sh.TechsPerUnit, d)
				}
				if len(c.orders) > 0 && orderExists(db, c.orders[0].wo.ID) {
					skipped += c.jobs
					continue
				}
				sortResults(c.results)
				chunks <- c
			}
		}
		if skipped > 0 {
			fmt.Printf("%d jobs were there from an earlier run\n", skipped)
		}
		c := &genChunk{} // the spare orders province-bench pushes
		for t := 0; t < techs; t++ {
			g.spares(c, t/sh.TechsPerUnit, t%sh.TechsPerUnit)
		}
		if orderExists(db, c.orders[0].wo.ID) {
			finished.Store(true) // an earlier run got to the end
			return
		}
		chunks <- c
	}()

	var now time.Time
	svc := callbacks.New(db, callbacks.Config{Clock: func() time.Time { return now }})
	admin := store.Actor{Username: "pv-admin", Device: "province-gen"}
	var n genCounts
	last := time.Now()
	for c := range chunks {
		err := db.Update(func(tx *bolt.Tx) error {
			for _, o := range c.orders {
				if _, err := workorders.Create(tx, o.wo, admin, o.created); err != nil {
					return fmt.Errorf("order %s: %w", o.wo.ID, err)
				}
			}
			for _, p := range c.pushes {
				res, err := submissions.PushTx(tx, p.p, submissions.Batch{DeviceID: "gen-" + p.p.Username, Submissions: p.subs, Lang: "en"}, p.now)
				if err != nil {
					return err
				}
				for _, r := range res.Results {
					if r.Status != submissions.StatusAccepted {
						return fmt.Errorf("push %s as %s: %s %+v", r.ID, p.p.Username, r.Status, r.Error)
					}
				}
			}
			for _, r := range c.results {
				task, err := callbacks.TaskForOrder(tx, r.order)
				if err != nil || task == nil {
					return fmt.Errorf("task of %s: %v", r.order, err)
				}
				now = r.at
				if _, err := svc.ResultTx(tx, store.Actor{Username: r.agent, Device: "province-gen"}, callbacks.Everywhere, task.ID, r.in); err != nil {
					return fmt.Errorf("result %s: %w", task.ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		n.jobs += c.jobs
		n.results += len(c.results)
		for _, r := range c.results {
			if r.in.Satisfaction == callbacks.Unsatisfied {
				n.unsatisfied++
			}
		}
		for _, p := range c.pushes {
			if p.p.Role == auth.RoleInspector {
				n.spots += len(p.subs)
			}
		}
		if time.Since(last) > 15*time.Second {
			el := time.Since(started)
			fmt.Printf("  %d jobs, %d callback results (%s, %.0f jobs/s, %s)\n", n.jobs, n.results, el.Round(time.Second),
				float64(n.jobs)/el.Seconds(), dirSize(data))
			last = time.Now()
		}
	}
	fmt.Printf("jobs: %d finished, %d callback results (%d 不满意), %d spot checks (%s)\n", n.jobs, n.results, n.unsatisfied, n.spots,
		time.Since(started).Round(time.Millisecond))
	if finished.Load() {
		fmt.Println("the month was complete already (spare orders there): nothing more to write")
		return &n, nil
	}
	if n.walks, err = provinceWalks(db, sh, pv); err != nil {
		return nil, err
	}
	if err := db.Bolt.Sync(); err != nil {
		return nil, err
	}
	el := time.Since(started)
	fmt.Printf("walkthroughs: %d; done in %s (%.0f jobs/s), %s\n", n.walks, el.Round(time.Millisecond), float64(n.jobs)/el.Seconds(), dirSize(data))
	return &n, nil
}

// generator makes the chunks' contents; it runs beside the writer.
type generator struct {
	sh      provinceShape
	pv      *province
	perTech int
	rng     *rand.Rand
	cutoff  time.Time // no result is dated after this (the month may have just ended)
}

var (
	genReasons = []string{"上门迟到", "网速慢", "态度一般", "安装不整洁", "未讲解使用方法"}
	genSats    = []string{callbacks.VerySatisfied, callbacks.VerySatisfied, callbacks.VerySatisfied, callbacks.VerySatisfied,
		callbacks.Satisfied, callbacks.Satisfied, callbacks.Satisfied, callbacks.Unsatisfied}
)

func (g *generator) order(u, i, n int, day time.Time) genOrder {
	tier := workorders.TierStandard
	if g.rng.Intn(20) == 0 {
		tier = workorders.TierVIP
	}
	typ, product := workorders.TypeInstall, "broadband"
	return genOrder{created: day.AddDate(0, 0, -2), wo: workorders.WorkOrder{ID: provinceOrder(u, i, n), Type: typ, Product: product,
		SubscribedMbps: 100, Technician: techName(u, i),
		Customer:    workorders.Customer{Name: "客户", Phone: fmt.Sprintf("138%08d", g.rng.Intn(1e8)), Address: "成都市锦江区红星路 1 号", Tier: tier},
		Appointment: workorders.Window{From: day.Add(9 * time.Hour), To: day.Add(11 * time.Hour)}}}
}

// techDay adds technician (u, i)'s jobs of day d: the orders, one push of
// their acceptance sheets, 1 % spot-checked by the unit's inspector, and the
// callback results of nine in ten (the rest stay in the queue).
func (g *generator) techDay(c *genChunk, u, i, d int) {
	days := g.pv.days
	first := (d*g.perTech + days - 1) / days // jobs n with n*days/perTech == d
	end := ((d+1)*g.perTech + days - 1) / days
	if first >= end {
		return
	}
	day := g.pv.from.AddDate(0, 0, d)
	p := auth.Principal{Username: techName(u, i), Name: techName(u, i), Role: auth.RoleTechnician, Unit: unitCode(u)}
	insp := auth.Principal{Username: unitCode(u) + "-insp", Role: auth.RoleInspector, Unit: unitCode(u)}
	var subs, spots []json.RawMessage
	var lastAt time.Time
	flush := func() {
		if len(subs) > 0 {
			c.pushes = append(c.pushes, genPush{p: p, subs: subs, now: lastAt.Add(10 * time.Minute)})
		}
		if len(spots) > 0 {
			c.pushes = append(c.pushes, genPush{p: insp, subs: spots, now: lastAt.Add(3 * time.Hour)})
		}
		subs, spots = nil, nil
	}
	slot := max(1, 10*60/(end-first)) // the day's jobs spread over 08:30–18:30
	for n := first; n < end; n++ {
		c.orders = append(c.orders, g.order(u, i, n, day))
		at := day.Add(time.Duration(8*60+30+(n-first)*slot+g.rng.Intn(slot)) * time.Minute)
		lastAt = at
		s := fill(g.pv.acceptance, checklists.Subject{WorkOrderID: provinceOrder(u, i, n)}, at, g.rng, 0.05)
		if g.rng.Intn(10) == 0 {
			s.Answers["shoe_covers"] = mustJSON(false)
		}
		subs = append(subs, mustJSON(s))
		c.jobs++
		if g.rng.Intn(100) == 0 {
			spots = append(spots, mustJSON(fill(g.pv.spot, checklists.Subject{WorkOrderID: provinceOrder(u, i, n)}, at.Add(2*time.Hour), g.rng, 0.2)))
		}
		if len(subs) == submissions.MaxBatch {
			flush()
		}
		// The customer's answer: most the same day, some within three
		// days, a few later; one in ten not yet.
		var wait time.Duration
		switch r := g.rng.Intn(100); {
		case r < 10:
			continue
		case r < 70:
			wait = time.Duration(30+g.rng.Intn(6*60)) * time.Minute
		case r < 95:
			wait = time.Duration(6*60+g.rng.Intn(42*60)) * time.Minute
		default:
			wait = time.Duration(48*60+g.rng.Intn(48*60)) * time.Minute
		}
		resAt := at.Add(10*time.Minute + wait)
		if resAt.After(g.cutoff) {
			continue
		}
		sat := genSats[g.rng.Intn(len(genSats))]
		in := callbacks.ResultInput{Satisfaction: sat}
		if sat == callbacks.Unsatisfied {
			in.Reasons = []string{genReasons[g.rng.Intn(len(genReasons))]}
		}
		c.results = append(c.results, genResult{order: provinceOrder(u, i, n), agent: unitCode(u) + "-agent", at: resAt, in: in})
	}
	flush()
}

// spares adds the technician's open orders province-bench pushes.
func (g *generator) spares(c *genChunk, u, i int) {
	last := g.pv.from.AddDate(0, 0, g.pv.days-1)
	for k := 0; k < spareOrders; k++ {
		c.orders = append(c.orders, g.order(u, i, g.perTech+k, last))
	}
}

// sortResults puts a chunk's results in time order (they are written after
// its pushes).
func sortResults(rs []genResult) {
	sort.Slice(rs, func(a, b int) bool { return rs[a].at.Before(rs[b].at) })
}

// dirSize is the data dir's size on disk, for progress lines.
func dirSize(dir string) string {
	var total int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	return fmt.Sprintf("%.2f GB", float64(total)/1e9)
}

func orderExists(db *store.DB, id string) bool {
	var ok bool
	db.View(func(tx *bolt.Tx) error {
		ok = store.Has(tx, store.BucketWorkOrders, []byte(id))
		return nil
	})
	return ok
}

// stampNew records the schema version in a brand-new store (store.Migrate
// only stamps one that is new); a store with data is left alone.
func stampNew(db *store.DB) error {
	if v, err := db.Schema(); err != nil || v != 0 {
		return err
	}
	_, err := db.Migrate(nil, time.Now())
	return err
}
