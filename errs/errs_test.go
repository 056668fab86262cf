package errs

import (
	"strings"
	"testing"
)

func TestEcho(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"a short id comes back whole", "WO-20261123-001", "WO-20261123-001"},
		{"64 bytes come back whole", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"65 bytes: the first 64 and an ellipsis", strings.Repeat("a", 65), strings.Repeat("a", 64) + "…"},
		{"a megabyte: the first 64 and an ellipsis", strings.Repeat("b", 1<<20), strings.Repeat("b", 64) + "…"},
		{"never half a character", strings.Repeat("工", 30), strings.Repeat("工", 21) + "…"},
	} {
		if got := Echo(c.in); got != c.want {
			t.Errorf("%s: Echo = %q (%d bytes), want %q", c.name, got, len(got), c.want)
		}
	}
	e := NotFoundf("工单", strings.Repeat("x", 10<<10))
	if len(e.Message.Zh) > 100 || len(e.Message.En) > 100 || !strings.Contains(e.Message.En, "…") {
		t.Errorf("a 10 KB id in a not-found message: %q / %q", e.Message.Zh, e.Message.En)
	}
	var v Validation
	v.Add("answers."+strings.Repeat("k", 1<<20), "未知的检查项", "unknown item")
	for path := range v.Fields {
		if len(path) > maxPath+len("…") {
			t.Errorf("a field path of %d bytes", len(path))
		}
	}
}
