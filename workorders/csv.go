package workorders

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// Limits on one CSV import.
const (
	MaxCSVBytes = 10 << 20
	MaxCSVRows  = 10000
)

// CSVHeader is the documented header (API.md); columns may come in any order.
var CSVHeader = []string{"id", "type", "product", "subscribed_mbps", "customer_name", "customer_phone",
	"customer_address", "customer_tier", "technician", "appointment_from", "appointment_to"}

// requiredColumns: without these no row could be valid, so the file is
// refused once instead of every row.
var requiredColumns = []string{"id", "type", "customer_name", "customer_phone", "customer_tier", "technician"}

// headerAliases maps the Chinese headers dispatchers' spreadsheets use.
var headerAliases = map[string]string{
	"工单号": "id", "工单编号": "id", "编号": "id",
	"类型": "type", "工单类型": "type", "业务类型": "type",
	"产品": "product", "产品名称": "product", "业务": "product",
	"签约速率": "subscribed_mbps", "签约带宽": "subscribed_mbps", "带宽": "subscribed_mbps", "速率": "subscribed_mbps", "签约速率(mbps)": "subscribed_mbps",
	"客户姓名": "customer_name", "客户名称": "customer_name", "姓名": "customer_name",
	"联系电话": "customer_phone", "客户电话": "customer_phone", "电话": "customer_phone",
	"地址": "customer_address", "客户地址": "customer_address", "装机地址": "customer_address",
	"客户等级": "customer_tier", "客户级别": "customer_tier",
	"装维人员": "technician", "技术员": "technician", "装维工号": "technician", "施工人员": "technician",
	"预约开始": "appointment_from", "预约开始时间": "appointment_from",
	"预约结束": "appointment_to", "预约结束时间": "appointment_to",
	"受理时间": "accepted_at", "受理": "accepted_at",
	"客户类型": "customer_kind", "客户类别": "customer_kind",
	"线路类型": "line", "业务线路": "line", "线路": "line",
	"方案需求时间": "proposal_requested_at", "方案需求提出时间": "proposal_requested_at",
	"方案提交时间": "proposal_submitted_at",
}

// OptionalColumns are v1.1's extra columns after the fixed ones (API.md).
var OptionalColumns = []string{"accepted_at", "customer_kind", "line", "proposal_requested_at", "proposal_submitted_at"}

var kindAliases = map[string]string{
	"公众": KindResidential, "公众客户": KindResidential, "家庭": KindResidential, "个人": KindResidential, "住宅": KindResidential,
	"政企": KindEnterprise, "政企客户": KindEnterprise, "企业": KindEnterprise, "集团": KindEnterprise,
}

var typeAliases = map[string]string{
	"装机": TypeInstall, "新装": TypeInstall, "安装": TypeInstall,
	"移机": TypeMove,
	"修障": TypeRepair, "维修": TypeRepair, "故障": TypeRepair, "故障处理": TypeRepair,
	"拆机": TypeRemoval,
	"投诉": TypeComplaint, "投诉处理": TypeComplaint,
}

var tierAliases = map[string]string{
	"重要": TierVIP, "重要客户": TierVIP,
	"高价值": TierHighValue, "高价值客户": TierHighValue, "high value": TierHighValue, "high-value": TierHighValue,
	"普通": TierStandard, "普通客户": TierStandard, "公众": TierStandard, "公众客户": TierStandard,
}

// Wall-time layouts as spreadsheets write them, read in Asia/Shanghai. A
// single "1"/"2"/"15" also reads two digits, so padded dates parse too.
var wallLayouts = []string{"2006-1-2 15:04", "2006-1-2 15:04:05", "2006/1/2 15:04", "2006/1/2 15:04:05", "2006-1-2T15:04", "2006-1-2T15:04:05"}

func csvErr(code, zh, en string) *errs.Error { return errs.New(errs.Invalid, code, zh, en) }

// ParseCSV reads a work-order CSV: UTF-8 with or without BOM, UTF-16 with a
// BOM, or GB18030 as Chinese Excel saves it; comma, semicolon or tab
// separated; header columns in any order (Chinese aliases too). It returns the
// rows that parsed and a rejection for each that did not (numbered by line,
// the header being line 1). The error is for a file that cannot be read at
// all: too large, too many rows, no usable header, broken quoting.
func ParseCSV(r io.Reader) ([]Row, []ImportResult, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return nil, nil, errs.New(errs.BadRequest, "body_read_failed", "读取文件失败", "could not read the file")
	}
	if len(data) > MaxCSVBytes {
		return nil, nil, errs.New(errs.TooLarge, "csv_too_large",
			fmt.Sprintf("CSV 文件不能超过 %d MB", MaxCSVBytes>>20), fmt.Sprintf("the CSV file must be at most %d MB", MaxCSVBytes>>20))
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffComma(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, csvErr("csv_empty", "CSV 文件为空", "the CSV file is empty")
	}
	if err != nil {
		return nil, nil, malformed(err)
	}
	var recs []record
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, malformed(err)
		}
		if blank(rec) {
			continue
		}
		if n++; n > MaxCSVRows {
			return nil, nil, errTooManyRows
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, record{line: line, fields: rec})
	}
	return parseTable(header, recs)
}

var errTooManyRows = errs.New(errs.TooLarge, "too_many_rows",
	fmt.Sprintf("一次最多导入 %d 行", MaxCSVRows), fmt.Sprintf("at most %d rows per import", MaxCSVRows))

// record is one data row of a table (CSV or a spreadsheet) with the line or
// row number a person sees.
type record struct {
	line   int
	fields []string
}

// parseTable maps the header and parses each record into an order, or a
// rejection naming its line.
func parseTable(header []string, recs []record) ([]Row, []ImportResult, error) {
	cols, err := mapHeader(header)
	if err != nil {
		return nil, nil, err
	}
	var rows []Row
	var rejected []ImportResult
	for _, r := range recs {
		wo, bad := parseRow(r.fields, cols)
		if bad != nil {
			o := wo
			rejected = append(rejected, ImportResult{Row: r.line, ID: wo.ID, Status: ImportRejected, Err: bad, Order: &o})
			continue
		}
		rows = append(rows, Row{Row: r.line, Order: wo})
	}
	return rows, rejected, nil
}

// decodeText: valid UTF-8 is UTF-8 (a BOM dropped); a UTF-16 BOM means
// Excel's "Unicode text"; anything else is GB18030, what Excel writes for
// "CSV" on a Chinese Windows.
func decodeText(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", csvErr("csv_encoding", "无法识别文件编码", "the file's text encoding is not readable")
		}
		data = out
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", csvErr("csv_encoding", "无法识别文件编码（支持 UTF-8 与 GB18030）",
			"the file's text encoding is not readable (UTF-8 or GB18030 expected)")
	}
	return string(out), nil
}

// sniffComma picks the separator the header line uses most.
func sniffComma(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	best, n := ',', strings.Count(first, ",")
	for _, c := range []rune{';', '\t'} {
		if m := strings.Count(first, string(c)); m > n {
			best, n = c, m
		}
	}
	return best
}

func malformed(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return csvErr("csv_malformed", fmt.Sprintf("CSV 第 %d 行格式错误（引号不配对？）", pe.StartLine),
			fmt.Sprintf("the CSV is malformed at line %d (unbalanced quotes?)", pe.StartLine))
	}
	return csvErr("csv_malformed", "CSV 格式错误", "the CSV is malformed")
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// normHeader folds "Customer Phone", "customer.phone" and "customer-phone"
// to customer_phone, and Chinese aliases to their column.
func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	h = strings.NewReplacer(" ", "_", ".", "_", "-", "_", "（", "(", "）", ")").Replace(h)
	if c, ok := headerAliases[h]; ok {
		return c
	}
	return h
}

// mapHeader returns each known column's index; unknown columns are ignored.
func mapHeader(header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, c := range append(append([]string{}, CSVHeader...), OptionalColumns...) {
		known[c] = true
	}
	cols := map[string]int{}
	var v errs.Validation
	for i, h := range header {
		c := normHeader(h)
		if !known[c] {
			continue
		}
		if _, dup := cols[c]; dup {
			v.Add("header."+c, "列重复", "the column appears twice")
		}
		cols[c] = i
	}
	for _, c := range requiredColumns {
		if _, ok := cols[c]; !ok {
			v.Add("header."+c, "缺少该列", "the column is missing")
		}
	}
	if err := v.Err(); err != nil {
		e, _ := errs.As(err)
		e.Code = "csv_header"
		e.Message = errs.Msg{Zh: "CSV 表头缺列或重复，表头应为 " + strings.Join(CSVHeader, ","),
			En: "the CSV header is missing or repeats columns; expected " + strings.Join(CSVHeader, ",")}
		return nil, e
	}
	return cols, nil
}

// parseRow turns one record into an order; field errors name the JSON path.
func parseRow(rec []string, cols map[string]int) (WorkOrder, *errs.Error) {
	get := func(c string) string {
		if i, ok := cols[c]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var v errs.Validation
	wo := WorkOrder{
		ID:         get("id"),
		Type:       alias(typeAliases, get("type")),
		Product:    get("product"),
		Technician: get("technician"),
		Customer: Customer{Name: get("customer_name"), Phone: get("customer_phone"),
			Address: get("customer_address"), Tier: alias(tierAliases, get("customer_tier")),
			Kind: alias(kindAliases, get("customer_kind"))},
		Line: get("line"),
	}
	if s := get("subscribed_mbps"); s != "" {
		f, err := parseMbps(s)
		if err != nil {
			v.Add("subscribed_mbps", "签约速率须为数字（Mbps）", "subscribed_mbps must be a number (Mbps)")
		}
		wo.SubscribedMbps = f
	}
	for _, t := range []struct {
		col, path string
		dst       *time.Time
	}{{"appointment_from", "appointment.from", &wo.Appointment.From}, {"appointment_to", "appointment.to", &wo.Appointment.To},
		{"accepted_at", "accepted_at", &wo.AcceptedAt}} {
		s := get(t.col)
		if s == "" {
			continue
		}
		tm, ok := ParseTime(s)
		if !ok {
			tm, ok = excelSerial(s)
		}
		if !ok {
			v.Add(t.path, "时间格式应为 2006-01-02 15:04 或 RFC 3339", "time must be like 2006-01-02 15:04 (Asia/Shanghai) or RFC 3339")
		}
		*t.dst = tm
	}
	for _, t := range []struct {
		col string
		dst **time.Time
	}{{"proposal_requested_at", &wo.ProposalRequestedAt}, {"proposal_submitted_at", &wo.ProposalSubmittedAt}} {
		if s := get(t.col); s != "" {
			tm, ok := ParseTime(s)
			if !ok {
				v.Add(t.col, "时间格式应为 2006-01-02 15:04 或 RFC 3339", "time must be like 2006-01-02 15:04 (Asia/Shanghai) or RFC 3339")
			}
			*t.dst = &tm
		}
	}
	if err := v.Err(); err != nil {
		e, _ := errs.As(err)
		return wo, e
	}
	return wo, nil
}

// alias maps a Chinese (or differently cased) value to its API value.
func alias(m map[string]string, s string) string {
	if a, ok := m[strings.ToLower(s)]; ok {
		return a
	}
	return strings.ToLower(s)
}

func parseMbps(s string) (float64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, suf := range []string{"mbps", "mbit/s", "mb", "m", "兆"} {
		if t, ok := strings.CutSuffix(s, suf); ok {
			s = strings.TrimSpace(t)
			break
		}
	}
	return strconv.ParseFloat(s, 64)
}

// ParseTime reads RFC 3339, or a spreadsheet's wall time (2006-01-02 15:04,
// 2006/1/2 9:00 …) as Asia/Shanghai.
func ParseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, l := range wallLayouts {
		if t, err := time.ParseInLocation(l, s, store.Shanghai); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
