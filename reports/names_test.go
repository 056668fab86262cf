package reports

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/names"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// cells is every text cell of t, for "does the export show X" checks.
func cells(t *Table) []string {
	var out []string
	for _, row := range t.Rows {
		for _, c := range row {
			out = append(out, fmt.Sprint(c))
		}
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Report rows carry the unit's display name beside its code, and the
// exports show units and people by name: a code is shown only while it has
// no name. Store codes (business identifiers) stay.
func TestReportsNameUnitsAndPeople(t *testing.T) {
	f := newFixture(t)
	update(t, f.db, func(tx *bolt.Tx) error {
		_, err := names.Set(tx, names.KindUnit, "chengdu-east", names.Input{Zh: "成都东区", En: "Chengdu East"}, sysActor, day0)
		return err
	})
	mon := day0.Add(10 * time.Hour)
	w1 := f.walkthrough(t, "w1", "s1", mon, func(s *checklists.Submission) { s.Answers["storefront"] = raw(t, checklists.Fail) })
	w2 := f.walkthrough(t, "w2", "s2", mon, func(s *checklists.Submission) { s.Answers["storefront"] = raw(t, checklists.Fail) })
	f.push(t, insp1, mon.Add(time.Hour), nil, w1)
	f.push(t, insp2, mon.Add(time.Hour), nil, w2)
	f.finish(t, workorders.TypeInstall, "tech1", mon)

	var ins []InspectionRow
	var techs []TechnicianRow
	var fines []FineRow
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		if ins, err = Inspections(tx, day0, day0.AddDate(0, 0, 7), ""); err != nil {
			return err
		}
		if techs, err = Technicians(tx, day0, day0.AddDate(0, 0, 7), ""); err != nil {
			return err
		}
		fines, err = Fines(tx, "2026-11", "")
		return err
	})
	if len(ins) != 2 || ins[0].UnitName != "成都东区" || ins[0].Unit != "chengdu-east" || ins[1].UnitName != "chengdu-west" {
		t.Errorf("inspection rows: %+v", ins)
	}
	if len(techs) != 1 || techs[0].UnitName != "成都东区" || techs[0].Name != "张师傅" {
		t.Errorf("technician rows: %+v", techs)
	}
	if len(fines) != 2 || fines[0].UnitName != "成都东区" || fines[1].UnitName != "chengdu-west" {
		t.Errorf("fine rows: %+v", fines)
	}

	cases := []struct {
		name        string
		table       *Table
		show, never []string
	}{
		{"网点巡检", InspectionTable(ins), []string{"成都东区", "s1", "春熙路营业厅"}, []string{"chengdu-east"}},
		{"装维人员规范", TechnicianTable(techs), []string{"张师傅", "成都东区"}, []string{"tech1", "chengdu-east"}},
		{"罚款汇总", FinesTable(fines), []string{"成都东区", "s1"}, []string{"chengdu-east"}},
	}
	var lookup names.Lookup
	view(t, f.db, func(tx *bolt.Tx) error {
		var err error
		lookup, err = names.ForExport(tx)
		return err
	})
	audit := NamedAuditTable([]store.AuditEntry{{At: mon, Actor: "tech1", Unit: "chengdu-east", Action: "submission.accepted", Object: "submission/w1"}}, lookup)
	cases = append(cases, struct {
		name        string
		table       *Table
		show, never []string
	}{"操作日志", audit, []string{"张师傅", "成都东区", "tech1"}, []string{"chengdu-east"}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cells(c.table)
			for _, s := range c.show {
				if !has(got, s) {
					t.Errorf("%q missing from %v", s, got)
				}
			}
			for _, s := range c.never {
				if has(got, s) {
					t.Errorf("%q shown: %v", s, got)
				}
			}
			var csv strings.Builder
			if err := WriteCSV(&csv, c.table); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(csv.String(), "账号") != (c.name == "操作日志") {
				t.Errorf("the account column: %s", csv.String()[:min(200, csv.Len())])
			}
		})
	}
}
