package server

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"strings"
	"testing"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// blockyJPEG is a 320×240 picture of random coloured blocks (plenty of
// edges for the perceptual hash); the same seed at another quality is a
// near copy with other bytes.
func blockyJPEG(t *testing.T, seed uint64, quality int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	m := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for by := 0; by < 240; by += 40 {
		for bx := 0; bx < 320; bx += 40 {
			c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
			for y := by; y < by+40; y++ {
				for x := bx; x < bx+40; x++ {
					m.SetRGBA(x, y, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// realSheet is syncSheet with every referenced photo and signature a real
// picture (blockyJPEG from seed up); bodies maps each hash to its bytes,
// seeds to its seed, and firstItem is the first photo item by id.
func realSheet(t *testing.T, env *testEnv, id, tplID string, subject map[string]string, seed uint64) (sheet map[string]any, bodies map[string][]byte, seeds map[string]uint64, firstItem string) {
	t.Helper()
	sheet = syncSheet(t, env, id, tplID, subject)
	bodies, seeds = map[string][]byte{}, map[string]uint64{}
	next := func() string {
		b := blockyJPEG(t, seed, 90)
		sha := hexSHA(b)
		bodies[sha], seeds[sha] = b, seed
		seed++
		return sha
	}
	photos := sheet["photos"].(map[string][]string)
	for item, list := range photos {
		if firstItem == "" || item < firstItem {
			firstItem = item
		}
		for i := range list {
			list[i] = next()
		}
	}
	answers := sheet["answers"].(map[string]any)
	for k, v := range answers {
		if s, ok := v.(string); ok && len(s) == 64 {
			answers[k] = next()
		}
	}
	return sheet, bodies, seeds, firstItem
}

type sheetState struct {
	Version       int      `json:"version"`
	Complete      bool     `json:"complete"`
	MissingPhotos []string `json:"missing_photos"`
	Flags         []string `json:"flags"`
	FlagDetails   []struct {
		Flag         string `json:"flag"`
		Photo        string `json:"photo"`
		SubmissionID string `json:"submission_id"`
		MatchedPhoto string `json:"matched_photo"`
	} `json:"flag_details"`
}

func (e *testEnv) sheetAs(t *testing.T, user, id string) (sheetState, string) {
	t.Helper()
	res := e.call(t, "GET", "/api/v1/submissions/"+id, e.token(t, user), nil)
	if res.Status != 200 {
		t.Fatalf("GET %s as %s: %d %s", id, user, res.Status, res.Body)
	}
	var s sheetState
	res.Decode(t, &s)
	return s, string(res.Body)
}

func (e *testEnv) pushSheet(t *testing.T, user string, sheet map[string]any) pushAnswer {
	t.Helper()
	var ans pushAnswer
	res := e.call(t, "POST", "/api/v1/sync/push", e.token(t, user),
		map[string]any{"device_id": "phone-" + user, "submissions": []any{sheet}})
	res.Decode(t, &ans)
	if res.Status != 200 || len(ans.Results) != 1 || ans.Results[0].Status != "accepted" {
		t.Fatalf("push as %s: %d %s", user, res.Status, res.Body)
	}
	return ans
}

func (e *testEnv) uploadAll(t *testing.T, user string, bodies map[string][]byte) {
	t.Helper()
	for _, b := range bodies {
		if res := e.putPhoto(t, user, b, "image/jpeg"); res.Status != 201 && res.Status != 200 {
			t.Fatalf("put as %s: %d %s", user, res.Status, res.Body)
		}
	}
}

func (e *testEnv) photoStatus(t *testing.T, method, user, sha string) int {
	t.Helper()
	return e.call(t, method, "/api/v1/photos/"+sha+"?size=thumb", e.token(t, user), nil).Status
}

// A photo is readable by possession, not by knowing its hash (issue 12,
// API.md v1.1 Photos): tech3 (west) uploads X on a1; tech1 (east) names X
// in b1 without uploading it; tech2 (east) shows a re-encode of X on c1.
func TestAPhotoBelongsToWhoUploadedItNotWhoNamesIt(t *testing.T) {
	env := newTestEnv(t)
	syncOrder(t, env, "wo1", "tech1")
	syncOrder(t, env, "wo2", "tech2")
	syncOrder(t, env, "wo3", "tech3")

	a1, aBodies, aSeeds, item := realSheet(t, env, "a1", "install_acceptance", map[string]string{"workorder_id": "wo3"}, 100)
	x := a1["photos"].(map[string][]string)[item][0]
	env.uploadAll(t, "tech3", aBodies)
	if r := env.pushSheet(t, "tech3", a1).Results[0]; len(r.MissingPhotos) != 0 {
		t.Fatalf("a1 missing %v after its author uploaded everything", r.MissingPhotos)
	}

	// tech1 names X in b1 and uploads only his own pictures.
	b1, bBodies, _, _ := realSheet(t, env, "b1", "install_acceptance", map[string]string{"workorder_id": "wo1"}, 200)
	b1["photos"].(map[string][]string)[item][0] = x
	env.uploadAll(t, "tech1", bBodies)
	if r := env.pushSheet(t, "tech1", b1).Results[0]; len(r.MissingPhotos) != 1 || r.MissingPhotos[0] != x {
		t.Errorf("push answer missing %v, want only X: held for tech3, not uploaded by tech1", r.MissingPhotos)
	}
	if s, _ := env.sheetAs(t, "tech1", "b1"); s.Complete || len(s.MissingPhotos) != 1 || s.MissingPhotos[0] != x {
		t.Errorf("b1 complete %v missing %v, want waiting for X", s.Complete, s.MissingPhotos)
	}
	if st := env.photoStatus(t, "HEAD", "tech1", x); st != 404 {
		t.Errorf("HEAD X as tech1 (never uploaded it): %d, want 404 so the phone uploads", st)
	}
	if st := env.photoStatus(t, "GET", "tech1", x); st != 404 {
		t.Errorf("GET X as tech1 (named it in his own sheet): %d, want 404", st)
	}
	if st := env.photoStatus(t, "GET", "sup1", x); st != 404 {
		t.Errorf("GET X as sup1 (reads b1, whose author never uploaded X): %d, want 404", st)
	}
	if st := env.photoStatus(t, "GET", "sup2", x); st != 200 {
		t.Errorf("GET X as sup2 (reads a1, whose author uploaded X): %d, want 200", st)
	}

	// Flags: the technician learns his sheet is flagged, not whose sheet
	// or which picture it matched; the supervisor sees the other record.
	s, _ := env.sheetAs(t, "tech1", "b1")
	if !contains(s.Flags, "photo_reused") || len(s.FlagDetails) == 0 {
		t.Fatalf("b1 not flagged photo_reused: %+v", s)
	}
	for _, d := range s.FlagDetails {
		if d.SubmissionID != "" || d.MatchedPhoto != "" {
			t.Errorf("tech1 is handed another record: %+v", d)
		}
	}
	s, _ = env.sheetAs(t, "sup1", "b1")
	found := false
	for _, d := range s.FlagDetails {
		found = found || (d.Flag == "photo_reused" && d.Photo == x && d.SubmissionID == "a1" && d.MatchedPhoto == x)
	}
	if !found {
		t.Errorf("sup1 does not see b1's X matched to a1: %+v", s.FlagDetails)
	}

	// A near copy (X re-encoded) on tech2's c1: tech2 is never told X's
	// hash or a1's id, in the sheet or its list.
	c1, cBodies, _, _ := realSheet(t, env, "c1", "install_acceptance", map[string]string{"workorder_id": "wo2"}, 300)
	y := blockyJPEG(t, aSeeds[x], 60)
	if hexSHA(y) == x {
		t.Fatal("the re-encode produced the same bytes")
	}
	cBodies[hexSHA(y)] = y
	c1["photos"].(map[string][]string)[item][0] = hexSHA(y)
	env.uploadAll(t, "tech2", cBodies)
	if r := env.pushSheet(t, "tech2", c1).Results[0]; len(r.MissingPhotos) != 0 {
		t.Fatalf("c1 missing %v", r.MissingPhotos)
	}
	s, body := env.sheetAs(t, "tech2", "c1")
	if !contains(s.Flags, "photo_reused") {
		t.Fatalf("c1 not flagged: %s", body)
	}
	if strings.Contains(body, x) || strings.Contains(body, `"a1"`) || strings.Contains(body, `"b1"`) {
		t.Errorf("tech2's sheet names another record: %s", body)
	}
	list := env.call(t, "GET", "/api/v1/submissions", env.token(t, "tech2"), nil)
	if list.Status != 200 || strings.Contains(string(list.Body), x) || strings.Contains(string(list.Body), `"a1"`) {
		t.Errorf("tech2's list names another record: %d %s", list.Status, list.Body)
	}
	s, _ = env.sheetAs(t, "sup1", "c1")
	found = false
	for _, d := range s.FlagDetails {
		found = found || (d.SubmissionID == "a1" && d.MatchedPhoto == x)
	}
	if !found {
		t.Errorf("sup1 does not see c1's near copy matched to a1's X: %+v", s.FlagDetails)
	}

	// tech1 uploads the same bytes: 200 (already held), now his.
	if res := env.putPhoto(t, "tech1", aBodies[x], "image/jpeg"); res.Status != 200 {
		t.Fatalf("re-upload of held bytes: %d %s, want 200", res.Status, res.Body)
	}
	if st := env.photoStatus(t, "HEAD", "tech1", x); st != 200 {
		t.Errorf("HEAD X as tech1 after uploading it: %d", st)
	}
	if s, _ := env.sheetAs(t, "tech1", "b1"); !s.Complete || len(s.MissingPhotos) != 0 {
		t.Errorf("b1 after tech1 uploaded X: complete %v missing %v", s.Complete, s.MissingPhotos)
	}
	for _, user := range []string{"tech1", "sup1"} {
		if st := env.photoStatus(t, "GET", user, x); st != 200 {
			t.Errorf("GET X as %s after tech1 uploaded it: %d", user, st)
		}
	}
	if st := env.photoStatus(t, "HEAD", "tech2", x); st != 404 {
		t.Errorf("HEAD X as tech2: %d, want 404", st)
	}
}

// A data dir written before possession existed (photos.Meta with its
// uploader, no possession bucket): no sheet changes its completeness, the
// uploader's HEAD still answers 200, the sheet's readers still see it.
func TestPhotosStoredBeforePossessionBelongToTheirUploader(t *testing.T) {
	dir := t.TempDir()
	env := newTestEnvAt(t, dir)
	syncOrder(t, env, "wo1", "tech1")
	sheet, bodies, _, item := realSheet(t, env, "a1", "install_acceptance", map[string]string{"workorder_id": "wo1"}, 400)
	x := sheet["photos"].(map[string][]string)[item][0]
	env.pushSheet(t, "tech1", sheet)
	env.uploadAll(t, "tech1", bodies)
	env.close()

	// The old layout: drop the possession bucket the new code wrote.
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(store.BucketPhotoPossession) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	env = newTestEnvAt(t, dir)
	if s, _ := env.sheetAs(t, "tech1", "a1"); !s.Complete || len(s.MissingPhotos) != 0 {
		t.Fatalf("old sheet after upgrade: complete %v missing %v", s.Complete, s.MissingPhotos)
	}
	if st := env.photoStatus(t, "HEAD", "tech1", x); st != 200 {
		t.Errorf("HEAD as the recorded uploader: %d", st)
	}
	if st := env.photoStatus(t, "HEAD", "tech2", x); st != 404 {
		t.Errorf("HEAD as another technician: %d", st)
	}
	if st := env.photoStatus(t, "GET", "sup1", x); st != 200 {
		t.Errorf("GET as the sheet's supervisor: %d", st)
	}
	// An edit by its author keeps it complete.
	sheet["base_version"] = 1
	sheet["answers"].(map[string]any)["survey_suggestions"] = "补充"
	if r := env.pushSheet(t, "tech1", sheet).Results[0]; r.Version != 2 || len(r.MissingPhotos) != 0 {
		t.Fatalf("edit after upgrade: %+v", r)
	}
}
