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
	// Kind is "residential" or "enterprise" (API.md v1.1); empty on orders
	// that never said, which count as residential.
	Kind string `json:"kind,omitempty"`
}

// Customer kinds (v1.1): enterprise customers (政企) have their own time
// limits and audits.
const (
	KindResidential = "residential"
	KindEnterprise  = "enterprise"
)

// MaxLineLen bounds the line (带宽型 / 专线 / 物联网 …) an order names.
const MaxLineLen = 64

// Window is an appointment window (预约时间).
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// WorkOrder is the task sheet (工单) for one install, move, repair, removal
// or complaint.
type WorkOrder struct {
	ID             string   `json:"id"`
	Type           string   `json:"type"`
	Product        string   `json:"product"`
	SubscribedMbps float64  `json:"subscribed_mbps"`
	Customer       Customer `json:"customer"`
	Technician     string   `json:"technician"`
	Unit           string   `json:"unit"`
	Appointment    Window   `json:"appointment"`
	Status         string   `json:"status"`
	Version        int      `json:"version"`
	// Line is the kind of line the order is for (带宽型 / 专线 / 物联网 …),
	// what the enterprise audits sample on (v1.1; optional).
	Line string `json:"line,omitempty"`
	// AcceptedAt is when the order was accepted (受理): the start of its time
	// limits. It defaults to when the order reached the server; orders stored
	// before v1.1 read it as their created_at.
	AcceptedAt time.Time `json:"accepted_at"`
	// ProposalRequestedAt and ProposalSubmittedAt are an enterprise order's
	// 方案 times (方案需求提出 / 方案提交), which the enterprise audit's
	// 方案响应及时率 counts working days between (v1.1; optional).
	ProposalRequestedAt *time.Time `json:"proposal_requested_at,omitempty"`
	ProposalSubmittedAt *time.Time `json:"proposal_submitted_at,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	CompletedAt         *time.Time `json:"completed_at"`
	// CompletedBy says how it was completed: the acceptance submission id, or
	// "manual" for POST /workorders/:id/complete.
	CompletedBy string `json:"completed_by,omitempty"`
	// CompletionNote is the note given with a manual completion.
	CompletionNote string `json:"completion_note,omitempty"`
	Note           string `json:"note,omitempty"`
	// CancelReason says why it was cancelled (PATCH status "cancelled" with
	// a reason).
	CancelReason string `json:"cancel_reason,omitempty"`
	// HoldReason says why the order is on_hold (缓装/待装原因); Holds is
	// every stretch on hold, which the time limit does not count (v1.1).
	HoldReason string `json:"hold_reason,omitempty"`
	Holds      []Hold `json:"holds,omitempty"`
	// Appointments is the appointment record (预约登记, 第十四条): made,
	// changed with a reason, kept or missed.
	Appointments []ApptRecord `json:"appointments,omitempty"`
	// Unreachable is a repair's record of a customer who cannot be reached
	// (第二十四条).
	Unreachable *Unreachable `json:"unreachable,omitempty"`
	// SLA is the order's time limit (sla/), absent on orders without one.
	SLA *Clock `json:"sla,omitempty"`
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
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
	Unit    string `json:"unit"`
	// Kind is the outlet's kind (营业厅 level, 演示厅, 快捷服务中心 …; v1.1,
	// optional): what conditions and audits of stores key on.
	Kind      string    `json:"kind,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Location is where the store stands (WGS-84, optional): the console
	// records it, an inspector's map link uses it.
	Location *GeoPoint `json:"location,omitempty"`
}

// GeoPoint is a latitude and longitude in degrees.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}
