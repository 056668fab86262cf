package submissions

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The flagged sheets' index (issue 15: GET /submissions?flag= pages through
// an index on the flag, never scans and skips). Each flag a head carries
// (AllFlags) has one entry per scope that lists it — every sheet ("*", the
// admin), its unit ("u:"unit, a supervisor), its author ("a:"author, a
// technician or an inspector):
//
//	BucketSubmissionsByFlag:  scope 0x00 flag 0x00 finished_at(8) 0x00 id → nil
//	BucketSubmissionFlagKeys: id → the entries it has there (u16 length, key)…
//
// saveHead moves them; the second bucket remembers what to take out, since
// a head is changed in place before it is saved. Meta
// "submissions_flag_index" says the index is complete: a data dir from
// before it gets it built on the first flag list (ensureFlagIndex), and until
// then saveHead leaves it alone.
var metaFlagIndex = []byte("submissions_flag_index")

func flagIndexOn(tx *bolt.Tx) bool { return flagIndex.On(tx) }

func flagScopes(h *Head) []string {
	return []string{"*", "u:" + h.Unit, "a:" + h.Author}
}

// flagKeys are h's entries in BucketSubmissionsByFlag.
func flagKeys(h *Head) [][]byte {
	flags, _ := h.AllFlags()
	slices.Sort(flags)
	flags = slices.Compact(flags)
	var out [][]byte
	when := store.TimeKey(h.FinishedAt)
	for _, f := range flags {
		for _, sc := range flagScopes(h) {
			out = append(out, store.Key(sc, f, when, h.ID))
		}
	}
	return out
}

func encodeKeys(ks [][]byte) []byte {
	var b []byte
	for _, k := range ks {
		b = binary.BigEndian.AppendUint16(b, uint16(len(k)))
		b = append(b, k...)
	}
	return b
}

func decodeKeys(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			break
		}
		out = append(out, append([]byte(nil), b[2:2+n]...))
		b = b[2+n:]
	}
	return out
}

// moveFlagIndex puts h's flag entries where the head now says (saveHead).
// An unflagged sheet that was never flagged costs one missed read.
func moveFlagIndex(tx *bolt.Tx, h *Head) error {
	if !flagIndexOn(tx) {
		return nil
	}
	memo := tx.Bucket(store.BucketSubmissionFlagKeys)
	old := decodeKeys(memo.Get([]byte(h.ID)))
	cur := flagKeys(h)
	if len(old) == 0 && len(cur) == 0 {
		return nil
	}
	ix := tx.Bucket(store.BucketSubmissionsByFlag)
	changed := false
	for _, k := range old {
		if !slices.ContainsFunc(cur, func(c []byte) bool { return string(c) == string(k) }) {
			if err := ix.Delete(k); err != nil {
				return err
			}
			changed = true
		}
	}
	for _, k := range cur {
		if !slices.ContainsFunc(old, func(o []byte) bool { return string(o) == string(k) }) {
			if err := ix.Put(k, []byte{}); err != nil {
				return err
			}
			changed = true
		}
	}
	switch {
	case !changed:
		return nil
	case len(cur) == 0:
		return memo.Delete([]byte(h.ID))
	}
	return memo.Put([]byte(h.ID), encodeKeys(cur))
}

// flagIndex is the index and its memo as a store.Derived: built from the
// heads when it is not complete (a data dir from before it).
var flagIndex = store.Derived{
	Meta: metaFlagIndex, Source: store.BucketSubmissionHeads,
	Into: [][]byte{store.BucketSubmissionsByFlag, store.BucketSubmissionFlagKeys},
	Entries: func(k, v []byte, add func(int, []byte, []byte)) error {
		var h Head
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		ks := flagKeys(&h)
		for _, fk := range ks {
			add(0, fk, nil)
		}
		if len(ks) > 0 {
			add(1, bytes.Clone(k), encodeKeys(ks))
		}
		return nil
	},
}

// ensureFlagIndex builds the index once, for a data dir from before it.
func ensureFlagIndex(db *store.DB) error { return flagIndex.Ensure(db) }
