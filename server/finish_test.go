package server

import (
	"encoding/json"
	"testing"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// tasksFor counts the callback tasks stored for order id, walking every task
// (the order index alone holds at most one and would hide a second).
func tasksFor(t *testing.T, env *testEnv, id string) int {
	t.Helper()
	n := 0
	if err := env.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketCallbacks).ForEach(func(_, v []byte) error {
			var task struct {
				WorkOrderID string `json:"workorder_id"`
			}
			if err := json.Unmarshal(v, &task); err != nil {
				return err
			}
			if task.WorkOrderID == id {
				n++
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 13: every path from a finished job to its 回访 — a sheet pushed, a
// manual completion, an unreachable repair's close — goes through one unit
// of work (finish.Job) and leaves exactly one callback task, however often
// it is tried again.
func TestEveryCompletionPathStartsExactlyOneCallback(t *testing.T) {
	env := newTestEnv(t)
	sup := env.token(t, "sup1")

	t.Run("a sheet pushed", func(t *testing.T) {
		syncOrder(t, env, "FIN-SHEET", "tech1")
		sheet := syncSheet(t, env, "fin-a1", "install_acceptance", map[string]string{"workorder_id": "FIN-SHEET"})
		env.pushSheet(t, "tech1", sheet)
		// The phone retries: the same sheet again is a duplicate.
		res := env.call(t, "POST", "/api/v1/sync/push", env.token(t, "tech1"),
			map[string]any{"device_id": "phone-tech1", "submissions": []any{sheet}})
		var ans pushAnswer
		if res.Decode(t, &ans); res.Status != 200 || len(ans.Results) != 1 || ans.Results[0].Status != "duplicate" {
			t.Fatalf("push again: %d %s", res.Status, res.Body)
		}
		if n := tasksFor(t, env, "FIN-SHEET"); n != 1 {
			t.Fatalf("%d callback tasks, want 1", n)
		}
	})

	t.Run("a manual completion", func(t *testing.T) {
		env.createOrder(t, "sup1", orderBody("FIN-MANUAL"))
		p := "/api/v1/workorders/FIN-MANUAL/complete"
		if res := env.call(t, "POST", p, sup, map[string]any{"note": "营业厅已处理"}); res.Status != 200 {
			t.Fatalf("complete: %d %s", res.Status, res.Body)
		}
		if res := env.call(t, "POST", p, sup, nil); res.Status != 409 {
			t.Fatalf("complete again: %d %s", res.Status, res.Body)
		}
		if n := tasksFor(t, env, "FIN-MANUAL"); n != 1 {
			t.Fatalf("%d callback tasks, want 1", n)
		}
	})

	t.Run("an unreachable repair closed", func(t *testing.T) {
		env.createOrder(t, "sup1", orderBody("FIN-UR", func(m map[string]any) { m["type"] = "repair" }))
		tech := env.token(t, "tech1")
		p := "/api/v1/workorders/FIN-UR/unreachable"
		note := phoneJPEG(t, 24)
		if res := env.putPhoto(t, "tech1", note, "image/jpeg"); res.Status != 201 {
			t.Fatalf("the note's photo: %d %s", res.Status, res.Body)
		}
		if res := env.call(t, "POST", p, tech, map[string]any{"note": "上门无人，已贴留言条", "photo": hexSHA(note)}); res.Status != 200 {
			t.Fatalf("attempt: %d %s", res.Status, res.Body)
		}
		env.clock.Advance(25 * time.Hour)
		tech = env.fresh(t, "tech1")
		if res := env.call(t, "POST", p+"/close", tech, nil); res.Status != 200 {
			t.Fatalf("close: %d %s", res.Status, res.Body)
		}
		if res := env.call(t, "POST", p+"/close", tech, nil); res.Status != 409 {
			t.Fatalf("close again: %d %s", res.Status, res.Body)
		}
		if n := tasksFor(t, env, "FIN-UR"); n != 1 {
			t.Fatalf("%d callback tasks, want 1", n)
		}
	})
}
