package photos

import (
	"context"
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/photos/internal/synth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

func possesses(t *testing.T, db *store.DB, sha, user string) bool {
	t.Helper()
	var ok bool
	db.View(func(tx *bolt.Tx) error { ok = Possesses(tx, sha, user); return nil })
	return ok
}

func auditActions(t *testing.T, db *store.DB, object string) []string {
	t.Helper()
	var out []string
	db.View(func(tx *bolt.Tx) error {
		return store.AuditRange(tx, testNow.Add(-time.Hour), testNow.Add(24*time.Hour), func(e store.AuditEntry) error {
			if e.Object == object {
				out = append(out, e.Actor+" "+e.Action)
			}
			return nil
		})
	})
	return out
}

// Knowing a hash is not possessing the photo; uploading the same bytes
// again is, verified by the hash, recorded once, nothing rewritten.
func TestPossessionComesFromUploadingTheBytes(t *testing.T) {
	var stored []string
	s, db := newService(t, func(c *Config) {
		c.OnStored = func(tx *bolt.Tx, sha string, now time.Time) error {
			stored = append(stored, sha)
			return nil
		}
	})
	body := synth.JPEG(synth.Photo(64, 48, 70), 85, nil)
	m := mustPut(t, s, body) // tech1
	if !s.Possessed(m.SHA256, "tech1") || s.Possessed(m.SHA256, "tech2") || s.Possessed(m.SHA256, "") {
		t.Fatal("possession after tech1's upload: want tech1 only")
	}
	if s.Possessed(shaOf([]byte("never")), "tech1") {
		t.Fatal("an unknown photo is possessed")
	}

	// Other bytes under X's name prove nothing.
	other := synth.JPEG(synth.Photo(64, 48, 71), 85, nil)
	_, _, err := s.Put(context.Background(), m.SHA256, other, "tech2", testNow)
	wantKind(t, err, errs.BadRequest, "hash_mismatch")
	if s.Possessed(m.SHA256, "tech2") {
		t.Fatal("a mismatched upload made tech2 a possessor")
	}

	m2, created, err := s.Put(context.Background(), m.SHA256, body, "tech2", testNow.Add(time.Minute))
	if err != nil || created || m2.Uploader != "tech1" || !m2.CreatedAt.Equal(m.CreatedAt) {
		t.Fatalf("re-upload: %+v created %v err %v; want the stored meta, 200", m2, created, err)
	}
	if !s.Possessed(m.SHA256, "tech2") || !s.Possessed(m.SHA256, "tech1") {
		t.Fatal("after tech2's verified re-upload both possess it")
	}
	s.Put(context.Background(), m.SHA256, body, "tech2", testNow.Add(2*time.Minute))
	if len(stored) != 2 {
		t.Errorf("OnStored ran %d times, want 2 (new photo, new possessor)", len(stored))
	}
	got := auditActions(t, db, "photo/"+m.SHA256)
	if len(got) != 2 || got[0] != "tech1 photo.upload" || got[1] != "tech2 photo.possess" {
		t.Errorf("audit = %v", got)
	}
}

// Photos stored before possession existed have a Meta with its uploader and
// no possession record: the uploader possesses them, no one else.
func TestAPhotoStoredBeforePossessionBelongsToItsUploader(t *testing.T) {
	s, db := newService(t, nil)
	body := synth.JPEG(synth.Photo(64, 48, 72), 85, nil)
	sha := shaOf(body)
	// Written the old way: the original file and the Meta only.
	if err := writeFileAtomic(s.originalPath(sha), body, false); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return store.PutJSON(tx, store.BucketPhotos, []byte(sha), Meta{SHA256: sha, Width: 64, Height: 48,
			Bytes: int64(len(body)), ContentType: "image/jpeg", Uploader: "tech1", CreatedAt: testNow})
	}); err != nil {
		t.Fatal(err)
	}
	if !possesses(t, db, sha, "tech1") || possesses(t, db, sha, "tech2") {
		t.Fatal("old photo: want its recorded uploader as the one possessor")
	}
	if ok, _ := s.CanView(auth.Principal{Username: "tech1", Role: auth.RoleTechnician}, sha); !ok {
		t.Error("the recorded uploader cannot view the old photo")
	}
	if ok, _ := s.CanView(auth.Principal{Username: "tech2", Role: auth.RoleTechnician}, sha); ok {
		t.Error("another technician views the old photo")
	}
	// Its uploader's repeat upload writes nothing; another's records them.
	put(t, s, body)
	s.Put(context.Background(), sha, body, "tech2", testNow)
	var records []string
	db.View(func(tx *bolt.Tx) error {
		return store.ScanPrefix(tx, store.BucketPhotoPossession, store.Prefix(sha), nil, func(k, _ []byte) error {
			records = append(records, store.SplitLast(k))
			return nil
		})
	})
	if len(records) != 1 || records[0] != "tech2" {
		t.Errorf("possession records %v, want [tech2]", records)
	}
}

// GET through a sheet asks CanSee with the photo: the sheet's side decides
// whether its author possesses it.
func TestCanViewAsksThroughWhichSheetForWhichPhoto(t *testing.T) {
	var asked []string
	s, db := newService(t, func(c *Config) {
		c.CanSee = func(tx *bolt.Tx, p auth.Principal, id, sha string) (bool, error) {
			asked = append(asked, id+" "+sha)
			return id == "sub-2", nil
		}
	})
	a := mustPut(t, s, synth.JPEG(synth.Photo(64, 48, 73), 85, nil))
	db.Update(func(tx *bolt.Tx) error {
		store.Mark(tx, store.BucketPhotoRefs, store.Key(a.SHA256, "sub-1"))
		return store.Mark(tx, store.BucketPhotoRefs, store.Key(a.SHA256, "sub-2"))
	})
	ok, err := s.CanView(auth.Principal{Username: "sup1", Role: auth.RoleSupervisor}, a.SHA256)
	if err != nil || !ok {
		t.Fatalf("CanView = %v, %v", ok, err)
	}
	if len(asked) != 2 || asked[0] != "sub-1 "+a.SHA256 || asked[1] != "sub-2 "+a.SHA256 {
		t.Errorf("asked %v", asked)
	}
}
