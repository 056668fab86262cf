package protocol

import (
	"encoding/json"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
)

// PushRequest is POST /sync/push: the phone's outbox.
type PushRequest struct {
	DeviceID string `json:"device_id"`
	// DeviceTime is the phone's clock when it sent the push; without it no
	// skew check is made.
	DeviceTime *time.Time `json:"device_time"`
	// Submissions stay raw so that one malformed item is rejected on its
	// own instead of failing the whole push.
	Submissions []json.RawMessage `json:"submissions"`
	// Lang picks the language of the items' error messages ("en" or zh-CN).
	Lang string `json:"-"`
}

// PushResponse answers a push: a result per item, in the request's order.
type PushResponse struct {
	Results []submissions.Result `json:"results"`
}

// Push hands the envelope's items to the submissions domain, which decides
// each on its own and writes the accepted ones in one shared commit
// (submissions.Merge); a result per item comes back, localized in
// req.Lang. The envelope is all this layer knows: the role may push at
// all and the batch size are checked by Merge, with the items.
func Push(db *store.DB, p auth.Principal, req PushRequest, now time.Time) (*PushResponse, error) {
	m, err := submissions.Merge(db, p, submissions.Batch{DeviceID: req.DeviceID, DeviceTime: req.DeviceTime,
		Submissions: req.Submissions, Lang: req.Lang}, now)
	if err != nil {
		return nil, err
	}
	return &PushResponse{Results: m.Results}, nil
}
