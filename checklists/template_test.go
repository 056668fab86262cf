package checklists

import (
	"fmt"
	"strings"
	"testing"
)

// validTemplate is a small template using every item type, edited by fn.
func validTemplate(fn func(t *Template)) *Template {
	t := &Template{ID: "demo", Kind: KindAcceptance, Title: Text{Zh: "演示", En: "Demo"},
		Grading: []Band{{ID: "ok", Min: 60, Label: Text{Zh: "合格"}}, {ID: "bad", Min: 0, Label: Text{Zh: "不合格"}}},
		Sections: []Section{
			{ID: "a", Title: Text{Zh: "甲"}, Items: []Item{
				{ID: "shoe_covers", Type: TypeCheck, Label: Text{Zh: "鞋套"}, Required: true},
				{ID: "door", Type: TypePassFail, Label: Text{Zh: "门前"}, Required: true, Score: &ScoreRule{Max: 2, FinePerPoint: 50}},
				{ID: "hall", Type: TypeCount, Label: Text{Zh: "厅内"}, Required: true, Score: &ScoreRule{Max: 5, PerInstance: 1, Cap: f64(4), FinePerPoint: 50, FineCap: f64(200)}},
				{ID: "temp", Type: TypeNumber, Label: Text{Zh: "温度"}, Number: &NumberRange{Min: f64(-10), Max: f64(50), Unit: "°C"}},
			}},
			{ID: "b", Title: Text{Zh: "乙"}, Items: []Item{
				{ID: "note", Type: TypeText, Label: Text{Zh: "备注"}},
				{ID: "wiring", Type: TypeChoice, Label: Text{Zh: "布线"}, Choices: []Choice{{ID: "concealed", Label: Text{Zh: "暗线"}}, {ID: "exposed", Label: Text{Zh: "明线"}}}},
				{ID: "photo_site", Type: TypePhoto, Label: Text{Zh: "现场照片"}, Required: true, Photos: &PhotoRule{Min: 1, Max: 3}},
				{ID: "sign", Type: TypeSignature, Label: Text{Zh: "签字"}, Required: true},
				{ID: "speed", Type: TypeSpeedtest, Label: Text{Zh: "测速"}, Required: true, Critical: true, Speedtest: &SpeedRule{MinRatio: 0.9}},
				{ID: "stars", Type: TypeRating, Label: Text{Zh: "评分"}},
			}},
		}}
	if fn != nil {
		fn(t)
	}
	return t
}

func TestValidateTemplateNamesEveryProblem(t *testing.T) {
	item := func(t *Template, s, i int) *Item { return &t.Sections[s].Items[i] }
	cases := []struct {
		name string
		edit func(t *Template)
		want []string // paths that must be reported
	}{
		{"a valid template passes", nil, nil},
		{"id must be lowercase a–z 0–9 _", func(t *Template) { t.ID = "Store-Walk" }, []string{"id"}},
		{"kind must be one of the four", func(t *Template) { t.Kind = "audit" }, []string{"kind"}},
		{"zh title is required", func(t *Template) { t.Title.Zh = "  " }, []string{"title.zh"}},
		{"english title may be empty but not absurd", func(t *Template) { t.Title.En = strings.Repeat("x", MaxTitleLen+1) }, []string{"title.en"}},
		{"a template needs sections", func(t *Template) { t.Sections = nil }, []string{"sections"}},
		{"a section needs items", func(t *Template) { t.Sections[1].Items = nil }, []string{"sections[1].items"}},
		{"section ids are unique", func(t *Template) { t.Sections[1].ID = "a" }, []string{"sections[1].id"}},
		{"item ids are unique across sections", func(t *Template) { item(t, 1, 0).ID = "shoe_covers" }, []string{"sections[1].items[0].id"}},
		{"item id must be set", func(t *Template) { item(t, 0, 0).ID = "" }, []string{"sections[0].items[0].id"}},
		{"item type must be known", func(t *Template) { item(t, 0, 0).Type = "yesno" }, []string{"sections[0].items[0].type"}},
		{"item label zh is required", func(t *Template) { item(t, 0, 1).Label.Zh = "" }, []string{"sections[0].items[1].label.zh"}},
		{"choice items need two or more choices", func(t *Template) { item(t, 1, 1).Choices = item(t, 1, 1).Choices[:1] }, []string{"sections[1].items[1].choices"}},
		{"choice ids are unique", func(t *Template) { item(t, 1, 1).Choices[1].ID = "concealed" }, []string{"sections[1].items[1].choices[1].id"}},
		{"choices only on choice items", func(t *Template) { item(t, 0, 0).Choices = item(t, 1, 1).Choices }, []string{"sections[0].items[0].choices"}},
		{"photos min ≤ max", func(t *Template) { item(t, 1, 2).Photos = &PhotoRule{Min: 4, Max: 3} }, []string{"sections[1].items[2].photos.min"}},
		{"photos max within 1–20", func(t *Template) { item(t, 1, 2).Photos = &PhotoRule{Min: 0, Max: 500} }, []string{"sections[1].items[2].photos.max"}},
		{"score max must be above 0", func(t *Template) { item(t, 0, 1).Score.Max = 0 }, []string{"sections[0].items[1].score.max"}},
		{"per-instance deduction must not be negative", func(t *Template) { item(t, 0, 2).Score.PerInstance = -1 }, []string{"sections[0].items[2].score.per_instance"}},
		{"cap must not be negative", func(t *Template) { item(t, 0, 2).Score.Cap = f64(-1) }, []string{"sections[0].items[2].score.cap"}},
		{"cap must not exceed max", func(t *Template) { item(t, 0, 2).Score.Cap = f64(6) }, []string{"sections[0].items[2].score.cap"}},
		{"fine cap must not be negative", func(t *Template) { item(t, 0, 2).Score.FineCap = f64(-5) }, []string{"sections[0].items[2].score.fine_cap"}},
		{"fine per point must not be negative", func(t *Template) { item(t, 0, 1).Score.FinePerPoint = -50 }, []string{"sections[0].items[1].score.fine_per_point"}},
		{"cap only on count items", func(t *Template) { item(t, 0, 1).Score.Cap = f64(1) }, []string{"sections[0].items[1].score.cap"}},
		{"score only on count, pass_fail, check", func(t *Template) { item(t, 1, 5).Score = &ScoreRule{Max: 5} }, []string{"sections[1].items[5].score"}},
		{"speedtest min_ratio above 0", func(t *Template) { item(t, 1, 4).Speedtest.MinRatio = 0 }, []string{"sections[1].items[4].speedtest.min_ratio"}},
		{"speedtest min_ratio at most 1.5", func(t *Template) { item(t, 1, 4).Speedtest.MinRatio = 1.6 }, []string{"sections[1].items[4].speedtest.min_ratio"}},
		{"speedtest items need a rule", func(t *Template) { item(t, 1, 4).Speedtest = nil }, []string{"sections[1].items[4].speedtest.min_ratio"}},
		{"critical only on check, pass_fail, speedtest", func(t *Template) { item(t, 1, 5).Critical = true }, []string{"sections[1].items[5].critical"}},
		{"a critical item must be required", func(t *Template) { item(t, 1, 4).Required = false }, []string{"sections[1].items[4].required"}},
		{"number min ≤ max", func(t *Template) { item(t, 0, 3).Number.Min = f64(60) }, []string{"sections[0].items[3].number.min"}},
		{"grading bands highest min first", func(t *Template) {
			t.Grading = []Band{{ID: "a", Min: 75, Label: Text{Zh: "甲"}}, {ID: "b", Min: 90, Label: Text{Zh: "乙"}}, {ID: "c", Min: 0, Label: Text{Zh: "丙"}}}
		}, []string{"grading[1].min"}},
		{"grading min within 0–100", func(t *Template) { t.Grading[0].Min = 120 }, []string{"grading[0].min"}},
		{"the last band starts at 0", func(t *Template) { t.Grading[1].Min = 10 }, []string{"grading[1].min"}},
		{"band ids are unique", func(t *Template) { t.Grading[1].ID = "ok" }, []string{"grading[1].id"}},
		{"several problems are all named", func(t *Template) {
			t.Title.Zh = ""
			item(t, 0, 0).Type = "bogus"
			item(t, 1, 2).Photos = &PhotoRule{Min: 2, Max: 1}
			t.Grading[0].Min = -1
		}, []string{"title.zh", "sections[0].items[0].type", "sections[1].items[2].photos.min", "grading[0].min"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := validTemplate(c.edit)
			fields := fieldsOf(t, ValidateTemplate(tpl))
			if c.want == nil && fields != nil {
				t.Fatalf("want valid, got %v", fields)
			}
			for _, p := range c.want {
				if _, ok := fields[p]; !ok {
					t.Errorf("want a problem at %s, got %v", p, fields)
				}
			}
		})
	}
}

func TestValidateTemplateRefusesAbsurdSizes(t *testing.T) {
	many := func(n int) []Item {
		out := make([]Item, n)
		for i := range out {
			out[i] = Item{ID: fmt.Sprintf("i%d", i), Type: TypeCheck, Label: Text{Zh: "项"}}
		}
		return out
	}
	cases := []struct {
		name string
		edit func(t *Template)
		want string
	}{
		{"more than 200 sections", func(t *Template) {
			t.Sections = make([]Section, MaxSections+1)
		}, "sections"},
		{"more than 200 items in a section", func(t *Template) { t.Sections[0].Items = many(MaxItemsPerSection + 1) }, "sections[0].items"},
		{"an endless label", func(t *Template) { t.Sections[0].Items[0].Label.Zh = strings.Repeat("长", MaxTitleLen+1) }, "sections[0].items[0].label.zh"},
		{"a score of a million points", func(t *Template) { t.Sections[0].Items[1].Score.Max = 1e6 }, "sections[0].items[1].score.max"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fields := fieldsOf(t, ValidateTemplate(validTemplate(c.edit)))
			if _, ok := fields[c.want]; !ok {
				t.Errorf("want a problem at %s, got %d fields", c.want, len(fields))
			}
		})
	}
}

func TestValidateTemplateNil(t *testing.T) {
	fieldsOf(t, ValidateTemplate(nil))
}
