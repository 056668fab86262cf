package store

import (
	"bytes"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestTimeKeysSortChronologicallyAcrossEpochAndZones(t *testing.T) {
	times := []time.Time{
		time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 23, 8, 0, 0, 0, Shanghai), // 00:00 UTC
		time.Date(2026, 11, 23, 0, 0, 0, 1, time.UTC),
		time.Date(2026, 11, 23, 9, 0, 0, 0, Shanghai),
		time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	keys := make([][]byte, len(times))
	for i, tm := range times {
		keys[i] = TimeKey(tm)
		if !ParseTimeKey(keys[i]).Equal(tm) {
			t.Fatalf("round trip %v → %v", tm, ParseTimeKey(keys[i]))
		}
	}
	if !sort.SliceIsSorted(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 }) {
		t.Fatal("time keys do not sort chronologically")
	}
}

func TestU64KeysSortNumerically(t *testing.T) {
	if bytes.Compare(U64(255), U64(256)) >= 0 || bytes.Compare(U64(1<<40), U64(1<<41)) >= 0 {
		t.Fatal("U64 does not sort numerically")
	}
	if ParseU64(U64(12345)) != 12345 || ParseU32(U32(77)) != 77 || ParseU64([]byte{1}) != 0 {
		t.Fatal("round trip")
	}
}

func TestShanghaiDays(t *testing.T) {
	late := time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC) // 23:30 in Chengdu
	if got := DayEnd(late); !got.Equal(time.Date(2026, 11, 23, 23, 59, 59, 999999999, Shanghai)) {
		t.Fatalf("DayEnd: %v", got)
	}
	after := time.Date(2026, 11, 23, 16, 30, 0, 0, time.UTC) // 00:30 next day in Chengdu
	if got := DayStart(after); !got.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, Shanghai)) {
		t.Fatalf("DayStart: %v", got)
	}
}

func TestFeedSeeksEachScopeFromTheCursor(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *bolt.Tx) error {
		Publish(tx, "workorder", "WO1", ScopeUser("tech1"), ScopeUnit("east"))
		Publish(tx, "template", "T1", ScopeAll)
		Publish(tx, "workorder", "WO2", ScopeUser("tech2"))
		Publish(tx, "removed", "WO1", ScopeUser("tech1"))
		// A scope that is a prefix of another ("u:tech1" vs "u:tech10") must not leak.
		return Publish(tx, "x", "y", ScopeUser("tech10"))
	})
	db.View(func(tx *bolt.Tx) error {
		all, _ := FeedSince(tx, ScopeUser("tech1"), 0, 100)
		if len(all) != 2 || all[0].ID != "WO1" || all[1].Kind != "removed" || all[0].Seq >= all[1].Seq {
			t.Fatalf("tech1 feed: %+v", all)
		}
		since, _ := FeedSince(tx, ScopeUser("tech1"), all[0].Seq, 100)
		if len(since) != 1 || since[0].Kind != "removed" {
			t.Fatalf("after cursor: %+v", since)
		}
		if got, _ := FeedSince(tx, ScopeUser("tech1"), 0, 100); len(got) != 2 {
			t.Fatalf("prefix leak: %+v", got)
		}
		if FeedHead(tx) != 5 {
			t.Fatalf("head %d", FeedHead(tx))
		}
		return nil
	})
}

func TestOpenTimesOutWhenAnotherHandleHoldsTheFile(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(dir); err == nil || !bytes.Contains([]byte(err.Error()), []byte("in use")) {
		t.Fatalf("second open: %v", err)
	}
}
