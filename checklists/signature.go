package checklists

import (
	"bytes"
	"encoding/json"
	"fmt"

	"fieldcheck/errs"
)

// A signature item's answer (客户签字) takes one of two shapes:
//
//   - "<sha256>": the hash of the signature image (PNG or JPEG), as phones
//     before issue 14 send it, and still valid;
//   - {"sha256": "<sha256>", "strokes": [[[x, y, t], ...], ...], "w": W, "h": H}:
//     the same image hash with the pen strokes that drew it, kept as
//     evidence (a signature is legal evidence, and the strokes are part of
//     the answers, so of the content hash). A point is x and y in CSS
//     pixels of the pad (w × h) and t in milliseconds since the first point.
//
// The stroke data is bounded: at most MaxSignatureBytes of JSON, at most
// MaxSignatureStrokes strokes and MaxSignaturePoints points in all.
const (
	MaxSignatureBytes   = 64 << 10
	MaxSignatureStrokes = 100
	MaxSignaturePoints  = 5000
	maxSignatureCoord   = 100000
	maxSignatureMillis  = 24 * 3600 * 1000
)

// signatureObject is the second shape.
type signatureObject struct {
	SHA256  string        `json:"sha256"`
	Strokes [][][]float64 `json:"strokes"`
	W       *float64      `json:"w,omitempty"`
	H       *float64      `json:"h,omitempty"`
}

// SignatureSHA returns the image hash a signature answer references, from
// either shape, or "" when raw is neither (or not answered). It does not
// check the strokes: Validate does.
func SignatureSHA(raw json.RawMessage) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return ""
	}
	if b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s
		}
		return ""
	}
	if b[0] == '{' && len(b) <= MaxSignatureBytes {
		var o struct {
			SHA256 string `json:"sha256"`
		}
		if json.Unmarshal(b, &o) == nil {
			return o.SHA256
		}
	}
	return ""
}

// checkSignature validates a signature answer of either shape.
func checkSignature(v *errs.Validation, path string, raw json.RawMessage) {
	b := bytes.TrimSpace(raw)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil || !ValidSHA256(s) {
			v.Add(path, "签名须以 64 位小写十六进制 sha256 引用", "a signature must be the lowercase hex sha256 of its image")
		}
		return
	}
	if len(b) == 0 || b[0] != '{' {
		v.Add(path, "签名须为图片的 sha256，或 {sha256, strokes}", "a signature must be its image's sha256 or {sha256, strokes}")
		return
	}
	if len(b) > MaxSignatureBytes {
		v.Add(path, fmt.Sprintf("签名笔迹数据不能超过 %d KB", MaxSignatureBytes>>10), fmt.Sprintf("signature stroke data must be at most %d KB", MaxSignatureBytes>>10))
		return
	}
	var o signatureObject
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		v.Add(path, "签名须为 {sha256, strokes:[[[x,y,t],…],…], w, h}", "a signature must be {sha256, strokes: [[[x,y,t],…],…], w, h}")
		return
	}
	if !ValidSHA256(o.SHA256) {
		v.Add(path+".sha256", "签名须以 64 位小写十六进制 sha256 引用", "a signature must be the lowercase hex sha256 of its image")
	}
	for _, d := range []*float64{o.W, o.H} {
		if d != nil && (!finite(*d) || *d < 0 || *d > maxSignatureCoord) {
			v.Add(path, "签名板尺寸无效", "invalid signature pad size")
			return
		}
	}
	if len(o.Strokes) > MaxSignatureStrokes {
		v.Add(path+".strokes", fmt.Sprintf("笔画不能超过 %d 笔", MaxSignatureStrokes), fmt.Sprintf("at most %d strokes", MaxSignatureStrokes))
		return
	}
	n := 0
	for i, st := range o.Strokes {
		n += len(st)
		if n > MaxSignaturePoints {
			v.Add(path+".strokes", fmt.Sprintf("笔迹点不能超过 %d 个", MaxSignaturePoints), fmt.Sprintf("at most %d points", MaxSignaturePoints))
			return
		}
		for _, p := range st {
			if len(p) != 3 || !finite(p[0]) || !finite(p[1]) || !finite(p[2]) ||
				p[0] < -maxSignatureCoord || p[0] > maxSignatureCoord || p[1] < -maxSignatureCoord || p[1] > maxSignatureCoord ||
				p[2] < 0 || p[2] > maxSignatureMillis {
				v.Add(fmt.Sprintf("%s.strokes[%d]", path, i), "笔迹点须为 [x, y, 毫秒]", "each point must be [x, y, milliseconds]")
				return
			}
		}
	}
}
