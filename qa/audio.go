package qa

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// audioTypes are the recordings a call platform exports.
var audioTypes = map[string]bool{
	"audio/mpeg": true, "audio/mp3": true, "audio/wav": true, "audio/x-wav": true, "audio/wave": true,
	"audio/ogg": true, "audio/webm": true, "audio/mp4": true, "audio/x-m4a": true, "audio/aac": true,
	"audio/amr": true,
}

// AudioType returns the clean media type of a Content-Type header, or an
// error when it is not a recording we keep.
func AudioType(header string) (string, error) {
	mt, _, err := mime.ParseMediaType(header)
	mt = strings.ToLower(mt)
	if err != nil || !audioTypes[mt] {
		return "", errs.New(errs.Unsupported, "unsupported_audio", "录音须为 mp3、wav、ogg、webm、m4a、aac 或 amr 音频", "the recording must be mp3, wav, ogg, webm, m4a, aac or amr audio")
	}
	return mt, nil
}

var errNoAudioStore = errs.New(errs.Unavailable, "audio_unavailable", "服务器未配置录音存储", "this server keeps no recordings")

// PutAudio attaches a recording to p's own review. The file is written
// beside the store (<data>/qa-audio/<review id>) before the review records
// it, so a crash leaves at worst an unreferenced file, never a review
// pointing at nothing.
func (s *Service) PutAudio(p auth.Principal, id, contentType string, body []byte) (*Review, error) {
	if s.cfg.AudioDir == "" {
		return nil, errNoAudioStore
	}
	if int64(len(body)) > s.cfg.MaxAudio {
		return nil, errs.New(errs.TooLarge, "too_large", "录音文件过大", "the recording is too large")
	}
	if len(body) == 0 {
		return nil, badField("body", "录音文件为空", "the recording is empty")
	}
	r, err := s.Get(p, id)
	if err != nil {
		return nil, err
	}
	if r.Reviewer != p.Username {
		return nil, errs.New(errs.Forbidden, "not_your_review", "只能为自己的监听记录上传录音", "only the reviewer may attach a recording")
	}
	if err := os.MkdirAll(s.cfg.AudioDir, 0o700); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	path := filepath.Join(s.cfg.AudioDir, r.ID)
	tmp, err := os.CreateTemp(s.cfg.AudioDir, ".tmp-*")
	if err != nil {
		return nil, err
	}
	_, werr := tmp.Write(body)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return nil, werr
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		var cur Review
		if err := store.GetJSON(tx, store.BucketCallReviews, []byte(r.ID), &cur); err != nil {
			return err
		}
		cur.Audio = &Audio{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(body)), ContentType: contentType}
		r = &cur
		if err := store.PutJSON(tx, store.BucketCallReviews, []byte(r.ID), r); err != nil {
			return err
		}
		return store.Audit(tx, s.now(), store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}, "qa.audio",
			"call_review/"+r.ID, fmt.Sprintf("%d bytes %s", len(body), contentType))
	})
	return r, err
}

// AudioFile is the path and media type of a review's recording the caller
// may read.
func (s *Service) AudioFile(p auth.Principal, id string) (string, string, error) {
	r, err := s.Get(p, id)
	if err != nil {
		return "", "", err
	}
	if r.Audio == nil || s.cfg.AudioDir == "" {
		return "", "", errs.NotFoundf("recording", id)
	}
	return filepath.Join(s.cfg.AudioDir, r.ID), r.Audio.ContentType, nil
}
