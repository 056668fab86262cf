package checklists

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// condTable is testdata/conditions.json: the one table of conditions and
// answers that the phone's modules run too (e2e/tests/conditions.test.mjs).
type condTable struct {
	Templates map[string]*Template `json:"templates"`
	Cases     []struct {
		Name           string                     `json:"name"`
		Template       string                     `json:"template"`
		Subject        Subject                    `json:"subject"`
		Facts          *Facts                     `json:"facts"`
		SubscribedMbps float64                    `json:"subscribed_mbps"`
		Answers        map[string]json.RawMessage `json:"answers"`
		Photos         map[string][]string        `json:"photos"`
		Expect         struct {
			Hidden []string        `json:"hidden"`
			Errors []string        `json:"errors"`
			Score  json.RawMessage `json:"score"`
		} `json:"expect"`
	} `json:"cases"`
	Invalid []struct {
		Name     string          `json:"name"`
		Template json.RawMessage `json:"template"`
		Errors   []string        `json:"errors"`
	} `json:"invalid_templates"`
}

func loadCondTable(t *testing.T) condTable {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "conditions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tab condTable
	if err := json.Unmarshal(data, &tab); err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestConditionsTable(t *testing.T) {
	tab := loadCondTable(t)
	for name, tpl := range tab.Templates {
		if err := ValidateTemplate(tpl); err != nil {
			t.Fatalf("template %s: %v", name, err)
		}
	}
	if len(tab.Cases) < 10 {
		t.Fatalf("only %d cases", len(tab.Cases))
	}
	for _, c := range tab.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var tpl *Template
			if id, ok := strings.CutPrefix(c.Template, "builtin:"); ok {
				tpl = builtin(t, id)
			} else if tpl = tab.Templates[c.Template]; tpl == nil {
				t.Fatalf("no template %s", c.Template)
			}
			s := &Submission{ID: "c1", TemplateID: tpl.ID, TemplateVersion: tpl.Version, Subject: c.Subject,
				Answers: c.Answers, Photos: c.Photos}
			ctx := Context{SubscribedMbps: c.SubscribedMbps, Facts: c.Facts}

			var hidden []string
			for id, shown := range Visible(tpl, s, c.Facts) {
				if !shown {
					hidden = append(hidden, id)
				}
			}
			sort.Strings(hidden)
			if !slices.Equal(hidden, nonNilStrings(c.Expect.Hidden)) && !(len(hidden) == 0 && len(c.Expect.Hidden) == 0) {
				t.Errorf("hidden %v, want %v", hidden, c.Expect.Hidden)
			}

			var got []string
			for p := range fieldsOf(t, Validate(tpl, s, ctx)) {
				got = append(got, p)
			}
			sort.Strings(got)
			if !(len(got) == 0 && len(c.Expect.Errors) == 0) && !slices.Equal(got, c.Expect.Errors) {
				t.Errorf("errors %v, want %v", got, c.Expect.Errors)
			}

			if len(c.Expect.Score) > 0 {
				var want map[string]any
				if err := json.Unmarshal(c.Expect.Score, &want); err != nil {
					t.Fatal(err)
				}
				res, _ := json.Marshal(Score(tpl, s, ctx))
				var have map[string]any
				json.Unmarshal(res, &have)
				if have["failed_critical"] == nil {
					have["failed_critical"] = []any{}
				}
				for k, w := range want {
					h, ok := have[k]
					if !ok && w == false {
						continue // omitted false
					}
					if !reflect.DeepEqual(h, w) {
						t.Errorf("score %s = %v, want %v", k, h, w)
					}
				}
			}
		})
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// The validator explains a bad condition by its path.
func TestConditionsInvalidTemplates(t *testing.T) {
	for _, c := range loadCondTable(t).Invalid {
		t.Run(c.Name, func(t *testing.T) {
			var tpl Template
			if err := json.Unmarshal(c.Template, &tpl); err != nil {
				t.Fatal(err)
			}
			var got []string
			for p := range fieldsOf(t, ValidateTemplate(&tpl)) {
				got = append(got, p)
			}
			sort.Strings(got)
			want := slices.Clone(c.Errors)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("errors\n got %v\nwant %v", got, want)
			}
		})
	}
}

// A template's conditions survive the JSON round trip (the console's import
// and export).
func TestConditionsRoundTrip(t *testing.T) {
	tpl := builtin(t, "install_acceptance")
	data, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	var back Template
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if !bytes.Equal(data, again) || !HasConditions(&back) {
		t.Fatal("conditions changed in a round trip")
	}
}

// Product families: the broadband words are workorders.IsBroadband's.
func TestFamilies(t *testing.T) {
	for _, p := range []string{"宽带", "broadband+iptv", "固话+宽带", "光纤 500M", "ADSL", "专线", "FTTH"} {
		if !slices.Contains(Families(p), "broadband") || !workorders.IsBroadband(p) {
			t.Errorf("%s: families %v, IsBroadband %v", p, Families(p), workorders.IsBroadband(p))
		}
	}
	for _, p := range []string{"固话", "phone", "iptv", "手机", "fttr"} {
		if slices.Contains(Families(p), "broadband") || workorders.IsBroadband(p) {
			t.Errorf("%s: families %v, IsBroadband %v", p, Families(p), workorders.IsBroadband(p))
		}
	}
	for _, w := range familyWords["broadband"] {
		if !workorders.IsBroadband(w) {
			t.Errorf("broadband word %q is not broadband to workorders.IsBroadband", w)
		}
	}
	if got := Families("宽带+IPTV+固话"); !slices.Equal(got, []string{"broadband", "iptv", "phone"}) {
		t.Errorf("宽带+IPTV+固话: %v", got)
	}
}

// The phone's conds.js carries families.json on its FAMILIES line.
func TestFamiliesJS(t *testing.T) {
	path := filepath.Join("..", "pwa", "static", "js", "conds.js")
	var compact bytes.Buffer
	if err := json.Compact(&compact, familiesJSON); err != nil {
		t.Fatal(err)
	}
	want := "const FAMILIES = " + compact.String() + "; // checklists/families.json, kept so by TestFamiliesJS"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "const FAMILIES = ") })
	if i < 0 {
		t.Fatalf("%s has no FAMILIES line", path)
	}
	if lines[i] != want && os.Getenv("FC_UPDATE") == "1" {
		lines[i] = want
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if lines[i] != want {
		t.Fatalf("%s: FAMILIES is not families.json (FC_UPDATE=1 go test ./checklists -run TestFamiliesJS)", path)
	}
}

// An existing data dir holding the earlier built-in acceptance (version 1,
// no conditions) gets the new one as version 2 on the next start; version 1
// and a sheet filed against it stay valid; a further start changes nothing.
func TestEnsureBuiltinsUpgradesAnOldDataDir(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "install_acceptance_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var old Template
	if err := json.Unmarshal(data, &old); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, _, err := Put(tx, &old, BuiltinActor, t0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The next start, with this build.
	db, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 2; i++ {
		if err := EnsureBuiltins(db, t0.Add(time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	db.View(func(tx *bolt.Tx) error {
		latest, err := Get(tx, "install_acceptance", 0)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Version != 2 || !HasConditions(latest) || latest.CreatedBy != BuiltinActor.Username {
			t.Fatalf("latest: version %d, conditions %v, by %s; want version 2 with conditions", latest.Version, HasConditions(latest), latest.CreatedBy)
		}
		v1, err := Get(tx, "install_acceptance", 1)
		if err != nil || HasConditions(v1) {
			t.Fatalf("version 1: %v", err)
		}
		// A removal filed against version 1 as last week's phone filled it:
		// every item answered, as version 1 asked.
		s := &Submission{ID: "old", TemplateID: v1.ID, TemplateVersion: 1, Subject: Subject{WorkOrderID: "wo1"},
			Answers: map[string]json.RawMessage{}, Photos: map[string][]string{"photo_install": {sha('1'), sha('2')}, "photo_modem_label": {sha('3')}}}
		for _, it := range items(v1) {
			switch it.Type {
			case TypeCheck:
				s.Answers[it.ID] = raw(t, true)
			case TypePassFail:
				s.Answers[it.ID] = raw(t, Pass)
			case TypeChoice:
				s.Answers[it.ID] = raw(t, it.Choices[0].ID)
			case TypeText:
				s.Answers[it.ID] = raw(t, "无")
			case TypeSignature:
				s.Answers[it.ID] = raw(t, sha('9'))
			case TypeSpeedtest:
				s.Answers[it.ID] = raw(t, map[string]any{"down_mbps": 95.0, "method": "manual"})
			}
		}
		if err := Validate(v1, s, Context{SubscribedMbps: 100, Facts: &Facts{OrderType: "removal", Product: "宽带"}}); err != nil {
			t.Errorf("a version 1 sheet: %v", err)
		}
		list, _ := List(tx)
		for _, x := range list {
			if x.ID != "install_acceptance" && x.Version != 1 {
				t.Errorf("%s: version %d, want 1 (unchanged built-ins are not rewritten)", x.ID, x.Version)
			}
		}
		return nil
	})
}

// A built-in someone has edited since is left alone by an upgrade.
func TestEnsureBuiltinsLeavesAnEditedTemplate(t *testing.T) {
	db := openStore(t)
	data, _ := os.ReadFile(filepath.Join("testdata", "install_acceptance_v1.json"))
	var old Template
	json.Unmarshal(data, &old)
	db.Update(func(tx *bolt.Tx) error { _, _, err := Put(tx, &old, BuiltinActor, t0); return err })
	old.Title.Zh = "验收单（本地版）"
	put(t, db, &old, t0.Add(time.Hour))
	if err := EnsureBuiltins(db, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		latest, _ := Get(tx, "install_acceptance", 0)
		if latest.Version != 2 || latest.Title.Zh != "验收单（本地版）" {
			t.Errorf("latest version %d %q, want the supervisor's version 2", latest.Version, latest.Title.Zh)
		}
		return nil
	})
}

// Lenient (a sheet judged on an order that may have changed) makes items
// under conditions optional, and nothing else.
func TestValidateLenient(t *testing.T) {
	tpl := builtin(t, "install_acceptance")
	// A broadband install's sheet, but the order now says repair.
	_, s := newAcceptance(t, func(s *Submission) {
		for _, id := range []string{"fault_found", "fault_fixed_how", "service_restored", "hidden_dangers_checked", "shoe_covers"} {
			delete(s.Answers, id)
		}
	})
	f := &Facts{OrderType: "repair", Product: "宽带"}
	strict := fieldsOf(t, Validate(tpl, s, Context{Facts: f}))
	if _, ok := strict["answers.fault_found"]; !ok {
		t.Fatalf("strict: %v", strict)
	}
	lenient := fieldsOf(t, Validate(tpl, s, Context{Facts: f, Lenient: true}))
	if len(lenient) != 1 || lenient["answers.shoe_covers"].En == "" {
		t.Errorf("lenient: %v, want only the unconditional shoe_covers", lenient)
	}
}
