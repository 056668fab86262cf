package submissions

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/photos"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkPushPages counts the bbolt pages one acceptance sheet costs on a
// store that already holds pagesPrefill sheets (so every bucket spans many
// leaf pages, as in production): pages/sheet is what the commit of a
// one-sheet push writes, pages/photo what each of its photos arriving
// (PhotoArrived in the upload's commit) writes. Every sheet references 6
// photos (4 pictures and the signature on top of the template's minimum),
// all missing when it is pushed. Pushes run one at a time, one per commit:
//
//	go test -run '^$' -bench BenchmarkPushPages -benchtime 200x ./sync/submissions/
func BenchmarkPushPages(b *testing.B) {
	const pagesPrefill = 3000
	db := newDB(b)
	tech := benchTechs(b, db, 1)[0]
	orderID := func(i int) string { return fmt.Sprintf("pwo-%07d", i) }
	total := pagesPrefill + b.N
	update(b, db, func(tx *bolt.Tx) error {
		for i := 0; i < total; i++ {
			if _, err := workorders.Create(tx, workorders.WorkOrder{ID: orderID(i), Type: workorders.TypeInstall,
				Product: "broadband", SubscribedMbps: 100, Technician: tech.Username,
				Customer:    workorders.Customer{Name: "王女士", Phone: "13800000001", Address: "锦江区红星路 1 号", Tier: workorders.TierStandard},
				Appointment: workorders.Window{From: t0.Add(-2 * time.Hour), To: t0}}, sysActor, t0.Add(-24*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	refs := 0
	sheet := func(i int) (json.RawMessage, []string) {
		id := benchUUID()
		s := newSubmission(b, db, id, "install_acceptance", checklists.Subject{WorkOrderID: orderID(i)}, nil)
		for j := len(s.Photos["photo_install"]); len(checklists.ReferencedPhotos(builtin(b, db, "install_acceptance"), s)) < 6; j++ {
			s.Photos["photo_install"] = append(s.Photos["photo_install"], fakePhoto(id, "photo_install", j))
		}
		shas := checklists.ReferencedPhotos(builtin(b, db, "install_acceptance"), s)
		refs = len(shas)
		return raw(b, s), shas
	}
	mergeOK := func(items []json.RawMessage) {
		dt := t0
		res, err := Merge(db, tech, Batch{DeviceID: "bench", DeviceTime: &dt, Submissions: items}, t0)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res.Results {
			if r.Status != StatusAccepted {
				b.Fatalf("push: %+v", r)
			}
		}
	}
	// The store as it stands before: sheets pushed, half of their photos
	// arrived (the rest still awaited).
	var batch []json.RawMessage
	var arrived []string
	for i := 0; i < pagesPrefill; i++ {
		s, shas := sheet(i)
		batch = append(batch, s)
		arrived = append(arrived, shas[:len(shas)/2]...)
		if len(batch) == MaxBatch || i == pagesPrefill-1 {
			mergeOK(batch)
			batch = batch[:0]
		}
	}
	update(b, db, func(tx *bolt.Tx) error {
		for _, sha := range arrived {
			if err := storePhotoIn(tx, sha, tech.Username); err != nil {
				return err
			}
		}
		return nil
	})
	sheets := make([]json.RawMessage, b.N)
	photosOf := make([][]string, b.N)
	for i := range sheets {
		sheets[i], photosOf[i] = sheet(pagesPrefill + i)
	}
	if refs != 6 {
		b.Fatalf("%d photo refs per sheet, want 6", refs)
	}

	b.ResetTimer()
	before := db.Bolt.Stats().TxStats
	for i := range sheets {
		mergeOK([]json.RawMessage{sheets[i]})
	}
	mid := db.Bolt.Stats().TxStats
	for i := range sheets {
		for _, sha := range photosOf[i] {
			update(b, db, func(tx *bolt.Tx) error { return storePhotoIn(tx, sha, tech.Username) })
		}
	}
	after := db.Bolt.Stats().TxStats
	b.StopTimer()
	pushed, uploaded := mid.Sub(&before), after.Sub(&mid)
	b.ReportMetric(float64(pushed.GetWrite())/float64(b.N), "pages/sheet")
	b.ReportMetric(float64(uploaded.GetWrite())/float64(b.N*refs), "pages/photo")
	view(b, db, func(tx *bolt.Tx) error {
		for _, s := range sheets {
			var probe struct{ ID string }
			_ = json.Unmarshal(s, &probe)
			h, err := loadHead(tx, probe.ID)
			if err != nil {
				return err
			}
			if !h.Complete {
				b.Fatalf("sheet %s not complete after its photos arrived: missing %v", h.ID, h.MissingPhotos)
			}
		}
		return nil
	})
}

// storePhotoIn records photo sha as held, uploaded by username, the way
// photos.Put writes its record, and runs PhotoArrived in the same commit.
func storePhotoIn(tx *bolt.Tx, sha, username string) error {
	m := photos.Meta{SHA256: sha, Width: 10, Height: 10, Uploader: username}
	if err := store.PutJSON(tx, store.BucketPhotos, []byte(sha), m); err != nil {
		return err
	}
	return PhotoArrived(tx, sha, t0)
}
