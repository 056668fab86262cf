package summary

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"fieldcheck/store"

	"codeberg.org/go-pdf/fpdf"
)

//go:embed font/wqy-microhei.ttf
var cjkFont []byte

// Row is one line of the items table.
type Row struct {
	Section  bool   // a section heading (only Label)
	Label    string // the item
	Answer   string // what was found
	Max      string // points available ("" when unscored)
	Points   float64
	Fine     float64
	Critical bool // a critical item that failed
}

// Picture is one photo or signature, JPEG or PNG bytes.
type Picture struct {
	Caption string
	Data    []byte
	Type    string // "JPEG" | "PNG"
}

// Report is everything the PDF shows, already in words.
type Report struct {
	Title      string // the template's title
	KindLabel  string // 网点巡检 | 入户抽查
	Subject    string // the store's name, or the technician's
	Unit       string // the inspected unit's name
	Address    string
	Inspector  string
	FinishedAt time.Time
	Score      float64
	MaxScore   float64
	Percent    *float64
	Grade      string // the band's label, "" without one
	Passed     bool
	Fines      float64
	Rows       []Row
	// RectifyBy is the rectification's due date; zero when nothing was
	// deducted (no rectification).
	RectifyBy  time.Time
	Photos     []Picture
	Signatures []Picture
	Version    int
	Generated  time.Time
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Yuan writes an amount of money as the PDF does: "200 元".
func Yuan(f float64) string { return num(f) + " 元" }

func day(t time.Time) string { return t.In(store.Shanghai).Format("2006年01月02日") }

// Render writes r as an A4 PDF to w.
func Render(w io.Writer, r Report) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(r.Generated)
	pdf.SetModificationDate(r.Generated)
	pdf.SetTitle("检查汇总反馈表 "+r.Subject, true)
	pdf.SetCreator("fieldcheck", true)
	pdf.AddUTF8FontFromBytes("cjk", "", cjkFont)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("cjk", "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, fmt.Sprintf("检查汇总反馈表 · 第 %d 页，共 {nb} 页 · 生成于 %s", pdf.PageNo(),
			r.Generated.In(store.Shanghai).Format("2006-01-02 15:04")), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	inner := width - 30

	pdf.SetFont("cjk", "", 18)
	pdf.CellFormat(0, 10, "检查汇总反馈表", "", 1, "C", false, 0, "")
	pdf.SetFont("cjk", "", 11)
	pdf.CellFormat(0, 6, r.Title, "", 1, "C", false, 0, "")
	pdf.Ln(3)

	// The facts, two per line.
	pdf.SetFont("cjk", "", 10)
	facts := [][2]string{
		{"被检查对象", r.Subject}, {"被检查单位", r.Unit},
		{"检查类型", r.KindLabel}, {"检查时间", r.FinishedAt.In(store.Shanghai).Format("2006-01-02 15:04")},
		{"稽查员", r.Inspector}, {"记录版本", "第 " + strconv.Itoa(r.Version) + " 版"},
	}
	if r.Address != "" {
		facts = append(facts, [2]string{"地址", r.Address}, [2]string{"", ""})
	}
	half := inner / 2
	for i := 0; i < len(facts); i += 2 {
		for _, f := range facts[i : i+2] {
			pdf.SetFillColor(240, 240, 240)
			pdf.CellFormat(24, 7, f[0], "1", 0, "L", f[0] != "", 0, "")
			pdf.CellFormat(half-24, 7, fit(pdf, f[1], half-26), "1", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.Ln(3)

	// The result.
	pdf.SetFont("cjk", "", 12)
	pct := "—"
	if r.Percent != nil {
		pct = num(round2(*r.Percent)) + "%"
	}
	grade := r.Grade
	if grade == "" {
		grade = "—"
	}
	verdict := ""
	if !r.Passed {
		verdict = " · 不通过（关键项不合格）"
	}
	pdf.SetFillColor(230, 238, 250)
	pdf.CellFormat(inner, 8, fmt.Sprintf("得分 %s / %s（得分率 %s） · 评级 %s%s", num(r.Score), num(r.MaxScore), pct, grade, verdict), "1", 1, "L", true, 0, "")
	pdf.CellFormat(inner, 8, "罚款合计 "+Yuan(r.Fines), "1", 1, "L", true, 0, "")
	pdf.Ln(3)

	// The items.
	cols := []float64{inner - 75, 35, 20, 20}
	pdf.SetFont("cjk", "", 10)
	pdf.SetFillColor(220, 220, 220)
	for i, h := range []string{"检查项目", "检查结果", "扣分", "罚款（元）"} {
		pdf.CellFormat(cols[i], 7, h, "1", 0, "C", true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("cjk", "", 9)
	for _, row := range r.Rows {
		if row.Section {
			pdf.SetFillColor(245, 245, 245)
			pdf.CellFormat(inner, 6.5, row.Label, "1", 1, "L", true, 0, "")
			continue
		}
		label := row.Label
		if row.Critical {
			label += " ★关键项不合格"
		}
		lines, ans := wrap(pdf, label, cols[0]-2), wrap(pdf, row.Answer, cols[1]-2)
		const lh = 5.5
		h := lh * float64(max(len(lines), len(ans), 1))
		if pdf.GetY()+h > 297-20 {
			pdf.AddPage()
		}
		x, y := pdf.GetXY()
		box(pdf, x, y, cols[0], h, lines, lh)
		box(pdf, x+cols[0], y, cols[1], h, ans, lh)
		pdf.SetXY(x+cols[0]+cols[1], y)
		pts, fine := "", ""
		if row.Points > 0 {
			pts = "−" + num(row.Points)
		}
		if row.Fine > 0 {
			fine = num(row.Fine)
		}
		pdf.CellFormat(cols[2], h, pts, "1", 0, "C", false, 0, "")
		pdf.CellFormat(cols[3], h, fine, "1", 1, "C", false, 0, "")
	}
	pdf.Ln(4)

	// 整改: seed 004 第八十一条.
	pdf.SetFont("cjk", "", 11)
	if !r.RectifyBy.IsZero() {
		para(pdf, inner, fmt.Sprintf("整改要求：请被检查单位于 %s 前（收到本表后 15 日内）上报整改措施。", day(r.RectifyBy)))
	} else {
		para(pdf, inner, "本次检查未发现扣分项，无需整改。")
	}
	pdf.Ln(3)

	if err := pictures(pdf, "现场照片", r.Photos, inner, 3); err != nil {
		return err
	}
	if err := pictures(pdf, "签字", r.Signatures, inner, 3); err != nil {
		return err
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("summary: render: %w", err)
	}
	return pdf.Output(w)
}

// pictures lays pictures out per row under a heading, each with a caption.
func pictures(pdf *fpdf.Fpdf, heading string, list []Picture, inner float64, perRow int) error {
	if len(list) == 0 {
		return nil
	}
	pdf.SetFont("cjk", "", 11)
	pdf.CellFormat(inner, 7, heading, "", 1, "L", false, 0, "")
	gap := 4.0
	cell := (inner - gap*float64(perRow-1)) / float64(perRow)
	x0 := pdf.GetX()
	for i, p := range list {
		name := fmt.Sprintf("%s-%d", heading, i)
		info := pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: p.Type, ReadDpi: false}, bytes.NewReader(p.Data))
		if pdf.Err() || info == nil {
			pdf.ClearError() // a damaged picture is left out, not the whole report
			continue
		}
		w, h := cell, cell*info.Height()/info.Width()
		if h > cell {
			w, h = cell*info.Width()/info.Height(), cell
		}
		col := i % perRow
		if col == 0 {
			if i > 0 {
				pdf.SetY(pdf.GetY() + cell + 8)
			}
			if pdf.GetY()+cell+8 > 297-20 {
				pdf.AddPage()
			}
		}
		x, y := x0+float64(col)*(cell+gap), pdf.GetY()
		pdf.ImageOptions(name, x+(cell-w)/2, y+(cell-h)/2, w, h, false, fpdf.ImageOptions{ImageType: p.Type}, 0, "")
		pdf.SetFont("cjk", "", 8)
		pdf.SetXY(x, y+cell+1)
		pdf.CellFormat(cell, 5, fit(pdf, p.Caption, cell), "", 0, "C", false, 0, "")
		pdf.SetXY(x0, y)
	}
	pdf.SetY(pdf.GetY() + cell + 9)
	pdf.SetX(x0)
	return nil
}

// wrap breaks s into lines no wider than w (mm) in the current font, at
// any character (Chinese has no spaces; fpdf's own MultiCell drops the
// character at a break in UTF-8 text).
func wrap(pdf *fpdf.Fpdf, s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := []rune{}
		for _, r := range para {
			if len(line) > 0 && pdf.GetStringWidth(string(append(line, r))) > w {
				out = append(out, string(line))
				line = line[:0]
			}
			line = append(line, r)
		}
		out = append(out, string(line))
	}
	return out
}

// box draws a bordered cell of height h at (x, y) with lines in it.
func box(pdf *fpdf.Fpdf, x, y, w, h float64, lines []string, lh float64) {
	pdf.Rect(x, y, w, h, "D")
	for i, l := range lines {
		pdf.SetXY(x, y+float64(i)*lh)
		pdf.CellFormat(w, lh, l, "", 0, "L", false, 0, "")
	}
}

// para is a bordered paragraph across the page.
func para(pdf *fpdf.Fpdf, w float64, s string) {
	lines := wrap(pdf, s, w-2)
	x, y := pdf.GetXY()
	box(pdf, x, y, w, 6*float64(len(lines)), lines, 6)
	pdf.SetXY(x, y+6*float64(len(lines)))
}

// fit cuts s to width w (mm) in the current font, with an ellipsis.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func round2(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	return v
}
