package reports

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/rollups"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// cell reads one rollup cell's counters (nil when absent).
func (f *fixture) cell(t testing.TB, kind, level byte, period string, parts ...string) []int64 {
	t.Helper()
	var out []int64
	view(t, f.db, func(tx *bolt.Tx) error {
		b := tx.Bucket(rollups.BucketCells)
		if b == nil {
			return nil
		}
		if v := b.Get(rollups.CellKey(kind, level, period, parts...)); v != nil {
			out = rollups.DecodeVals(v, nil)
		}
		return nil
	})
	return out
}

func at(vals []int64, i int) int64 {
	if i < len(vals) {
		return vals[i]
	}
	return 0
}

// TestRollupCellMoves: each change moves exactly the cells it should —
// the old cell decremented, the new one incremented, in the same commit.
func TestRollupCellMoves(t *testing.T) {
	d0, d1 := "2026-11-23", "2026-11-24"
	mon := day0.Add(10 * time.Hour)
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"an edit that changes the answers and the finish day moves the sheet", func(t *testing.T, f *fixture) {
			wo := f.order(t, workorders.TypeInstall, "tech1")
			a := f.acceptance(t, "a1", wo, mon, nil)
			f.holdPhotos(t, "tech1", a)
			f.push(t, tech1, mon.Add(time.Minute), nil, a)
			c := f.cell(t, rollups.KindTechnician, rollups.LevelDay, d0, "chengdu-east", "tech1")
			if at(c, rollups.TSheets) != 1 || at(c, rollups.TShoeCovers) != 1 || at(c, rollups.TCallbacks) != 1 {
				t.Fatalf("before the edit: %v", c)
			}
			a.BaseVersion = 1
			a.Answers[ItemShoeCovers] = raw(t, false)
			next := mon.AddDate(0, 0, 1)
			a.FinishedAt = &next
			f.push(t, tech1, next.Add(time.Minute), nil, a)
			// The sheet left d0 (its callback stays: the job finished on d0).
			c = f.cell(t, rollups.KindTechnician, rollups.LevelDay, d0, "chengdu-east", "tech1")
			if at(c, rollups.TSheets) != 0 || at(c, rollups.TShoeAnswered) != 0 || at(c, rollups.TCallbacks) != 1 {
				t.Errorf("d0 after the edit: %v", c)
			}
			c = f.cell(t, rollups.KindTechnician, rollups.LevelDay, d1, "chengdu-east", "tech1")
			if at(c, rollups.TSheets) != 1 || at(c, rollups.TShoeAnswered) != 1 || at(c, rollups.TShoeCovers) != 0 {
				t.Errorf("d1 after the edit: %v", c)
			}
			m := f.cell(t, rollups.KindTechnician, rollups.LevelMonth, "2026-11", "chengdu-east", "tech1")
			if at(m, rollups.TSheets) != 1 || at(m, rollups.TShoeCovers) != 0 || at(m, rollups.TCallbacks) != 1 {
				t.Errorf("month after the edit: %v", m)
			}
		}},
		{"a late callback counts on the finish day, within 3 days but not the same day", func(t *testing.T, f *fixture) {
			task := f.finish(t, workorders.TypeInstall, "tech1", mon)
			late := f.finish(t, workorders.TypeRepair, "tech1", mon.Add(time.Hour))
			c := f.cell(t, rollups.KindCallbacks, rollups.LevelDay, d0, "chengdu-east")
			if at(c, rollups.CBCompleted) != 2 || at(c, rollups.CBDone) != 0 {
				t.Fatalf("before the results: %v", c)
			}
			f.result(t, task, mon.AddDate(0, 0, 2), callbacks.Unsatisfied, "师傅迟到")
			f.result(t, late, mon.AddDate(0, 0, 5), callbacks.Satisfied)
			c = f.cell(t, rollups.KindCallbacks, rollups.LevelDay, d0, "chengdu-east")
			want := map[int]int64{rollups.CBCompleted: 2, rollups.CBDone: 2, rollups.CBSameDay: 0, rollups.CBWithin3Days: 1,
				rollups.CBUnsatisfied: 1, rollups.CBSatisfied: 1}
			for i, w := range want {
				if at(c, i) != w {
					t.Errorf("counter %d = %d, want %d (%v)", i, at(c, i), w, c)
				}
			}
			if r := f.cell(t, rollups.KindReasons, rollups.LevelDay, d0, "chengdu-east", "师傅迟到"); at(r, 0) != 1 {
				t.Errorf("reason cell: %v", r)
			}
			for _, d := range []string{"2026-11-25", "2026-11-28"} {
				if c := f.cell(t, rollups.KindCallbacks, rollups.LevelDay, d, "chengdu-east"); c != nil {
					t.Errorf("the result day %s has a cell: %v", d, c)
				}
			}
		}},
		{"a reassignment before completion counts under the new technician's unit", func(t *testing.T, f *fixture) {
			wo := f.order(t, workorders.TypeInstall, "tech1")
			tech3name := "tech3"
			update(t, f.db, func(tx *bolt.Tx) error {
				_, err := workorders.Patch(tx, wo, workorders.Changes{Technician: &tech3name}, sysActor, mon)
				return err
			})
			a := f.acceptance(t, "a1", wo, mon, nil)
			f.holdPhotos(t, "tech3", a)
			f.push(t, tech3, mon.Add(time.Minute), nil, a)
			if c := f.cell(t, rollups.KindTechnician, rollups.LevelDay, d0, "chengdu-east", "tech1"); c != nil {
				t.Errorf("tech1 still counts: %v", c)
			}
			if c := f.cell(t, rollups.KindCallbacks, rollups.LevelDay, d0, "chengdu-east"); c != nil {
				t.Errorf("east still counts: %v", c)
			}
			c := f.cell(t, rollups.KindTechnician, rollups.LevelDay, d0, "chengdu-west", "tech3")
			if at(c, rollups.TSheets) != 1 || at(c, rollups.TCallbacks) != 1 {
				t.Errorf("tech3 in the west: %v", c)
			}
			if c := f.cell(t, rollups.KindCallbacks, rollups.LevelDay, d0, "chengdu-west"); at(c, rollups.CBCompleted) != 1 {
				t.Errorf("west callbacks: %v", c)
			}
		}},
		{"a technician's later move to another unit moves nothing", func(t *testing.T, f *fixture) {
			task := f.finish(t, workorders.TypeInstall, "tech1", mon)
			west := "chengdu-west"
			update(t, f.db, func(tx *bolt.Tx) error {
				_, err := auth.PatchUser(tx, "tech1", auth.UserPatch{Unit: &west},
					auth.Principal{Username: "admin", Role: auth.RoleAdmin}, mon.Add(time.Hour))
				return err
			})
			// The result recorded after the move still counts in the east.
			f.result(t, task, mon.Add(2*time.Hour), callbacks.VerySatisfied)
			c := f.cell(t, rollups.KindCallbacks, rollups.LevelDay, d0, "chengdu-east")
			if at(c, rollups.CBCompleted) != 1 || at(c, rollups.CBDone) != 1 || at(c, rollups.CBVery) != 1 {
				t.Errorf("east: %v", c)
			}
			if c := f.cell(t, rollups.KindCallbacks, rollups.LevelDay, d0, "chengdu-west"); c != nil {
				t.Errorf("west: %v", c)
			}
			if c := f.cell(t, rollups.KindTechnician, rollups.LevelMonth, "2026-11", "chengdu-west", "tech1"); c != nil {
				t.Errorf("tech1 in the west: %v", c)
			}
		}},
		{"a walkthrough edited to a clean sheet leaves no deduction cell", func(t *testing.T, f *fixture) {
			w := f.walkthrough(t, "w1", "s1", mon, func(s *checklists.Submission) { s.Answers["hall_environment"] = raw(t, 3) })
			f.push(t, insp1, mon.Add(time.Hour), nil, w)
			if c := f.cell(t, rollups.KindDeduction, rollups.LevelDay, d0, "chengdu-east", "s1", "hall_environment"); at(c, rollups.DInstances) != 3 {
				t.Fatalf("deduction: %v", c)
			}
			w.BaseVersion = 1
			w.Answers["hall_environment"] = raw(t, 0)
			f.push(t, insp1, mon.Add(2*time.Hour), nil, w)
			if c := f.cell(t, rollups.KindDeduction, rollups.LevelDay, d0, "chengdu-east", "s1", "hall_environment"); c != nil {
				t.Errorf("deduction after the edit: %v", c)
			}
			if c := f.cell(t, rollups.KindStore, rollups.LevelMonth, "2026-11", "chengdu-east", "s1"); at(c, rollups.IInspections) != 1 || at(c, rollups.IFinesCents) != 0 {
				t.Errorf("store: %v", c)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newFixture(t)) })
	}
}

// TestRollupsEqualTheRecordsAfterRandomWrites: random jobs, results, sheets,
// edits, walkthroughs and spot checks over two months; then verify finds no
// difference, the figures are right the moment after each write, and a
// rebuild writes exactly the cells the writers kept.
func TestRollupsEqualTheRecordsAfterRandomWrites(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(15))
	techs := []auth.Principal{tech1, tech2, tech3}
	sats := []string{callbacks.VerySatisfied, callbacks.Satisfied, callbacks.Unsatisfied}
	reasons := []string{"师傅迟到", "网速慢", "态度差 13800001234"}
	start := sh(2026, 10, 20, 0, 0)
	var tasks []string
	var sheets []*checklists.Submission
	var authors []auth.Principal
	for i := 0; i < 120; i++ {
		when := start.Add(time.Duration(rng.Intn(40*24)) * time.Hour).Add(time.Duration(rng.Intn(60)) * time.Minute)
		tech := techs[rng.Intn(len(techs))]
		switch op := rng.Intn(10); {
		case op < 4: // a job finished through its acceptance sheet
			wo := f.order(t, []string{workorders.TypeInstall, workorders.TypeRepair, workorders.TypeRemoval}[rng.Intn(3)], tech.Username)
			a := f.acceptance(t, fmt.Sprintf("a%d", i), wo, when, func(s *checklists.Submission) {
				s.Answers[ItemShoeCovers] = raw(t, rng.Intn(3) > 0)
				if rng.Intn(3) == 0 {
					s.Answers["speedtest"] = raw(t, map[string]any{"down_mbps": 40, "up_mbps": 20, "ping_ms": 9, "jitter_ms": 1, "method": "manual"})
				}
			})
			if rng.Intn(2) == 0 {
				f.holdPhotos(t, tech.Username, a)
			}
			f.push(t, tech, when.Add(time.Minute), nil, a)
			sheets, authors = append(sheets, a), append(authors, tech)
			if task := taskFor0(t, f, wo); task != "" {
				tasks = append(tasks, task)
			}
		case op < 6: // a job completed by hand
			if task := f.finish(t, workorders.TypeRepair, tech.Username, when); task != "" {
				tasks = append(tasks, task)
			}
		case op < 8 && len(tasks) > 0: // a result, on time or late
			k := rng.Intn(len(tasks))
			task := tasks[k]
			tasks = append(tasks[:k], tasks[k+1:]...)
			cb := taskFor0ByID(t, f, task)
			sat := sats[rng.Intn(3)]
			var rs []string
			if sat == callbacks.Unsatisfied {
				rs = []string{reasons[rng.Intn(len(reasons))]}
			}
			f.result(t, task, cb.FinishedAt.Add(time.Duration(rng.Intn(6*24))*time.Hour), sat, rs...)
		case op < 9 && len(sheets) > 0: // an edit of an earlier sheet
			k := rng.Intn(len(sheets))
			s := sheets[k]
			s.BaseVersion++
			s.Answers[ItemDropCloth] = raw(t, rng.Intn(2) == 0)
			moved := s.FinishedAt.Add(time.Duration(rng.Intn(48)-24) * time.Hour)
			s.FinishedAt = &moved
			f.push(t, authors[k], moved.Add(48*time.Hour), nil, s)
		default: // a walkthrough or a spot check
			if rng.Intn(2) == 0 {
				storeID, by := "s1", insp1
				if rng.Intn(2) == 0 {
					storeID, by = "s2", insp2
				}
				f.push(t, by, when.Add(time.Hour), nil, f.walkthrough(t, fmt.Sprintf("w%d", i), storeID, when, func(s *checklists.Submission) {
					s.Answers["hall_environment"] = raw(t, rng.Intn(4))
					if rng.Intn(2) == 0 {
						s.Answers["storefront"] = raw(t, checklists.Fail)
					}
				}))
			} else {
				wo := f.order(t, workorders.TypeInstall, []string{"tech1", "tech2"}[rng.Intn(2)])
				f.push(t, insp1, when.Add(time.Hour), nil, f.sheet(t, fmt.Sprintf("sc%d", i), "home_visit_spotcheck",
					checklists.Subject{WorkOrderID: wo}, when, func(s *checklists.Submission) {
						for id := range s.Answers {
							if id != "remarks" && rng.Intn(3) == 0 {
								s.Answers[id] = raw(t, checklists.Fail)
							}
						}
					}))
			}
		}
		if i%20 == 19 {
			// The moment after a write, the report equals the walk.
			assertVerify(t, f)
		}
	}
	assertVerify(t, f)

	// A rebuild writes exactly the cells the writers kept.
	before := rollupCells(t, f)
	if err := Rebuild(context.Background(), f.db, nil); err != nil {
		t.Fatal(err)
	}
	after := rollupCells(t, f)
	if before != after {
		t.Errorf("the rebuilt cells differ from the kept ones:\nkept    %d bytes\nrebuilt %d bytes", len(before), len(after))
	}
	ready, _ := RollupsReady(f.db)
	if !ready {
		t.Error("not ready after the rebuild")
	}

	// Verify can fail: one job more in one day cell is a difference.
	update(t, f.db, func(tx *bolt.Tx) error {
		c := tx.Bucket(rollups.BucketCells).Cursor()
		k, v := c.Seek([]byte{rollups.KindCallbacks, rollups.LevelDay})
		vals := rollups.DecodeVals(v, nil)
		vals[rollups.CBCompleted]++
		var enc []byte
		for _, x := range vals {
			enc = binary.AppendVarint(enc, x)
		}
		return tx.Bucket(rollups.BucketCells).Put(append([]byte{}, k...), enc)
	})
	var out strings.Builder
	if n, err := Verify(f.db, &out); err != nil || n == 0 || !strings.Contains(out.String(), "callbacks") {
		t.Errorf("verify after tampering: %d, %v\n%s", n, err, out.String())
	}
	if err := Rebuild(context.Background(), f.db, nil); err != nil {
		t.Fatal(err)
	}
}

func assertVerify(t *testing.T, f *fixture) {
	t.Helper()
	var out strings.Builder
	n, err := Verify(f.db, &out)
	if err != nil || n != 0 {
		t.Fatalf("verify: %d differences, err %v\n%s", n, err, out.String())
	}
}

func rollupCells(t *testing.T, f *fixture) string {
	var b bytes.Buffer
	view(t, f.db, func(tx *bolt.Tx) error {
		return tx.Bucket(rollups.BucketCells).ForEach(func(k, v []byte) error {
			b.Write(k)
			b.WriteByte('=')
			b.Write(v)
			b.WriteByte('\n')
			return nil
		})
	})
	return b.String()
}

func taskFor0(t *testing.T, f *fixture, wo string) string {
	var id string
	view(t, f.db, func(tx *bolt.Tx) error {
		cb, err := callbacks.TaskForOrder(tx, wo)
		if cb != nil {
			id = cb.ID
		}
		return err
	})
	return id
}

func taskFor0ByID(t *testing.T, f *fixture, id string) *callbacks.Task {
	var task callbacks.Task
	view(t, f.db, func(tx *bolt.Tx) error {
		return storeGet(tx, id, &task)
	})
	return &task
}

// TestReportsAnswerBuildingUntilRebuilt: a store written before the rollups
// existed (its cells and marks removed, as an older binary left it) is not
// ready; StartRollups rebuilds it in the background, and then the reports
// equal the walk.
func TestReportsAnswerBuildingUntilRebuilt(t *testing.T) {
	f := newFixture(t)
	mon := day0.Add(10 * time.Hour)
	task := f.finish(t, workorders.TypeInstall, "tech1", mon)
	f.result(t, task, mon.Add(time.Hour), callbacks.Satisfied)
	f.push(t, insp1, mon.Add(time.Hour), nil, f.walkthrough(t, "w1", "s1", mon, nil))
	update(t, f.db, func(tx *bolt.Tx) error {
		for _, b := range [][]byte{rollups.BucketCells, rollups.BucketFacts, rollups.BucketMeta} {
			if err := tx.DeleteBucket(b); err != nil && err != bolt.ErrBucketNotFound {
				return err
			}
		}
		return nil
	})
	if _, err := CallbacksReport(f.db, day0, day0.AddDate(0, 0, 1), GroupDay, ""); err != ErrRollupsBuilding {
		t.Fatalf("before the rebuild: %v", err)
	}
	r, err := StartRollups(f.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if s := r.Status(); s != "" {
		t.Errorf("status after the rebuild: %q", s)
	}
	rows, err := CallbacksReport(f.db, day0, day0.AddDate(0, 0, 1), GroupDay, "")
	if err != nil || len(rows) != 1 || rows[0].Completed != 1 || rows[0].Satisfied != 1 {
		t.Fatalf("after the rebuild: %+v %v", rows, err)
	}
	assertVerify(t, f)
}

func storeGet(tx *bolt.Tx, id string, v any) error {
	return store.GetJSON(tx, store.BucketCallbacks, []byte(id), v)
}
