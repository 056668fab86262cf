package server

import (
	"strings"
	"testing"
	"time"

	"fieldcheck/workorders"
)

var formHeaders = []string{"Content-Type", "application/x-www-form-urlencoded"}

func TestSurveyPage(t *testing.T) {
	env := newTestEnv(t)
	task := finishJob(t, env, "WO-1", workorders.TierStandard, "chengdu-east")
	res := env.call(t, "GET", task.SurveyURL, "", nil)
	body := string(res.Body)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "非常满意") || !strings.Contains(body, `value="unsatisfied"`) ||
		!strings.Contains(body, `name="reasons" value="网速不达标"`) || strings.Contains(body, "<script") {
		t.Fatalf("%d %s", res.Status, body)
	}
	if res := env.call(t, "GET", "/s/unknown-token", "", nil); res.Status != 404 || !strings.Contains(string(res.Body), "链接无效") {
		t.Fatalf("unknown: %d", res.Status)
	}

	res = env.call(t, "POST", task.SurveyURL, "", []byte("satisfaction=meh"), formHeaders...)
	if res.Status != 422 {
		t.Fatalf("bad choice: %d %s", res.Status, res.Body)
	}
	form := "reasons=%E7%BD%91%E9%80%9F%E4%B8%8D%E8%BE%BE%E6%A0%87&other=%E5%A4%AA%E6%85%A2&satisfaction=unsatisfied"
	res = env.call(t, "POST", task.SurveyURL, "", []byte(form), formHeaders...)
	if res.Status != 200 || !strings.Contains(string(res.Body), "提交成功") {
		t.Fatalf("answer: %d %s", res.Status, res.Body)
	}
	// Answered: 409 before the body is even read (this one is not a form).
	if res := env.call(t, "POST", task.SurveyURL, "", []byte("\xff\xfe garbage"), formHeaders...); res.Status != 409 {
		t.Fatalf("second answer: %d", res.Status)
	}
	if res := env.call(t, "POST", task.SurveyURL, "", map[string]any{"satisfaction": "satisfied"}); res.Status != 409 || res.ErrorCode() != "survey_answered" {
		t.Fatalf("second answer, JSON: %d %s", res.Status, res.Body)
	}
	// The unsatisfied customer is now in the manual queue, with their reasons.
	res = env.call(t, "POST", "/api/v1/callbacks/claim", env.token(t, "agent1"), nil)
	survey, _ := res.JSON()["survey"].(map[string]any)
	if res.Status != 200 || res.JSON()["id"] != task.ID || survey == nil || len(survey["reasons"].([]any)) != 2 {
		t.Fatalf("claim: %d %s", res.Status, res.Body)
	}
}

func TestSurveyJSONAndExpiry(t *testing.T) {
	env := newTestEnv(t)
	a := finishJob(t, env, "WO-1", workorders.TierStandard, "chengdu-east")
	b := finishJob(t, env, "WO-2", workorders.TierStandard, "chengdu-east")
	res := env.call(t, "POST", a.SurveyURL, "", map[string]any{"satisfaction": "very_satisfied"})
	if res.Status != 200 || res.JSON()["status"] != "answered" {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", a.SurveyURL, "", `{"satisfaction": 1}`); res.Status != 409 {
		t.Fatalf("%d", res.Status)
	}
	env.clock.Advance(4 * time.Hour)
	if res := env.call(t, "GET", b.SurveyURL, "", nil); res.Status != 410 || !strings.Contains(string(res.Body), "链接已失效") {
		t.Fatalf("expired page: %d", res.Status)
	}
	if res := env.call(t, "POST", b.SurveyURL, "", []byte("satisfaction=satisfied"), formHeaders...); res.Status != 410 {
		t.Fatalf("expired post: %d", res.Status)
	}
	if res := env.call(t, "POST", b.SurveyURL, "", map[string]any{"satisfaction": "satisfied"}); res.Status != 410 || res.ErrorCode() != "survey_expired" {
		t.Fatalf("expired JSON post: %d %s", res.Status, res.Body)
	}
}
