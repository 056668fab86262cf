package reports

import (
	"strconv"
	"strings"

	"fieldcheck/checklists"
	"fieldcheck/names"
	"fieldcheck/store"
)

// The tables below turn each report's rows into an export Table with the
// Chinese headers supervisors read; figures keep their JSON meaning.

// CallbackTable is the callback report as a table (回访统计).
func CallbackTable(rows []CallbackRow) *Table {
	t := &Table{Name: "回访统计", Columns: []Column{
		{"统计期", Text}, {"起始日期", Text}, {"截止日期", Text},
		{"竣工工单数", Number}, {"回访任务数", Number}, {"已回访数", Number}, {"回访覆盖率", Percent},
		{"当天回访数", Number}, {"当天回访率", Percent}, {"三天内回访数", Number}, {"三天内回访率", Percent},
		{"无法联系数", Number}, {"非常满意", Number}, {"满意", Number}, {"不满意", Number}, {"满意率", Percent},
		{"主要不满意原因", Text},
	}}
	for _, r := range rows {
		reasons := make([]string, len(r.TopReasons))
		for i, x := range r.TopReasons {
			reasons[i] = x.Reason + "×" + strconv.Itoa(x.Count)
		}
		t.Rows = append(t.Rows, []any{r.Period, r.From, r.To,
			r.Completed, r.Callbacks, r.Done, r.Coverage,
			r.SameDay, r.SameDayRate, r.Within3Days, r.Within3DaysRate,
			r.Unreachable, r.VerySatisfied, r.Satisfied, r.Unsatisfied, r.SatisfactionRate,
			strings.Join(reasons, "；")})
	}
	return t
}

// gradeZh is a grade id's Chinese label (seed 001's bands), or the id.
func gradeZh(g *string) string {
	if g == nil {
		return ""
	}
	for _, b := range checklists.DefaultGrading {
		if b.ID == *g {
			return b.Label.Zh
		}
	}
	return *g
}

func yuan(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// deductionText is one line per item: "厅内环境 扣3分（2次，3处），罚款150元".
func deductionText(ds []DeductionSum) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Label.Zh + " 扣" + yuan(d.Points) + "分（" + strconv.Itoa(d.Findings) + "次"
		if d.Instances != d.Findings {
			parts[i] += "，" + strconv.Itoa(d.Instances) + "处"
		}
		parts[i] += "），罚款" + yuan(d.Fines) + "元"
	}
	return strings.Join(parts, "；")
}

// InspectionTable is the walkthrough report as a table (网点巡检).
func InspectionTable(rows []InspectionRow) *Table {
	t := &Table{Name: "网点巡检", Columns: []Column{
		{"网点编号", Text}, {"网点名称", Text}, {"单位", Text}, {"巡检次数", Number},
		{"平均得分(%)", Number}, {"等级", Text}, {"关键项不合格次数", Number},
		{"扣分明细", Text}, {"罚款(元)", Number}, {"最近巡检时间", Text},
	}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []any{r.StoreID, r.StoreName, or(r.UnitName, r.Unit), r.Inspections,
			r.Score, gradeZh(r.Grade), r.Failed, deductionText(r.Deductions), r.Fines, r.Last})
	}
	return t
}

// TechnicianTable is the technician compliance report as a table (装维规范).
func TechnicianTable(rows []TechnicianRow) *Table {
	t := &Table{Name: "装维人员规范", Columns: []Column{
		{"姓名", Text}, {"单位", Text}, {"验收单数", Number},
		{"穿鞋套率", Percent}, {"使用垫布率", Percent}, {"测速记录率", Percent}, {"测速达标率", Percent},
		{"照片完整率", Percent}, {"标记单数", Number}, {"照片重复使用", Number}, {"时钟偏差", Number},
		{"回访数", Number}, {"已回访", Number}, {"非常满意", Number}, {"满意", Number}, {"不满意", Number},
		{"满意率", Percent},
	}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []any{or(r.Name, r.Technician), or(r.UnitName, r.Unit), r.Sheets,
			r.ShoeCoversRate, r.DropClothRate, r.SpeedTestRecordedRate, r.SpeedTestPassedRate,
			r.PhotoEvidenceCompleteRate, r.Flagged, r.PhotoReused, r.ClockSkew,
			r.Callbacks, r.CallbacksDone, r.VerySatisfied, r.Satisfied, r.Unsatisfied, r.SatisfactionRate})
	}
	return t
}

// FinesTable is the fines report flattened to one line per item, with the
// spot-check subtotal, the monthly cap and the unit's total on lines of
// their own (罚款汇总).
func FinesTable(rows []FineRow) *Table {
	t := &Table{Name: "罚款汇总", Columns: []Column{
		{"月份", Text}, {"单位", Text}, {"来源", Text}, {"网点编号", Text}, {"网点名称", Text},
		{"检查项", Text}, {"次数", Number}, {"人数", Number}, {"罚款(元)", Number},
	}}
	for _, r := range rows {
		line := func(source, storeID, storeName, item string, findings, people any, fines float64) {
			t.Rows = append(t.Rows, []any{r.Month, or(r.UnitName, r.Unit), source, storeID, storeName, item, findings, people, fines})
		}
		for _, it := range r.SpotCheckItems {
			line("入户抽查", "", "", it.Label.Zh, it.Findings, it.People, it.Fines)
		}
		if r.SpotChecks > 0 {
			line("入户抽查", "", "", "小计（封顶前）", r.SpotChecks, nil, r.SpotCheckFinesRaw)
			line("入户抽查", "", "", "月度封顶", nil, nil, r.SpotCheckCap)
			line("入户抽查", "", "", "抽查罚款（封顶后）", nil, nil, r.SpotCheckFines)
		}
		for _, s := range r.Stores {
			for _, it := range s.Items {
				line("网点巡检", s.StoreID, s.StoreName, it.Label.Zh, it.Findings, nil, it.Fines)
			}
			line("网点巡检", s.StoreID, s.StoreName, "网点小计", s.Inspections, nil, s.Fines)
		}
		line("合计", "", "", "本月罚款合计", nil, nil, r.Total)
	}
	return t
}

// AuditTable is the audit log as a table (操作日志) with codes unnamed.
func AuditTable(entries []store.AuditEntry) *Table { return NamedAuditTable(entries, names.Lookup{}) }

// NamedAuditTable is the audit log as a table, people and units by name.
// The account (账号) stays beside the person: the log is the record of which
// account acted, and two people may share a name.
func NamedAuditTable(entries []store.AuditEntry, n names.Lookup) *Table {
	t := &Table{Name: "操作日志", Columns: []Column{
		{"时间", Text}, {"操作人", Text}, {"单位", Text}, {"设备", Text},
		{"操作", Text}, {"对象", Text}, {"详情", Text}, {"账号", Text},
	}}
	for _, e := range entries {
		t.Rows = append(t.Rows, []any{e.At, n.Person(e.Actor), n.Unit(e.Unit), e.Device, e.Action, e.Object, e.Detail, e.Actor})
	}
	return t
}

// or is name, or code when the name is empty (a row built without one).
func or(name, code string) string {
	if name != "" {
		return name
	}
	return code
}
