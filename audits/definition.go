// Package audits is the enterprise service audit (政企客户服务标准稽查, seed
// 000): the built-in definition (items grouped by 服务环节 / 服务标准, each with
// its 标准说明, 测评方法, 所需物料 and 标准分类), an audit of one unit with its
// claims (认领目标), sample draws for 工单抽查 items, time-limit items computed
// on the working-day calendar, findings with evidence named by the seed's rule,
// and the report.
package audits

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Test methods (测评方法).
const (
	MethodOnsite      = "onsite"      // 现场检查
	MethodOrders      = "orders"      // 查看工单
	MethodSample      = "sample"      // 工单抽查: the server draws the orders
	MethodWalkthrough = "walkthrough" // 流程穿越
	MethodDocuments   = "documents"   // 查看文件或系统
)

// MethodNames are the methods' words as the seed writes them.
var MethodNames = map[string]string{
	MethodOnsite: "现场检查", MethodOrders: "查看工单", MethodSample: "工单抽查",
	MethodWalkthrough: "流程穿越", MethodDocuments: "查看文件或系统",
}

// TimeLimit is a time-limit item's rule (方案响应及时率): working days from
// the request to the submission, more for large-bandwidth / low-latency
// orders, and the share of orders that must make it.
type TimeLimit struct {
	OrdinaryDays  int     `json:"ordinary_days"`
	LargeDays     int     `json:"large_days"`
	LargeMbps     float64 `json:"large_mbps"`
	TargetPercent float64 `json:"target_percent"`
}

// Item is one audit item.
type Item struct {
	ID          string     `json:"id"`
	Category    string     `json:"category"` // 标准分类: 基础类 / 共性能力
	No          int        `json:"no"`       // 编号
	Stage       string     `json:"stage"`    // 服务环节
	Standard    string     `json:"standard"` // 服务标准
	Name        string     `json:"name"`     // the standard's item (交付报告 …)
	Lines       []string   `json:"lines"`    // 业务类型 the item applies to
	Method      string     `json:"method"`
	Description string     `json:"description"` // 标准说明
	Check       string     `json:"check"`       // 检查方法和步骤 / 达标基本动作
	Materials   []string   `json:"materials"`   // 所需物料
	SamplePer   int        `json:"sample_per_line,omitempty"`
	TimeLimit   *TimeLimit `json:"time_limit,omitempty"`
}

// Definition is the built-in audit definition.
type Definition struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Source string `json:"source"`
	Items  []Item `json:"items"`
}

//go:embed data/enterprise.json
var enterpriseJSON []byte

var builtin = mustLoad(enterpriseJSON)

func mustLoad(b []byte) Definition {
	var d Definition
	if err := json.Unmarshal(b, &d); err != nil {
		panic("audits: built-in definition: " + err.Error())
	}
	seen := map[string]bool{}
	for _, it := range d.Items {
		if it.ID == "" || seen[it.ID] || MethodNames[it.Method] == "" || it.Category == "" || it.No < 1 {
			panic(fmt.Sprintf("audits: built-in item %q is malformed", it.ID))
		}
		if it.Method == MethodSample && (it.SamplePer < 1 || len(it.Lines) == 0) {
			panic(fmt.Sprintf("audits: sample item %q has no sample size or lines", it.ID))
		}
		seen[it.ID] = true
	}
	return d
}

// Builtin is the enterprise audit definition (a copy).
func Builtin() Definition {
	d := builtin
	d.Items = append([]Item(nil), builtin.Items...)
	return d
}

func itemByID(id string) (Item, bool) {
	for _, it := range builtin.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

func (it Item) hasLine(line string) bool {
	for _, l := range it.Lines {
		if l == line {
			return true
		}
	}
	return false
}

// EvidenceName is the seed's file name for an item's seq-th piece of
// evidence: 标准分类_编号_服务环节_服务标准_序号, the standard written with its
// item (基础类_22_验收交付_客户交付_交付报告_1). Slashes inside a part (业务变更/退订)
// become "、" so the name stays one path segment.
func EvidenceName(it Item, seq int) string {
	clean := func(s string) string {
		return strings.NewReplacer("/", "、", "\\", "、", "_", "-", " ", "").Replace(s)
	}
	parts := []string{clean(it.Category), fmt.Sprint(it.No), clean(it.Stage), clean(it.Standard)}
	if it.Name != "" {
		parts = append(parts, clean(it.Name))
	}
	return strings.Join(append(parts, fmt.Sprint(seq)), "_")
}
