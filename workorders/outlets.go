package workorders

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// ErrOutletExists: store ids are stable keys for walkthrough submissions.
var ErrOutletExists = errs.New(errs.Conflict, "store_exists", "网点编号已存在", "a store with this id already exists")

// GetOutlet loads store id; errs NotFound when absent.
func GetOutlet(tx *bolt.Tx, id string) (*Outlet, error) {
	var o Outlet
	err := store.GetJSON(tx, store.BucketOutlets, []byte(id), &o)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.New(errs.NotFound, "not_found", "未找到网点 "+errs.Echo(id), "store "+errs.Echo(id)+" not found")
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// CreateOutlet validates and stores a new service outlet (营业网点) and
// publishes it to every puller: inspectors walk through stores of any unit.
func CreateOutlet(tx *bolt.Tx, in Outlet, who store.Actor, now time.Time) (*Outlet, error) {
	o := Outlet{ID: in.ID, Name: strings.TrimSpace(in.Name), Address: strings.TrimSpace(in.Address),
		Unit: strings.TrimSpace(in.Unit), Kind: strings.TrimSpace(in.Kind), CreatedAt: now}
	var v errs.Validation
	if !ValidID(o.ID) {
		v.Add("id", fmt.Sprintf("网点编号必填，最多 %d 个字符，不能含控制字符、斜杠、?、#、%%", MaxIDLen),
			fmt.Sprintf("id is required: at most %d characters, no control characters, slashes, ?, # or %%", MaxIDLen))
	}
	o.Location = in.Location // optional (the console's 组织 screen)
	checkLocation(&v, o.Location)
	if o.Name == "" {
		v.Add("name", "请填写网点名称", "name is required")
	}
	textOK(&v, "name", o.Name)
	textOK(&v, "address", o.Address)
	if o.Unit == "" {
		v.Add("unit", "请填写所属单位", "unit is required")
	}
	textOK(&v, "unit", o.Unit)
	if utf8.RuneCountInString(o.Kind) > MaxLineLen {
		v.Add("kind", fmt.Sprintf("网点类型不能超过 %d 个字", MaxLineLen), fmt.Sprintf("kind must be at most %d characters", MaxLineLen))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if store.Has(tx, store.BucketOutlets, []byte(o.ID)) {
		return nil, ErrOutletExists
	}
	if err := store.PutJSON(tx, store.BucketOutlets, []byte(o.ID), o); err != nil {
		return nil, err
	}
	if err := store.Publish(tx, "store", o.ID, store.ScopeAll); err != nil {
		return nil, err
	}
	if err := store.Audit(tx, now, who, "store.create", "store/"+o.ID, o.Name+" ("+o.Unit+")"); err != nil {
		return nil, err
	}
	return &o, nil
}

// ListOutlets returns up to limit stores (of unit, when not empty) in id
// order after the id `after`, and the next cursor ("" at the end).
func ListOutlets(tx *bolt.Tx, unit string, limit int, after string) ([]Outlet, string, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	var out []Outlet
	c := tx.Bucket(store.BucketOutlets).Cursor()
	k, v := c.First()
	if after != "" {
		k, v = c.Seek(append([]byte(after), store.Sep))
	}
	for ; k != nil; k, v = c.Next() {
		var o Outlet
		if err := json.Unmarshal(v, &o); err != nil {
			return nil, "", fmt.Errorf("workorders: decode store %q: %w", k, err)
		}
		if unit != "" && o.Unit != unit {
			continue
		}
		out = append(out, o)
		if len(out) > limit {
			return out[:limit], out[limit-1].ID, nil
		}
	}
	return out, "", nil
}
