package submissions

import (
	"encoding/json"
	"time"

	"fieldcheck/checklists"
)

// Push statuses (API.md Sync).
const (
	StatusAccepted  = "accepted"
	StatusDuplicate = "duplicate"
	StatusConflict  = "conflict"
	StatusRejected  = "rejected"
)

// Review flags: hints for a supervisor, never a reason to refuse a sheet.
const (
	FlagPhotoReused          = "photo_reused"
	FlagSpeedBelowSubscribed = "speed_below_subscribed"
	FlagClockSkew            = "clock_skew"
	FlagEditedAfterSignature = "edited_after_signature"
	FlagFinishedInFuture     = "finished_in_future"
	// FlagOrderChanged: the sheet's conditions were not judged on the order
	// as it is now: on the earlier version the phone had (order_version,
	// order_facts), or, when the phone did not say and the current order
	// refused it, with every conditional item optional (relaxed).
	FlagOrderChanged = "order_changed"
)

// MaxBatch is the most submissions one push may carry.
const MaxBatch = 100

// MaxSkew is how far a phone's clock may be off before its finish times are
// corrected and the sheet flagged clock_skew.
const MaxSkew = 10 * time.Minute

// FutureTolerance is how far past the moment a sheet reaches the server its
// (skew-corrected) finish time may lie. Later than that it is flagged
// finished_in_future and the receive time stands in for it: a sheet dated
// two days ahead must not complete its order, start its callback clock or
// count on a day that has not come (the same-day callback rate could be
// gamed so).
const FutureTolerance = 5 * time.Minute

// RectificationDue: the inspected unit reports its corrective measures
// within half a month (被检查单位收到后半月内上报整改措施, seed 004 第八十一条).
const RectificationDue = 15 * 24 * time.Hour

// FlagDetail says why a flag is set: for photo_reused, which photo of this
// submission matched which photo of which other submission.
type FlagDetail struct {
	Flag string `json:"flag"`
	// Photo is this submission's photo (photo_reused).
	Photo string `json:"photo,omitempty"`
	// SubmissionID is the other submission that already shows it.
	SubmissionID string `json:"submission_id,omitempty"`
	// MatchedPhoto is the photo on the other submission: Photo itself, or a
	// near copy by perceptual hash (Distance > 0).
	MatchedPhoto string `json:"matched_photo,omitempty"`
	Distance     int    `json:"distance,omitempty"`
	// SkewSeconds is receive time − device time (clock_skew).
	SkewSeconds float64 `json:"skew_seconds,omitempty"`
	// AheadSeconds is (skew-corrected) finish time − receive time
	// (finished_in_future).
	AheadSeconds float64 `json:"ahead_seconds,omitempty"`
	// Version is the version that set the flag (edited_after_signature).
	Version int `json:"version,omitempty"`
	// OtherWorkOrderID, OtherStoreID and OtherStoreName name the other
	// submission by what users quote (its 工单号 or store), for supervisors
	// and admins who may read it (nameOthers); never stored.
	OtherWorkOrderID string `json:"other_workorder_id,omitempty"`
	OtherStoreID     string `json:"other_store_id,omitempty"`
	OtherStoreName   string `json:"other_store_name,omitempty"`
	// OrderVersion is the order version the phone judged the sheet on, 0
	// when it did not say (order_changed); Relaxed: its conditional items
	// were taken as optional.
	OrderVersion int  `json:"order_version,omitempty"`
	Relaxed      bool `json:"relaxed,omitempty"`
}

// Version is one stored version of a submission
// (BucketSubmissions: id 0x00 version(u32 BE)). FinishedAt in the embedded
// submission is the skew-corrected time (the receive time when that still lay
// in the future: finished_in_future); FinishedAtOriginal keeps what the phone
// sent when they differ.
type Version struct {
	checklists.Submission
	Version            int               `json:"version"`
	Author             string            `json:"author"`
	DeviceID           string            `json:"device_id,omitempty"`
	ReceivedAt         time.Time         `json:"received_at"`
	DeviceTime         *time.Time        `json:"device_time,omitempty"`
	SkewSeconds        float64           `json:"clock_skew_seconds,omitempty"`
	FinishedAtOriginal *time.Time        `json:"finished_at_original,omitempty"`
	ContentHash        string            `json:"content_hash"`
	Kind               string            `json:"kind"`
	Result             checklists.Result `json:"result"`
	// Flags are those this version raised when it was pushed (photo_reused
	// lives on the head: it changes as photos arrive).
	Flags       []string     `json:"flags"`
	FlagDetails []FlagDetail `json:"flag_details"`
	// Photos are the hashes this version references (checklists.ReferencedPhotos).
	// Its JSON name must differ from the embedded submission's "photos" map,
	// which it would otherwise shadow (and drop) when stored.
	Photos []string `json:"referenced_photos"`
	// MissingPhotos are those the server lacked when this version was stored.
	MissingPhotos []string `json:"missing_photos"`
	// Signed: a signature item was answered (客户签字).
	Signed bool `json:"signed,omitempty"`
	// Signatures are the signature images' hashes: a near copy of a
	// signature (white with one stroke) is no evidence of photo reuse.
	Signatures []string `json:"signatures,omitempty"`
	// JudgedOn are the facts the sheet's conditions were judged on (the
	// order or store as the phone had it); absent on versions stored before
	// conditions, and when nothing was known.
	JudgedOn *checklists.Facts `json:"judged_on,omitempty"`
}

// Head is a submission's current state (BucketSubmissionHeads: id → Head).
type Head struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	// Seq orders submissions by creation (BucketSubmissionHeads' sequence):
	// a photo "already stands" on a submission with a smaller Seq.
	Seq             uint64             `json:"seq"`
	Author          string             `json:"author"`
	AuthorUnit      string             `json:"author_unit,omitempty"`
	Kind            string             `json:"kind"`
	TemplateID      string             `json:"template_id"`
	TemplateVersion int                `json:"template_version"`
	Subject         checklists.Subject `json:"subject"`
	// Unit is the unit the subject belongs to (the order's or the store's):
	// supervisors of that unit read the submission.
	Unit string `json:"unit,omitempty"`
	// Technician is the order's technician (acceptance and spot checks).
	Technician string `json:"technician,omitempty"`
	// Hashes[i] is the content hash of version i+1.
	Hashes []string `json:"hashes"`
	// Flags and FlagDetails are the latest version's push flags plus the
	// sticky edited_after_signature; Reuse is the live photo_reused evidence.
	Flags         []string          `json:"flags"`
	FlagDetails   []FlagDetail      `json:"flag_details"`
	Reuse         []FlagDetail      `json:"reuse,omitempty"`
	Photos        []string          `json:"photos"`
	MissingPhotos []string          `json:"missing_photos"`
	Complete      bool              `json:"complete"`
	FinishedAt    time.Time         `json:"finished_at"` // skew-corrected
	Result        checklists.Result `json:"result"`
	Signed        bool              `json:"signed,omitempty"`
	Signatures    []string          `json:"signatures,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	// RectificationID is the 整改 this inspection opened, once.
	RectificationID string `json:"rectification_id,omitempty"`

	// answers, when set, are the answers of Version as just written (the
	// rollups read them instead of decoding the version again); never stored.
	answers map[string]json.RawMessage
}

// AllFlags is the head's flags with photo_reused when evidence stands.
func (h *Head) AllFlags() ([]string, []FlagDetail) {
	flags := append([]string{}, h.Flags...)
	details := append([]FlagDetail{}, h.FlagDetails...)
	if len(h.Reuse) > 0 {
		flags = append(flags, FlagPhotoReused)
		details = append(details, h.Reuse...)
	}
	return flags, details
}

// Ref is what a pull tells a phone about one of its user's submissions.
type Ref struct {
	ID      string             `json:"id"`
	Subject checklists.Subject `json:"subject"`
	Version int                `json:"version"`
}

// View is a submission as GET /submissions/:id answers it.
type View struct {
	checklists.Submission
	Version            int                    `json:"version"`
	LatestVersion      int                    `json:"latest_version"`
	Kind               string                 `json:"kind"`
	Author             string                 `json:"author"`
	DeviceID           string                 `json:"device_id,omitempty"`
	ReceivedAt         time.Time              `json:"received_at"`
	DeviceTime         *time.Time             `json:"device_time,omitempty"`
	SkewSeconds        float64                `json:"clock_skew_seconds,omitempty"`
	FinishedAtOriginal *time.Time             `json:"finished_at_original,omitempty"`
	Complete           bool                   `json:"complete"`
	MissingPhotos      []string               `json:"missing_photos"`
	Score              float64                `json:"score"`
	MaxScore           float64                `json:"max_score"`
	Percent            *float64               `json:"percent"`
	Grade              *string                `json:"grade"`
	Passed             bool                   `json:"passed"`
	Deductions         []checklists.Deduction `json:"deductions"`
	Fines              float64                `json:"fines"`
	FailedCritical     []string               `json:"failed_critical,omitempty"`
	Flags              []string               `json:"flags"`
	FlagDetails        []FlagDetail           `json:"flag_details"`
	RectificationID    string                 `json:"rectification_id,omitempty"`
	// JudgedOn: the facts the sheet's conditions were judged on (Version).
	JudgedOn *checklists.Facts `json:"judged_on,omitempty"`
}

// Summary is one line of GET /submissions.
type Summary struct {
	ID              string             `json:"id"`
	Version         int                `json:"version"`
	Kind            string             `json:"kind"`
	TemplateID      string             `json:"template_id"`
	TemplateVersion int                `json:"template_version"`
	Subject         checklists.Subject `json:"subject"`
	Author          string             `json:"author"`
	Unit            string             `json:"unit,omitempty"`
	FinishedAt      time.Time          `json:"finished_at"`
	Complete        bool               `json:"complete"`
	MissingPhotos   []string           `json:"missing_photos"`
	Score           float64            `json:"score"`
	MaxScore        float64            `json:"max_score"`
	Percent         *float64           `json:"percent"`
	Grade           *string            `json:"grade"`
	Passed          bool               `json:"passed"`
	Fines           float64            `json:"fines"`
	Flags           []string           `json:"flags"`
}
