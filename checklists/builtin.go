package checklists

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The built-in templates are data, not code: one JSON file each under
// builtin/, rendered from the seeds in zh-CN and English.
//
//   - install_acceptance (acceptance): 装移修客户验收单, seed 004 第十七条,
//     第二十条–第二十二条, 第二十六条, 第二十八条, and the service supervision
//     survey printed on its back. Only the speed test is critical (min_ratio
//     0.9): it is the one item that measures whether the customer got the
//     service they pay for, and seed 004 makes it part of the health record
//     the line is later judged against. Shoe covers, drop cloth and the other
//     conduct items are norms whose breach the seed fines (spot checks,
//     callbacks) but does not treat as an unfinished job, so a "no" is
//     recorded honestly and reported per technician without failing the sheet.
//   - store_walkthrough (walkthrough): every item of seed 002 chapter 1 at its
//     points, per-instance caps, reference fines and fine caps; grading bands
//     from seed 001.
//   - home_visit_spotcheck (spotcheck): seed 004 第十二条, one pass_fail per
//     home-visit norm, each worth 1 point with a per-item fine inside the
//     seed's 20–100 yuan range (the monthly 500–2000 cap is a report rule).
//   - callback_script (callback): seed 004 第五篇's phone script.
//   - call_review (call_review): seed 001's 《客户代表监听记录表》, the QA
//     reviewer's sheet of one agent's call: pass_fail items worth 100 points,
//     graded by seed 001's bands; a record that differs from what the
//     customer said is critical.
//
//go:embed builtin/*.json
var builtinFS embed.FS

// Builtins decodes the built-in templates, sorted by id. Each call returns
// fresh copies.
func Builtins() ([]*Template, error) {
	names, err := fs.Glob(builtinFS, "builtin/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]*Template, 0, len(names))
	for _, name := range names {
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields() // a typo in a built-in must not silently drop a rule
		var t Template
		if err := dec.Decode(&t); err != nil {
			return nil, fmt.Errorf("checklists: built-in %s: %w", name, err)
		}
		if err := ValidateTemplate(&t); err != nil {
			return nil, fmt.Errorf("checklists: built-in %s: %w", name, err)
		}
		out = append(out, &t)
	}
	return out, nil
}

// BuiltinActor is the audit-log actor of the built-in templates.
var BuiltinActor = store.Actor{Username: "system"}

// EnsureBuiltins stores each built-in template as version 1 when its id is
// absent, and as a new version when the latest stored version is an
// earlier built-in (written by BuiltinActor) whose definition differs from
// this build's: an upgrade reaches existing data dirs, not only new ones.
// Old versions stay stored, so sheets filed against them stay valid. A
// template someone has since edited (its latest version is theirs) is left
// alone. It runs in one transaction and is safe on every start.
func EnsureBuiltins(db *store.DB, now time.Time) error {
	list, err := Builtins()
	if err != nil {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		return ensureBuiltins(tx, list, now)
	})
}

func ensureBuiltins(tx *bolt.Tx, list []*Template, now time.Time) error {
	for _, t := range list {
		if v := latestVersion(tx, t.ID); v > 0 {
			cur, err := Get(tx, t.ID, v)
			if err != nil {
				return err
			}
			same, err := sameDefinition(cur, t)
			if err != nil {
				return err
			}
			if same || cur.CreatedBy != BuiltinActor.Username {
				continue
			}
		}
		if _, _, err := Put(tx, t, BuiltinActor, now); err != nil {
			return fmt.Errorf("checklists: store built-in %s: %w", t.ID, err)
		}
	}
	return nil
}

// sameDefinition compares what a template says (kind, title, grading,
// sections), not when or by whom it was stored.
func sameDefinition(a, b *Template) (bool, error) {
	def := func(t *Template) ([]byte, error) {
		return json.Marshal(struct {
			Kind     string
			Title    Text
			Grading  []Band
			Sections []Section
		}{t.Kind, t.Title, t.Grading, t.Sections})
	}
	x, err := def(a)
	if err != nil {
		return false, err
	}
	y, err := def(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}
