package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

type phaseResult struct {
	devices    int
	accepted   int64
	elapsed    time.Duration
	lat        []time.Duration
	peakRSS    int64
	rawSheets  int64
	rawElapsed time.Duration
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
	o, err := setupOrg(admin, "b", total, perTech, 0, 10)
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
		r.accepted = accepted.Load()
		r.peakRSS = p.peakRSS()
		r.rawSheets, r.rawElapsed, err = rawBolt(tmp, c, dur, tpl, o.mbps)
		if err != nil {
			return err
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "%d devices: %d accepted in %s\n", c, r.accepted, r.elapsed.Round(time.Millisecond))
	}
	fmt.Println("| devices | accepted sheets/s | push p50 | push p99 | server peak RSS | raw bbolt sheets/s | server ÷ raw |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		srv := float64(r.accepted) / r.elapsed.Seconds()
		raw := float64(r.rawSheets) / r.rawElapsed.Seconds()
		fmt.Printf("| %d | %.0f | %.1f ms | %.1f ms | %.0f MB | %.0f | %.0f%% |\n", r.devices, srv,
			ms(pct(r.lat, 0.50)), ms(pct(r.lat, 0.99)), float64(r.peakRSS)/(1<<20), raw, 100*srv/raw)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rawBolt does, per sheet, the writes a merge must do — the sheet version,
// its head, three index keys, the work order read-modify-write, the callback
// task with its three index keys, two feed entries and an audit entry — with
// `workers` goroutines sharing commits through db.Batch, as the server does.
func rawBolt(dir string, workers int, dur time.Duration, tpl *template, mbps float64) (int64, time.Duration, error) {
	path := filepath.Join(dir, fmt.Sprintf("raw-%d.db", workers))
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(path)
	defer db.Close()
	names := []string{"subs", "heads", "by_subject", "by_author", "by_time", "workorders", "callbacks", "cb_by_order", "cb_queue", "cb_by_time", "feed", "audit"}
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
			for i := 0; i < perWorker && time.Now().Before(deadline); i++ {
				id := fmt.Sprintf("w%03d-%06d", w, i)
				sub, _ := json.Marshal(sheet(tpl, id, mbps, func(n int) []string {
					s := make([]string, n)
					for k := range s {
						s[k] = randomSHA()
					}
					return s
				}))
				version := append(append([]byte{}, sub...), result...)
				err := db.Batch(func(tx *bolt.Tx) error {
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
					for _, err := range steps {
						if err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
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
