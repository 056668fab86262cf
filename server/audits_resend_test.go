package server

import (
	"testing"
)

// Issue 20, the phone's outbox: an audit judged offline is sent again
// whenever the answer to a send was lost. A verdict sent twice is one
// verdict, and the same photo kept twice as an item's evidence is one piece
// of evidence under one rule name (it was _1 and _2 before).
func TestAuditResendsCountOnce(t *testing.T) {
	env := newTestEnv(t)
	insp := env.token(t, "insp1")
	res := env.call(t, "POST", "/api/v1/audits", insp, map[string]any{"unit": "chengdu-east", "auditor_name": "王稽查", "auditor_contact": "13900000000"})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	base := "/api/v1/audits/" + res.JSON()["id"].(string)
	photo := phoneJPEG(t, 7)
	if res := env.putPhoto(t, "insp1", photo, "image/jpeg"); res.Status != 201 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	for i := 0; i < 2; i++ {
		if res := env.call(t, "POST", base+"/items/basic-29/judge", insp, map[string]any{"ok": false, "note": "缺巡检报告"}); res.Status != 200 {
			t.Fatalf("judge #%d: %d %s", i+1, res.Status, res.Body)
		}
		res := env.call(t, "POST", base+"/items/basic-29/evidence", insp, map[string]any{"sha256": hexSHA(photo), "ext": "jpg"})
		if res.Status != 201 || res.JSON()["name"] != "基础类_29_业务维护_业务巡检_巡检服务_1" {
			t.Fatalf("evidence #%d: %d %s", i+1, res.Status, res.Body)
		}
	}
	var a struct {
		Findings map[string]struct {
			Result   string `json:"result"`
			Evidence []struct {
				Name string `json:"name"`
			} `json:"evidence"`
		} `json:"findings"`
	}
	res = env.call(t, "GET", base, insp, nil)
	res.Decode(t, &a)
	f := a.Findings["basic-29"]
	if f.Result != "fail" || len(f.Evidence) != 1 {
		t.Fatalf("after two sends: %+v", f)
	}
	var r struct {
		Failed int `json:"failed"`
	}
	res = env.call(t, "GET", base+"/results", insp, nil)
	res.Decode(t, &r)
	if r.Failed != 1 {
		t.Fatalf("failed items: %d, want 1 (%s)", r.Failed, res.Body)
	}
}
