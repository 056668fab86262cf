package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/rectifications"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// finishJob kicks off the callback of a finished job, as sync does when an
// acceptance sheet arrives, and returns the task.
func finishJob(t *testing.T, env *testEnv, id, tier, unit string) *callbacks.Task {
	t.Helper()
	wo := &workorders.WorkOrder{ID: id, Type: workorders.TypeInstall, Technician: "tech1", Unit: unit,
		Customer: workorders.Customer{Name: "张三", Phone: "13800000001", Tier: tier}, Status: workorders.StatusCompleted}
	if unit == "chengdu-west" {
		wo.Technician = "tech3"
	}
	var task *callbacks.Task
	if err := env.db.Update(func(tx *bolt.Tx) error {
		if err := callbacks.Kickoff(tx, wo, env.clock.Now(), env.clock.Now()); err != nil {
			return err
		}
		var err error
		task, err = callbacks.TaskForOrder(tx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return task
}

func TestCallbackQueueRoutes(t *testing.T) {
	env := newTestEnv(t)
	agent1, agent2 := env.token(t, "agent1"), env.token(t, "agent2")
	vip := finishJob(t, env, "WO-1", workorders.TierVIP, "chengdu-east")
	std := finishJob(t, env, "WO-2", workorders.TierStandard, "chengdu-west")

	for _, who := range []string{"tech1", "insp1", "sup1"} {
		if res := env.call(t, "POST", "/api/v1/callbacks/claim", env.token(t, who), nil); res.Status != 403 {
			t.Fatalf("%s claim: %d", who, res.Status)
		}
	}
	res := env.call(t, "POST", "/api/v1/callbacks/claim", agent1, nil)
	if res.Status != 200 || res.JSON()["id"] != vip.ID || res.JSON()["customer"].(map[string]any)["phone"] != "13800000001" {
		t.Fatalf("claim: %d %s", res.Status, res.Body)
	}
	// The standard customer is still waiting for the SMS answer.
	if res := env.call(t, "POST", "/api/v1/callbacks/claim", agent2, nil); res.Status != 204 {
		t.Fatalf("empty queue: %d %s", res.Status, res.Body)
	}
	path := "/api/v1/callbacks/" + vip.ID
	if res := env.call(t, "POST", path+"/attempts", agent2, map[string]any{"outcome": "reached"}); res.Status != 409 {
		t.Fatalf("someone else's lease: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", path+"/attempts", agent1, map[string]any{"outcome": "maybe"}); res.Status != 422 {
		t.Fatalf("bad outcome: %d", res.Status)
	}
	if res := env.call(t, "POST", path+"/attempts", agent1, map[string]any{"outcome": "call_later", "at": "tonight"}); res.Status != 422 || !strings.Contains(string(res.Body), `"at"`) {
		t.Fatalf("bad at: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", path+"/attempts", agent1, `{"outcome": 5}`); res.Status != 400 {
		t.Fatalf("wrong type: %d", res.Status)
	}
	if res := env.call(t, "POST", path+"/attempts", agent1, map[string]any{"outcome": "reached", "note": "客户在家"}); res.Status != 200 {
		t.Fatalf("attempt: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", path+"/result", agent1, map[string]any{"satisfaction": "unsatisfied", "reasons": []string{}})
	if res.Status != 422 || !strings.Contains(string(res.Body), `"reasons"`) {
		t.Fatalf("unsatisfied without a reason: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", path+"/result", agent1, map[string]any{"satisfaction": "unsatisfied",
		"reasons": []string{"上门不准时"}, "score_0_5": 2, "template_id": "callback-script", "template_version": 1,
		"answers": map[string]any{"punctual": false}, "note": "迟到一小时"})
	if res.Status != 200 || res.JSON()["status"] != "done" || res.JSON()["rectification_id"] == nil {
		t.Fatalf("result: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", path+"/result", agent1, map[string]any{"satisfaction": "satisfied"}); res.Status != 409 {
		t.Fatalf("second result: %d", res.Status)
	}

	// After the SMS wait the standard customer falls to the manual queue —
	// of chengdu-west, which a central call centre's agent (no unit) works,
	// not agent1 and agent2 of chengdu-east.
	env.clock.Advance(4 * time.Hour)
	env.tokens = map[string]string{} // access tokens have expired meanwhile
	agent1 = env.token(t, "agent1")
	if res := env.call(t, "POST", "/api/v1/callbacks/claim", agent1, nil); res.Status != 204 {
		t.Fatalf("an east agent claims a west task: %d %s", res.Status, res.Body)
	}
	agent2 = centralAgent(t, env, "agent9")
	res = env.call(t, "POST", "/api/v1/callbacks/claim", agent2, nil)
	if res.Status != 200 || res.JSON()["id"] != std.ID || res.JSON()["survey_url"] != nil {
		t.Fatalf("claim after wait: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/callbacks/"+std.ID+"/release", env.token(t, "admin"), nil); res.Status != 409 {
		t.Fatalf("release of another's lease: %d", res.Status)
	}
	if res := env.call(t, "POST", "/api/v1/callbacks/"+std.ID+"/release", agent2, nil); res.Status != 200 || res.JSON()["status"] != "pending" {
		t.Fatalf("release: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/callbacks/nope/release", agent2, nil); res.Status != 404 {
		t.Fatalf("unknown: %d", res.Status)
	}

	// Lists: agents see their unit's (no unit: all) without survey_url;
	// supervisors their unit's with it.
	var list struct {
		Items []map[string]any `json:"items"`
		Next  *string          `json:"next"`
	}
	env.call(t, "GET", "/api/v1/callbacks", agent2, nil).Decode(t, &list)
	if len(list.Items) != 2 || list.Items[1]["survey_url"] != nil {
		t.Fatalf("central agent list: %+v", list.Items)
	}
	env.call(t, "GET", "/api/v1/callbacks", agent1, nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["id"] != vip.ID {
		t.Fatalf("east agent list: %+v", list.Items)
	}
	env.call(t, "GET", "/api/v1/callbacks?status=pending", env.token(t, "sup2"), nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["id"] != std.ID || !strings.HasPrefix(list.Items[0]["survey_url"].(string), "/s/") {
		t.Fatalf("supervisor list: %+v", list.Items)
	}
	env.call(t, "GET", "/api/v1/callbacks?status=pending", env.token(t, "sup1"), nil).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("sup1 sees another unit: %+v", list.Items)
	}
	today := testStart.Format("2006-01-02")
	env.call(t, "GET", "/api/v1/callbacks?from="+today+"&to="+today+"&limit=1", env.token(t, "admin"), nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Next == nil {
		t.Fatalf("admin page: %+v", list)
	}
	for q, want := range map[string]int{"?status=lost": 422, "?from=yesterday": 400, "?limit=0": 400, "?after=%21%21": 400} {
		if res := env.call(t, "GET", "/api/v1/callbacks"+q, agent1, nil); res.Status != want {
			t.Fatalf("%s: %d", q, res.Status)
		}
	}
	if res := env.call(t, "GET", "/api/v1/callbacks", env.token(t, "tech1"), nil); res.Status != 403 {
		t.Fatalf("technician list: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/callbacks/"+std.ID, env.token(t, "sup1"), nil); res.Status != 404 {
		t.Fatalf("sup1 get west task: %d", res.Status)
	}
	var reasons struct {
		Items []string `json:"items"`
	}
	env.call(t, "GET", "/api/v1/callbacks/reasons", agent1, nil).Decode(t, &reasons)
	if len(reasons.Items) < 5 || reasons.Items[0] != "上门不准时" {
		t.Fatalf("reasons: %+v", reasons.Items)
	}
}

func TestRectificationRoutes(t *testing.T) {
	env := newTestEnv(t)
	agent := env.token(t, "agent1")
	admin := env.token(t, "admin") // works every unit's callbacks; agent1 only chengdu-east's
	for i, unit := range []string{"chengdu-east", "chengdu-west"} {
		task := finishJob(t, env, fmt.Sprint("WO-", i), workorders.TierVIP, unit)
		res := env.call(t, "POST", "/api/v1/callbacks/"+task.ID+"/result", admin,
			map[string]any{"satisfaction": "unsatisfied", "reasons": []string{"服务态度差"}})
		if res.Status != 200 {
			t.Fatal(res.Status, string(res.Body))
		}
	}
	var list struct {
		Items []rectifications.Rectification `json:"items"`
	}
	for who, want := range map[string]int{"tech1": 1, "tech2": 0, "tech3": 1, "insp1": 1, "sup1": 1, "sup2": 1, "admin": 2} {
		env.call(t, "GET", "/api/v1/rectifications", env.token(t, who), nil).Decode(t, &list)
		if len(list.Items) != want {
			t.Fatalf("%s sees %d", who, len(list.Items))
		}
	}
	if res := env.call(t, "GET", "/api/v1/rectifications", agent, nil); res.Status != 403 {
		t.Fatalf("agent: %d", res.Status)
	}
	env.call(t, "GET", "/api/v1/rectifications", env.token(t, "sup1"), nil).Decode(t, &list)
	east := list.Items[0]
	path := "/api/v1/rectifications/" + east.ID + "/resolve"
	if east.Unit != "chengdu-east" || east.Source != "callback" || east.Technician != "tech1" {
		t.Fatalf("%+v", east)
	}
	if res := env.call(t, "POST", path, env.token(t, "sup2"), map[string]string{"note": "x"}); res.Status != 404 {
		t.Fatalf("other unit: %d", res.Status)
	}
	if res := env.call(t, "POST", path, env.token(t, "sup1"), map[string]string{"note": ""}); res.Status != 422 {
		t.Fatalf("empty note: %d", res.Status)
	}
	// API.md v1.1: a technician cannot resolve a rectification, not even
	// one of their own jobs.
	if res := env.call(t, "POST", path, env.token(t, "tech1"), map[string]string{"note": "已向客户致歉并培训"}); res.Status != 403 {
		t.Fatalf("technician resolves: %d %s", res.Status, res.Body)
	}
	// The supervisor resolves it with a note and a photo they upload
	// themselves; a photo the server does not hold is refused first.
	sup := env.token(t, "sup1")
	pic := phoneJPEG(t, 41)
	if res := env.call(t, "POST", path, sup, map[string]any{"note": "已向客户致歉并培训", "photos": []string{hexSHA(pic)}}); res.Status != 422 {
		t.Fatalf("photo not uploaded: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", path, sup, map[string]any{"note": "已向客户致歉并培训", "photos": []string{"not-a-sha"}}); res.Status != 422 {
		t.Fatalf("bad photo id: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "PUT", "/api/v1/photos/"+hexSHA(pic), sup, pic, "Content-Type", "image/jpeg"); res.Status != 201 {
		t.Fatalf("supervisor uploads a photo: %d %s", res.Status, res.Body)
	}
	res := env.call(t, "POST", path, sup, map[string]any{"note": "已向客户致歉并培训", "photos": []string{hexSHA(pic)}})
	if res.Status != 200 || res.JSON()["status"] != "resolved" || res.JSON()["resolved_by"] != "sup1" {
		t.Fatalf("resolve: %d %s", res.Status, res.Body)
	}
	if ph, _ := res.JSON()["photos"].([]any); len(ph) != 1 || ph[0] != hexSHA(pic) {
		t.Fatalf("resolve photos: %s", res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/photos/"+hexSHA(pic)+"?size=thumb", sup, nil); res.Status != 200 {
		t.Fatalf("the resolver sees their photo: %d", res.Status)
	}
	if res := env.call(t, "POST", path, env.token(t, "sup1"), map[string]string{"note": "again"}); res.Status != 409 {
		t.Fatalf("twice: %d", res.Status)
	}
	env.call(t, "GET", "/api/v1/rectifications?status=open", env.token(t, "admin"), nil).Decode(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("open: %d", len(list.Items))
	}
}

func TestSMSOutboxRoute(t *testing.T) {
	env := newTestEnv(t)
	finishJob(t, env, "WO-1", workorders.TierStandard, "chengdu-east")
	finishJob(t, env, "WO-2", workorders.TierVIP, "chengdu-east")
	var list struct {
		Items []callbacks.SMS `json:"items"`
	}
	env.call(t, "GET", "/api/v1/sms/outbox", env.token(t, "sup1"), nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Status != "queued" || !strings.Contains(list.Items[0].Text, "/s/") {
		t.Fatalf("%+v", list.Items)
	}
	env.call(t, "GET", "/api/v1/sms/outbox", env.token(t, "sup2"), nil).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatal("sup2 sees another unit's SMS")
	}
	for _, who := range []string{"agent1", "tech1", "insp1"} {
		if res := env.call(t, "GET", "/api/v1/sms/outbox", env.token(t, who), nil); res.Status != 403 {
			t.Fatalf("%s: %d", who, res.Status)
		}
	}
}

func TestClaimByIDAndSummaryRoutes(t *testing.T) {
	env := newTestEnv(t)
	agent1, agent2, sup1 := env.token(t, "agent1"), env.token(t, "agent2"), env.token(t, "sup1")
	east := finishJob(t, env, "WO-1", workorders.TierVIP, "chengdu-east")
	finishJob(t, env, "WO-2", workorders.TierVIP, "chengdu-west")
	sms := finishJob(t, env, "WO-3", workorders.TierStandard, "chengdu-east")

	path := "/api/v1/callbacks/" + east.ID + "/claim"
	if res := env.call(t, "POST", path, agent1, nil); res.Status != 200 || res.JSON()["lease_holder"] != "agent1" {
		t.Fatalf("claim by id: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", path, agent2, nil); res.Status != 409 || apiCode(res) != "leased_to_other" {
		t.Fatalf("someone else's lease: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/callbacks/"+sms.ID+"/claim", agent2, nil); res.Status != 409 || apiCode(res) != "sms_pending" {
		t.Fatalf("SMS task: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/callbacks/cb-404/claim", agent2, nil); res.Status != 404 {
		t.Fatalf("unknown task: %d %s", res.Status, res.Body)
	}

	// agent1's counters are chengdu-east's: the west VIP task is not theirs.
	res := env.call(t, "GET", "/api/v1/callbacks/summary", agent1, nil)
	got := res.JSON()
	if res.Status != 200 || got["ready"] != 0.0 || got["claimed"] != 1.0 || got["mine"] != 1.0 || got["sms"] != 1.0 {
		t.Fatalf("agent summary: %d %s", res.Status, res.Body)
	}
	if _, ok := got["uncovered_units"]; ok {
		t.Fatalf("an agent is told of uncovered units: %s", res.Body)
	}
	// A supervisor's counters are their unit's: the west task is not theirs.
	res = env.call(t, "GET", "/api/v1/callbacks/summary", sup1, nil)
	if got := res.JSON(); res.Status != 200 || got["ready"] != 0.0 || got["claimed"] != 1.0 || got["mine"] != 0.0 {
		t.Fatalf("supervisor summary: %d %s", res.Status, res.Body)
	}
	// One order's task by its id; another unit's is not the supervisor's.
	res = env.call(t, "GET", "/api/v1/callbacks?workorder_id=WO-1", sup1, nil)
	if items, _ := res.JSON()["items"].([]any); res.Status != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != east.ID {
		t.Fatalf("by order: %d %s", res.Status, res.Body)
	}
	for _, wo := range []string{"WO-2", "WO-404"} {
		res = env.call(t, "GET", "/api/v1/callbacks?workorder_id="+wo, sup1, nil)
		if items, _ := res.JSON()["items"].([]any); res.Status != 200 || len(items) != 0 {
			t.Fatalf("%s: %d %s", wo, res.Status, res.Body)
		}
	}
	if res := env.call(t, "GET", "/api/v1/callbacks/summary", env.token(t, "tech1"), nil); res.Status != 403 {
		t.Fatalf("technician summary: %d", res.Status)
	}
}

// apiCode is the error code of an API.md error answer.
func apiCode(res *testResp) string {
	e, _ := res.JSON()["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// centralAgent creates an agent with no unit (a central call centre) and
// logs it in.
func centralAgent(t *testing.T, env *testEnv, username string) string {
	t.Helper()
	res := env.call(t, "POST", "/api/v1/users", env.token(t, "admin"), map[string]any{
		"username": username, "password": testPassword, "name": "总台回访", "role": "agent"})
	if res.Status != 201 {
		t.Fatalf("create %s: %d %s", username, res.Status, res.Body)
	}
	return env.token(t, username)
}

// An agent with a unit works that unit's callbacks only — list, one task,
// one order's task, claim, claim by id, attempts, result, release and the
// summary counters; another unit's task is not found, as a missing one. An
// agent with no unit works every unit's. Once agents saw every unit's
// callbacks with full phone and address.
func TestAgentsWorkTheirOwnUnitsCallbacks(t *testing.T) {
	env := newTestEnv(t)
	east := finishJob(t, env, "WO-E", workorders.TierVIP, "chengdu-east")
	west := finishJob(t, env, "WO-W", workorders.TierVIP, "chengdu-west")
	agent1 := env.token(t, "agent1") // chengdu-east

	var list struct {
		Items []struct {
			ID       string              `json:"id"`
			Customer workorders.Customer `json:"customer"`
		} `json:"items"`
	}
	env.call(t, "GET", "/api/v1/callbacks", agent1, nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != east.ID {
		t.Fatalf("east agent's list: %+v", list.Items)
	}
	env.call(t, "GET", "/api/v1/callbacks?workorder_id=WO-W", agent1, nil).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("east agent reads the west order's task: %+v", list.Items)
	}
	wpath := "/api/v1/callbacks/" + west.ID
	for _, c := range []struct{ method, path string }{
		{"GET", wpath}, {"POST", wpath + "/claim"}, {"POST", wpath + "/attempts"},
		{"POST", wpath + "/result"}, {"POST", wpath + "/release"},
	} {
		body := map[string]any{"outcome": "reached", "satisfaction": "satisfied"}
		if res := env.call(t, c.method, c.path, agent1, body); res.Status != 404 || strings.Contains(string(res.Body), "13800000001") {
			t.Errorf("east agent %s %s: %d %s", c.method, c.path, res.Status, res.Body)
		}
	}
	if sum := env.call(t, "GET", "/api/v1/callbacks/summary", agent1, nil).JSON(); sum["ready"] != 1.0 {
		t.Errorf("east agent's summary: %v", sum)
	}
	res := env.call(t, "POST", "/api/v1/callbacks/claim", agent1, nil)
	if res.Status != 200 || res.JSON()["id"] != east.ID {
		t.Fatalf("east agent's claim: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", "/api/v1/callbacks/claim", agent1, nil); res.Status != 204 {
		t.Fatalf("east agent's second claim (only west is left): %d %s", res.Status, res.Body)
	}
	if west, err := env.srv.Callbacks.Get(callbacks.Everywhere, west.ID); err != nil || west.Status != callbacks.StatusPending || len(west.Attempts) != 0 {
		t.Fatalf("the west task was touched: %+v %v", west, err)
	}

	central := centralAgent(t, env, "agent9")
	env.call(t, "GET", "/api/v1/callbacks", central, nil).Decode(t, &list)
	if len(list.Items) != 2 || list.Items[1].Customer.Phone != "13800000001" {
		t.Fatalf("central agent's list: %+v", list.Items)
	}
	if sum := env.call(t, "GET", "/api/v1/callbacks/summary", central, nil).JSON(); sum["ready"] != 1.0 || sum["claimed"] != 1.0 {
		t.Errorf("central agent's summary: %v", sum)
	}
	res = env.call(t, "POST", "/api/v1/callbacks/claim", central, nil)
	if res.Status != 200 || res.JSON()["id"] != west.ID {
		t.Fatalf("central agent's claim: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", wpath+"/result", central, map[string]any{"satisfaction": "satisfied"}); res.Status != 200 {
		t.Fatalf("central agent's result: %d %s", res.Status, res.Body)
	}
}

// A unit whose callbacks no agent can see (no enabled agent of that unit,
// none without a unit) is shown in the summary: to its supervisor and to the
// admin, never to an agent.
func TestUncoveredUnitsAreShownToSupervisorAndAdmin(t *testing.T) {
	env := newTestEnv(t)
	finishJob(t, env, "WO-E", workorders.TierVIP, "chengdu-east")
	finishJob(t, env, "WO-W", workorders.TierVIP, "chengdu-west")
	uncovered := func(who string) []any {
		t.Helper()
		res := env.call(t, "GET", "/api/v1/callbacks/summary", fresh(t, env, who), nil)
		if res.Status != 200 {
			t.Fatalf("%s summary: %d %s", who, res.Status, res.Body)
		}
		u, ok := res.JSON()["uncovered_units"].([]any)
		if !ok {
			t.Fatalf("%s summary without uncovered_units: %s", who, res.Body)
		}
		return u
	}
	if u := uncovered("admin"); len(u) != 1 || u[0] != "chengdu-west" {
		t.Errorf("admin: %v, want chengdu-west (agent1, agent2 are east's)", u)
	}
	if u := uncovered("sup2"); len(u) != 1 || u[0] != "chengdu-west" {
		t.Errorf("west supervisor: %v", u)
	}
	if u := uncovered("sup1"); len(u) != 0 {
		t.Errorf("east supervisor: %v", u)
	}
	admin := env.token(t, "admin")
	// East loses its agents: disabled ones see nothing.
	for _, a := range []string{"agent1", "agent2"} {
		if res := env.call(t, "PATCH", "/api/v1/users/"+a, admin, map[string]any{"disabled": true}); res.Status != 200 {
			t.Fatalf("disable %s: %d %s", a, res.Status, res.Body)
		}
	}
	if u := uncovered("admin"); len(u) != 2 || u[0] != "chengdu-east" || u[1] != "chengdu-west" {
		t.Errorf("admin, east agents disabled: %v", u)
	}
	// A central call centre covers every unit.
	centralAgent(t, env, "agent9")
	if u := uncovered("admin"); len(u) != 0 {
		t.Errorf("admin, with a central agent: %v", u)
	}
}
