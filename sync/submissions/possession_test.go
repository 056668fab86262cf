package submissions

import (
	"context"
	"testing"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/photos"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// holdAllBy stores every photo and signature s references, except skip, as
// uploaded by username.
func holdAllBy(t *testing.T, db *store.DB, s *checklists.Submission, username, skip string) {
	t.Helper()
	for _, sha := range checklists.ReferencedPhotos(builtin(t, db, s.TemplateID), s) {
		if sha != skip {
			storePhotoBy(t, db, sha, username)
		}
	}
}

func shownTo(t *testing.T, db *store.DB, p auth.Principal, id, sha string) bool {
	t.Helper()
	var ok bool
	view(t, db, func(tx *bolt.Tx) error {
		var err error
		ok, err = PhotoShownTo(tx, p, id, sha)
		return err
	})
	return ok
}

// A photo held from someone else's upload is missing on a sheet until its
// author uploads the same bytes; another person's upload completes nothing.
func TestASheetWaitsForItsAuthorsOwnUpload(t *testing.T) {
	db := newDB(t)
	svc, err := photos.New(db, photos.Config{DataDir: t.TempDir(), OnStored: PhotoArrived})
	if err != nil {
		t.Fatal(err)
	}
	x, body := encodeJPEG(t, scene(11), 90)
	if _, _, err := svc.Put(context.Background(), x, body, "tech1", t0); err != nil {
		t.Fatal(err)
	}
	c := newSubmission(t, db, "c1", "install_acceptance", checklists.Subject{WorkOrderID: "wo3"},
		func(s *checklists.Submission) { s.Photos["photo_install"][0] = x })
	holdAllBy(t, db, c, "tech3", x)
	r := push(t, db, tech3, c)[0]
	expect(t, r, StatusAccepted, 1, "")
	if len(r.MissingPhotos) != 1 || r.MissingPhotos[0] != x {
		t.Fatalf("missing %v, want X only: held, but tech3 never uploaded it", r.MissingPhotos)
	}
	if shownTo(t, db, sup2, "c1", x) {
		t.Error("c1's supervisor sees X through a sheet whose author never uploaded it")
	}

	// tech2 uploading X is nothing to tech3's sheet.
	if _, _, err := svc.Put(context.Background(), x, body, "tech2", t0); err != nil {
		t.Fatal(err)
	}
	if v := get(t, db, tech3, "c1", 0); v.Complete || len(v.MissingPhotos) != 1 {
		t.Fatalf("c1 after tech2's upload: complete %v missing %v", v.Complete, v.MissingPhotos)
	}
	if n := waitingFor(t, db, x); n != 1 {
		t.Fatalf("%d waiting entries for X, want c1's", n)
	}

	// tech3 uploads the same bytes: c1 completes in that commit.
	if _, created, err := svc.Put(context.Background(), x, body, "tech3", t0); err != nil || created {
		t.Fatalf("re-upload: created %v err %v", created, err)
	}
	if v := get(t, db, tech3, "c1", 0); !v.Complete || len(v.MissingPhotos) != 0 {
		t.Fatalf("c1 after tech3's upload: complete %v missing %v", v.Complete, v.MissingPhotos)
	}
	if n := waitingFor(t, db, x); n != 0 {
		t.Fatalf("%d waiting entries left for X", n)
	}
	if !shownTo(t, db, sup2, "c1", x) || shownTo(t, db, sup1, "c1", x) {
		t.Error("after tech3's upload: X through c1 is for its unit's supervisor only")
	}
}

// An admin's edit keeps the sheet's author: completeness goes by the
// author's possession, not the editor's — for the latest version and an
// older one read back.
func TestAnAdminsEditKeepsTheAuthorsPossession(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	x := a.Photos["photo_install"][0]
	holdAllBy(t, db, a, "tech1", "")
	expect(t, push(t, db, tech1, a)[0], StatusAccepted, 1, "")
	edit := newAcceptance(t, db, func(s *checklists.Submission) {
		s.BaseVersion = 1
		s.Answers["survey_suggestions"] = raw(t, "管理员更正")
	})
	r := push(t, db, admin, edit)[0]
	expect(t, r, StatusAccepted, 2, "")
	if len(r.MissingPhotos) != 0 {
		t.Fatalf("admin's edit lost the author's photos: missing %v", r.MissingPhotos)
	}
	for _, version := range []int{1, 2} {
		if v := get(t, db, sup1, "a1", version); !v.Complete || v.Author != "tech1" {
			t.Errorf("v%d: complete %v author %s", version, v.Complete, v.Author)
		}
	}
	if !shownTo(t, db, sup1, "a1", x) {
		t.Error("the supervisor cannot see the author's photo after the admin's edit")
	}
}

// photo_reused evidence: reviewers see the other record; the sheet's own
// technician sees the flag and his own photo, and the other record only when
// it is his own sheet.
func TestFlagDetailsNameOtherRecordsOnlyToReviewers(t *testing.T) {
	db := newDB(t)
	a := newAcceptance(t, db, nil)
	x := a.Photos["photo_install"][0]
	holdAllBy(t, db, a, "tech1", "")
	push(t, db, tech1, a)
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"},
		func(s *checklists.Submission) { s.Photos["photo_install"][0] = x })
	push(t, db, tech1, b)
	c := newSubmission(t, db, "c1", "install_acceptance", checklists.Subject{WorkOrderID: "wo3"},
		func(s *checklists.Submission) { s.Photos["photo_install"][0] = x })
	push(t, db, tech3, c)

	has := func(v *View, id string) bool {
		for _, d := range v.FlagDetails {
			if d.Flag == FlagPhotoReused && d.Photo == x && d.SubmissionID == id && d.MatchedPhoto == x {
				return true
			}
		}
		return false
	}
	if v := get(t, db, tech1, "b1", 0); !has(v, "a1") {
		t.Errorf("tech1's own earlier sheet is hidden from him: %+v", v.FlagDetails)
	}
	v := get(t, db, tech3, "c1", 0)
	if !contains(v.Flags, FlagPhotoReused) || len(v.FlagDetails) != 1 {
		t.Fatalf("tech3's c1: flags %v details %+v, want photo_reused with one stripped detail", v.Flags, v.FlagDetails)
	}
	if d := v.FlagDetails[0]; d.Photo != x || d.SubmissionID != "" || d.MatchedPhoto != "" {
		t.Errorf("tech3 is handed another record: %+v", d)
	}
	for _, p := range []auth.Principal{sup2, admin} {
		if v := get(t, db, p, "c1", 0); !has(v, "a1") || !has(v, "b1") {
			t.Errorf("%s does not see both other records: %+v", p.Username, v.FlagDetails)
		}
	}
}
