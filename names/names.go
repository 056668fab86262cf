package names

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Label is what a screen shows for a code: zh, en (empty: the client falls
// back to zh) and, for a unit, the code of its parent unit.
type Label struct {
	Zh     string `json:"zh"`
	En     string `json:"en"`
	Parent string `json:"parent,omitempty"`
}

// Name is a stored display name: the label and who set it when.
type Name struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
	Label
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// Limits: a name is a label on a card, a code is what other records key on
// (units and products come from CSV text, up to 500 characters).
const (
	MaxNameLen = 64
	MaxCodeLen = 500
	// MaxDepth bounds a unit's chain of parents (地市分公司 → 区县 → 班组 is 3).
	MaxDepth = 8
)

// ErrNoKind is a path kind other than unit, product or role.
var ErrNoKind = errs.New(errs.NotFound, "not_found", "名称类别须为 unit、product 或 role", "the kind must be unit, product or role")

// Input is PUT /names/:kind/:code's body.
type Input struct {
	Zh     string  `json:"zh"`
	En     string  `json:"en"`
	Parent *string `json:"parent"`
}

func key(kind, code string) []byte { return store.Key(kind, code) }

// Get is the stored name of kind/code, or the built-in one; ok is false when
// neither exists.
func Get(tx *bolt.Tx, kind, code string) (l Label, ok bool, err error) {
	var n Name
	err = store.GetJSON(tx, store.BucketNames, key(kind, code), &n)
	if errors.Is(err, store.ErrNotFound) {
		l, ok = defaults(kind)[code]
		return l, ok, nil
	}
	if err != nil {
		return Label{}, false, err
	}
	return n.Label, true, nil
}

// Set validates and stores the name of kind/code, audits it and tells every
// puller the names changed.
func Set(tx *bolt.Tx, kind, code string, in Input, who store.Actor, now time.Time) (*Name, error) {
	if !ValidKind(kind) {
		return nil, ErrNoKind
	}
	n := Name{Kind: kind, Code: code, Label: Label{Zh: strings.TrimSpace(in.Zh), En: strings.TrimSpace(in.En)},
		UpdatedAt: now, UpdatedBy: who.Username}
	var v errs.Validation
	if !validCode(code) {
		v.Add("code", fmt.Sprintf("编码必填，最多 %d 个字符，不能含控制字符", MaxCodeLen),
			fmt.Sprintf("the code is required: at most %d characters, no control characters", MaxCodeLen))
	}
	if n.Zh == "" {
		v.Add("zh", "请填写中文名称", "the Chinese name is required")
	}
	nameOK(&v, "zh", n.Zh)
	nameOK(&v, "en", n.En)
	if in.Parent != nil {
		n.Parent = strings.TrimSpace(*in.Parent)
	} else if kind == KindUnit {
		old, _, err := Get(tx, kind, code) // leaving parent out keeps it
		if err != nil {
			return nil, err
		}
		n.Parent = old.Parent
	}
	if n.Parent != "" {
		if err := checkParent(tx, kind, code, n.Parent, &v); err != nil {
			return nil, err
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := store.PutJSON(tx, store.BucketNames, key(kind, code), n); err != nil {
		return nil, err
	}
	if err := store.Publish(tx, "names", kind+"/"+code, store.ScopeAll); err != nil {
		return nil, err
	}
	detail := n.Zh + " / " + n.En
	if n.Parent != "" {
		detail += " parent=" + n.Parent
	}
	if err := store.Audit(tx, now, who, "names.set", kind+"/"+code, detail); err != nil {
		return nil, err
	}
	return &n, nil
}

// checkParent: only units have parents; the parent is a named unit, and the
// chain up from it never comes back to code and stays within MaxDepth.
func checkParent(tx *bolt.Tx, kind, code, parent string, v *errs.Validation) error {
	if kind != KindUnit {
		v.Add("parent", "只有单位有上级单位", "only units have a parent")
		return nil
	}
	at := parent
	for depth := 0; at != ""; depth++ {
		if at == code {
			v.Add("parent", "上级单位不能是本单位或其下级", "the parent cannot be the unit itself or one below it")
			return nil
		}
		if depth >= MaxDepth {
			v.Add("parent", fmt.Sprintf("单位层级不能超过 %d 级", MaxDepth), fmt.Sprintf("units nest at most %d deep", MaxDepth))
			return nil
		}
		var n Name
		err := store.GetJSON(tx, store.BucketNames, key(KindUnit, at), &n)
		if errors.Is(err, store.ErrNotFound) {
			if at == parent {
				v.Add("parent", "上级单位 "+parent+" 不存在，请先为它命名", "the parent unit "+parent+" does not exist: name it first")
			}
			return nil
		}
		if err != nil {
			return err
		}
		at = n.Parent
	}
	return nil
}

func validCode(s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxCodeLen || strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

func nameOK(v *errs.Validation, path, s string) {
	switch {
	case utf8.RuneCountInString(s) > MaxNameLen:
		v.Add(path, fmt.Sprintf("名称不能超过 %d 个字", MaxNameLen), fmt.Sprintf("a name is at most %d characters", MaxNameLen))
	case strings.ContainsFunc(s, unicode.IsControl):
		v.Add(path, "名称不能含控制字符", "a name cannot contain control characters")
	}
}

// all is every label of kind: the built-in ones overlaid with the stored.
func all(tx *bolt.Tx, kind string) (map[string]Label, error) {
	out := map[string]Label{}
	for code, l := range defaults(kind) {
		out[code] = l
	}
	prefix := store.Prefix(kind)
	err := store.ScanPrefix(tx, store.BucketNames, prefix, nil, func(k, v []byte) error {
		var n Name
		if err := json.Unmarshal(v, &n); err != nil {
			return fmt.Errorf("names: decode %q: %w", k, err)
		}
		out[string(k[len(prefix):])] = n.Label
		return nil
	})
	return out, err
}
