package submissions

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand"
	"testing"

	"fieldcheck/checklists"
	"fieldcheck/photos"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// scene is a blocky random picture: plenty of edges for a perceptual hash.
func scene(seed int64) image.Image {
	r := rand.New(rand.NewSource(seed))
	m := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for by := 0; by < 240; by += 40 {
		for bx := 0; bx < 320; bx += 40 {
			c := color.RGBA{uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256)), 255}
			for y := by; y < by+40; y++ {
				for x := bx; x < bx+40; x++ {
					m.Set(x, y, c)
				}
			}
		}
	}
	return m
}

func encodeJPEG(t *testing.T, m image.Image, quality int) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), buf.Bytes()
}

// A photo re-encoded (new bytes, new sha) and shown on another order is
// recognised when its pixels arrive, through the photos engineer's
// perceptual-hash index, and the sheet says which photo it matched.
func TestNearCopyOfAPhotoOnAnotherOrderIsFlaggedWhenItArrives(t *testing.T) {
	db := newDB(t)
	svc, err := photos.New(db, photos.Config{DataDir: t.TempDir(), OnStored: PhotoArrived})
	if err != nil {
		t.Fatal(err)
	}
	pic := scene(7)
	shaA, bodyA := encodeJPEG(t, pic, 92)
	shaB, bodyB := encodeJPEG(t, pic, 60)
	if shaA == shaB {
		t.Fatal("the re-encode produced the same bytes")
	}
	a := newAcceptance(t, db, func(s *checklists.Submission) { s.Photos["photo_install"][0] = shaA })
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"},
		func(s *checklists.Submission) { s.Photos["photo_install"][0] = shaB })
	push(t, db, tech1, a)
	push(t, db, tech1, b)
	if v := get(t, db, tech1, "b1", 0); contains(v.Flags, FlagPhotoReused) {
		t.Fatalf("flagged before any pixels arrived: %+v", v.FlagDetails)
	}
	for sha, body := range map[string][]byte{shaA: bodyA, shaB: bodyB} {
		if _, _, err := svc.Put(context.Background(), sha, body, "tech1", t0); err != nil {
			t.Fatal(err)
		}
	}
	v := get(t, db, tech1, "b1", 0)
	var hit *FlagDetail
	for i, d := range v.FlagDetails {
		if d.Flag == FlagPhotoReused && d.Photo == shaB {
			hit = &v.FlagDetails[i]
		}
	}
	if hit == nil || hit.SubmissionID != "a1" || hit.MatchedPhoto != shaA {
		t.Fatalf("flag_details %+v, want %s matched to a1's %s", v.FlagDetails, shaB[:8], shaA[:8])
	}
	if v := get(t, db, tech1, "a1", 0); contains(v.Flags, FlagPhotoReused) {
		t.Fatalf("the earlier sheet is flagged: %+v", v.FlagDetails)
	}
}

// signatureImage is white with one dark looping stroke whose phase varies
// by seed: two customers' signatures a perceptual hash can barely tell apart.
func signatureImage(seed int64) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, 320, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 320; x++ {
			m.Set(x, y, color.White)
		}
	}
	phase := float64(seed) * 0.12
	for x := 30; x < 290; x++ {
		y := 60 + int(35*math.Sin(float64(x)/28+phase))
		for d := -5; d <= 5; d++ {
			m.Set(x, y+d, color.Black)
		}
	}
	return m
}

// Two customers' signatures look alike to a perceptual hash; that is no
// evidence of reuse. The very same signature image on two orders is.
func TestSignaturesAreReusedOnlyByTheirExactImage(t *testing.T) {
	db := newDB(t)
	svc, err := photos.New(db, photos.Config{DataDir: t.TempDir(), OnStored: PhotoArrived})
	if err != nil {
		t.Fatal(err)
	}
	shaA, bodyA := encodeJPEG(t, signatureImage(1), 90)
	shaB, bodyB := encodeJPEG(t, signatureImage(2), 90)
	for sha, body := range map[string][]byte{shaA: bodyA, shaB: bodyB} {
		if _, _, err := svc.Put(context.Background(), sha, body, "tech1", t0); err != nil {
			t.Fatal(err)
		}
	}
	near := false
	view(t, db, func(tx *bolt.Tx) error {
		similar, err := photos.FindSimilar(tx, shaB)
		for _, s := range similar {
			near = near || s.SHA == shaA
		}
		return err
	})
	if !near {
		t.Fatal("the two signatures are not near copies to the perceptual hash: the test proves nothing")
	}
	newOrder(t, db, "wo4", workorders.TypeInstall, "tech1")
	a := newAcceptance(t, db, func(s *checklists.Submission) { s.Answers["customer_signature"] = raw(t, shaA) })
	b := newSubmission(t, db, "b1", "install_acceptance", checklists.Subject{WorkOrderID: "wo2"},
		func(s *checklists.Submission) { s.Answers["customer_signature"] = raw(t, shaB) })
	c := newSubmission(t, db, "c1", "install_acceptance", checklists.Subject{WorkOrderID: "wo4"},
		func(s *checklists.Submission) { s.Answers["customer_signature"] = raw(t, shaA) })
	push(t, db, tech1, a)
	push(t, db, tech1, b)
	push(t, db, tech1, c)
	if v := get(t, db, tech1, "b1", 0); contains(v.Flags, FlagPhotoReused) {
		t.Fatalf("a different customer's signature flagged as reuse: %+v", v.FlagDetails)
	}
	v := get(t, db, tech1, "c1", 0)
	found := false
	for _, d := range v.FlagDetails {
		found = found || (d.Flag == FlagPhotoReused && d.Photo == shaA && d.SubmissionID == "a1")
	}
	if !found {
		t.Fatalf("the same signature image on another order is not flagged: %+v", v.FlagDetails)
	}
}
