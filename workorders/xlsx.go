package workorders

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/xuri/excelize/v2"
)

// XLSXType is the media type of an Excel workbook (.xlsx).
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// xlsxUnzipLimit bounds what a workbook may unpack to: a small upload may be
// a zip bomb.
const xlsxUnzipLimit = 64 << 20

var errXLSX = errs.New(errs.Invalid, "xlsx_unreadable", "无法读取 Excel 文件（应为 .xlsx 工作簿）",
	"the Excel file cannot be read (an .xlsx workbook is expected)")

// ParseXLSX reads work orders from the first sheet of an .xlsx workbook as
// Excel saves it: the first non-blank row is the header (the same columns and
// Chinese aliases as the CSV), each later row an order numbered by its sheet
// row. Cells are read raw, so a phone number stays all digits and a date cell
// arrives as Excel's day serial (read as Asia/Shanghai wall time).
func ParseXLSX(data []byte) (rows []Row, rejected []ImportResult, err error) {
	// A crafted workbook must not take the server down with a decoder's
	// panic: it is an unreadable file like any other.
	defer func() {
		if recover() != nil {
			rows, rejected, err = nil, nil, errXLSX
		}
	}()
	if len(data) > MaxCSVBytes {
		return nil, nil, errs.New(errs.TooLarge, "xlsx_too_large", "Excel 文件不能超过 10 MB", "the Excel file must be at most 10 MB")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipLimit / 4})
	if err != nil {
		return nil, nil, errXLSX
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, errXLSX
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, errXLSX
	}
	defer it.Close()
	var header []string
	var recs []record
	line := 0
	for it.Next() {
		line++
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, nil, errXLSX
		}
		if blank(cells) {
			continue
		}
		if header == nil {
			header = cells
			continue
		}
		if len(recs) >= MaxCSVRows {
			return nil, nil, errTooManyRows
		}
		recs = append(recs, record{line: line, fields: cells})
	}
	if header == nil {
		return nil, nil, csvErr("csv_empty", "Excel 工作表为空", "the Excel sheet is empty")
	}
	return parseTable(header, recs)
}

// excelSerial reads a spreadsheet's date-time serial (days since 1899-12-30,
// the fraction the time of day) as Asia/Shanghai wall time.
func excelSerial(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 1 || f > 2958465 || math.IsNaN(f) {
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return time.Time{}, false
	}
	t = t.Round(time.Second)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, store.Shanghai), true
}
