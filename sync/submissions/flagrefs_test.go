package submissions

import (
	"context"
	"testing"

	"fieldcheck/checklists"
	"fieldcheck/photos"

	bolt "go.etcd.io/bbolt"
)

// A reused photo's flag names the other record by what a supervisor quotes
// (its 工单号, or its store and the store's name) when they may open it; a
// technician's view and a record of another unit stay unnamed.
func TestFlagDetailsNameTheOtherRecordForSupervisors(t *testing.T) {
	db := newDB(t)
	svc, err := photos.New(db, photos.Config{DataDir: t.TempDir(), OnStored: PhotoArrived})
	if err != nil {
		t.Fatal(err)
	}
	sha, body := encodeJPEG(t, scene(11), 90)
	w := newWalkthrough(t, db, nil)
	w.Photos = map[string][]string{}
	for _, sec := range builtin(t, db, "store_walkthrough").Sections {
		for _, it := range sec.Items {
			if it.Type == checklists.TypePhoto {
				w.Photos[it.ID] = []string{sha}
			}
		}
	}
	if len(w.Photos) == 0 {
		t.Fatal("store_walkthrough has no photo item: the test proves nothing")
	}
	push(t, db, insp1, w)
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"},
		func(s *checklists.Submission) { s.Photos["photo_install"][0] = sha })
	push(t, db, tech1, b)
	c := newSubmission(t, db, "c3", "install_acceptance", checklists.Subject{WorkOrderID: "wo3"},
		func(s *checklists.Submission) { s.Photos["photo_install"][0] = sha })
	push(t, db, tech3, c)
	if _, _, err := svc.Put(context.Background(), sha, body, "tech1", t0); err != nil {
		t.Fatal(err)
	}
	reuse := func(v *View) *FlagDetail {
		for i, d := range v.FlagDetails {
			if d.Flag == FlagPhotoReused && d.SubmissionID == "w1" {
				return &v.FlagDetails[i]
			}
		}
		t.Fatalf("no reuse of w1's photo: %+v", v.FlagDetails)
		return nil
	}
	for _, p := range []struct {
		who  string
		view *View
	}{{"sup1", get(t, db, sup1, "b1", 0)}, {"admin", get(t, db, admin, "b1", 0)}} {
		d := reuse(p.view)
		if d.OtherStoreID != "s1" || d.OtherStoreName != "春熙路营业厅" || d.OtherWorkOrderID != "" {
			t.Fatalf("%s: %+v", p.who, d)
		}
	}
	// The technician sees the flag, but neither the other record's id
	// (possession rules: never a colleague's sheet or hash) nor its name.
	for _, d := range get(t, db, tech1, "b1", 0).FlagDetails {
		if d.Flag == FlagPhotoReused && (d.SubmissionID != "" || d.OtherStoreID != "" || d.OtherStoreName != "") {
			t.Fatalf("technician's view names the other record: %+v", d)
		}
	}
	// sup2 (west) reads c3 but not the east store's walkthrough.
	if d := reuse(get(t, db, sup2, "c3", 0)); d.OtherStoreID != "" || d.OtherStoreName != "" {
		t.Fatalf("another unit's record is named: %+v", d)
	}
	// Nothing of it is stored on the head.
	var h *Head
	view(t, db, func(tx *bolt.Tx) error { var err error; h, err = loadHead(tx, "b1"); return err })
	for _, d := range h.Reuse {
		if d.OtherStoreID != "" || d.OtherWorkOrderID != "" {
			t.Fatalf("stored: %+v", d)
		}
	}
}
