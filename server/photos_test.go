package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"strings"
	"testing"
)

// phoneJPEG is a 400×300 sensor image (red block top-left, noise elsewhere)
// with EXIF orientation 6 and DateTimeOriginal 2026:11:20 10:15:00 (no
// offset), as a phone held upright writes it.
func phoneJPEG(t *testing.T, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	m := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			c := color.RGBA{uint8(x/2 + rng.IntN(20)), uint8(y/2 + rng.IntN(20)), uint8(seed * 40), 255}
			if x < 80 && y < 60 {
				c = color.RGBA{230, 20, 20, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	entry := func(tag, typ uint16, count, val uint32) {
		tiff = le.AppendUint16(tiff, tag)
		tiff = le.AppendUint16(tiff, typ)
		tiff = le.AppendUint32(tiff, count)
		tiff = le.AppendUint32(tiff, val)
	}
	tiff = le.AppendUint16(tiff, 2) // IFD0 at 8
	entry(0x0112, 3, 1, 6)          // Orientation: rotate 90° clockwise to display
	entry(0x8769, 4, 1, 38)         // Exif IFD at 38
	tiff = append(tiff, 0, 0, 0, 0)
	tiff = le.AppendUint16(tiff, 1) // Exif IFD
	entry(0x9003, 2, 20, 56)        // DateTimeOriginal at 56
	tiff = append(tiff, 0, 0, 0, 0)
	tiff = append(tiff, "2026:11:20 10:15:00\x00"...)
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	jpg := buf.Bytes()
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(app1)+2))
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (e *testEnv) putPhoto(t *testing.T, user string, body []byte, ctype string) *testResp {
	t.Helper()
	return e.call(t, "PUT", "/api/v1/photos/"+hexSHA(body), e.token(t, user), body, "Content-Type", ctype)
}

func TestPhotoUpload(t *testing.T) {
	env := newTestEnv(t)
	body := phoneJPEG(t, 1)
	sha := hexSHA(body)

	res := env.putPhoto(t, "tech1", body, "image/jpeg")
	if res.Status != 201 {
		t.Fatalf("put: %d %s", res.Status, res.Body)
	}
	var ans struct {
		SHA256  string `json:"sha256"`
		Width   int    `json:"width"`
		Height  int    `json:"height"`
		TakenAt string `json:"taken_at"`
		Bytes   int    `json:"bytes"`
	}
	res.Decode(t, &ans)
	if ans.SHA256 != sha || ans.Width != 300 || ans.Height != 400 || ans.Bytes != len(body) ||
		ans.TakenAt != "2026-11-20T10:15:00+08:00" {
		t.Errorf("answer = %s", res.Body)
	}
	if res := env.putPhoto(t, "insp1", body, "image/jpeg"); res.Status != 200 {
		t.Errorf("second put: %d %s, want 200", res.Status, res.Body)
	}

	for _, c := range []struct {
		user, sha string
		want      int
	}{
		{"tech1", sha, 200},
		{"insp1", sha, 200}, // uploaded the same bytes second: possesses them too
		{"tech2", sha, 404}, // held, but not uploaded by tech2: the phone must upload (v1.1)
		{"insp1", hexSHA([]byte("never uploaded")), 404},
		{"agent1", sha, 403},
		{"sup1", sha, 403},
	} {
		if res := env.call(t, "HEAD", "/api/v1/photos/"+c.sha, env.token(t, c.user), nil); res.Status != c.want {
			t.Errorf("HEAD as %s: %d, want %d", c.user, res.Status, c.want)
		}
	}
}

func TestPhotoUploadRefusals(t *testing.T) {
	env := newTestEnv(t)
	good := phoneJPEG(t, 2)
	tok := env.token(t, "tech1")

	ihdr := binary.BigEndian.AppendUint32(nil, 20000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 20000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	chunk := append([]byte("IHDR"), ihdr...)
	huge := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), chunk...)
	huge = binary.BigEndian.AppendUint32(huge, crc32.ChecksumIEEE(chunk))

	for _, c := range []struct {
		name, user, sha, ctype string
		body                   []byte
		status                 int
		code                   string
	}{
		{"text file", "tech1", "", "image/jpeg", []byte("hello, not a photo"), 415, "unsupported_media"},
		{"wrong content type", "tech1", "", "text/plain", good, 415, "unsupported_media"},
		{"hash mismatch", "tech1", hexSHA([]byte("x")), "image/jpeg", good, 400, "hash_mismatch"},
		{"uppercase sha", "tech1", strings.ToUpper(hexSHA(good)), "image/jpeg", good, 400, "bad_sha256"},
		{"truncated jpeg", "tech1", "", "image/jpeg", good[:len(good)/2], 400, "corrupt_image"},
		{"20000×20000 png header", "inspector", "", "image/png", huge, 422, "too_many_pixels"},
		// (a small body: the guard answers before reading it, and app.Test
		// would parse the unread rest of a large one as a second request)
		{"agent may not upload", "agent1", "", "image/jpeg", []byte("\xff\xd8\xff"), 403, "forbidden"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sha := c.sha
			if sha == "" {
				sha = hexSHA(c.body)
			}
			user := c.user
			if user == "inspector" {
				user = "insp1"
			}
			res := env.call(t, "PUT", "/api/v1/photos/"+sha, env.token(t, user), c.body, "Content-Type", c.ctype)
			if res.Status != c.status || res.ErrorCode() != c.code {
				t.Errorf("%d %s, want %d %s", res.Status, res.Body, c.status, c.code)
			}
		})
	}

	t.Run("over 25 MB refused on Content-Length", func(t *testing.T) {
		big := make([]byte, 25<<20+1)
		res := env.call(t, "PUT", "/api/v1/photos/"+hexSHA(big), tok, big, "Content-Type", "image/jpeg")
		if res.Status != 413 {
			t.Errorf("%d %s, want 413", res.Status, res.Body)
		}
	})
}

func TestPhotoAccess(t *testing.T) {
	env := newTestEnv(t)
	syncOrder(t, env, "wo1", "tech1")
	body := phoneJPEG(t, 3)
	sha := hexSHA(body)

	// The sheet goes first (the outbox sends sheets before photos on a bad
	// line); the photo completes it when it arrives.
	sheet := syncSheet(t, env, "a1", "install_acceptance", map[string]string{"workorder_id": "wo1"})
	for item, list := range sheet["photos"].(map[string][]string) {
		list[0] = sha
		sheet["photos"].(map[string][]string)[item] = list
		break
	}
	var ans pushAnswer
	res := env.call(t, "POST", "/api/v1/sync/push", env.token(t, "tech1"),
		map[string]any{"device_id": "p1", "submissions": []any{sheet}})
	res.Decode(t, &ans)
	if ans.Results[0].Status != "accepted" || !contains(ans.Results[0].MissingPhotos, sha) {
		t.Fatalf("push: %s", res.Body)
	}
	if res := env.putPhoto(t, "tech1", body, "image/jpeg"); res.Status != 201 {
		t.Fatalf("put: %d %s", res.Status, res.Body)
	}
	var sub struct {
		MissingPhotos []string `json:"missing_photos"`
	}
	env.call(t, "GET", "/api/v1/submissions/a1", env.token(t, "tech1"), nil).Decode(t, &sub)
	if contains(sub.MissingPhotos, sha) {
		t.Errorf("photo arrived but still missing: %v", sub.MissingPhotos)
	}

	for _, c := range []struct {
		user string
		want int
	}{
		{"tech1", 200}, // uploader and author
		{"tech2", 404}, // another technician: not even told it exists
		{"sup1", 200},  // supervisor of the sheet's unit
		{"sup2", 404},  // another unit
		{"agent1", 404},
		{"admin", 200},
	} {
		res := env.call(t, "GET", "/api/v1/photos/"+sha+"?size=thumb", env.token(t, c.user), nil)
		if res.Status != c.want {
			t.Errorf("GET as %s: %d %s, want %d", c.user, res.Status, res.Body, c.want)
		}
	}

	// The thumb is upright: portrait, the sensor's top-left now top-right.
	res = env.call(t, "GET", "/api/v1/photos/"+sha+"?size=thumb", env.token(t, "tech1"), nil)
	if ct := res.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("content type %q", ct)
	}
	th, err := jpeg.Decode(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if b := th.Bounds(); b.Dx() != 240 || b.Dy() != 320 {
		t.Errorf("thumb %v, want 240×320", b)
	}
	if r, g, _, _ := th.At(230, 10).RGBA(); r>>8 < 180 || g>>8 > 80 {
		t.Errorf("thumb top-right not red: not rotated")
	}
	etag := res.Header.Get("ETag")
	if res := env.call(t, "GET", "/api/v1/photos/"+sha+"?size=thumb", env.token(t, "tech1"), nil, "If-None-Match", etag); res.Status != 304 {
		t.Errorf("If-None-Match: %d", res.Status)
	}

	full := env.call(t, "GET", "/api/v1/photos/"+sha, env.token(t, "sup1"), nil)
	if full.Status != 200 || !bytes.Equal(full.Body, body) {
		t.Errorf("full: %d, %d bytes", full.Status, len(full.Body))
	}
	if res := env.call(t, "GET", "/api/v1/photos/"+sha+"?size=huge", env.token(t, "tech1"), nil); res.Status != 400 {
		t.Errorf("size=huge: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/photos/"+hexSHA([]byte("none")), env.token(t, "admin"), nil); res.Status != 404 {
		t.Errorf("unknown photo: %d", res.Status)
	}
}

func TestPhotoFileToken(t *testing.T) {
	env := newTestEnv(t)
	body := phoneJPEG(t, 4)
	sha := hexSHA(body)
	if res := env.putPhoto(t, "tech1", body, "image/jpeg"); res.Status != 201 {
		t.Fatalf("put: %d", res.Status)
	}
	ft := env.call(t, "POST", "/api/v1/auth/file-token", env.token(t, "tech1"), nil).JSON()["token"].(string)

	// <img src="/api/v1/photos/<sha>?size=medium&token=..."> sends no header.
	if res := env.call(t, "GET", "/api/v1/photos/"+sha+"?size=medium&token="+ft, "", nil); res.Status != 200 {
		t.Errorf("file token: %d %s", res.Status, res.Body)
	}
	if res := env.call(t, "GET", "/api/v1/photos/"+sha, "", nil); res.Status != 401 {
		t.Errorf("no token: %d", res.Status)
	}
	if res := env.call(t, "GET", "/api/v1/photos/"+sha+"?token=garbage", "", nil); res.Status != 401 {
		t.Errorf("bad token: %d", res.Status)
	}
	// A file token opens photos only.
	if res := env.call(t, "HEAD", "/api/v1/photos/"+sha+"?token="+ft, "", nil); res.Status != 401 {
		t.Errorf("HEAD with file token: %d", res.Status)
	}
	// Another user's file token does not open tech1's unreferenced photo.
	ft2 := env.call(t, "POST", "/api/v1/auth/file-token", env.token(t, "tech2"), nil).JSON()["token"].(string)
	if res := env.call(t, "GET", "/api/v1/photos/"+sha+"?token="+ft2, "", nil); res.Status != 404 {
		t.Errorf("tech2's file token: %d", res.Status)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
