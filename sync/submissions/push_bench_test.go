package submissions

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkPush merges fresh acceptance sheets through Push on a real bbolt
// file (fsync on) with 1, 16 and 64 devices pushing one sheet each at a time,
// every sheet a random id for its own install order, so each accepted push completes an
// order and starts its callback — what `fieldload bench` drives over HTTP,
// without HTTP. The sheets/s metric is the figure to compare; a CPU profile
// (-cpuprofile) shows the merge without the server's setup noise:
//
//	go test -run '^$' -bench BenchmarkPush -benchtime 3000x ./sync/submissions/
func BenchmarkPush(b *testing.B) {
	for _, devices := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("devices=%d", devices), func(b *testing.B) {
			db := newDB(b)
			techs := benchTechs(b, db, devices)
			// Orders and sheets are made before the clock starts: one per push.
			orderID := func(d, i int) string { return fmt.Sprintf("bwo-%03d-%07d", d, i) }
			update(b, db, func(tx *bolt.Tx) error {
				for i := 0; i < b.N; i++ {
					d := i % devices
					id := orderID(d, i)
					if _, err := workorders.Create(tx, workorders.WorkOrder{ID: id, Type: workorders.TypeInstall,
						Product: "broadband", SubscribedMbps: 100, Technician: techs[d].Username,
						Customer:    workorders.Customer{Name: "王女士", Phone: "13800000001", Address: "锦江区红星路 1 号", Tier: workorders.TierStandard},
						Appointment: workorders.Window{From: t0.Add(-2 * time.Hour), To: t0}}, sysActor, t0.Add(-24*time.Hour)); err != nil {
						return err
					}
				}
				return nil
			})
			sheets := make([][]json.RawMessage, devices)
			for i := 0; i < b.N; i++ {
				d := i % devices
				s := newSubmission(b, db, benchUUID(), "install_acceptance",
					checklists.Subject{WorkOrderID: orderID(d, i)}, nil)
				sheets[d] = append(sheets[d], raw(b, s))
			}
			var accepted atomic.Int64
			var wg gosync.WaitGroup
			b.ResetTimer()
			m := startMeter(db)
			for d := 0; d < devices; d++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dt := t0
					for _, s := range sheets[d] {
						res, err := Merge(db, techs[d], Batch{DeviceID: "bench", DeviceTime: &dt,
							Submissions: []json.RawMessage{s}}, t0)
						if err != nil {
							b.Error(err)
							return
						}
						if res.Results[0].Status != StatusAccepted {
							b.Errorf("push: %+v", res.Results[0])
							return
						}
						accepted.Add(1)
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			m.report(b, accepted.Load())
		})
	}
}

// BenchmarkRawBatch is the floor Push is measured against: one db.Batch per
// sheet writing a version-sized value and the head, index, order, callback,
// feed and audit keys a merge writes, with the same devices and fsync.
func BenchmarkRawBatch(b *testing.B) {
	for _, devices := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("devices=%d", devices), func(b *testing.B) {
			db := newDB(b)
			value := make([]byte, 2500)
			var wg gosync.WaitGroup
			var next atomic.Int64
			b.ResetTimer()
			m := startMeter(db)
			for d := 0; d < devices; d++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						id := []byte(fmt.Sprintf("raw-%03d-%07d", d, i))
						err := db.Batch(func(tx *bolt.Tx) error {
							for _, put := range []struct {
								bucket []byte
								n      int
							}{{store.BucketSubmissions, 2500}, {store.BucketSubmissionHeads, 1200},
								{store.BucketSubmissionsBySubject, 0}, {store.BucketSubmissionsByAuthor, 0},
								{store.BucketSubmissionsByTime, 0}, {store.BucketWorkOrders, 600},
								{store.BucketCallbacks, 700}, {store.BucketCallbacksByOrder, 16}} {
								if err := tx.Bucket(put.bucket).Put(id, value[:put.n]); err != nil {
									return err
								}
							}
							if err := store.Publish(tx, "submission", string(id), store.ScopeUser("t"), store.ScopeUnit("u")); err != nil {
								return err
							}
							return store.Audit(tx, t0, sysActor, "raw", string(id), "")
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			m.report(b, int64(b.N))
		})
	}
}

// meter reads what a benchmark run cost: wall time, this process's CPU
// time and bbolt's commit statistics, reported per sheet.
type meter struct {
	db    *store.DB
	start time.Time
	cpu   time.Duration
	tx    bolt.TxStats
}

func startMeter(db *store.DB) *meter {
	st := db.Bolt.Stats()
	return &meter{db: db, start: time.Now(), cpu: processCPU(), tx: st.TxStats}
}

func (m *meter) report(b *testing.B, sheets int64) {
	if sheets == 0 {
		return
	}
	elapsed, cpu := time.Since(m.start), processCPU()-m.cpu
	st := m.db.Bolt.Stats()
	d := st.TxStats.Sub(&m.tx) // commits of this run only
	n := float64(sheets)
	b.ReportMetric(n/elapsed.Seconds(), "sheets/s")
	b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/sheet")
	b.ReportMetric(float64(d.GetWrite())/n, "pages/sheet")
}

// processCPU is this process's user+system time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchUUID is a random submission id, as phones make them: ids land all
// over the submission buckets, not in one leaf page.
func benchUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// benchTechs stores n technicians of one unit directly (no bcrypt).
func benchTechs(b *testing.B, db *store.DB, n int) []auth.Principal {
	b.Helper()
	out := make([]auth.Principal, n)
	update(b, db, func(tx *bolt.Tx) error {
		for i := range out {
			p := auth.Principal{Username: fmt.Sprintf("btech%03d", i), Role: auth.RoleTechnician, Unit: "bench-unit"}
			u := auth.User{ID: p.Username, Username: p.Username, Name: p.Username, Role: p.Role, Unit: p.Unit,
				CreatedAt: t0.Add(-48 * time.Hour)}
			if err := auth.PutUser(tx, &u); err != nil {
				return err
			}
			out[i] = p
		}
		return nil
	})
	return out
}
