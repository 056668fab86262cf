package qa

import (
	"fmt"
	"io"
	"strings"

	"fieldcheck/reports"

	"github.com/xuri/excelize/v2"
)

// Words of the report file (the users read Chinese).
var (
	modeZh    = map[string]string{ModeOnsite: "即席", ModeRemote: "远程", ModeRecording: "录音"}
	typeZh    = map[string]string{"install": "装机", "move": "移机", "repair": "修障", "complaint": "投诉", "removal": "拆机"}
	gradeZh   = map[string]string{"excellent": "优秀", "good": "良好", "improve": "待改进", "fail": "不合格"}
	periodZh  = map[string]string{PeriodDaily: "监控分析日报", PeriodWeekly: "监控分析周报", PeriodMonthly: "监控分析月报"}
	typeOrder = []string{"install", "move", "repair", "complaint", "removal"}
)

func zhOr(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

func who(name, username string) string {
	if name != "" {
		return name
	}
	return username
}

// FileName is the download's name (ASCII): qa-weekly-2026-11-23.xlsx.
func (r *Report) FileName() string { return fmt.Sprintf("qa-%s-%s.xlsx", r.Period, r.From) }

// WriteXLSX writes the report as a workbook: 概况, 坐席成绩, 改进建议, 各项分值,
// and for weekly and monthly reports 培训需求, 监控计划 (and 各周 monthly).
// People appear by name; text is defused against formulas and phone numbers
// in notes are masked, as in every other export.
func WriteXLSX(w io.Writer, r *Report, names func(string) string) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	sheet := func(name string, header []string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		f.SetColWidth(name, "A", "H", 16)
		row := make([]any, len(header))
		for i, h := range header {
			row[i] = h
		}
		if err := f.SetSheetRow(name, "A1", &row); err != nil {
			return err
		}
		end, _ := excelize.CoordinatesToCellName(len(header), 1)
		f.SetCellStyle(name, "A1", end, bold)
		for i, rw := range rows {
			for j, v := range rw {
				if s, ok := v.(string); ok {
					rw[j] = reports.Neutralize(reports.MaskPhones(s))
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := f.SetSheetRow(name, cell, &rw); err != nil {
				return err
			}
		}
		return nil
	}
	pct := func(p *float64) any {
		if p == nil {
			return ""
		}
		return *p
	}
	summary := [][]any{
		{"报表", periodZh[r.Period]},
		{"期间", r.From + " 至 " + r.To},
		{"监控个数", r.Count},
		{"平均得分", pct(r.Avg)},
	}
	for _, m := range Modes {
		summary = append(summary, []any{"监听方式：" + modeZh[m], r.Modes[m]})
	}
	for _, m := range r.Mix.Modes {
		summary = append(summary, []any{fmt.Sprintf("本月%s占比（目标 %.0f%%）", modeZh[m.Mode], m.Target*100), fmt.Sprintf("%.1f%%", m.Share*100)})
	}
	for _, t := range typeOrder {
		if n := r.CallTypes[t]; n > 0 {
			summary = append(summary, []any{"来电类型：" + typeZh[t], n})
		}
	}
	if err := sheet("概况", []string{"项目", "数值"}, summary); err != nil {
		return err
	}
	f.DeleteSheet("Sheet1")
	var agents [][]any
	for _, a := range r.Agents {
		var grades []string
		for _, g := range []string{"excellent", "good", "improve", "fail"} {
			if n := a.Grades[g]; n > 0 {
				grades = append(grades, fmt.Sprintf("%s %d", gradeZh[g], n))
			}
		}
		agents = append(agents, []any{who(a.Name, names(a.Agent)), a.Count, a.Avg, a.Min, a.Max, strings.Join(grades, "，"), strings.Join(a.Comments, "；")})
	}
	if err := sheet("坐席成绩", []string{"坐席", "监控数", "平均分", "最低分", "最高分", "等级分布", "评语"}, agents); err != nil {
		return err
	}
	var sugg [][]any
	for _, s := range r.Suggestions {
		sugg = append(sugg, []any{s.Day, who(s.Name, names(s.Agent)), pct(s.Percent), s.Text})
	}
	if err := sheet("改进建议", []string{"日期", "坐席", "得分", "改进建议"}, sugg); err != nil {
		return err
	}
	var items [][]any
	for _, it := range r.Items {
		items = append(items, []any{it.Label.Zh, it.Max, it.Judged, it.Lost, fmt.Sprintf("%.1f%%", it.LostRate*100), it.AvgScore})
	}
	if err := sheet("各项分值", []string{"项目", "分值", "评判数", "扣分数", "扣分率", "平均得分"}, items); err != nil {
		return err
	}
	if r.Period == PeriodDaily {
		return f.Write(w)
	}
	var needs [][]any
	for _, n := range r.Training {
		var ws []string
		for _, a := range n.Agents {
			ws = append(ws, names(a))
		}
		needs = append(needs, []any{n.Label.Zh, strings.Join(ws, "、")})
	}
	if err := sheet("培训需求", []string{"项目", "需培训的坐席"}, needs); err != nil {
		return err
	}
	if p := r.Plan; p != nil {
		var fa, fi []string
		for _, a := range p.FocusAgents {
			fa = append(fa, names(a))
		}
		labels := map[string]string{}
		for _, it := range r.Items {
			labels[it.ItemID] = it.Label.Zh
		}
		for _, i := range p.FocusItems {
			fi = append(fi, zhOr(labels, i))
		}
		plan := [][]any{{"计划监控数", p.Reviews}, {"重点坐席", strings.Join(fa, "、")}, {"重点项目", strings.Join(fi, "；")}}
		for _, m := range Modes {
			plan = append(plan, []any{"计划" + modeZh[m], p.Modes[m]})
		}
		if err := sheet("监控计划", []string{"项目", "内容"}, plan); err != nil {
			return err
		}
	}
	if r.Period == PeriodMonthly {
		var weeks [][]any
		for _, wk := range r.Weeks {
			weeks = append(weeks, []any{wk.From + " 至 " + wk.To, wk.Count, pct(wk.Avg)})
		}
		if err := sheet("各周", []string{"周", "监控数", "平均分"}, weeks); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// Names returns a lookup of display names for the report's people.
func (s *Service) Names(r *Report) func(string) string {
	m := map[string]string{}
	for _, a := range r.Agents {
		m[a.Agent] = a.Name
	}
	return func(u string) string {
		if n := m[u]; n != "" {
			return n
		}
		return "—"
	}
}
