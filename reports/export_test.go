package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"fieldcheck/store"

	"github.com/xuri/excelize/v2"
)

func TestNeutralize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"},
		{"+86 电话", "'+86 电话"},
		{"-1+2", "'-1+2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"上门不准时", "上门不准时"},
		{"a=b", "a=b"},
		{"", ""},
		// After leading whitespace and control characters too.
		{"\n=1+3", "'\n=1+3"},
		{"  =1+3", "'  =1+3"},
		{"\r\n@SUM(A1)", "'\r\n@SUM(A1)"},
		{"\x00-2", "'\x00-2"},
		{"\u3000+86", "'\u3000+86"},
		{"\u00a0=1", "'\u00a0=1"},
		{"＝1+3", "'＝1+3"},
		{" 上门不准时", " 上门不准时"},
		{"\n", "\n"},
	} {
		if got := Neutralize(c.in); got != c.want {
			t.Errorf("Neutralize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskPhones(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"a mobile keeps 3 + 4 digits", "13800000001", "138****0001"},
		{"inside text", "客户13912345678说网速慢", "客户139****5678说网速慢"},
		{"two numbers side by side", "13800000001,13900000002", "138****0001,139****0002"},
		{"with +86", "+8613800000001", "+86138****0001"},
		{"a landline keeps its area code and last four", "028-85551234", "028-****1234"},
		{"dates stay", "2026-11-23 10:00", "2026-11-23 10:00"},
		{"longer ids stay", "WO-202611230001", "WO-202611230001"},
		{"12 digits are not a mobile", "138000000012", "138000000012"},
		{"hotline stays", "96655", "96655"},
	} {
		if got := MaskPhones(c.in); got != c.want {
			t.Errorf("%s: MaskPhones(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"13800000001", "138****0001"},
		{" 13800000001 ", "138****0001"},
		{"02885551234", "028****1234"},
		{"12345", "***45"},
		{"", ""},
	} {
		if got := MaskPhone(c.in); got != c.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// hostile is a table with a formula, a phone number in text, a phone
// column, a rate, a null rate and numbers.
func hostile() *Table {
	return &Table{Name: "测试/表[1]", Columns: []Column{
		{"原因", Text}, {"电话", Phone}, {"数量", Number}, {"满意率", Percent}, {"覆盖率", Percent}, {"时间", Text},
	}, Rows: [][]any{
		{"=HYPERLINK(\"http://evil\",\"x\")", "13800000001", 10, ptr(0.875), (*float64)(nil), sh(2026, 11, 23, 10, 5)},
		{"客户电话13912345678打不通", "+8613800000001", 2.5, 0.6667, ptr(1.0), time.Time{}},
		{"@cmd", nil, nil, nil, nil, nil},
	}}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, hostile()); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no UTF-8 BOM: %q", data[:8])
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Errorf("Excel expects CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"原因", "电话", "数量", "满意率", "覆盖率", "时间"},
		{"'=HYPERLINK(\"http://evil\",\"x\")", "138****0001", "10", "87.5%", "", "2026-11-23 10:05:00"},
		{"客户电话139****5678打不通", "'+86138****0001", "2.5", "66.67%", "100%", ""},
		{"'@cmd", "", "", "", "", ""},
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i, recs[i], want[i])
		}
	}
	if bytes.Contains(data, []byte("13800000001")) || bytes.Contains(data, []byte("13912345678")) {
		t.Errorf("a phone number left unmasked: %s", data)
	}
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, hostile()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 1 || sheets[0] != "测试_表_1_" {
		t.Fatalf("sheets: %q", sheets)
	}
	sh := sheets[0]
	get := func(cell string, raw bool) string {
		t.Helper()
		v, err := f.GetCellValue(sh, cell, excelize.Options{RawCellValue: raw})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	typ := func(cell string) excelize.CellType {
		t.Helper()
		ct, err := f.GetCellType(sh, cell)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	for cell, want := range map[string]string{
		"A1": "原因", "B1": "电话", "D1": "满意率",
		"A2": "'=HYPERLINK(\"http://evil\",\"x\")", "B2": "138****0001", "F2": "2026-11-23 10:05:00",
		"A3": "客户电话139****5678打不通", "B3": "'+86138****0001",
		"A4": "'@cmd", "E2": "", "B4": "",
	} {
		if got := get(cell, true); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if formula, _ := f.GetCellFormula(sh, "A2"); formula != "" {
		t.Errorf("A2 became a formula: %q", formula)
	}
	// Numbers are numbers; rates are numbers shown as percentages.
	if get("C2", true) != "10" || typ("C2") == excelize.CellTypeSharedString || typ("C2") == excelize.CellTypeInlineString {
		t.Errorf("C2 should be the number 10: %q (%v)", get("C2", true), typ("C2"))
	}
	if get("D2", true) != "0.875" || get("D2", false) != "87.50%" {
		t.Errorf("D2 should be 0.875 shown as 87.50%%: raw %q shown %q", get("D2", true), get("D2", false))
	}
	if get("D3", false) != "66.67%" {
		t.Errorf("D3 shown %q", get("D3", false))
	}
	rows, _ := f.GetRows(sh)
	if len(rows) != 4 {
		t.Errorf("rows: %d", len(rows))
	}
}

func TestReportTablesExport(t *testing.T) {
	f := newFixture(t)
	tenJobs(t, f)
	rows := callbackRows(t, f, day0, day0.AddDate(0, 0, 2), GroupDay, "")
	var buf bytes.Buffer
	if err := WriteCSV(&buf, CallbackTable(rows)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][0] != "统计期" || recs[1][0] != "2026-11-23" || recs[1][6] != "85.71%" ||
		!strings.Contains(recs[1][16], "上门不准时×1") {
		t.Fatalf("callback CSV: %q", recs)
	}
	// Every table writes as XLSX too.
	for _, tbl := range []*Table{CallbackTable(rows), InspectionTable(nil), TechnicianTable(nil), FinesTable(nil),
		AuditTable([]store.AuditEntry{{At: day0, Actor: "=cmd", Detail: "phone 13800000001"}})} {
		buf.Reset()
		if err := WriteXLSX(&buf, tbl); err != nil {
			t.Fatalf("%s: %v", tbl.Name, err)
		}
	}
}
