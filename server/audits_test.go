package server

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
)

// Issue 20 through HTTP: an inspector starts an audit, draws a sample (with
// too few orders, said as short), judges an item, keeps an uploaded photo as
// evidence under its rule name, files it and downloads the report as XLSX
// and as a zip holding the photo. Other roles and units are kept out.
func TestAuditThroughTheAPI(t *testing.T) {
	env := newTestEnv(t)
	insp := env.token(t, "insp1")

	if res := env.call(t, "GET", "/api/v1/audits/definition", insp, nil); res.Status != 200 || !strings.Contains(string(res.Body), "交付报告") {
		t.Fatalf("definition: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/audits/definition", env.token(t, "tech1"), nil); res.Status != 403 {
		t.Fatalf("technician: %d", res.Status)
	}
	res := env.call(t, "POST", "/api/v1/audits", insp, map[string]any{"unit": "chengdu-east", "auditor_name": "王稽查", "auditor_contact": "13900000000", "unclaimed": []string{"common-21"}})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	id := res.JSON()["id"].(string)
	if res := env.call(t, "POST", "/api/v1/audits", insp, map[string]any{"unit": "chengdu-east"}); res.Status != 422 {
		t.Fatalf("create without auditor: %d %s", res.Status, res.Body)
	}
	base := "/api/v1/audits/" + id
	if res := env.call(t, "GET", base, env.token(t, "sup2"), nil); res.Status != 404 {
		t.Fatalf("another unit's supervisor: %d", res.Status)
	}
	if res := env.call(t, "GET", base, env.token(t, "sup1"), nil); res.Status != 200 {
		t.Fatalf("the unit's supervisor: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/audits", env.token(t, "sup1"), nil); res.Status != 200 || !strings.Contains(string(res.Body), id) {
		t.Fatalf("the unit's supervisor lists: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/audits", env.token(t, "sup2"), nil); res.Status != 200 || strings.Contains(string(res.Body), id) {
		t.Fatalf("another unit's supervisor lists: %d %s", res.Status, res.Body)
	}

	if res := env.call(t, "POST", base+"/items/basic-22/draw", insp, nil); res.Status != 200 {
		t.Fatalf("draw: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/items/basic-22/draw", insp, nil); res.Status != 409 {
		t.Fatalf("second draw: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/items/basic-29/draw", insp, map[string]any{"n": 3}); res.Status != 422 {
		t.Fatalf("draw on a documents item: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/items/basic-99/judge", insp, map[string]any{"ok": true}); res.Status != 404 {
		t.Fatalf("unknown item: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/items/basic-29/judge", insp, map[string]any{"ok": true, "note": "巡检报告齐全"}); res.Status != 200 {
		t.Fatalf("judge: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/items/common-21/judge", insp, map[string]any{"ok": true}); res.Status != 409 {
		t.Fatalf("judge an unclaimed item: %d %s", res.Status, res.Body)
	}

	photo := phoneJPEG(t, 1)
	if res := env.putPhoto(t, "insp1", photo, "image/jpeg"); res.Status != 201 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/items/basic-29/evidence", insp, map[string]any{"sha256": strings.Repeat("0", 64), "ext": "jpg"}); res.Status != 422 {
		t.Fatalf("evidence never uploaded: %d %s", res.Status, res.Body)
	}
	res = env.call(t, "POST", base+"/items/basic-29/evidence", insp, map[string]any{"sha256": hexSHA(photo), "ext": "jpg"})
	if res.Status != 201 || res.JSON()["name"] != "基础类_29_业务维护_业务巡检_巡检服务_1" {
		t.Fatalf("evidence: %d %s", res.Status, res.Body)
	}

	res = env.call(t, "GET", base+"/results", insp, nil)
	var r struct {
		Applicable int `json:"applicable"`
		Passed     int `json:"passed"`
		Items      []struct {
			Result string `json:"result"`
			Item   struct {
				ID string `json:"id"`
			} `json:"item"`
		} `json:"items"`
	}
	res.Decode(t, &r)
	got := map[string]string{}
	for _, it := range r.Items {
		got[it.Item.ID] = it.Result
	}
	if res.Status != 200 || r.Passed != 1 || r.Applicable != len(r.Items)-1 || got["basic-22"] != "short" || got["common-21"] != "not_applicable" {
		t.Fatalf("results: %d %s", res.Status, res.Body)
	}

	if res := env.call(t, "POST", base+"/file", insp, map[string]any{"advice": "补齐交付文档"}); res.Status != 200 {
		t.Fatalf("file: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "POST", base+"/items/basic-1/judge", insp, map[string]any{"ok": true}); res.Status != 409 {
		t.Fatalf("judge after filing: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", base+"/report?format=pdf", insp, nil); res.Status != 422 {
		t.Fatalf("pdf: %d", res.Status)
	}
	if res := env.call(t, "GET", base+"/report", insp, nil); res.Status != 200 || !bytes.HasPrefix(res.Body, []byte("PK")) {
		t.Fatalf("xlsx: %d", res.Status)
	}
	res = env.call(t, "GET", base+"/report?format=zip", insp, nil)
	if res.Status != 200 {
		t.Fatalf("zip: %d %s", res.Status, res.Body)
	}
	zr, err := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if !bytes.Equal(files["证据/基础类_29_业务维护_业务巡检_巡检服务_1.jpg"], photo) || len(files["稽查报告.xlsx"]) == 0 {
		t.Fatalf("zip entries: %d files", len(files))
	}
}
