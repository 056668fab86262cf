package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIdentifierLen bounds a client-chosen identifier kept in a record (a
// device id, a device description): longer ones are cut on a character
// boundary.
const MaxIdentifierLen = 128

// CleanIdentifier is a client-given identifier (a device id, an X-Device-Id
// header, a username as typed) made safe to keep: control characters (CR,
// LF, tab, NUL, …), line and paragraph separators, bidirectional overrides
// and invalid UTF-8 are dropped, surrounding space trimmed, and the rest cut
// to MaxIdentifierLen bytes. A raw line break once went from a device_id into
// the audit log and its exports, where it faked a row. Free text (notes,
// reasons) keeps its line breaks: this is for identifiers only.
func CleanIdentifier(s string) string {
	if !needsCleaning(s) {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unsafeInIdentifier(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > MaxIdentifierLen {
		cut := MaxIdentifierLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

func needsCleaning(s string) bool {
	if len(s) > MaxIdentifierLen || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return true
	}
	return strings.ContainsFunc(s, unsafeInIdentifier)
}

// unsafeInIdentifier: control characters, the Unicode line and paragraph
// separators, and the invisible format characters (bidi overrides,
// zero-width marks) that make an id display as something else.
func unsafeInIdentifier(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r)
}
