package audits

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestMasks(t *testing.T) {
	for in, want := range map[string]string{"13800000001": "138****0001", "028-85551234": "028*****1234", "5551": "**51", "": ""} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"某某公司": "某***", "张": "张*", "": ""} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The zip holds the report (目的, 对象, 内容, 结果, 建议, the auditor's name
// and contact) and the evidence under its rule names; no customer's whole
// name or number appears anywhere in it.
func TestReportZipFollowsTheOutlineAndMasksCustomers(t *testing.T) {
	s, db := newService(t)
	order(t, db, "ZX-1", "tech1", "专线", now.AddDate(0, 0, -5))
	a := start(t, s, "common-21")
	if _, err := s.DrawSample(insp, a.ID, "basic-22", 1); err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := s.Judge(insp, a.ID, "basic-22", JudgeInput{Order: "ZX-1", OK: &no, Note: "缺售后服务手册"}); err != nil {
		t.Fatal(err)
	}
	shaA := strings.Repeat("a", 64)
	shaB := strings.Repeat("b", 64)
	if _, _, err := s.AddEvidence(insp, a.ID, "basic-22", shaA, "jpg"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddEvidence(insp, a.ID, "basic-29", shaB, "pdf"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.File(insp, a.ID, "完善交付文档，补齐售后服务手册"); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Report(insp, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	files := map[string]string{shaA: "photo-bytes"}
	err = rep.WriteZip(&buf, func(sha string) (io.ReadCloser, error) {
		if b, ok := files[sha]; ok {
			return io.NopCloser(strings.NewReader(b)), nil
		}
		return nil, errors.New("gone")
	})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		got[f.Name] = string(b)
	}
	if got["证据/基础类_22_验收交付_客户交付_交付报告_1.jpg"] != "photo-bytes" {
		t.Fatalf("zip entries %v", keys(got))
	}
	if !strings.Contains(got["缺失证据.txt"], "基础类_29_业务维护_业务巡检_巡检服务_1.pdf") {
		t.Fatalf("missing evidence not listed: %q", got["缺失证据.txt"])
	}
	x, err := excelize.OpenReader(strings.NewReader(got["稽查报告.xlsx"]))
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]string{}
	var all strings.Builder
	for _, sheet := range x.GetSheetList() {
		rows, _ := x.GetRows(sheet)
		for _, r := range rows {
			if len(r) > 1 && sheet == "稽查报告" {
				cells[r[0]] = r[1]
			}
			all.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	for _, k := range []string{"一、稽查目的", "二、稽查对象", "三、稽查内容", "四、稽查结果", "五、稽查建议"} {
		if cells[k] == "" {
			t.Errorf("report has no %s: %v", k, cells)
		}
	}
	if cells["稽查人员"] != "王稽查" || cells["联系方式"] != "13900000000" || cells["五、稽查建议"] != "完善交付文档，补齐售后服务手册" ||
		!strings.Contains(cells["四、稽查结果"], "不达标 1 项") {
		t.Fatalf("report cells %v", cells)
	}
	text := all.String()
	if strings.Contains(text, "13800000001") || strings.Contains(text, "某某公司") || !strings.Contains(text, "138****0001") {
		t.Fatalf("customer data not masked:\n%s", text)
	}
	if !strings.Contains(text, "不适用（不提供）") || !strings.Contains(text, "ZX-1") || !strings.Contains(text, "不符合") {
		t.Fatalf("details missing:\n%s", text)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
