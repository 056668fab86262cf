package workorders

import "time"

// Order types (装、拆、移机和故障处理, plus complaints).
const (
	TypeInstall   = "install"
	TypeMove      = "move"
	TypeRepair    = "repair"
	TypeRemoval   = "removal"
	TypeComplaint = "complaint"
)

// Customer tiers: VIP and high-value customers are always called back by a
// person (seed 004 第四章).
const (
	TierVIP       = "vip"
	TierHighValue = "high_value"
	TierStandard  = "standard"
)

// Statuses.
const (
	StatusAssigned  = "assigned"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
)

// Customer is the person the job is for.
type Customer struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
	Tier    string `json:"tier"`
}

// Window is an appointment window (预约时间).
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// WorkOrder is the task sheet (工单) for one install, move, repair, removal
// or complaint.
type WorkOrder struct {
	ID             string     `json:"id"`
	Type           string     `json:"type"`
	Product        string     `json:"product"`
	SubscribedMbps float64    `json:"subscribed_mbps"`
	Customer       Customer   `json:"customer"`
	Technician     string     `json:"technician"`
	Unit           string     `json:"unit"`
	Appointment    Window     `json:"appointment"`
	Status         string     `json:"status"`
	Version        int        `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	// CompletedBy says how it was completed: the acceptance submission id, or
	// "manual" for POST /workorders/:id/complete.
	CompletedBy string `json:"completed_by,omitempty"`
	// CompletionNote is the note given with a manual completion.
	CompletionNote string `json:"completion_note,omitempty"`
	Note           string `json:"note,omitempty"`
	// CancelReason says why it was cancelled (PATCH status "cancelled" with
	// a reason).
	CancelReason string `json:"cancel_reason,omitempty"`
}

// NeedsCallback reports whether a finished job of this type gets a callback:
// installs, moves, repairs and complaints do; removals do not (seed 004 第五十一条).
func NeedsCallback(orderType string) bool {
	switch orderType {
	case TypeInstall, TypeMove, TypeRepair, TypeComplaint:
		return true
	}
	return false
}

// ManualTier reports whether the tier goes straight to a person.
func ManualTier(tier string) bool { return tier == TierVIP || tier == TierHighValue }

// Outlet is a service outlet (营业网点), "store" in the API.
type Outlet struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	Unit      string    `json:"unit"`
	CreatedAt time.Time `json:"created_at"`
}
