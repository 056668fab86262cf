package fines

import (
	"fieldcheck/reports"
)

// RowsTable is the agency fines report as an export: one line per item,
// proposed and confirmed in their own columns, the cap beside the confirmed
// amount, and a total line per agency with its adjustments.
func RowsTable(rows []Row) *reports.Table {
	t := &reports.Table{Name: "代理公司罚款", Columns: []reports.Column{
		{Header: "月份", Kind: reports.Text}, {Header: "代理公司", Kind: reports.Text}, {Header: "状态", Kind: reports.Text},
		{Header: "条款", Kind: reports.Text}, {Header: "罚款项目", Kind: reports.Text},
		{Header: "待审件数", Kind: reports.Number}, {Header: "待审金额(元)", Kind: reports.Number},
		{Header: "已确认件数", Kind: reports.Number}, {Header: "已确认金额(封顶前)", Kind: reports.Number},
		{Header: "月度封顶(元)", Kind: reports.Number}, {Header: "已确认金额(封顶后)", Kind: reports.Number},
		{Header: "免罚件数", Kind: reports.Number}, {Header: "其中调整件数", Kind: reports.Number}, {Header: "调整金额(元)", Kind: reports.Number},
	}}
	for _, r := range rows {
		state := "未关账"
		if r.Closed {
			state = "已关账"
		}
		name := r.UnitName
		if name == "" {
			name = r.Unit
		}
		for _, it := range r.Items {
			var limit any
			if it.Cap > 0 {
				limit = it.Cap
			}
			t.Rows = append(t.Rows, []any{r.Month, name, state, it.Article, it.Name.Zh, it.Proposed, it.ProposedAmount,
				it.Confirmed, it.ConfirmedRaw, limit, it.ConfirmedAmount, it.Waived, nil, nil})
		}
		t.Rows = append(t.Rows, []any{r.Month, name, state, "", "合计", r.Proposed, r.ProposedAmount,
			r.Confirmed, r.ConfirmedRaw, nil, r.ConfirmedAmount, r.Waived, r.Adjustments, r.AdjustmentAmount})
	}
	return t
}

// ScoreTable is the monthly score (第五条) as an export.
func ScoreTable(rows []Score) *reports.Table {
	t := &reports.Table{Name: "代理公司月度考核", Columns: []reports.Column{
		{Header: "月份", Kind: reports.Text}, {Header: "代理公司", Kind: reports.Text}, {Header: "状态", Kind: reports.Text},
		{Header: "装拆移机及时率", Kind: reports.Percent}, {Header: "及时率得分(40)", Kind: reports.Number},
		{Header: "障碍率", Kind: reports.Percent}, {Header: "障碍率得分(10)", Kind: reports.Number},
		{Header: "投诉率", Kind: reports.Percent}, {Header: "投诉率得分(10)", Kind: reports.Number},
		{Header: "预约履约率", Kind: reports.Percent}, {Header: "预约服务得分(30)", Kind: reports.Number},
		{Header: "其它扣分项", Kind: reports.Number}, {Header: "其它得分(10)", Kind: reports.Number},
		{Header: "总分", Kind: reports.Number},
	}}
	for _, s := range rows {
		state := "未关账"
		if s.Closed {
			state = "已关账"
		}
		name := s.UnitName
		if name == "" {
			name = s.Unit
		}
		t.Rows = append(t.Rows, []any{s.Month, name, state, s.Timely.Rate, s.Timely.Points, s.Faults.Rate, s.Faults.Points,
			s.Complaints.Rate, s.Complaints.Points, s.Appointment.Rate, s.Appointment.Points, s.Other.Count, s.Other.Points, s.Total})
	}
	return t
}
