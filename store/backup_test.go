package store

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// sampleBackup is the backup of a real store holding a user, a session and a
// photo, and the key the store of the version before kept in meta.
func sampleBackup(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		tx.Bucket(BucketUsers).Put([]byte("wang"), []byte(`{"username":"wang"}`))
		tx.Bucket(BucketTokenFamilies).Put([]byte("fam1"), []byte(`{"id":"fam1"}`))
		tx.Bucket(BucketRefreshTokens).Put([]byte("hash1"), []byte(`{"family":"fam1"}`))
		tx.Bucket(BucketUserFamilies).Put(Key("wang", "fam1"), nil)
		return tx.Bucket(BucketMeta).Put([]byte("jwt_key"), bytes.Repeat([]byte{7}, 32))
	}); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(dir, PhotoDir, "ab", "cd", "abcd01")
	os.MkdirAll(filepath.Dir(photo), 0o750)
	os.WriteFile(photo, []byte("jpeg bytes"), 0o600)
	var buf bytes.Buffer
	if err := db.WriteBackup(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// entries reads a tar's headers and bodies.
func entries(t *testing.T, data []byte) (hs []*tar.Header, bodies [][]byte) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		hs, bodies = append(hs, h), append(bodies, b)
	}
}

// withEntry is data's entries plus one more (header and body).
func withEntry(t *testing.T, data []byte, h *tar.Header, body []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	hs, bodies := entries(t, data)
	for i := range hs {
		tw.WriteHeader(hs[i])
		tw.Write(bodies[i])
	}
	if h.Typeflag == 0 {
		h.Typeflag = tar.TypeReg
	}
	if h.Mode == 0 {
		h.Mode = 0o600
	}
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Flush()
	return out.Bytes()
}

// leftovers lists what a restore left in parent.
func leftovers(t *testing.T, parent string) []string {
	t.Helper()
	es, _ := os.ReadDir(parent)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestRestoreDropsSessionsAndTheOldKey(t *testing.T) {
	target := filepath.Join(t.TempDir(), "restored")
	if err := Restore(target, bytes.NewReader(sampleBackup(t))); err != nil {
		t.Fatal(err)
	}
	db, err := Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if !Has(tx, BucketUsers, []byte("wang")) {
			t.Error("user lost")
		}
		for _, b := range [][]byte{BucketTokenFamilies, BucketRefreshTokens, BucketUserFamilies} {
			if k, _ := tx.Bucket(b).Cursor().First(); k != nil {
				t.Errorf("%s restored", b)
			}
		}
		if tx.Bucket(BucketMeta).Get([]byte("jwt_key")) != nil {
			t.Error("the signing key of an old backup was restored")
		}
		return nil
	})
	if b, err := os.ReadFile(filepath.Join(target, PhotoDir, "ab", "cd", "abcd01")); err != nil || string(b) != "jpeg bytes" {
		t.Fatalf("photo: %q %v", b, err)
	}
	if st, _ := os.Stat(filepath.Join(target, FileName)); st.Mode().Perm() != 0o600 {
		t.Fatalf("db file mode %v", st.Mode().Perm())
	}
}

func TestRestoreRejectsEntriesOutsideTheDataDir(t *testing.T) {
	good := sampleBackup(t)
	for _, name := range []string{"../evil", "/tmp/evil", "photos/../../evil", "signing-keys.json", "photos/../../../etc/x"} {
		parent := t.TempDir()
		target := filepath.Join(parent, "data")
		err := Restore(target, bytes.NewReader(withEntry(t, good, &tar.Header{Name: name, Size: 4}, []byte("evil"))))
		if err == nil || !strings.Contains(err.Error(), "unexpected entry") {
			t.Errorf("%q: %v", name, err)
		}
		if got := leftovers(t, parent); len(got) != 0 {
			t.Errorf("%q: left %v beside the target", name, got)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(parent), "evil")); err == nil {
			t.Errorf("%q: wrote outside the data dir", name)
		}
	}
}

// A restore that fails half-way leaves the target as it was: absent, or the
// empty directory it was, and nothing beside it.
func TestAFailedRestoreLeavesNoHalfWrittenDataDir(t *testing.T) {
	good := sampleBackup(t)
	// Cut the archive inside the photo entry (the db entry is whole).
	hs, _ := entries(t, good)
	dbEnd := 512 + int(hs[0].Size+511)/512*512
	cut := good[:dbEnd+512+4]
	damaged := append([]byte(nil), good...)
	// The db entry's pages turned to zeros after the first two (meta) pages.
	clear(damaged[512+2*4096 : 512+int(hs[0].Size)])
	for name, data := range map[string][]byte{"cut short": cut, "damaged db": damaged, "no db": withEntry(t, nil, &tar.Header{Name: "photos/ab/x", Size: 1}, []byte("x"))} {
		for _, existing := range []bool{false, true} {
			parent := t.TempDir()
			target := filepath.Join(parent, "data")
			if existing {
				os.Mkdir(target, 0o750)
			}
			err := Restore(target, bytes.NewReader(data))
			if err == nil {
				t.Fatalf("%s: restore succeeded", name)
			}
			if name == "damaged db" && !errors.Is(err, ErrDamaged) {
				t.Errorf("%s: %v, want ErrDamaged", name, err)
			}
			got := leftovers(t, parent)
			want := 0
			if existing {
				want = 1
				if es, _ := os.ReadDir(target); len(es) != 0 {
					t.Errorf("%s: the target holds %d entries", name, len(es))
				}
			}
			if len(got) != want {
				t.Errorf("%s (target existed: %v): left %v", name, existing, got)
			}
		}
	}
	// The whole archive restores into the empty directory that was there.
	target := filepath.Join(t.TempDir(), "data")
	os.Mkdir(target, 0o750)
	if err := Restore(target, bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreCapsEntrySizesBeforeWriting(t *testing.T) {
	good := sampleBackup(t)
	// A header claiming a terabyte, with no body behind it: refused from the
	// header, with the default limits (the free space of the disk).
	huge := withEntry(t, good, &tar.Header{Name: "photos/ab/cd/huge", Size: 1 << 40}, nil)
	parent := t.TempDir()
	err := Restore(filepath.Join(parent, "data"), bytes.NewReader(huge))
	if err == nil || !strings.Contains(err.Error(), "more than a photo may be") {
		t.Fatalf("terabyte photo entry: %v", err)
	}
	hs, _ := entries(t, good)
	hugeDB := withEntry(t, nil, &tar.Header{Name: FileName, Size: 1 << 50}, nil)
	if err := Restore(filepath.Join(parent, "data"), bytes.NewReader(hugeDB)); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Fatalf("a db entry larger than the disk: %v", err)
	}
	// Explicit limits: one photo over the cap, and a total over the cap.
	big := withEntry(t, good, &tar.Header{Name: "photos/ab/cd/big", Size: 2000}, make([]byte, 2000))
	if err := RestoreWithLimits(filepath.Join(parent, "data"), bytes.NewReader(big), RestoreLimits{MaxPhoto: 1000, MaxTotal: 1 << 30}); err == nil {
		t.Fatal("photo over the cap accepted")
	}
	if err := RestoreWithLimits(filepath.Join(parent, "data"), bytes.NewReader(good), RestoreLimits{MaxTotal: hs[0].Size}); err == nil {
		t.Fatal("total over the cap accepted")
	}
	if got := leftovers(t, parent); len(got) != 0 {
		t.Fatalf("left %v", got)
	}
	if err := RestoreWithLimits(filepath.Join(parent, "data"), bytes.NewReader(good), RestoreLimits{MaxTotal: hs[0].Size + 10}); err != nil {
		t.Fatalf("within the caps: %v", err)
	}
}

// The QA reviewers' call recordings travel with the backup and come back.
func TestBackupCarriesCallRecordings(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, AudioDir, "cr-0000000001")
	os.MkdirAll(filepath.Dir(rec), 0o700)
	os.WriteFile(rec, []byte("ID3 recording"), 0o600)
	os.WriteFile(filepath.Join(dir, AudioDir, ".tmp-123"), []byte("half"), 0o600)
	var buf bytes.Buffer
	if err := db.WriteBackup(&buf); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out := filepath.Join(t.TempDir(), "restored")
	if err := Restore(out, &buf); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out, AudioDir, "cr-0000000001")); err != nil || string(b) != "ID3 recording" {
		t.Fatalf("recording after restore: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(out, AudioDir, ".tmp-123")); err == nil {
		t.Error("a half-written upload was backed up")
	}
}
