package server

import (
	"bytes"
	"fmt"
	"testing"

	"fieldcheck/workorders"

	"github.com/xuri/excelize/v2"
)

// calledJob is a VIP job whose callback agent answered with satisfaction.
func calledJob(t *testing.T, env *testEnv, id, agent, satisfaction string) string {
	t.Helper()
	task := finishJob(t, env, id, workorders.TierVIP, "chengdu-east")
	tok := env.token(t, agent)
	if res := env.call(t, "POST", "/api/v1/callbacks/"+task.ID+"/claim", tok, nil); res.Status != 200 {
		t.Fatalf("claim: %d %s", res.Status, res.Body)
	}
	body := map[string]any{"satisfaction": satisfaction}
	if satisfaction == "unsatisfied" {
		body["reasons"] = []string{"服务态度差"}
	}
	if res := env.call(t, "POST", "/api/v1/callbacks/"+task.ID+"/result", tok, body); res.Status != 200 {
		t.Fatalf("result: %d %s", res.Status, res.Body)
	}
	return task.ID
}

func passSheet(fail ...string) map[string]string {
	a := map[string]string{}
	for _, id := range []string{"greeting", "confirm", "attitude", "clarity", "listening", "script", "accuracy", "complaint", "closing_words"} {
		a[id] = "pass"
	}
	for _, id := range fail {
		a[id] = "fail"
	}
	return a
}

func TestQAReviewerDayReviewAndAgentReadsIt(t *testing.T) {
	env := newTestEnv(t)
	for i := 0; i < 6; i++ {
		agent := []string{"agent1", "agent2"}[i%2]
		calledJob(t, env, fmt.Sprintf("WO-Q%d", i), agent, []string{"satisfied", "very_satisfied", "unsatisfied"}[i%3])
	}
	qa := env.token(t, "qa1")
	res := env.call(t, "GET", "/api/v1/qa/day", qa, nil)
	var day struct {
		Quota int `json:"quota"`
		Items []struct {
			TaskID string `json:"task_id"`
			Agent  string `json:"agent"`
		} `json:"items"`
		Mix struct {
			Next string `json:"next"`
		} `json:"mix"`
	}
	res.Decode(t, &day)
	if res.Status != 200 || len(day.Items) != 6 || day.Quota != 20 || day.Mix.Next != "remote" {
		t.Fatalf("day: %d %s", res.Status, res.Body)
	}
	task := day.Items[0].TaskID
	if res := env.call(t, "GET", "/api/v1/qa/calls/"+task, qa, nil); res.Status != 200 || res.JSON()["agent"] != day.Items[0].Agent {
		t.Fatalf("call: %d %s", res.Status, res.Body)
	}
	// Deductions without notes: 422 naming the field.
	res = env.call(t, "POST", "/api/v1/qa/reviews", qa, map[string]any{"task_id": task, "mode": "remote", "answers": passSheet("greeting")})
	if res.Status != 422 || !bytes.Contains(res.Body, []byte("improvement")) {
		t.Fatalf("no notes: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", "/api/v1/qa/reviews", qa, map[string]any{"task_id": task, "mode": "remote",
		"answers": passSheet("greeting"), "improvement": "开场先问候并说明来意", "audio_url": "https://rec.example/1.mp3"})
	if res.Status != 201 {
		t.Fatalf("review: %d %s", res.Status, res.Body)
	}
	id := res.JSON()["id"].(string)
	if res := env.call(t, "POST", "/api/v1/qa/reviews", qa, map[string]any{"task_id": task, "mode": "remote", "answers": passSheet()}); res.Status != 409 {
		t.Fatalf("second review of the call: %d %s", res.Status, res.Body)
	}
	// Audio: the reviewer uploads, the agent plays it back.
	res = env.call(t, "PUT", "/api/v1/qa/reviews/"+id+"/audio", qa, []byte("ID3fake"), "Content-Type", "audio/mpeg")
	if res.Status != 200 {
		t.Fatalf("audio: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "PUT", "/api/v1/qa/reviews/"+id+"/audio", qa, []byte("x"), "Content-Type", "text/plain"); res.Status != 415 {
		t.Fatalf("text as audio: %d", res.Status)
	}
	owner, other := day.Items[0].Agent, map[string]string{"agent1": "agent2", "agent2": "agent1"}[day.Items[0].Agent]
	res = env.call(t, "GET", "/api/v1/qa/reviews", env.token(t, owner), nil)
	var list struct {
		Items []struct {
			ID          string `json:"id"`
			Improvement string `json:"improvement"`
		} `json:"items"`
	}
	res.Decode(t, &list)
	if res.Status != 200 || len(list.Items) != 1 || list.Items[0].Improvement != "开场先问候并说明来意" {
		t.Fatalf("agent's own: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/qa/reviews/"+id+"/audio", env.token(t, owner), nil); res.Status != 200 || string(res.Body) != "ID3fake" {
		t.Fatalf("agent plays audio: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/qa/reviews/"+id, env.token(t, other), nil); res.Status != 404 {
		t.Fatalf("the other agent read it: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/qa/reviews", env.token(t, other), nil); res.Status != 200 || bytes.Contains(res.Body, []byte(id)) {
		t.Fatalf("the other agent lists it: %s", res.Body)
	}
	// Reports: JSON and XLSX.
	if res := env.call(t, "GET", "/api/v1/qa/reports/weekly", env.token(t, "sup1"), nil); res.Status != 200 || res.JSON()["count"].(float64) != 1 {
		t.Fatalf("weekly: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "GET", "/api/v1/qa/reports/monthly?format=xlsx", qa, nil)
	if res.Status != 200 {
		t.Fatalf("xlsx: %d %s", res.Status, res.Body)
	}
	if x, err := excelize.OpenReader(bytes.NewReader(res.Body)); err != nil || x.GetSheetList()[0] != "概况" {
		t.Fatalf("xlsx: %v", err)
	}
	for path, want := range map[string]int{
		"/api/v1/qa/reports/yearly":                404,
		"/api/v1/qa/reports/daily?date=2026-13-01": 400,
		"/api/v1/qa/reports/daily?format=pdf":      400,
		"/api/v1/qa/day?date=2030-01-01":           422,
		"/api/v1/qa/calls/cb-missing":              404,
	} {
		if res := env.call(t, "GET", path, qa, nil); res.Status != want {
			t.Errorf("%s: %d, want %d (%s)", path, res.Status, want, res.Body)
		}
	}
	if res := env.call(t, "GET", "/api/v1/qa/mix?month=2026-11", qa, nil); res.Status != 200 || res.JSON()["total"].(float64) != 1 {
		t.Fatalf("mix: %d %s", res.Status, res.Body)
	}
}

func TestQACalibrationRoutes(t *testing.T) {
	env := newTestEnv(t)
	a := calledJob(t, env, "WO-C1", "agent1", "satisfied")
	sup := env.token(t, "sup1")
	res := env.call(t, "POST", "/api/v1/qa/calibrations", sup, map[string]any{"title": "季度校准", "task_ids": []string{a}, "reviewers": []string{"qa1", "sup1"}, "tolerance": 3})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	id := res.JSON()["id"].(string)
	if res := env.call(t, "POST", "/api/v1/qa/calibrations/"+id+"/scores", env.token(t, "qa1"), map[string]any{"task_id": a, "answers": passSheet()}); res.Status != 200 {
		t.Fatalf("qa1 score: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/qa/calibrations/"+id+"/scores", sup, map[string]any{"task_id": a, "answers": passSheet("script")}); res.Status != 200 {
		t.Fatalf("sup1 score: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "GET", "/api/v1/qa/calibrations/"+id, env.token(t, "admin"), nil)
	out := res.JSON()["outcome"].(map[string]any)
	// 100 and 85: median 92.5, both 7.5 away, beyond 3.
	if res.Status != 200 || len(out["retrain"].([]any)) != 2 || out["complete"] != true {
		t.Fatalf("outcome: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/qa/calibrations", sup, map[string]any{"title": "", "task_ids": []string{}, "reviewers": []string{"qa1"}}); res.Status != 422 {
		t.Fatalf("bad session: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/qa/reviewers", sup, nil); res.Status != 200 || !bytes.Contains(res.Body, []byte(`"qa1"`)) || bytes.Contains(res.Body, []byte(`"agent1"`)) {
		t.Fatalf("reviewers: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/qa/calibrations", env.token(t, "qa1"), nil); res.Status != 200 || !bytes.Contains(res.Body, []byte(id)) {
		t.Fatalf("list: %d", res.Status)
	}
}
