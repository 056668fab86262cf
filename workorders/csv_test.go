package workorders

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const csvHead = "id,type,product,subscribed_mbps,customer_name,customer_phone,customer_address,customer_tier,technician,appointment_from,appointment_to\n"

func parse(t *testing.T, data []byte) ([]Row, []ImportResult) {
	t.Helper()
	rows, rejected, err := ParseCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return rows, rejected
}

func TestParseCSVReadsTheDocumentedHeader(t *testing.T) {
	rows, rejected := parse(t, []byte(csvHead+
		"WO-1,install,宽带 300M,300,张三,13800000001,春熙路 1 号,vip,tech1,2026-11-20 09:00,2026-11-20 11:00\n"+
		"WO-2,repair,宽带,100M,李四,028-85551234,\"天府大道 2 号, 3 栋\",standard,tech2,2026-11-21T09:00:00+08:00,2026-11-21T10:00:00+08:00\n"))
	if len(rejected) != 0 || len(rows) != 2 {
		t.Fatalf("rows %v rejected %v", rows, rejected)
	}
	a, b := rows[0], rows[1]
	if a.Row != 2 || a.Order.ID != "WO-1" || a.Order.Customer.Tier != TierVIP || a.Order.SubscribedMbps != 300 ||
		!a.Order.Appointment.From.Equal(time.Date(2026, 11, 20, 9, 0, 0, 0, store.Shanghai)) {
		t.Fatalf("row 2: %+v", a)
	}
	if b.Row != 3 || b.Order.SubscribedMbps != 100 || b.Order.Customer.Address != "天府大道 2 号, 3 栋" {
		t.Fatalf("row 3: %+v", b)
	}
}

func TestParseCSVNamesBadRowsByLine(t *testing.T) {
	rows, rejected := parse(t, []byte(csvHead+
		"WO-1,install,宽带,lots,张三,13800000001,a,vip,tech1,2026-11-20 09:00,2026-11-20 11:00\n"+
		"\n"+
		"WO-2,install,宽带,100,张三,13800000001,a,vip,tech1,tomorrow,2026-11-20 11:00\n"+
		"WO-3,install,宽带,100,张三,13800000001,a,vip,tech1,2026-11-20 09:00,2026-11-20 11:00\n"))
	if len(rows) != 1 || rows[0].Row != 5 {
		t.Fatalf("rows %+v", rows)
	}
	if len(rejected) != 2 || rejected[0].Row != 2 || rejected[1].Row != 4 || rejected[1].ID != "WO-2" {
		t.Fatalf("rejected %+v", rejected)
	}
	if _, ok := rejected[0].Err.Fields["subscribed_mbps"]; !ok {
		t.Errorf("row 2: %v", rejected[0].Err)
	}
	if _, ok := rejected[1].Err.Fields["appointment.from"]; !ok {
		t.Errorf("row 4: %v", rejected[1].Err)
	}
}

func TestParseCSVReadsWhatChineseExcelSaves(t *testing.T) {
	// Chinese headers in another order, Chinese values, GB18030 bytes.
	text := "工单号,装维人员,类型,客户姓名,联系电话,客户等级,地址,产品,签约速率,预约开始,预约结束\r\n" +
		"装-001,tech1,装机,王五,13900000002,高价值客户,成都市武侯区,宽带,500,2026/11/20 9:00,2026/11/20 11:30\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"GB18030":   gb,
		"UTF-8 BOM": append([]byte("\xEF\xBB\xBF"), text...),
		"UTF-8":     []byte(text),
		"semicolon": []byte(strings.ReplaceAll(text, ",", ";")),
	} {
		t.Run(name, func(t *testing.T) {
			rows, rejected := parse(t, data)
			if len(rejected) != 0 || len(rows) != 1 {
				t.Fatalf("rows %v rejected %+v", rows, rejected)
			}
			wo := rows[0].Order
			if wo.ID != "装-001" || wo.Type != TypeInstall || wo.Customer.Name != "王五" || wo.Customer.Tier != TierHighValue ||
				wo.Customer.Address != "成都市武侯区" || wo.SubscribedMbps != 500 ||
				!wo.Appointment.To.Equal(time.Date(2026, 11, 20, 11, 30, 0, 0, store.Shanghai)) {
				t.Fatalf("got %+v", wo)
			}
		})
	}
}

func TestParseCSVRefusesFilesItCannotRead(t *testing.T) {
	cases := []struct {
		name string
		data string
		code string
	}{
		{"empty file", "", "csv_empty"},
		{"header without technician", "id,type,customer_name,customer_phone,customer_tier\n", "csv_header"},
		{"duplicate column", strings.TrimSuffix(csvHead, "\n") + ",id\n", "csv_header"},
		{"unbalanced quote", csvHead + "\"WO-1,install\n", "csv_malformed"},
		{"too many rows", csvHead + strings.Repeat("WO,install,,,a,13800000001,a,vip,t,,\n", MaxCSVRows+1), "too_many_rows"},
		{"too many bytes", csvHead + strings.Repeat("x", MaxCSVBytes), "csv_too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ParseCSV(strings.NewReader(c.data))
			if e, ok := errs.As(err); !ok || e.Code != c.code {
				t.Fatalf("want %s, got %v", c.code, err)
			}
		})
	}
}

func TestImportCreatesUpdatesAndRejectsRowByRow(t *testing.T) {
	db := newDB(t)
	mustCreate(t, db, newOrder("WO-DONE"))
	mustUpdate(t, db, func(tx *bolt.Tx) error { _, err := Complete(tx, "WO-DONE", "sub-1", t0, admin); return err })
	mustCreate(t, db, newOrder("WO-OLD"))

	rows := Numbered([]WorkOrder{
		newOrder("WO-NEW"),
		newOrder("WO-OLD", func(w *WorkOrder) { w.Technician = "tech2" }),
		newOrder("WO-BAD", func(w *WorkOrder) { w.Customer.Phone = "123" }),
		newOrder("WO-DONE", func(w *WorkOrder) { w.Technician = "tech2" }),
		newOrder("WO-WEST", func(w *WorkOrder) { w.Technician = "tech3" }),
	})
	var res []ImportResult
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		var err error
		res, err = Import(tx, rows, admin, t0, "chengdu-east")
		return err
	})
	var got []string
	for _, r := range res {
		s := fmt.Sprintf("%d %s %s", r.Row, r.ID, r.Status)
		if r.Err != nil {
			s += " " + r.Err.Code
		}
		got = append(got, s)
	}
	want := "[1 WO-NEW created 2 WO-OLD updated 3 WO-BAD rejected validation_failed 4 WO-DONE rejected workorder_completed 5 WO-WEST rejected other_unit]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got  %v\nwant %s", got, want)
	}
	if f := feed(t, db, store.ScopeUser("tech1")); fmt.Sprint(f) != "[workorder:WO-DONE workorder:WO-DONE workorder:WO-OLD workorder:WO-NEW removed:WO-OLD]" {
		t.Fatalf("tech1 feed %v", f)
	}
	db.View(func(tx *bolt.Tx) error {
		for _, id := range []string{"WO-BAD", "WO-WEST"} {
			if store.Has(tx, store.BucketWorkOrders, []byte(id)) {
				t.Errorf("%s was stored", id)
			}
		}
		return nil
	})
}

func TestReimportingTheSameFileChangesNothing(t *testing.T) {
	db := newDB(t)
	rows := Numbered([]WorkOrder{newOrder("WO-1")})
	for i := 0; i < 2; i++ {
		mustUpdate(t, db, func(tx *bolt.Tx) error { _, err := Import(tx, rows, admin, t0, ""); return err })
	}
	db.View(func(tx *bolt.Tx) error {
		wo, _ := Get(tx, "WO-1")
		if wo.Version != 1 {
			t.Errorf("version %d", wo.Version)
		}
		return nil
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(csvHead + "WO-1,install,宽带,300,张三,13800000001,a,vip,tech1,2026-11-20 09:00,2026-11-20 11:00\n"))
	f.Add([]byte("\xEF\xBB\xBF工单号,类型,客户姓名,联系电话,客户等级,装维人员\n1,装机,a,1,vip,t\n"))
	f.Add([]byte("id;type\n\"a;b\";c\n"))
	f.Add([]byte{0xFF, 0xFE, 'i', 0, 'd', 0})
	f.Add([]byte("\xb9\xa4\xb5\xa5\xba\xc5,\xc0\xe0\xd0\xcd\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, rejected, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(rows)+len(rejected) > MaxCSVRows {
			t.Fatalf("%d rows", len(rows)+len(rejected))
		}
		for _, r := range rejected {
			if r.Row < 2 || r.Err == nil {
				t.Fatalf("bad rejection %+v", r)
			}
		}
	})
}

// The enterprise audit's 方案 times come in as optional columns, by their
// Chinese headers too; a bad time names its column.
func TestParseCSVReadsProposalTimes(t *testing.T) {
	head := strings.TrimSuffix(csvHead, "\n") + ",方案需求时间,方案提交时间\n"
	rows, rejected := parse(t, []byte(head+
		"WO-1,install,专线,1000,某公司,13800000001,春熙路 1 号,vip,tech1,2026-11-20 09:00,2026-11-20 11:00,2026-09-30 10:00,2026-10-09 17:00\n"+
		"WO-2,install,专线,1000,某公司,13800000001,春熙路 1 号,vip,tech1,2026-11-20 09:00,2026-11-20 11:00,,\n"+
		"WO-3,install,专线,1000,某公司,13800000001,春熙路 1 号,vip,tech1,2026-11-20 09:00,2026-11-20 11:00,昨天,\n"))
	if len(rows) != 2 || len(rejected) != 1 {
		t.Fatalf("rows %v rejected %v", rows, rejected)
	}
	a := rows[0].Order
	if a.ProposalRequestedAt == nil || !a.ProposalRequestedAt.Equal(time.Date(2026, 9, 30, 10, 0, 0, 0, store.Shanghai)) ||
		a.ProposalSubmittedAt == nil || !a.ProposalSubmittedAt.Equal(time.Date(2026, 10, 9, 17, 0, 0, 0, store.Shanghai)) {
		t.Fatalf("proposal times %v %v", a.ProposalRequestedAt, a.ProposalSubmittedAt)
	}
	if b := rows[1].Order; b.ProposalRequestedAt != nil || b.ProposalSubmittedAt != nil {
		t.Fatalf("empty cells gave %v %v", b.ProposalRequestedAt, b.ProposalSubmittedAt)
	}
	if e := rejected[0].Err; e == nil || !strings.Contains(fmt.Sprintf("%+v", *e), "proposal_requested_at") {
		t.Fatalf("rejection %+v", rejected[0])
	}
}
