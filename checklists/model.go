package checklists

import (
	"encoding/json"
	"time"
)

// Template kinds.
const (
	KindAcceptance  = "acceptance"  // technician, per work order (装移修客户验收单)
	KindWalkthrough = "walkthrough" // inspector, per store (营业网点服务现场巡检)
	KindSpotcheck   = "spotcheck"   // inspector, per work order (入户服务检查)
	KindCallback    = "callback"    // agent's script (回访话术)
	// KindCallReview is the QA reviewer's sheet of one agent's call
	// (《客户代表监听记录表》, seed 001); the qa package submits it, not sync.
	KindCallReview = "call_review"
)

// Item types.
const (
	TypeCheck     = "check"
	TypePassFail  = "pass_fail"
	TypeCount     = "count"
	TypeNumber    = "number"
	TypeText      = "text"
	TypeChoice    = "choice"
	TypePhoto     = "photo"
	TypeSignature = "signature"
	TypeSpeedtest = "speedtest"
	TypeRating    = "rating"
)

// Text is a label in both UI languages; zh-CN first.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Band is one grading band; bands are listed highest min first.
type Band struct {
	ID    string  `json:"id"`
	Min   float64 `json:"min"`
	Label Text    `json:"label"`
}

// NumberRange bounds a number answer.
type NumberRange struct {
	Min  *float64 `json:"min,omitempty"`
	Max  *float64 `json:"max,omitempty"`
	Unit string   `json:"unit,omitempty"`
}

// Choice is one option of a choice item; the answer is its ID.
type Choice struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
}

// PhotoRule bounds how many photos an item takes.
type PhotoRule struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// ScoreRule is an item's points and fines (seed 002). Cap defaults to Max.
type ScoreRule struct {
	Max          float64  `json:"max"`
	PerInstance  float64  `json:"per_instance,omitempty"`
	Cap          *float64 `json:"cap,omitempty"`
	FinePerPoint float64  `json:"fine_per_point,omitempty"`
	FineCap      *float64 `json:"fine_cap,omitempty"`
}

// SpeedRule says what fraction of the subscribed speed passes.
type SpeedRule struct {
	MinRatio float64 `json:"min_ratio"`
}

// Item is one checklist line.
type Item struct {
	ID        string       `json:"id"`
	Type      string       `json:"type"`
	Label     Text         `json:"label"`
	Help      *Text        `json:"help,omitempty"`
	Required  bool         `json:"required"`
	Critical  bool         `json:"critical,omitempty"`
	Number    *NumberRange `json:"number,omitempty"`
	Choices   []Choice     `json:"choices,omitempty"`
	Photos    *PhotoRule   `json:"photos,omitempty"`
	Score     *ScoreRule   `json:"score,omitempty"`
	Speedtest *SpeedRule   `json:"speedtest,omitempty"`
	// When hides the item unless it holds (conditions.go).
	When *Cond `json:"when,omitempty"`
}

// Section groups items.
type Section struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
	Help  *Text  `json:"help,omitempty"`
	// When hides the whole section unless it holds (conditions.go).
	When  *Cond  `json:"when,omitempty"`
	Items []Item `json:"items"`
}

// Template is one version of a checklist definition.
type Template struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Kind    string `json:"kind"`
	Title   Text   `json:"title"`
	Grading []Band `json:"grading,omitempty"`
	// Mystery marks a walkthrough template for mystery visits (暗访, issue
	// 20): recorded and scored like a walkthrough, feeding the store's
	// figures, and seen by nobody before it is filed (pushed).
	Mystery   bool      `json:"mystery,omitempty"`
	Sections  []Section `json:"sections"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// Subject is what a submission is about: a work order or a store.
type Subject struct {
	WorkOrderID string `json:"workorder_id,omitempty"`
	StoreID     string `json:"store_id,omitempty"`
}

// Location is where the phone was.
type Location struct {
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	AccuracyM float64 `json:"accuracy_m,omitempty"`
}

// PhotoMeta is what the phone read from a photo's EXIF before re-encoding it.
type PhotoMeta struct {
	TakenAt *time.Time `json:"taken_at,omitempty"`
	Lat     *float64   `json:"lat,omitempty"`
	Lng     *float64   `json:"lng,omitempty"`
}

// Speedtest is the answer of a speedtest item.
type Speedtest struct {
	DownMbps float64 `json:"down_mbps"`
	UpMbps   float64 `json:"up_mbps"`
	PingMs   float64 `json:"ping_ms"`
	JitterMs float64 `json:"jitter_ms"`
	Method   string  `json:"method"` // "browser" | "manual"
}

// Submission is a filled-in checklist as the phone sends it. Answers stay
// raw JSON until validated against the template.
type Submission struct {
	ID              string                     `json:"id"`
	TemplateID      string                     `json:"template_id"`
	TemplateVersion int                        `json:"template_version"`
	Subject         Subject                    `json:"subject"`
	BaseVersion     int                        `json:"base_version"`
	StartedAt       *time.Time                 `json:"started_at,omitempty"`
	FinishedAt      *time.Time                 `json:"finished_at,omitempty"`
	Answers         map[string]json.RawMessage `json:"answers"`
	Photos          map[string][]string        `json:"photos,omitempty"`
	PhotoMeta       map[string]PhotoMeta       `json:"photo_meta,omitempty"`
	Location        *Location                  `json:"location,omitempty"`
	// OrderVersion is the version of the work order the phone judged the
	// sheet's conditions on, and OrderFacts what that order said (optional:
	// older phones send neither). A change to the order afterwards never
	// rejects the sheet (submissions.Merge).
	OrderVersion int    `json:"order_version,omitempty"`
	OrderFacts   *Facts `json:"order_facts,omitempty"`
}

// Context is what judging a submission needs beyond the template: the work
// order's subscribed speed for speedtest items (0 when there is no order)
// and the facts its conditions are judged on.
type Context struct {
	SubscribedMbps float64
	// Facts are what subject conditions are judged on; nil: unknown, every
	// subject condition holds.
	Facts *Facts
	// Lenient makes every item under a condition optional: for a sheet
	// whose order may have changed since the phone judged it, when the
	// version it was judged on is not known (submissions.Merge flags it).
	Lenient bool
}

// Deduction is one scored item's outcome.
type Deduction struct {
	ItemID   string  `json:"item_id"`
	Label    Text    `json:"label"`
	Max      float64 `json:"max"`
	Points   float64 `json:"points"` // points deducted
	Fine     float64 `json:"fine"`   // yuan
	Count    *int    `json:"count,omitempty"`
	Excluded bool    `json:"excluded,omitempty"` // answered na
}

// Result is a submission's score breakdown (API.md Templates: Scoring).
type Result struct {
	Score          float64     `json:"score"`
	MaxScore       float64     `json:"max_score"`
	Percent        *float64    `json:"percent"`
	Grade          *string     `json:"grade"`
	Passed         bool        `json:"passed"`
	Fines          float64     `json:"fines"`
	Deductions     []Deduction `json:"deductions"`
	FailedCritical []string    `json:"failed_critical,omitempty"`
	// SpeedBelowSubscribed is set when a speedtest item measured less than
	// its min_ratio of the subscribed speed (flag speed_below_subscribed).
	SpeedBelowSubscribed bool `json:"speed_below_subscribed,omitempty"`
	// SpeedUnjudged is set when a speedtest item was answered but the
	// subscribed speed is unknown (Context.SubscribedMbps 0), so it could be
	// neither passed nor failed.
	SpeedUnjudged bool `json:"speed_unjudged,omitempty"`
}

// Summary is one line of the template list: the latest version of an id.
type Summary struct {
	ID        string    `json:"id"`
	Version   int       `json:"version"`
	Kind      string    `json:"kind"`
	Title     Text      `json:"title"`
	Mystery   bool      `json:"mystery,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}
