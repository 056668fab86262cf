package server

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"fieldcheck/store"
)

// A device_id is the client's to choose: raw CR/LF in it (at login, in a
// push) once went into the audit log and its exports, where it made a fake
// row, and "\n=1+3" passed the formula neutraliser. Identifiers lose their
// control characters where they come in; export cells are neutralised after
// leading whitespace too.
func TestClientIdentifiersKeepNoLineBreaksIntoAuditAndExports(t *testing.T) {
	env := newTestEnv(t)
	res := env.call(t, "POST", "/api/v1/auth/login", "", map[string]string{
		"username": "tech1", "password": testPassword, "device_id": "tech1\r\n2026-11-23,admin,user.delete"})
	if res.Status != 200 {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	tech := res.JSON()["access_token"].(string)
	from := env.clock.Now().Add(-2 * time.Hour)
	if res := env.call(t, "POST", "/api/v1/workorders", env.token(t, "sup1"), map[string]any{
		"id": "WO-CRLF", "type": "install", "product": "broadband", "subscribed_mbps": 100, "technician": "tech1",
		"customer":    map[string]any{"name": "王女士", "phone": "13800000001", "address": "锦江区红星路 1 号", "tier": "standard"},
		"appointment": map[string]any{"from": from, "to": from.Add(time.Hour)}}); res.Status != 201 {
		t.Fatalf("order: %d %s", res.Status, res.Body)
	}
	sheet := syncSheet(t, env, "sub-crlf", "install_acceptance", map[string]string{"workorder_id": "WO-CRLF"})
	var pushed pushAnswer
	res = env.call(t, "POST", "/api/v1/sync/push", tech, map[string]any{"device_id": "\n=1+3\r\n", "submissions": []any{sheet}})
	if res.Status != 200 {
		t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	res.Decode(t, &pushed)
	if len(pushed.Results) != 1 || pushed.Results[0].Status != "accepted" {
		t.Fatalf("push: %s", res.Body)
	}
	if v := env.call(t, "GET", "/api/v1/submissions/sub-crlf", env.token(t, "admin"), nil).JSON(); v["device_id"] != "=1+3" {
		t.Errorf("the sheet's device_id: %q", v["device_id"])
	}

	var page struct {
		Items []store.AuditEntry `json:"items"`
	}
	admin := env.token(t, "admin")
	env.call(t, "GET", "/api/v1/audit?actor=tech1", admin, nil).Decode(t, &page)
	devices := map[string]bool{}
	for _, e := range page.Items {
		if strings.ContainsAny(e.Device+e.Actor+e.Object+e.Unit, "\r\n") {
			t.Errorf("an audit entry keeps a line break: %+v", e)
		}
		devices[e.Device] = true
	}
	if !devices["tech12026-11-23,admin,user.delete"] || !devices["=1+3"] {
		t.Errorf("devices in the audit log: %v", devices)
	}

	res = env.call(t, "GET", "/api/v1/audit?actor=tech1&format=csv", admin, nil)
	if res.Status != 200 {
		t.Fatalf("audit csv: %d %s", res.Status, res.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(res.Body), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("audit csv: %v\n%s", err, res.Body)
	}
	if len(rows) != len(page.Items)+1 {
		t.Errorf("%d csv rows for %d entries (and a header):\n%s", len(rows), len(page.Items), res.Body)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if strings.ContainsAny(cell, "\r\n") {
				t.Errorf("a cell with a line break: %q", cell)
			}
			if trimmed := strings.TrimLeft(cell, " \t\r\n"); trimmed != "" && strings.ContainsRune("=+-@", rune(trimmed[0])) {
				t.Errorf("a cell a spreadsheet would run: %q", cell)
			}
		}
	}
}
