package store

import (
	"bytes"
	"encoding/binary"
	"time"
)

// Sep separates the parts of a composite key. Ids never contain 0x00
// (validators refuse control characters), so prefixes cannot collide.
const Sep = 0x00

// U64 encodes n big-endian so keys sort numerically.
func U64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// ParseU64 decodes U64; a short slice is 0.
func ParseU64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// U32 encodes n big-endian.
func U32(n uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, n)
	return b
}

// ParseU32 decodes U32; a short slice is 0.
func ParseU32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// TimeKey is a fixed-width sortable time: Unix nanoseconds, big-endian, with
// the sign bit flipped so times before 1970 still sort first. (RFC 3339 with
// nanoseconds does not sort.)
func TimeKey(t time.Time) []byte {
	return U64(uint64(t.UnixNano()) ^ (1 << 63))
}

// ParseTimeKey decodes TimeKey.
func ParseTimeKey(b []byte) time.Time {
	return time.Unix(0, int64(ParseU64(b)^(1<<63)))
}

// Key joins parts with Sep. Parts may be strings or byte slices.
func Key(parts ...any) []byte {
	var buf bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			buf.WriteByte(Sep)
		}
		switch v := p.(type) {
		case string:
			buf.WriteString(v)
		case []byte:
			buf.Write(v)
		default:
			panic("store.Key: part must be string or []byte")
		}
	}
	return buf.Bytes()
}

// Prefix is Key(parts...) followed by Sep: every key that extends parts.
func Prefix(parts ...any) []byte {
	return append(Key(parts...), Sep)
}

// SplitLast returns what follows the last Sep in k (the id of an index key).
func SplitLast(k []byte) string {
	i := bytes.LastIndexByte(k, Sep)
	return string(k[i+1:])
}

// ValidSHA256 reports whether s is 64 lowercase hex digits: the content
// address of every photo and signature, and the photo buckets' keys.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
