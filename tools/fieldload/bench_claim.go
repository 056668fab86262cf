package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// benchClaims is how many claims `fieldload bench` times through the server
// and then on raw bbolt: a few seconds, whatever the phases left behind.
const benchClaims = 200

// claimResult is the claim figure of `fieldload bench`: the latency of
// POST /callbacks/claim on the queue the push phases filled (their VIP
// orders' callbacks), and of raw bbolt doing a claim's writes on a file
// with as many tasks, in the same run.
type claimResult struct {
	queued     int // tasks the server had in the manual queue
	server     []time.Duration
	raw        []time.Duration
	rawTasks   int
	skipReason string
}

// benchClaim times benchClaims claims by one agent of the bench's unit, each
// lease given back at once (not timed) so every claim finds the same queue,
// then rawClaims on a file of tasks tasks (queued of them in the queue).
func benchClaim(dir string, p *proc, agent, pass string, tasks int) (claimResult, error) {
	var r claimResult
	cl := newClient(p.base(), agent, pass)
	if err := cl.login(); err != nil {
		return r, fmt.Errorf("agent login: %w", err)
	}
	var sum struct {
		Ready int `json:"ready"`
	}
	if _, err := cl.do("GET", "/api/v1/callbacks/summary", nil, "", &sum); err != nil {
		return r, fmt.Errorf("summary: %w", err)
	}
	r.queued = sum.Ready
	if r.queued == 0 {
		r.skipReason = "no callback waiting to be claimed (no VIP order was finished)"
		return r, nil
	}
	for k := 0; k < benchClaims; k++ {
		var task struct {
			ID string `json:"id"`
		}
		t0 := time.Now()
		status, err := cl.do("POST", "/api/v1/callbacks/claim", nil, "", &task)
		r.server = append(r.server, time.Since(t0))
		if err != nil || task.ID == "" {
			return r, fmt.Errorf("claim %d: %d %v", k, status, err)
		}
		if _, err := cl.do("POST", "/api/v1/callbacks/"+task.ID+"/release", nil, "", nil); err != nil {
			return r, fmt.Errorf("release: %w", err)
		}
	}
	r.rawTasks = tasks
	var err error
	r.raw, err = rawClaims(dir, tasks, r.queued, benchClaims)
	return r, err
}

// rawClaims is the raw-bbolt baseline of a claim, with the server's bbolt
// options: one write transaction that takes the head of a queue index
// holding queued of tasks stored tasks, reads and rewrites that task (a
// stored task's size), moves its key from the queue indexes (all units and
// its unit) to the claimed ones and bumps two counters; the release after
// each (not timed) puts it back.
func rawClaims(dir string, tasks, queued, n int) ([]time.Duration, error) {
	path := filepath.Join(dir, "raw-claim.db")
	db, err := bolt.Open(path, 0o600, store.Options())
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer db.Close()
	names := []string{"callbacks", "cb_queue", "cb_queue_by_unit", "cb_claimed", "cb_claimed_by_unit", "cb_counts"}
	task := make([]byte, 900) // a VIP install's task as JSON, about
	const perTx = 20000
	for start := 0; start < tasks; start += perTx {
		if err := db.Update(func(tx *bolt.Tx) error {
			for _, name := range names {
				if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
					return err
				}
			}
			for i := start; i < min(start+perTx, tasks); i++ {
				id := fmt.Sprintf("cb-%010d", i+1)
				if err := tx.Bucket([]byte("callbacks")).Put([]byte(id), task); err != nil {
					return err
				}
				if i%max(1, tasks/queued) == 0 {
					due := fmt.Sprintf("%016x", i)
					if err := tx.Bucket([]byte("cb_queue")).Put([]byte("1"+due+"\x00"+id), nil); err != nil {
						return err
					}
					if err := tx.Bucket([]byte("cb_queue_by_unit")).Put([]byte("u\x001"+due+"\x00"+id), nil); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	// move takes the first key of from (and its unit twin) to to, rewriting
	// the task: a claim with from the queue, a release the other way.
	move := func(tx *bolt.Tx, from, to string) error {
		b := func(n string) *bolt.Bucket { return tx.Bucket([]byte(n)) }
		k, _ := b(from).Cursor().First()
		if k == nil {
			return fmt.Errorf("raw claim: %s is empty", from)
		}
		key := append([]byte{}, k...)
		id := key[len(key)-len("cb-0000000000"):]
		t := append(append([]byte{}, b("callbacks").Get(id)...), ' ')
		counts := b("cb_counts")
		return joinErr(b("callbacks").Put(id, t[:len(task)]),
			b(from).Delete(key), b(from+"_by_unit").Delete(append([]byte("u\x00"), key...)),
			b(to).Put(key, nil), b(to+"_by_unit").Put(append([]byte("u\x00"), key...), nil),
			counts.Put([]byte("u\x00ready"), store.U64(uint64(len(key)))), counts.Put([]byte("u\x00claimed"), store.U64(uint64(len(t)))))
	}
	lat := make([]time.Duration, 0, n)
	for k := 0; k < n; k++ {
		t0 := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error { return move(tx, "cb_queue", "cb_claimed") }); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
		if err := db.Update(func(tx *bolt.Tx) error { return move(tx, "cb_claimed", "cb_queue") }); err != nil {
			return nil, err
		}
	}
	return lat, nil
}

func joinErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// printClaim writes the claim table under the push table.
func printClaim(r claimResult) {
	fmt.Println()
	if r.skipReason != "" {
		fmt.Printf("claim: not measured: %s\n", r.skipReason)
		return
	}
	sp50, sp99 := pct(r.server, 0.50), pct(r.server, 0.99)
	rp50, rp99 := pct(r.raw, 0.50), pct(r.raw, 0.99)
	fmt.Println("| claims | tasks in the queue | claim p50 | claim p99 | raw claim p50 | raw claim p99 | server ÷ raw, p50 | p99 |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d | %d of %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2f× | %.2f× |\n", len(r.server), r.queued, r.rawTasks,
		ms(sp50), ms(sp99), ms(rp50), ms(rp99), float64(sp50)/float64(max(rp50, 1)), float64(sp99)/float64(max(rp99, 1)))
	fmt.Println("(POST /callbacks/claim by one agent through the server, each lease given back untimed; raw: one bbolt write moving the queue head's keys and rewriting its task, on a file of as many tasks, same run)")
}
