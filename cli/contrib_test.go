package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheSystemdUnitVerifiesAndKeepsItsHardening: systemd's own checker
// accepts contrib/fieldcheck.service (with ExecStart pointed at this build),
// and the settings DEPLOY.md promises stay in it.
func TestTheSystemdUnitVerifiesAndKeepsItsHardening(t *testing.T) {
	unit, err := os.ReadFile("../contrib/fieldcheck.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"User=fieldcheck", "StateDirectory=fieldcheck", "ProtectSystem=strict",
		"NoNewPrivileges=yes", "Restart=on-failure", "EnvironmentFile=", "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lost %q", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not on this machine")
	}
	path := filepath.Join(t.TempDir(), "fieldcheck.service")
	os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/fieldcheck", binary)), 0o644)
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
