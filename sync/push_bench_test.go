package sync

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
//	go test -run '^$' -bench BenchmarkPush -benchtime 3000x ./sync/
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
						res, err := Push(db, techs[d], PushRequest{DeviceID: "bench", DeviceTime: &dt,
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
			if err := store.PutJSON(tx, store.BucketUsers, []byte(p.Username), &u); err != nil {
				return err
			}
			out[i] = p
		}
		return nil
	})
	return out
}

// The benchmarks above drive Push's two steps (decide in a read
// transaction, recheck and write in the shared write one). The tests below
// pin what happens when another device changes the store between the two.

// pushBetweenSteps pushes subs as p, running between after the items are
// decided and before they are written.
func pushBetweenSteps(t *testing.T, db *store.DB, p auth.Principal, between func(), subs ...*checklists.Submission) []Result {
	t.Helper()
	req := PushRequest{DeviceID: "phone-1", Lang: "en"}
	for _, s := range subs {
		req.Submissions = append(req.Submissions, raw(t, s))
	}
	res, err := pushBetween(db, p, req, t0, between)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return res.Results
}

func patchOrder(t *testing.T, db *store.DB, id string, c workorders.Changes) {
	t.Helper()
	update(t, db, func(tx *bolt.Tx) error {
		_, err := workorders.Patch(tx, id, c, sysActor, t0)
		return err
	})
}

func TestOrderReassignedWhileASheetIsDecidedRejectsIt(t *testing.T) {
	db := newDB(t)
	tech := "tech2"
	r := pushBetweenSteps(t, db, tech1, func() { patchOrder(t, db, "wo1", workorders.Changes{Technician: &tech}) },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusRejected, 0, "not_assigned")
	if wo := order(t, db, "wo1"); wo.Status != workorders.StatusAssigned {
		t.Fatalf("wo1 is %s, want still assigned", wo.Status)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 0 {
		t.Fatalf("%d callback tasks, want none", n)
	}
}

func TestOrderRescheduledWhileASheetIsDecidedStillTakesIt(t *testing.T) {
	db := newDB(t)
	w := workorders.Window{From: t0, To: t0.Add(time.Hour)}
	r := pushBetweenSteps(t, db, tech1, func() { patchOrder(t, db, "wo1", workorders.Changes{Appointment: &w}) },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusAccepted, 1, "")
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
}

func TestSubscribedSpeedChangedWhileASheetIsDecidedIsJudgedOnTheNewOne(t *testing.T) {
	db := newDB(t)
	mbps := 1000.0
	r := pushBetweenSteps(t, db, tech1, func() { patchOrder(t, db, "wo1", workorders.Changes{SubscribedMbps: &mbps}) },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusAccepted, 1, "")
	if v := get(t, db, tech1, "a1", 0); !contains(v.Flags, FlagSpeedBelowSubscribed) {
		t.Fatalf("flags %v: 95.5 of 1000 Mbps must be flagged", v.Flags)
	}
}

func TestAnotherSheetCompletingTheOrderMeanwhileIsAConflict(t *testing.T) {
	db := newDB(t)
	other := newSubmission(t, db, "x1", "install_acceptance", checklists.Subject{WorkOrderID: "wo1"}, nil)
	r := pushBetweenSteps(t, db, tech1, func() { expect(t, push(t, db, tech1, other)[0], StatusAccepted, 1, "") },
		newAcceptance(t, db, nil))
	expect(t, r[0], StatusConflict, 0, "workorder_completed")
	if wo := order(t, db, "wo1"); wo.CompletedBy != "x1" {
		t.Fatalf("wo1 completed by %q, want x1", wo.CompletedBy)
	}
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
}

func TestTheSameSheetStoredMeanwhileIsADuplicate(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	r := pushBetweenSteps(t, db, tech1, func() { expect(t, push(t, db, tech1, a)[0], StatusAccepted, 1, "") }, a)
	expect(t, r[0], StatusDuplicate, 1, "")
	if n := count(t, db, store.BucketSubmissions, "a1"); n != 1 {
		t.Fatalf("%d stored versions, want 1", n)
	}
}

func TestTheSameWalkthroughStoredMeanwhileIsADuplicate(t *testing.T) {
	db := newDB(t)
	w := newWalkthrough(t, db, nil)
	r := pushBetweenSteps(t, db, insp1, func() { expect(t, push(t, db, insp1, w)[0], StatusAccepted, 1, "") }, w)
	expect(t, r[0], StatusDuplicate, 1, "")
	if n := count(t, db, store.BucketSubmissions, "w1"); n != 1 {
		t.Fatalf("%d stored versions, want 1", n)
	}
}

func TestAnEditStoredMeanwhileMakesTheOtherEditAConflict(t *testing.T) {
	db := newDB(t)
	expect(t, push(t, db, insp1, newWalkthrough(t, db, nil))[0], StatusAccepted, 1, "")
	edit := func(note string) *checklists.Submission {
		return newWalkthrough(t, db, func(s *checklists.Submission) {
			s.BaseVersion = 1
			s.Answers["remarks"] = raw(t, note)
		})
	}
	r := pushBetweenSteps(t, db, insp1, func() { expect(t, push(t, db, insp1, edit("一"))[0], StatusAccepted, 2, "") }, edit("二"))
	expect(t, r[0], StatusConflict, 2, "stale_base")
}

func TestAPhotoArrivingMeanwhileIsNotMissing(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	held := a.Photos["photo_install"][0]
	r := pushBetweenSteps(t, db, tech1, func() { storePhoto(t, db, held) }, a)
	expect(t, r[0], StatusAccepted, 1, "")
	if contains(r[0].MissingPhotos, held) || len(r[0].MissingPhotos) != 3 {
		t.Fatalf("missing %v: want the 3 others, not %s", r[0].MissingPhotos, held)
	}
	if v := get(t, db, tech1, "a1", 1); contains(v.MissingPhotos, held) || len(v.MissingPhotos) != 3 {
		t.Fatalf("stored version lists missing %v", v.MissingPhotos)
	}
	if n := count(t, db, store.BucketPhotoWaiting, held); n != 0 {
		t.Fatalf("the sheet waits for a photo the server holds")
	}
}

func TestASheetAndItsEditInOnePushAreBothTaken(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	edit := newAcceptance(t, db, func(s *checklists.Submission) {
		s.BaseVersion = 1
		s.Answers["survey_suggestions"] = raw(t, "师傅很专业")
	})
	r := pushBetweenSteps(t, db, tech1, nil, a, edit)
	expect(t, r[0], StatusAccepted, 1, "")
	expect(t, r[1], StatusAccepted, 2, "")
	if n := count(t, db, store.BucketCallbacks, ""); n != 1 {
		t.Fatalf("%d callback tasks, want 1", n)
	}
}
