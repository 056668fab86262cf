package auth

// Roles (API.md Conventions).
const (
	RoleTechnician = "technician" // 装维人员
	RoleInspector  = "inspector"  // 稽查员 / 巡检员
	RoleAgent      = "agent"      // 回访员
	RoleSupervisor = "supervisor" // 班组长 / 客服经理
	RoleAdmin      = "admin"      // 系统管理员
	// RoleQA reviews the agents' calls (API.md v1.1; seed 001).
	RoleQA = "qa" // 品质保障员
)

// AllRoles lists every role, field roles first.
var AllRoles = []string{RoleTechnician, RoleInspector, RoleAgent, RoleSupervisor, RoleAdmin, RoleQA}

// ValidRole reports whether r is a role.
func ValidRole(r string) bool {
	for _, x := range AllRoles {
		if x == r {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller of a request.
type Principal struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Unit     string `json:"unit"`
	Device   string `json:"device,omitempty"`
}
