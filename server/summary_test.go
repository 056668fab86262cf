package server

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The 检查汇总反馈表 of a walkthrough with 12 photos: a PDF whose text
// (read back with pdftotext) names the store — a rare character included,
// so the font is embedded and subset — the score, the fines and the
// rectification due date, and whose size stays under 600 KB (the whole font alone is 4.6 MB).
func TestSummaryPDFOfAWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; scripts/deps.sh installs it")
	}
	env := newTestEnv(t)
	admin, insp := env.token(t, "admin"), env.token(t, "insp1")
	if res := env.call(t, "POST", "/api/v1/stores", admin, map[string]any{"id": "s1", "name": "春熙路喆犇营业厅", "address": "锦江区春熙路 8 号", "unit": "chengdu-east"}); res.Status != 201 {
		t.Fatalf("store: %d %s", res.Status, res.Body)
	}
	sheet := syncSheet(t, env, "w1", "store_walkthrough", map[string]string{"store_id": "s1"})
	answers := sheet["answers"].(map[string]any)
	answers["storefront"] = "fail"  // −2, 100 yuan
	answers["hall_environment"] = 6 // −1 each, at most −4: 200 yuan
	answers["remarks"] = "叫号机故障，已现场告知店长"
	photos := map[string][]string{}
	for i := 0; i < 12; i++ {
		jpg := phoneJPEG(t, uint64(i+1))
		if res := env.putPhoto(t, "insp1", jpg, "image/jpeg"); res.Status != 201 {
			t.Fatalf("photo %d: %d %s", i, res.Status, res.Body)
		}
		item := "photo_storefront"
		if i >= 6 {
			item = "photo_hall_environment"
		}
		photos[item] = append(photos[item], hexSHA(jpg))
	}
	sheet["photos"] = photos
	var push pushAnswer
	env.call(t, "POST", "/api/v1/sync/push", insp, map[string]any{"device_id": "p1", "submissions": []any{sheet}}).Decode(t, &push)
	if push.Results[0].Status != "accepted" {
		t.Fatalf("push: %+v", push.Results[0])
	}

	res := env.call(t, "GET", "/api/v1/submissions/w1/report.pdf", env.token(t, "sup1"), nil)
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(res.Body, []byte("%PDF-")) {
		t.Fatalf("report: %d %s %.80q", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	const maxBytes = 600_000 // measured 125 KB: thumbnails (320 px) and a font subset
	t.Logf("summary PDF with 12 photos: %d bytes", len(res.Body))
	if len(res.Body) > maxBytes {
		t.Errorf("the PDF is %d bytes, over %d", len(res.Body), maxBytes)
	}
	path := filepath.Join(t.TempDir(), "summary.pdf")
	if err := os.WriteFile(path, res.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"检查汇总反馈表", "春熙路喆犇营业厅", "得分 12 / 18", "罚款合计 300 元", "2026年12月08日", "赵稽查", "叫号机故障"} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	if err := os.WriteFile("/tmp/sched-summary.pdf", res.Body, 0o600); err != nil {
		t.Log(err)
	}

	// A plain link: a file token in the query.
	ft := env.call(t, "POST", "/api/v1/auth/file-token", env.token(t, "sup1"), nil).JSON()["token"].(string)
	if res := env.call(t, "GET", "/api/v1/submissions/w1/report.pdf?token="+ft, "", nil); res.Status != 200 {
		t.Errorf("with a file token: %d", res.Status)
	}
	// Not entitled, unknown: the same 404.
	for _, c := range []struct{ user, id string }{{"sup2", "w1"}, {"tech1", "w1"}, {"sup1", "nope"}} {
		if res := env.call(t, "GET", "/api/v1/submissions/"+c.id+"/report.pdf", env.token(t, c.user), nil); res.Status != 404 {
			t.Errorf("%s asks for %s: %d", c.user, c.id, res.Status)
		}
	}
}

// A spot check's summary names the technician whose visit was checked; an
// acceptance sheet has none (the customer's copy is its printable page).
func TestSummaryPDFOfASpotCheck(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; scripts/deps.sh installs it")
	}
	env := newTestEnv(t)
	syncOrder(t, env, "wo-1", "tech1")
	spot := syncSheet(t, env, "sp1", "home_visit_spotcheck", map[string]string{"workorder_id": "wo-1"})
	spot["answers"].(map[string]any)["shoe_covers"] = "fail" // −1, 50 yuan
	acc := syncSheet(t, env, "a1", "install_acceptance", map[string]string{"workorder_id": "wo-1"})
	for _, c := range []struct {
		user  string
		sheet map[string]any
	}{{"insp1", spot}, {"tech1", acc}} {
		var push pushAnswer
		env.call(t, "POST", "/api/v1/sync/push", env.token(t, c.user), map[string]any{"device_id": "p1", "submissions": []any{c.sheet}}).Decode(t, &push)
		if push.Results[0].Status != "accepted" {
			t.Fatalf("push %s: %+v", c.user, push.Results[0])
		}
	}
	res := env.call(t, "GET", "/api/v1/submissions/sp1/report.pdf", env.token(t, "insp1"), nil)
	if res.Status != 200 {
		t.Fatalf("spot check report: %d %s", res.Status, res.Body)
	}
	path := filepath.Join(t.TempDir(), "spot.pdf")
	if err := os.WriteFile(path, res.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.ReplaceAll(strings.Join(strings.Fields(string(out)), ""), " ", "")
	for _, want := range []string{"入户服务抽查", "张师傅", "得分11/12", "罚款合计50元", "2026年12月08日", "赵稽查"} {
		if !strings.Contains(text, want) {
			t.Errorf("the spot check's PDF lacks %q:\n%s", want, text)
		}
	}
	if res := env.call(t, "GET", "/api/v1/submissions/a1/report.pdf", env.token(t, "sup1"), nil); res.Status != 422 || res.ErrorCode() != "not_an_inspection" {
		t.Errorf("an acceptance sheet: %d %s", res.Status, res.Body)
	}
}
