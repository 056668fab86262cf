package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/xuri/excelize/v2"
)

// Export formats (?format=).
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ContentTypeCSV and ContentTypeXLSX are the media types of the downloads.
const (
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// ErrBadFormat is a ?format= other than csv or xlsx.
var ErrBadFormat = func() *errs.Error {
	e := errs.New(errs.BadRequest, "bad_format", "format 须为 csv 或 xlsx", "format must be csv or xlsx")
	e.Fields = map[string]errs.Msg{"format": e.Message}
	return e
}()

// ValidFormat reports whether f is csv or xlsx.
func ValidFormat(f string) bool { return f == FormatCSV || f == FormatXLSX }

// Kind says how a column's cells are written.
type Kind int

const (
	// Text: strings (also *string, time.Time, anything else via fmt); phone
	// numbers inside are masked and a leading = + - @ tab or CR neutralised.
	Text Kind = iota
	// Number: int or float64 (also *float64; nil is an empty cell), written as
	// a number.
	Number
	// Percent: a fraction 0–1 (float64 or *float64), a number with a percent
	// format in XLSX and "87.5%" in CSV.
	Percent
	// Phone: a phone number, masked whole (138****0001), then as Text.
	Phone
)

// Column is one column: its header (Chinese: the users read these) and kind.
type Column struct {
	Header string
	Kind   Kind
}

// Table is what an export writes: one header row and rows of cells in
// column order.
type Table struct {
	// Name is the XLSX sheet name (at most 31 characters are kept).
	Name    string
	Columns []Column
	Rows    [][]any
}

// Write writes t in format (csv or xlsx).
func Write(w io.Writer, format string, t *Table) error {
	switch format {
	case FormatCSV:
		return WriteCSV(w, t)
	case FormatXLSX:
		return WriteXLSX(w, t)
	}
	return ErrBadFormat
}

// ContentType is the media type of format.
func ContentType(format string) string {
	if format == FormatXLSX {
		return ContentTypeXLSX
	}
	return ContentTypeCSV
}

// FileName is base plus the format's extension, e.g.
// "callbacks-2026-11-01-2026-11-30.csv". base must be ASCII (it goes into a
// Content-Disposition header as is).
func FileName(base, format string) string { return base + "." + format }

// bom makes Excel read a CSV as UTF-8 (without it, Chinese Excel assumes GBK).
const bom = "\xEF\xBB\xBF"

// WriteCSV writes t as CSV in UTF-8 with a BOM and CRLF line ends.
func WriteCSV(w io.Writer, t *Table) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		rec[i] = Neutralize(c.Header)
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, row := range t.Rows {
		for i, c := range t.Columns {
			rec[i] = csvCell(c.Kind, cellAt(row, i))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cellAt(row []any, i int) any {
	if i < len(row) {
		return row[i]
	}
	return nil
}

func csvCell(k Kind, v any) string {
	switch k {
	case Number:
		if f, ok := number(v); ok {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return ""
	case Percent:
		if f, ok := number(v); ok {
			return strconv.FormatFloat(round2(f*100), 'f', -1, 64) + "%"
		}
		return ""
	}
	return textCell(k, v)
}

// number reads int, float64 and *float64 cells.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case *float64:
		if x != nil {
			return *x, true
		}
	}
	return 0, false
}

// maxCellText is Excel's limit on the characters of one cell.
const maxCellText = 32767

// textCell renders a text or phone cell: masked, neutralised, within
// Excel's cell limit.
func textCell(k Kind, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case *string:
		if x == nil {
			return ""
		}
		s = *x
	case time.Time:
		if x.IsZero() {
			return ""
		}
		s = x.In(store.Shanghai).Format("2006-01-02 15:04:05")
	case fmt.Stringer:
		s = x.String()
	default:
		s = fmt.Sprint(x)
	}
	if k == Phone {
		s = MaskPhone(s)
	} else {
		s = MaskPhones(s)
	}
	if utf8.RuneCountInString(s) > maxCellText-1 {
		s = string([]rune(s)[:maxCellText-1])
	}
	return Neutralize(s)
}

// Neutralize defuses a cell a spreadsheet would run as a formula: text whose
// first visible character is = + - @ (or their full-width forms) gets a
// leading apostrophe — also after leading spaces, line breaks, tabs or other
// control characters, which some spreadsheets and parsers strip before they
// look ("\n=1+3" once passed). A cell that starts with a tab or carriage
// return is neutralised whatever follows.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' {
		return "'" + s
	}
	rest := strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) })
	if rest == "" {
		return s
	}
	if r, _ := utf8.DecodeRuneInString(rest); strings.ContainsRune("=+-@＝＋－＠", r) {
		return "'" + s
	}
	return s
}

// MaskPhone masks a whole phone-number field: a Chinese mobile keeps its
// first three and last four digits (138****0001); anything else keeps its
// first three and last four characters when it has at least eight, and only
// its last two otherwise.
func MaskPhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if m := MaskPhones(s); m != s {
		return m
	}
	r := []rune(s)
	if len(r) >= 8 {
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	}
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
}

// MaskPhones masks the phone numbers inside free text: an 11-digit mobile
// number starting 13–19 (also after 86 or +86) becomes 138****0001, and a
// landline written with its area code (028-85551234) keeps the area code and
// its last four digits (028-****1234). Only whole runs of digits count, so
// dates, amounts and longer ids are left alone.
func MaskPhones(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	b := []byte(s)
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if !isDigit(b[i]) {
			out = append(out, b[i])
			i++
			continue
		}
		j := i
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		run := b[i:j]
		switch {
		case isMobile(run):
			out = append(out, maskMobile(run)...)
		case len(run) == 13 && run[0] == '8' && run[1] == '6' && isMobile(run[2:]):
			out = append(out, run[:2]...)
			out = append(out, maskMobile(run[2:])...)
		case len(run) >= 7 && len(run) <= 8 && afterAreaCode(b, i):
			out = append(out, strings.Repeat("*", len(run)-4)...)
			out = append(out, run[len(run)-4:]...)
		default:
			out = append(out, run...)
		}
		i = j
	}
	return string(out)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isMobile(run []byte) bool { return len(run) == 11 && run[0] == '1' && run[1] >= '3' }

func maskMobile(run []byte) []byte {
	return append(append(append([]byte{}, run[:3]...), "****"...), run[7:]...)
}

// afterAreaCode: b[i-1] is '-' and before it a whole run of 3–4 digits
// starting with 0 (010, 028, 0755).
func afterAreaCode(b []byte, i int) bool {
	if i < 4 || b[i-1] != '-' {
		return false
	}
	k := i - 1
	for k > 0 && isDigit(b[k-1]) {
		k--
	}
	n := i - 1 - k
	return n >= 3 && n <= 4 && b[k] == '0'
}

// sheetName makes a valid XLSX sheet name: at most 31 characters, none of
// : \ / ? * [ ].
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		s = "Sheet1"
	}
	return s
}

// WriteXLSX writes t as a one-sheet workbook: a bold Chinese header row,
// numbers as numbers, rates as percentages (0.00%), text masked and
// neutralised like the CSV. It streams rows, so a large audit export does
// not build the sheet in memory twice.
func WriteXLSX(w io.Writer, t *Table) error {
	f := excelize.NewFile()
	defer f.Close()
	name := sheetName(t.Name)
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if len(t.Columns) > 0 {
		if err := sw.SetColWidth(1, len(t.Columns), 16); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		cells[i] = excelize.Cell{StyleID: header, Value: Neutralize(c.Header)}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for r, row := range t.Rows {
		cells := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			v := cellAt(row, i)
			switch c.Kind {
			case Number:
				if f, ok := number(v); ok {
					cells[i] = f
				}
			case Percent:
				if f, ok := number(v); ok {
					cells[i] = excelize.Cell{StyleID: pct, Value: f}
				}
			default:
				if s := textCell(c.Kind, v); s != "" {
					cells[i] = s
				}
			}
		}
		ref, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
