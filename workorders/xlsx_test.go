package workorders

import (
	"bytes"
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/xuri/excelize/v2"
)

func workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A sheet's rows are numbered as the sheet numbers them (blank rows
// skipped but counted), numbers read raw, a date cell as Asia/Shanghai.
func TestParseXLSXRowsAsTheSheetNumbersThem(t *testing.T) {
	data := workbook(t, [][]any{
		{},
		{"工单号", "类型", "签约速率", "客户姓名", "联系电话", "客户等级", "装维人员", "预约开始", "预约结束"},
		{"X-1", "移机", 300, "甲", 13800000001, "普通", "tech1", 46376.375, "2026-12-20 11:00"},
		{},
		{"X-2", "移机", "三百", "乙", "13800000002", "普通", "tech1", "", ""},
	})
	rows, rejected, err := ParseXLSX(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Row != 3 || rows[0].Order.Customer.Phone != "13800000001" || rows[0].Order.Type != TypeMove ||
		!rows[0].Order.Appointment.From.Equal(time.Date(2026, 12, 20, 9, 0, 0, 0, store.Shanghai)) {
		t.Fatalf("rows %+v", rows)
	}
	if len(rejected) != 1 || rejected[0].Row != 5 || rejected[0].Order == nil || rejected[0].Order.Customer.Name != "乙" {
		t.Fatalf("rejected %+v", rejected)
	}
	if _, _, err := ParseXLSX([]byte("not a zip")); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("not a workbook: %v", err)
	}
	if _, _, err := ParseXLSX(workbook(t, nil)); !errs.IsKind(err, errs.Invalid) {
		t.Fatalf("an empty sheet: %v", err)
	}
}

func FuzzParseXLSX(f *testing.F) {
	f.Add(workbook(f, [][]any{{"id", "type", "customer_name", "customer_phone", "customer_tier", "technician"}, {"1", "install", "a", "13800000001", "vip", "t"}}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, rejected, err := ParseXLSX(data)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(rows)+len(rejected) > MaxCSVRows {
			t.Fatalf("%d rows", len(rows)+len(rejected))
		}
	})
}
