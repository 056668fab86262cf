package audits

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/names"
	"fieldcheck/store"
	"fieldcheck/workorders"

	"github.com/xuri/excelize/v2"
	bolt "go.etcd.io/bbolt"
)

// SampledOrder is a drawn order as the report shows it: customer data masked.
type SampledOrder struct {
	Item        string     `json:"item"`
	Line        string     `json:"line"`
	Order       string     `json:"order"`
	Customer    string     `json:"customer"` // masked
	Phone       string     `json:"phone"`    // masked
	CompletedAt *time.Time `json:"completed_at"`
	Judged      bool       `json:"judged"`
	OK          bool       `json:"ok"`
	Note        string     `json:"note,omitempty"`
}

// Report is what the 稽查报告 is made of.
type Report struct {
	Results
	UnitName string         `json:"unit_name"`
	Sampled  []SampledOrder `json:"sampled"`
}

// MaskName keeps a name's first character: 张三丰 → 张**.
func MaskName(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + strings.Repeat("*", max(n-1, 1))
}

// MaskPhone keeps a number's first 3 and last 4 digits: 138****0001; a
// short number keeps only its last 2.
func MaskPhone(s string) string {
	r := []rune(s)
	if len(r) >= 11 {
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	}
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
}

// Report gathers the audit's results, the unit's display name and the drawn
// orders (masked) for the 稽查报告.
func (s *Service) Report(p auth.Principal, id string) (Report, error) {
	res, err := s.Results(p, id)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Results: res, Sampled: []SampledOrder{}}
	err = s.db.View(func(tx *bolt.Tx) error {
		look, err := names.ForExport(tx)
		if err != nil {
			return err
		}
		rep.UnitName = look.Unit(res.Audit.Unit)
		for _, ir := range res.Items {
			f := res.Audit.Findings[ir.Item.ID]
			for _, d := range ir.Draws {
				for _, o := range d.Orders {
					so := SampledOrder{Item: ir.Item.ID, Line: d.Line, Order: o}
					if wo, err := workorders.Get(tx, o); err == nil {
						so.Customer, so.Phone, so.CompletedAt = MaskName(wo.Customer.Name), MaskPhone(wo.Customer.Phone), wo.CompletedAt
					}
					if j, ok := f.Orders[o]; ok {
						so.Judged, so.OK, so.Note = true, j.OK, j.Note
					}
					rep.Sampled = append(rep.Sampled, so)
				}
			}
		}
		return nil
	})
	return rep, err
}

// ResultNames are the results' words in the report.
var ResultNames = map[string]string{
	ResultPass: "达标", ResultFail: "不达标", ResultPending: "未检查", ResultShort: "样本不足",
	ResultNotApplicable: "不适用（不提供）",
}

// WriteXLSX writes the 稽查报告 in the seed's outline (目的, 对象, 内容,
// 结果, 建议, the auditor's name and contact), the item details and the
// sampled orders, customer data masked.
func (r Report) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	a := r.Audit
	if err := f.SetSheetName("Sheet1", "稽查报告"); err != nil {
		return err
	}
	date := a.CreatedAt.In(store.Shanghai).Format("2006-01-02")
	result := fmt.Sprintf("适用稽查项 %d 项，达标 %d 项，不达标 %d 项。", r.Applicable, r.Passed, r.Failed)
	var fails []string
	for _, ir := range r.Items {
		if ir.Result == ResultFail || ir.Result == ResultShort {
			fails = append(fails, fmt.Sprintf("%s %d %s/%s/%s：%s", ir.Item.Category, ir.Item.No, ir.Item.Stage, ir.Item.Standard, ir.Item.Name, ResultNames[ir.Result]))
		}
	}
	if len(fails) > 0 {
		result += "\n" + strings.Join(fails, "\n")
	}
	advice := a.Advice
	if advice == "" {
		advice = "（未填写）"
	}
	rows := [][]any{
		{"政企客户服务标准稽查报告"},
		{"一、稽查目的", "对被稽查单位执行政企客户服务标准（基础类、共性能力）的情况进行稽查，发现问题、督促整改，提升政企客户服务水平。"},
		{"二、稽查对象", r.UnitName},
		{"三、稽查内容", fmt.Sprintf("%s 共 %d 项（现场检查、查看工单、工单抽查、流程穿越、查看文件或系统），工单抽查自近 %d 个月内竣工工单中随机抽取。", builtin.Title, len(r.Items), Lookback)},
		{"四、稽查结果", result},
		{"五、稽查建议", advice},
		{"稽查人员", a.AuditorName},
		{"联系方式", a.AuditorContact},
		{"稽查日期", date},
	}
	for i, row := range rows {
		if err := f.SetSheetRow("稽查报告", fmt.Sprintf("A%d", i+1), &row); err != nil {
			return err
		}
	}
	_ = f.SetColWidth("稽查报告", "A", "A", 16)
	_ = f.SetColWidth("稽查报告", "B", "B", 90)

	if _, err := f.NewSheet("稽查明细"); err != nil {
		return err
	}
	head := []any{"标准分类", "编号", "服务环节", "服务标准", "标准项", "业务类型", "测评方法", "认领目标", "结果", "说明", "证据文件"}
	if err := f.SetSheetRow("稽查明细", "A1", &head); err != nil {
		return err
	}
	for i, ir := range r.Items {
		claim := "提供"
		if ir.Result == ResultNotApplicable {
			claim = "不提供"
		}
		note := ir.Note
		if t := ir.Timeliness; t != nil {
			note = fmt.Sprintf("方案响应及时率 %.1f%%（%d/%d，目标 %.0f%%，未到期 %d 单）", t.Percent, t.OnTime, t.Orders, t.Target, t.Pending)
		}
		for _, d := range ir.Draws {
			if d.Short {
				note = strings.TrimSpace(note + fmt.Sprintf(" %s：近%d个月竣工 %d 单，少于应抽 %d 单", d.Line, Lookback, d.Candidates, d.Want))
			}
		}
		var ev []string
		for _, e := range ir.Evidence {
			ev = append(ev, e.file())
		}
		row := []any{ir.Item.Category, ir.Item.No, ir.Item.Stage, ir.Item.Standard, ir.Item.Name, strings.Join(ir.Item.Lines, "/"),
			MethodNames[ir.Item.Method], claim, ResultNames[ir.Result], note, strings.Join(ev, "\n")}
		if err := f.SetSheetRow("稽查明细", fmt.Sprintf("A%d", i+2), &row); err != nil {
			return err
		}
	}

	if _, err := f.NewSheet("抽查工单"); err != nil {
		return err
	}
	head = []any{"稽查项", "业务类型", "工单号", "客户", "电话", "竣工时间", "判定", "说明", "抽取种子", "抽取时间", "候选工单数"}
	if err := f.SetSheetRow("抽查工单", "A1", &head); err != nil {
		return err
	}
	line := 2
	for _, ir := range r.Items {
		for _, d := range ir.Draws {
			for _, so := range r.Sampled {
				if so.Item != ir.Item.ID || so.Line != d.Line {
					continue
				}
				verdict := "未判定"
				if so.Judged {
					verdict = map[bool]string{true: "符合", false: "不符合"}[so.OK]
				}
				done := ""
				if so.CompletedAt != nil {
					done = so.CompletedAt.In(store.Shanghai).Format("2006-01-02 15:04")
				}
				row := []any{fmt.Sprintf("%s %d %s", ir.Item.Category, ir.Item.No, ir.Item.Name), d.Line, so.Order, so.Customer, so.Phone, done,
					verdict, so.Note, fmt.Sprint(d.Seed), d.At.In(store.Shanghai).Format("2006-01-02 15:04"), d.Candidates}
				if err := f.SetSheetRow("抽查工单", fmt.Sprintf("A%d", line), &row); err != nil {
					return err
				}
				line++
			}
		}
	}
	return f.Write(w)
}

func (e Evidence) file() string {
	if e.Ext == "" {
		return e.Name
	}
	return e.Name + "." + e.Ext
}

// Opener opens an evidence file by its sha256 (the photo store).
type Opener func(sha string) (io.ReadCloser, error)

// WriteZip writes the report (稽查报告.xlsx) and every piece of evidence
// under 证据/ by its rule name. Evidence that cannot be opened is listed in
// 缺失证据.txt rather than failing the export.
func (r Report) WriteZip(w io.Writer, open Opener) error {
	z := zip.NewWriter(w)
	x, err := z.Create("稽查报告.xlsx")
	if err != nil {
		return err
	}
	if err := r.WriteXLSX(x); err != nil {
		return err
	}
	var missing []string
	for _, ir := range r.Items {
		for _, e := range ir.Evidence {
			if err := copyEvidence(z, e, open); err != nil {
				missing = append(missing, e.file()+"\t"+e.SHA256)
			}
		}
	}
	if len(missing) > 0 {
		m, err := z.Create("缺失证据.txt")
		if err != nil {
			return err
		}
		if _, err := io.WriteString(m, strings.Join(missing, "\n")+"\n"); err != nil {
			return err
		}
	}
	return z.Close()
}

func copyEvidence(z *zip.Writer, e Evidence, open Opener) error {
	rc, err := open(e.SHA256)
	if err != nil {
		return err
	}
	defer rc.Close()
	dst, err := z.Create("证据/" + e.file())
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, rc)
	return err
}
