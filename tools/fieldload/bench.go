package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fieldcheck/store"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

type phaseResult struct {
	devices   int
	accepted  int64
	elapsed   time.Duration
	lat       []time.Duration
	peakRSS   int64
	serverCPU time.Duration // the server process's user+system time in the phase
	loaderCPU time.Duration // this process's, driving it
	raw       [2]rawResult  // rawLean, rawSame
}

// rawResult is one raw-bbolt baseline run.
type rawResult struct {
	sheets  int64
	elapsed time.Duration
	cpu     time.Duration
}

func (r rawResult) rate() float64 { return float64(r.sheets) / r.elapsed.Seconds() }

// The two raw baselines. rawLean is the first one fieldload had: thirteen
// keys a sheet, ids in sequence per device. rawSame writes the keys a merge
// of one of this run's sheets writes, with the same spread over the file:
// random submission ids, the photo reference and waiting keys under random
// hashes, the survey token and SMS outbox of a standard-tier customer. Each
// key that lands on another leaf page is a page bbolt must copy and write
// at commit, so the two differ by the storage layout's cost, not by any
// logic the server runs.
const (
	rawLean = iota
	rawSame
)

var rawNames = [2]string{"raw, 13 keys", "raw, same keys"}

// loaderProcs caps this process's Ps while it drives the server, so the
// loader cannot take both cores of a 2-core machine from the server it
// measures; the raw baseline runs with every core, as the server would.
const loaderProcs = 1

// procCPU is the user+system time of process pid (0 on error).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// selfCPU is this process's user+system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := int(float64(len(d)-1) * p)
	return d[i]
}

// bench measures accepted acceptance sheets per second through the real
// server at each concurrency, and raw bbolt doing the same writes in the same
// run, so the ratio is the cost of HTTP, auth, validation and merge logic.
func bench(bin string, phases []int, dur time.Duration) error {
	tmp, err := os.MkdirTemp("", "fieldload-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := startProc(bin, filepath.Join(tmp, "data"), nil)
	if err != nil {
		return err
	}
	defer p.stop()
	admin := newClient(p.base(), "admin", p.logins["admin"][1])
	if err := admin.login(); err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	total := 0
	for _, c := range phases {
		total += c
	}
	perTech := 400
	fmt.Fprintf(os.Stderr, "setting up %d technicians with %d orders each…\n", total, perTech)
	o, err := setupOrg(admin, "b", total, perTech, 1, 10) // one agent: the claim figure
	if err != nil {
		return err
	}
	tpl, err := fetchTemplate(admin, "install_acceptance")
	if err != nil {
		return err
	}
	var results []phaseResult
	next := 0
	for _, c := range phases {
		techs := o.techs[next : next+c]
		next += c
		r := phaseResult{devices: c}
		p.resetRSS()
		var accepted atomic.Int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		clients := make([]*client, len(techs))
		for i, tech := range techs { // log in first: bcrypt is not what this measures
			clients[i] = newClient(p.base(), tech, o.pass)
			if err := clients[i].login(); err != nil {
				return err
			}
		}
		prevProcs := runtime.GOMAXPROCS(loaderProcs)
		srv0, self0 := procCPU(p.cmd.Process.Pid), selfCPU()
		start := time.Now()
		deadline := start.Add(dur)
		for i, tech := range techs {
			cl := clients[i]
			orders := o.orders[tech]
			wg.Add(1)
			go func() {
				defer wg.Done()
				var lat []time.Duration
				for i := 0; i < len(orders) && time.Now().Before(deadline); i++ {
					sub := sheet(tpl, orders[i], o.mbps, func(n int) []string {
						s := make([]string, n)
						for k := range s {
							s[k] = randomSHA()
						}
						return s
					})
					var out struct {
						Results []struct {
							Status string `json:"status"`
							Error  any    `json:"error"`
						} `json:"results"`
					}
					t0 := time.Now()
					_, err := cl.do("POST", "/api/v1/sync/push", map[string]any{"device_id": "bench-" + tech, "device_time": time.Now().UTC(), "submissions": []any{sub}}, "", &out)
					lat = append(lat, time.Since(t0))
					if err != nil {
						fmt.Fprintln(os.Stderr, "push:", err)
						return
					}
					if len(out.Results) == 1 && out.Results[0].Status == "accepted" {
						accepted.Add(1)
					} else {
						fmt.Fprintf(os.Stderr, "push not accepted: %+v\n", out.Results)
					}
				}
				mu.Lock()
				r.lat = append(r.lat, lat...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		r.elapsed = time.Since(start)
		r.serverCPU, r.loaderCPU = procCPU(p.cmd.Process.Pid)-srv0, selfCPU()-self0
		runtime.GOMAXPROCS(prevProcs)
		r.accepted = accepted.Load()
		r.peakRSS = p.peakRSS()
		for mode := range r.raw {
			self0 = selfCPU()
			res := &r.raw[mode]
			if res.sheets, res.elapsed, err = rawBolt(tmp, mode, c, dur, tpl, o.mbps); err != nil {
				return err
			}
			res.cpu = selfCPU() - self0
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "%d devices: %d accepted in %s\n", c, r.accepted, r.elapsed.Round(time.Millisecond))
	}
	fmt.Printf("| devices | accepted sheets/s | push p50 | push p99 | server peak RSS | %s sheets/s | server ÷ that | %s sheets/s | server ÷ that | CPU cores: server / loader | server CPU per sheet |\n",
		rawNames[rawLean], rawNames[rawSame])
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		srv := float64(r.accepted) / r.elapsed.Seconds()
		perSheet := time.Duration(0)
		if r.accepted > 0 {
			perSheet = r.serverCPU / time.Duration(r.accepted)
		}
		lean, same := r.raw[rawLean].rate(), r.raw[rawSame].rate()
		fmt.Printf("| %d | %.0f | %.1f ms | %.1f ms | %.0f MB | %.0f | %.0f%% | %.0f | %.0f%% | %.2f / %.2f | %.2f ms |\n", r.devices, srv,
			ms(pct(r.lat, 0.50)), ms(pct(r.lat, 0.99)), float64(r.peakRSS)/(1<<20), lean, 100*srv/lean, same, 100*srv/same,
			r.serverCPU.Seconds()/r.elapsed.Seconds(), r.loaderCPU.Seconds()/r.elapsed.Seconds(), ms(perSheet))
	}
	fmt.Printf("(loader GOMAXPROCS=%d while driving the server, all %d CPUs for the raw runs, which follow each server phase)\n",
		loaderProcs, runtime.NumCPU())
	accepted := 0
	for _, r := range results {
		accepted += int(r.accepted)
	}
	cr, err := benchClaim(tmp, p, o.agents[0], o.pass, accepted)
	if err != nil {
		return err
	}
	printClaim(cr)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rawBolt does, per sheet, the writes a merge must do (mode rawLean or
// rawSame, see there) with `workers` goroutines sharing commits through
// db.Batch, as the server does.
func rawBolt(dir string, mode, workers int, dur time.Duration, tpl *template, mbps float64) (int64, time.Duration, error) {
	path := filepath.Join(dir, fmt.Sprintf("raw-%d-%d.db", mode, workers))
	db, err := bolt.Open(path, 0o600, store.Options()) // the server's own options
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(path)
	defer db.Close()
	names := []string{"subs", "heads", "by_subject", "by_author", "by_time", "workorders", "wo_by_tech", "wo_by_unit",
		"callbacks", "cb_by_order", "cb_queue", "cb_by_time", "survey_tokens", "sms_outbox", "photo_refs",
		"feed", "audit"}
	order := map[string]any{"id": "x", "type": "install", "product": "broadband", "subscribed_mbps": mbps,
		"customer":   map[string]string{"name": "客户", "phone": "13900000000", "address": "成都市武侯区测试路1号", "tier": "standard"},
		"technician": "t", "unit": "u", "status": "assigned", "version": 1}
	orderJSON, _ := json.Marshal(order)
	perWorker := 100000
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	var count atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	result := make([]byte, 700) // the stored score breakdown and flags
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tech := fmt.Sprintf("r.t%03d", w)
			for i := 0; i < perWorker && time.Now().Before(deadline); i++ {
				leanID, order := fmt.Sprintf("w%03d-%06d", w, i), fmt.Sprintf("Lr-t%03d-%04d", w, i)
				subject := order
				if mode == rawLean {
					subject = leanID
				}
				var shas []string
				sub, _ := json.Marshal(sheet(tpl, subject, mbps, func(n int) []string {
					s := make([]string, n)
					for k := range s {
						s[k] = randomSHA()
					}
					shas = append(shas, s...)
					return s
				}))
				version := append(append([]byte{}, sub...), result...)
				var fn func(tx *bolt.Tx) error
				if mode == rawLean {
					fn = rawLeanWrites(leanID, version, orderJSON, result)
				} else {
					fn = rawSameWrites(newID(), order, tech, shas, version, orderJSON, result, i%10 != 0)
				}
				if err := db.Batch(fn); err != nil {
					fmt.Fprintln(os.Stderr, "raw:", err)
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return count.Load(), time.Since(start), nil
}

// rawLeanWrites is the first baseline: the sheet version, its head, three
// index keys, the work order read-modify-write, the callback task with its
// three index keys, two feed entries and an audit entry, all under one id.
func rawLeanWrites(id string, version, orderJSON, result []byte) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b := func(n string) *bolt.Bucket { return tx.Bucket([]byte(n)) }
		wo := b("workorders")
		if v := wo.Get([]byte(id)); v == nil {
			wo.Put([]byte(id), orderJSON)
		}
		cur := wo.Get([]byte(id))
		updated := append(append([]byte{}, cur...), ' ')
		steps := []error{
			b("subs").Put([]byte(id+"\x00\x00\x00\x00\x01"), version),
			b("heads").Put([]byte(id), result[:400]),
			b("by_subject").Put([]byte("wo:"+id+"\x00"+id), nil),
			b("by_author").Put([]byte("t\x00"+id), nil),
			b("by_time").Put([]byte(time.Now().Format(time.RFC3339Nano)+id), nil),
			wo.Put([]byte(id), updated),
			b("callbacks").Put([]byte(id), result[:700]),
			b("cb_by_order").Put([]byte(id), []byte(id)),
			b("cb_queue").Put([]byte("2"+time.Now().Format(time.RFC3339Nano)+id), []byte(id)),
			b("cb_by_time").Put([]byte(time.Now().Format(time.RFC3339Nano)+id), nil),
		}
		seq, _ := b("feed").NextSequence()
		steps = append(steps, b("feed").Put([]byte(fmt.Sprintf("u:t\x00%016x", seq)), result[:60]),
			b("feed").Put([]byte(fmt.Sprintf("unit:u\x00%016x", seq)), result[:60]))
		aseq, _ := b("audit").NextSequence()
		steps = append(steps, b("audit").Put([]byte(fmt.Sprintf("%016x", aseq)), result[:150]))
		return errors.Join(steps...)
	}
}

// rawSameWrites is what a merge of one new acceptance sheet writes, key for
// key: the version under a random id, the head (and its sequence), the
// subject, author and time indexes, a reference and a waiting key per
// photo, the order read-modify-write with its technician and unit index
// keys, the callback task with its order, time and queue keys, for a
// standard-tier customer the survey token and the SMS outbox message with
// its pending key, three feed entries (the order to its unit and
// technician, the sheet to its author) and two audit entries.
func rawSameWrites(id, order, tech string, shas []string, version, orderJSON, result []byte, standard bool) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b := func(n string) *bolt.Bucket { return tx.Bucket([]byte(n)) }
		now := time.Now()
		ts := []byte(now.Format(time.RFC3339Nano))
		key := func(parts ...string) []byte { return []byte(strings.Join(parts, "\x00")) }
		wo := b("workorders")
		if v := wo.Get([]byte(order)); v == nil {
			wo.Put([]byte(order), orderJSON)
		}
		updated := append(append([]byte{}, wo.Get([]byte(order))...), ' ')
		hseq, _ := b("heads").NextSequence()
		cseq, _ := b("callbacks").NextSequence()
		task := fmt.Sprintf("cb-%010d", cseq)
		steps := []error{
			b("subs").Put(key(id, "\x00\x00\x00\x01"), version),
			b("heads").Put([]byte(id), append(result[:400:400], fmt.Sprint(hseq)...)),
			b("by_subject").Put(key("wo:"+order, id), nil),
			b("by_author").Put(key(tech, id), nil),
			b("by_time").Put(key(string(ts), id), nil),
			wo.Put([]byte(order), updated),
			b("wo_by_tech").Put(key(tech, order), nil),
			b("wo_by_unit").Put(key("u", order), nil),
			b("callbacks").Put([]byte(task), result[:520]),
			b("cb_by_order").Put([]byte(order), []byte(task)),
			b("cb_by_time").Put(key(string(ts), task), nil),
			b("cb_queue").Put(key("u", "2", string(ts), task), nil),
		}
		for _, sha := range shas {
			// No photo_waiting key: the server derives the waiting sheets
			// from photo_refs and the head (schema 3).
			steps = append(steps, b("photo_refs").Put(key(sha, id), nil))
		}
		if standard {
			token := newID()[:22]
			mseq, _ := b("sms_outbox").NextSequence()
			steps = append(steps, b("survey_tokens").Put([]byte(token), []byte(task)),
				b("sms_outbox").Put([]byte(fmt.Sprintf("m%016x", mseq)), result[:300]),
				b("sms_outbox").Put([]byte(fmt.Sprintf("p%s%016x", ts, mseq)), nil))
		}
		feed := b("feed")
		seq, _ := feed.NextSequence()
		steps = append(steps, feed.Put(key("unit:u", fmt.Sprintf("%016x", seq)), result[:40]),
			feed.Put(key("u:"+tech, fmt.Sprintf("%016x", seq)), result[:40]))
		seq, _ = feed.NextSequence()
		steps = append(steps, feed.Put(key("u:"+tech, fmt.Sprintf("%016x", seq)), result[:40]))
		for range 2 {
			aseq, _ := b("audit").NextSequence()
			steps = append(steps, b("audit").Put(key(string(ts), fmt.Sprintf("%016x", aseq)), result[:140]))
		}
		return errors.Join(steps...)
	}
}
