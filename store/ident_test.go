package store

import (
	"strings"
	"testing"
)

func TestCleanIdentifier(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"an ordinary device id stays", "tech1-phone", "tech1-phone"},
		{"CR LF cannot start a fake row", "phone\r\n2026-11-23,admin,user.delete", "phone2026-11-23,admin,user.delete"},
		{"a leading line break before a formula goes", "\n=1+3", "=1+3"},
		{"NUL, tab and DEL go", "a\x00b\tc\x7fd", "abcd"},
		{"Unicode line separators go", "a\u2028b\u2029c\u0085d", "abcd"},
		{"a bidi override cannot reverse what is shown", "abc\u202edcba", "abcdcba"},
		{"invalid UTF-8 goes", "ok\xff\xfe", "ok"},
		{"spaces around are trimmed", "  iPhone 15  ", "iPhone 15"},
		{"Chinese stays", "张师傅的手机", "张师傅的手机"},
		{"empty stays empty", "", ""},
	} {
		if got := CleanIdentifier(c.in); got != c.want {
			t.Errorf("%s: CleanIdentifier(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
	long := strings.Repeat("机", 100) // 300 bytes
	got := CleanIdentifier(long)
	if len(got) > MaxIdentifierLen || !strings.HasPrefix(long, got) || len(got) < MaxIdentifierLen-2 {
		t.Errorf("a 300-byte id cut to %d bytes (%q)", len(got), got)
	}
}
