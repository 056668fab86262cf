package callbacks

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"fieldcheck/internal/fixtures"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// The 1M-task store is built once per process (it takes a while) and
// removed when the package's tests end; it only exists when the benchmark
// runs:
//
//	go test ./callbacks -run '^$' -bench Claim1M -benchtime 2000x
var bench struct {
	once sync.Once
	dir  string
	f    *fixture
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		bench.f.db.Close()
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

const benchTasks = 1_000_000

// fillQueue writes n pending tasks in big transactions: 90% in the manual
// queue (one in five VIP/high-value, due over the last three days and
// today, so the heads are overdue), 10% still waiting for their SMS answer.
func fillQueue(f *fixture, n int) error {
	now := f.clock.Now()
	const perTx = 50_000
	for start := 0; start < n; start += perTx {
		err := f.db.Update(func(tx *bolt.Tx) error {
			tx.Bucket(store.BucketCallbacks).FillPercent = 0.95 // ids arrive in order
			for i := start; i < min(start+perTx, n); i++ {
				finished := now.Add(-time.Duration(i%(4*24*60)) * time.Minute)
				due, deadline := Deadlines(finished)
				t := &Task{ID: fmt.Sprintf("cb-%010d", i+1), WorkOrderID: fmt.Sprintf("WO-%d", i),
					OrderType: workorders.TypeInstall, Tier: workorders.TierStandard,
					Customer:   workorders.Customer{Name: "张三", Phone: "13800000001", Address: "成都市锦江区某某路 1 号", Tier: workorders.TierStandard},
					Technician: "tech1", Unit: benchUnits[i%len(benchUnits)], FinishedAt: finished, CreatedAt: finished,
					DueAt: due, DeadlineAt: deadline, Channel: ChannelManual, ManualReason: ManualSMSNoAnswer,
					Status: StatusPending, Attempts: []Attempt{}}
				switch {
				case i%10 == 9:
					created := now.Add(-time.Duration(i%(230*60)) * time.Second) // within the 4 h wait
					t.Channel, t.ManualReason, t.CreatedAt, t.SurveyURL = ChannelSMS, "", created, "/s/x"
				case i%5 == 0:
					t.Tier, t.Customer.Tier, t.ManualReason = workorders.TierVIP, workorders.TierVIP, ManualTier
				}
				if err := save(tx, nil, t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkClaim1M: the latency of one claim with a million pending tasks
// in the store. Goal: p99 < 5 ms.
//
//   - fsync: as in production, each claim one write transaction with its
//     fsyncs — the figure users feel, bounded below by the disk.
//   - nosync: the same claims with bbolt's NoSync: the queue's own cost
//     (seeks, decode, re-key, page writes) without the disk flush.
//   - empty-update: a write transaction that puts one key: the disk's floor
//     on this file, to read the fsync figures against.
func BenchmarkClaim1M(b *testing.B) {
	f := benchFixture(b)
	agents := []store.Actor{{Username: "a1"}, {Username: "a2"}, {Username: "a3"}, {Username: "a4"}, {Username: "a5"}}
	claim := func(b *testing.B, i int) {
		task, err := f.svc.Claim(agents[i%len(agents)], Everywhere)
		if err != nil || task == nil {
			b.Fatalf("claim %d: %v %v", i, task, err)
		}
	}
	b.Run("fsync", func(b *testing.B) { measure(b, f, claim) })
	b.Run("nosync", func(b *testing.B) {
		f.db.Bolt.NoSync = true
		defer func() { f.db.Bolt.NoSync = false }()
		measure(b, f, claim)
	})
	b.Run("empty-update", func(b *testing.B) {
		measure(b, f, func(b *testing.B, i int) {
			if err := f.db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket(store.BucketCallbackQueue).Put([]byte("bench"), store.U64(uint64(i)))
			}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkSummarize1M: GET /callbacks/summary's counting with a million
// open tasks (the fixture of BenchmarkClaim1M, four units, 10% waiting for
// their SMS answer with created times over the last four hours), for the
// whole province and for one unit, at instants spread over an hour (the
// minute holding now is resolved from the step index). Goal: p99 ≤ 5 ms.
//
//	go test ./callbacks -run '^$' -bench Summarize1M -benchtime 2000x
func BenchmarkSummarize1M(b *testing.B) {
	f := benchFixture(b)
	base := f.clock.Now()
	defer f.clock.Set(base)
	for _, c := range []struct {
		name string
		sc   Scope
	}{{"province", Everywhere}, {"unit", Scope{unit: benchUnits[1]}}} {
		b.Run(c.name, func(b *testing.B) {
			measure(b, f, func(b *testing.B, i int) {
				f.clock.Set(base.Add(time.Duration(i%3600) * time.Second).Add(time.Duration(i%1000) * time.Millisecond))
				sum, err := f.svc.Summarize(c.sc, "a1")
				if err != nil || sum.Ready+sum.SMS == 0 {
					b.Fatalf("summary %d: %+v %v", i, sum, err)
				}
			})
		})
	}
}

var benchUnits = []string{"chengdu-east", "chengdu-west", "mianyang", "deyang"}

// benchFixture is the 1M-task store, built on first use.
func benchFixture(b *testing.B) *fixture {
	bench.once.Do(func() {
		bench.dir, bench.err = os.MkdirTemp("", "fieldcheck-bench-")
		if bench.err != nil {
			return
		}
		db, err := store.Open(bench.dir)
		if err != nil {
			bench.err = err
			return
		}
		clock := fixtures.NewClock(shanghai(2026, 11, 20, 10, 0))
		bench.f = &fixture{db: db, svc: New(db, Config{Clock: clock.Now}), clock: clock}
		db.Bolt.NoSync = true // building the fixture only
		start := time.Now()
		bench.err = fillQueue(bench.f, benchTasks)
		db.Bolt.NoSync = false
		if bench.err == nil {
			// Flush the fill now, so its writeback does not compete with
			// the fsyncs being measured.
			bench.err = db.Bolt.Sync()
		}
		b.Logf("built %d tasks in %v", benchTasks, time.Since(start).Round(time.Second))
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.f
}

// measure times each call and reports the percentiles.
func measure(b *testing.B, f *fixture, fn func(b *testing.B, i int)) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		fn(b, i)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(p(1), "max-ms")
	if fi, err := os.Stat(f.db.Dir + "/" + store.FileName); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "db-MiB")
	}
}
