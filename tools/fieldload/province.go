package main

// `fieldload province-load` builds a province's month in a data dir through
// the real domain code: users, stores and work orders created by workorders
// and auth, every job finished by an acceptance sheet pushed through
// sync.Push (which completes the order and starts its callback in the same
// commit, and counts the rollups there), most callbacks closed through
// callbacks.Service.Result, walkthroughs of every store and spot checks on
// 1 % of the jobs. Pushes from several goroutines coalesce in bbolt batches
// and the file is not fsynced per commit while loading (one sync at the
// end), so a million jobs take minutes rather than hours.

import (
	"encoding/json"
	"fmt"
	"math/rand"
	gosync "sync"
	"sync/atomic"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/reports"
	"fieldcheck/store"
	"fieldcheck/sync/protocol"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// provincePass is every loaded user's password.
const provincePass = "province-pass-1"

// provinceShape is what the loader builds.
type provinceShape struct {
	Jobs, Units, TechsPerUnit, StoresPerUnit int
	Month                                    string // YYYY-MM, Asia/Shanghai
	Workers                                  int
}

func unitCode(u int) string            { return fmt.Sprintf("pv-%02d", u) }
func techName(u, i int) string         { return fmt.Sprintf("pv-%02d-t%03d", u, i) }
func provinceStore(u, i int) string    { return fmt.Sprintf("pv-%02d-s%02d", u, i) }
func provinceOrder(u, i, n int) string { return fmt.Sprintf("PV-%02d-%03d-%05d", u, i, n) }

// spareOrders: assigned orders per technician left open for the bench's pushes.
const spareOrders = 3

func provinceLoad(data string, sh provinceShape) error {
	started := time.Now()
	db, err := store.Open(data)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Bolt.NoSync = true // one fsync at the end (below), not one per commit
	db.Bolt.MaxBatchDelay = time.Millisecond
	defer db.Bolt.Sync()
	// A new data dir records the current layout version, as the server's
	// first start does (otherwise that start takes the month for an old
	// release's and snapshots it to backups/ before stamping it).
	if err := stampNew(db); err != nil {
		return err
	}
	// On an empty store the rollups start complete (as the server's first
	// start does); from here every write counts into them.
	if r, err := reports.StartRollups(db, nil); err != nil {
		return err
	} else if err := r.Wait(); err != nil {
		return err
	}
	pv, err := provinceSetup(db, sh, started)
	if err != nil {
		return err
	}
	from, days, acceptance, spot := pv.from, pv.days, pv.acceptance, pv.spot

	// Jobs per technician, spread over the month's days.
	techs := sh.Units * sh.TechsPerUnit
	perTech := sh.Jobs / techs
	if perTech < 1 {
		perTech = 1
	}
	var pushed, results atomic.Int64
	work := make(chan [2]int)
	errc := make(chan error, sh.Workers)
	var wg gosync.WaitGroup
	for w := 0; w < sh.Workers; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			var now time.Time
			svc := callbacks.New(db, callbacks.Config{Clock: func() time.Time { return now }})
			for ut := range work {
				u, i := ut[0], ut[1]
				p := auth.Principal{Username: techName(u, i), Name: techName(u, i), Role: auth.RoleTechnician, Unit: unitCode(u)}
				if err := loadTechnician(db, svc, &now, rng, p, u, i, perTech, days, from, acceptance, spot, &pushed, &results); err != nil {
					errc <- fmt.Errorf("%s: %w", p.Username, err)
					return
				}
			}
		}(int64(w + 1))
	}
	go func() {
		last := time.Now()
		for u := 0; u < sh.Units; u++ {
			for i := 0; i < sh.TechsPerUnit; i++ {
				select {
				case work <- [2]int{u, i}:
				case err := <-errc:
					errc <- err
					close(work)
					return
				}
				if time.Since(last) > 10*time.Second {
					fmt.Printf("  %d jobs pushed, %d callback results (%s)\n", pushed.Load(), results.Load(), time.Since(started).Round(time.Second))
					last = time.Now()
				}
			}
		}
		close(work)
	}()
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	fmt.Printf("jobs: %d finished by pushed acceptance sheets, %d callback results (%s)\n", pushed.Load(), results.Load(), time.Since(started).Round(time.Millisecond))

	walks, err := provinceWalks(db, sh, pv)
	if err != nil {
		return err
	}
	fmt.Printf("walkthroughs: %d (%s)\n", walks, time.Since(started).Round(time.Millisecond))
	return nil
}

// loadTechnician creates one technician's orders, finishes them day by day
// with pushed acceptance sheets, records most callbacks' results and has
// 1 % spot-checked; it leaves spareOrders assigned orders open.
func loadTechnician(db *store.DB, svc *callbacks.Service, now *time.Time, rng *rand.Rand, p auth.Principal, u, i, perTech, days int,
	from time.Time, acceptance, spot *checklists.Template, pushed, results *atomic.Int64) error {
	actor := store.Actor{Username: "pv-admin"}
	ids := make([]string, perTech+spareOrders)
	err := db.Update(func(tx *bolt.Tx) error {
		for n := range ids {
			ids[n] = provinceOrder(u, i, n)
			if store.Has(tx, store.BucketWorkOrders, []byte(ids[n])) {
				continue
			}
			day := from.AddDate(0, 0, n*days/len(ids))
			tier := workorders.TierStandard
			if rng.Intn(20) == 0 {
				tier = workorders.TierVIP
			}
			_, err := workorders.Create(tx, workorders.WorkOrder{ID: ids[n], Type: workorders.TypeInstall, Product: "broadband",
				SubscribedMbps: 100, Technician: p.Username,
				Customer:    workorders.Customer{Name: "客户", Phone: fmt.Sprintf("138%08d", rng.Intn(1e8)), Address: "成都市锦江区红星路 1 号", Tier: tier},
				Appointment: workorders.Window{From: day.Add(9 * time.Hour), To: day.Add(11 * time.Hour)}}, actor, day.AddDate(0, 0, -2))
			if err != nil {
				return fmt.Errorf("order %s: %w", ids[n], err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	insp := auth.Principal{Username: unitCode(u) + "-insp", Role: auth.RoleInspector, Unit: unitCode(u)}
	reasons := []string{"上门迟到", "网速慢", "态度一般", "安装不整洁", "未讲解使用方法"}
	sats := []string{callbacks.VerySatisfied, callbacks.VerySatisfied, callbacks.VerySatisfied, callbacks.Satisfied, callbacks.Satisfied, callbacks.Unsatisfied}
	// Day by day: the day's jobs in one push from the technician's phone.
	for n := 0; n < perTech; {
		day := from.AddDate(0, 0, n*days/(perTech+spareOrders))
		var subs, spots []json.RawMessage
		var orders []string
		var last time.Time
		for ; n < perTech && from.AddDate(0, 0, n*days/(perTech+spareOrders)).Equal(day) && len(subs) < submissions.MaxBatch; n++ {
			at := day.Add(time.Duration(9*60+len(subs)*25+rng.Intn(20)) * time.Minute)
			last = at
			s := fill(acceptance, checklists.Subject{WorkOrderID: ids[n]}, at, rng, 0.05)
			if rng.Intn(10) == 0 {
				s.Answers["shoe_covers"] = mustJSON(false)
			}
			subs = append(subs, mustJSON(s))
			orders = append(orders, ids[n])
			if rng.Intn(100) == 0 {
				spots = append(spots, mustJSON(fill(spot, checklists.Subject{WorkOrderID: ids[n]}, at.Add(2*time.Hour), rng, 0.2)))
			}
		}
		if err := pushAll(db, p, subs, last.Add(10*time.Minute)); err != nil {
			return err
		}
		pushed.Add(int64(len(subs)))
		if len(spots) > 0 {
			if err := pushAll(db, insp, spots, last.Add(3*time.Hour)); err != nil {
				return fmt.Errorf("spot checks: %w", err)
			}
		}
		for _, wo := range orders {
			if rng.Intn(10) == 0 {
				continue // no result yet: still in the queue
			}
			task, err := svc.ForOrder(callbacks.Everywhere, wo)
			if err != nil {
				return err
			}
			*now = task.FinishedAt.Add(time.Duration(30+rng.Intn(60*60)) * time.Minute)
			sat := sats[rng.Intn(len(sats))]
			var rs []string
			if sat == callbacks.Unsatisfied {
				rs = []string{reasons[rng.Intn(len(reasons))]}
			}
			if _, err := svc.Result(store.Actor{Username: unitCode(u) + "-agent"}, callbacks.Everywhere, task.ID,
				callbacks.ResultInput{Satisfaction: sat, Reasons: rs}); err != nil {
				return fmt.Errorf("result %s: %w", task.ID, err)
			}
			results.Add(1)
		}
	}
	return nil
}

// pushAll pushes subs as p through sync.Push (the server's path) and fails
// unless each is accepted.
func pushAll(db *store.DB, p auth.Principal, subs []json.RawMessage, now time.Time) error {
	for len(subs) > 0 {
		n := min(len(subs), submissions.MaxBatch)
		res, err := protocol.Push(db, p, protocol.PushRequest{DeviceID: "load-" + p.Username, Submissions: subs[:n], Lang: "en"}, now)
		if err != nil {
			return err
		}
		for _, r := range res.Results {
			if r.Status != submissions.StatusAccepted && r.Status != submissions.StatusDuplicate {
				return fmt.Errorf("push %s: %s %+v", r.ID, r.Status, r.Error)
			}
		}
		subs = subs[n:]
	}
	return nil
}

// fill answers every item of tpl validly; fail is the chance a pass/fail or
// check item fails (a count item then finds 1–3).
func fill(tpl *checklists.Template, subject checklists.Subject, at time.Time, rng *rand.Rand, fail float64) *checklists.Submission {
	s := &checklists.Submission{ID: newID(), TemplateID: tpl.ID, TemplateVersion: tpl.Version, Subject: subject,
		FinishedAt: &at, Answers: map[string]json.RawMessage{}, Photos: map[string][]string{}}
	for _, sec := range tpl.Sections {
		for _, it := range sec.Items {
			bad := rng.Float64() < fail
			switch it.Type {
			case checklists.TypeCheck:
				s.Answers[it.ID] = mustJSON(!bad)
			case checklists.TypePassFail:
				v := checklists.Pass
				if bad {
					v = checklists.Fail
				}
				s.Answers[it.ID] = mustJSON(v)
			case checklists.TypeCount:
				n := 0
				if bad {
					n = 1 + rng.Intn(3)
				}
				s.Answers[it.ID] = mustJSON(n)
			case checklists.TypeNumber, checklists.TypeRating:
				if it.Required {
					s.Answers[it.ID] = mustJSON(0)
				}
			case checklists.TypeChoice:
				if len(it.Choices) > 0 {
					s.Answers[it.ID] = mustJSON(it.Choices[0].ID)
				}
			case checklists.TypeText:
				if it.Required {
					s.Answers[it.ID] = mustJSON("正常")
				}
			case checklists.TypeSignature:
				s.Answers[it.ID] = mustJSON(randomSHA())
			case checklists.TypeSpeedtest:
				down := 96.0
				if bad {
					down = 50
				}
				s.Answers[it.ID] = mustJSON(map[string]any{"down_mbps": down, "up_mbps": 30, "ping_ms": 12, "jitter_ms": 2, "method": "browser"})
			case checklists.TypePhoto:
				if !it.Required {
					continue
				}
				n := 1
				if it.Photos != nil && it.Photos.Min > 0 {
					n = it.Photos.Min
				}
				for k := 0; k < n; k++ {
					s.Photos[it.ID] = append(s.Photos[it.ID], randomSHA())
				}
			}
		}
	}
	return s
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// province is what provinceSetup made: the month and the templates.
type province struct {
	from                   time.Time
	days                   int
	acceptance, walk, spot *checklists.Template
}

// provinceSetup creates the province's users and stores (province-load and
// province-gen build the same ones).
func provinceSetup(db *store.DB, sh provinceShape, started time.Time) (*province, error) {
	from, err := time.ParseInLocation("2006-01", sh.Month, store.Shanghai)
	if err != nil {
		return nil, fmt.Errorf("--month: %w", err)
	}
	to := from.AddDate(0, 1, 0)
	days := int(to.Sub(from).Hours() / 24)
	setupAt := from.AddDate(0, 0, -7)
	if err := checklists.EnsureBuiltins(db, setupAt); err != nil {
		return nil, err
	}
	auth.BcryptCost = bcrypt.MinCost
	actor := store.Actor{Username: "pv-admin"}
	var acceptance, walk, spot *checklists.Template
	err = db.Update(func(tx *bolt.Tx) error {
		var err error
		if acceptance, err = checklists.Get(tx, "install_acceptance", 0); err != nil {
			return err
		}
		if walk, err = checklists.Get(tx, "store_walkthrough", 0); err != nil {
			return err
		}
		if spot, err = checklists.Get(tx, "home_visit_spotcheck", 0); err != nil {
			return err
		}
		mk := func(name, role, unit string) error {
			if store.Has(tx, store.BucketUsers, []byte(name)) {
				return nil
			}
			_, err := auth.CreateUser(tx, auth.NewUser{Username: name, Password: provincePass, Name: name, Role: role, Unit: unit}, nil, setupAt)
			return err
		}
		if err := mk("pv-admin", auth.RoleAdmin, ""); err != nil {
			return err
		}
		for u := 0; u < sh.Units; u++ {
			unit := unitCode(u)
			for _, r := range [][2]string{{"sup", auth.RoleSupervisor}, {"insp", auth.RoleInspector}, {"agent", auth.RoleAgent}} {
				if err := mk(unit+"-"+r[0], r[1], unit); err != nil {
					return err
				}
			}
			for i := 0; i < sh.TechsPerUnit; i++ {
				if err := mk(techName(u, i), auth.RoleTechnician, unit); err != nil {
					return err
				}
			}
			for i := 0; i < sh.StoresPerUnit; i++ {
				id := provinceStore(u, i)
				if store.Has(tx, store.BucketOutlets, []byte(id)) {
					continue
				}
				if _, err := workorders.CreateOutlet(tx, workorders.Outlet{ID: id, Name: "营业厅 " + id, Unit: unit}, actor, setupAt); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("users and stores: %w", err)
	}
	fmt.Printf("users and stores: %d units × %d technicians, %d stores each (%s)\n", sh.Units, sh.TechsPerUnit, sh.StoresPerUnit, time.Since(started).Round(time.Millisecond))
	return &province{from: from, days: days, acceptance: acceptance, walk: walk, spot: spot}, nil
}

// provinceWalks has every store walked through twice in the month by its
// unit's inspector, pushed through sync.Push.
func provinceWalks(db *store.DB, sh provinceShape, pv *province) (int, error) {
	from, days, walk := pv.from, pv.days, pv.walk
	// Walkthroughs: every store twice in the month, by its unit's inspector.
	rng := rand.New(rand.NewSource(99))
	walks := 0
	for u := 0; u < sh.Units; u++ {
		p := auth.Principal{Username: unitCode(u) + "-insp", Role: auth.RoleInspector, Unit: unitCode(u)}
		for round := 0; round < 2; round++ {
			at := from.AddDate(0, 0, rng.Intn(days)).Add(time.Duration(9+rng.Intn(9)) * time.Hour)
			var subs []json.RawMessage
			for i := 0; i < sh.StoresPerUnit; i++ {
				s := fill(walk, checklists.Subject{StoreID: provinceStore(u, i)}, at, rng, 0.15)
				subs = append(subs, mustJSON(s))
				walks++
			}
			if err := pushAll(db, p, subs, at.Add(10*time.Minute)); err != nil {
				return walks, fmt.Errorf("walkthroughs: %w", err)
			}
		}
	}
	return walks, nil
}
