package qa

import (
	"encoding/json"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/checklists"
)

// Modes of monitoring (监控方式, seed 001 §3).
const (
	ModeOnsite    = "onsite"    // 即席: beside the agent
	ModeRemote    = "remote"    // 远程: live remote listening
	ModeRecording = "recording" // 录音: from the call's recording
)

// Modes lists the modes in the seed's order.
var Modes = []string{ModeOnsite, ModeRemote, ModeRecording}

// TargetMix is the monthly ratio 即席 : 远程 : 录音 = 2 : 7 : 1.
var TargetMix = map[string]float64{ModeOnsite: 0.2, ModeRemote: 0.7, ModeRecording: 0.1}

// DefaultQuota is the calls a reviewer monitors a day (每天需要完成20个电话的监控).
const DefaultQuota = 20

// DefaultTemplate is the built-in 《客户代表监听记录表》.
const DefaultTemplate = "call_review"

// Outcome of a call, as the draw spreads them.
const (
	OutcomeUnreachable = "unreachable"
	OutcomeOpen        = "open" // the agent called; the task is not closed yet
)

// Call is what a reviewer reviews: one callback task as the agent left it —
// the attempt timeline, the script answers, the result and the notes. The
// customer's name and phone are not part of it.
type Call struct {
	TaskID      string              `json:"task_id"`
	WorkOrderID string              `json:"workorder_id"`
	OrderType   string              `json:"order_type"` // 来电类型: install, move, repair, complaint
	Product     string              `json:"product,omitempty"`
	Tier        string              `json:"tier,omitempty"`
	Unit        string              `json:"unit"`
	Agent       string              `json:"agent"` // who made the call
	Status      string              `json:"status"`
	Outcome     string              `json:"outcome"` // very_satisfied, satisfied, unsatisfied, unreachable, open
	FinishedAt  time.Time           `json:"finished_at"`
	CalledAt    time.Time           `json:"called_at"` // the agent's last call or result
	Attempts    []callbacks.Attempt `json:"attempts"`
	Result      *callbacks.Result   `json:"result,omitempty"`
}

// Audio is a recording uploaded with a review.
type Audio struct {
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// Review is one filled-in 《客户代表监听记录表》.
type Review struct {
	ID              string                     `json:"id"`
	Call            Call                       `json:"call"`
	Reviewer        string                     `json:"reviewer"`
	Mode            string                     `json:"mode"`
	TemplateID      string                     `json:"template_id"`
	TemplateVersion int                        `json:"template_version"`
	Answers         map[string]json.RawMessage `json:"answers"`
	Result          checklists.Result          `json:"result"`
	// Improvement is the 改进建议 the agent reads on their own screen.
	Improvement string    `json:"improvement"`
	AudioURL    string    `json:"audio_url,omitempty"`
	Audio       *Audio    `json:"audio,omitempty"`
	Day         string    `json:"day"` // YYYY-MM-DD, Asia/Shanghai
	CreatedAt   time.Time `json:"created_at"`
}

// Input is a new review as the reviewer sends it.
type Input struct {
	TaskID      string                     `json:"task_id"`
	Mode        string                     `json:"mode" jsonschema:"enum=onsite,enum=remote,enum=recording"`
	TemplateID  string                     `json:"template_id,omitempty" jsonschema:"description=defaults to call_review"`
	Answers     map[string]json.RawMessage `json:"answers"`
	Improvement string                     `json:"improvement"`
	AudioURL    string                     `json:"audio_url,omitempty"`
}

// QueueItem is one call of a reviewer's day.
type QueueItem struct {
	TaskID     string    `json:"task_id"`
	Agent      string    `json:"agent"`
	OrderType  string    `json:"order_type"`
	Outcome    string    `json:"outcome"`
	FinishedAt time.Time `json:"finished_at"`
	// ReviewID is set once the reviewer has reviewed it (never stored).
	ReviewID string   `json:"review_id,omitempty"`
	Percent  *float64 `json:"percent,omitempty"`
}

// Queue is a reviewer's stored draw for one day.
type Queue struct {
	Reviewer string      `json:"reviewer"`
	Day      string      `json:"day"`
	Quota    int         `json:"quota"`
	DrawnAt  time.Time   `json:"drawn_at"`
	Items    []QueueItem `json:"items"`
}

// Day is what the reviewer's day screen shows.
type Day struct {
	Queue
	Done int `json:"done"`
	// Mix is the reviewer's month so far against 2:7:1.
	Mix Mix `json:"mix"`
}
