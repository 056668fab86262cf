package workorders

import (
	"strings"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// OutletPatch changes a store (the console's 组织 screen); nil fields stay.
// The id never changes: walkthroughs are keyed on it.
type OutletPatch struct {
	Name     *string   `json:"name"`
	Address  *string   `json:"address"`
	Unit     *string   `json:"unit"`
	Location *GeoPoint `json:"location"`
}

func checkLocation(v *errs.Validation, l *GeoPoint) {
	if l != nil && (l.Lat < -90 || l.Lat > 90 || l.Lng < -180 || l.Lng > 180 || (l.Lat == 0 && l.Lng == 0)) {
		v.Add("location", "位置无效：纬度 −90 至 90，经度 −180 至 180", "location must have lat in −90…90 and lng in −180…180")
	}
}

// PatchOutlet changes store id, publishes it to every puller and audits it
// as store.patch. A supervisor changes only their own unit's stores and
// cannot move one to another unit; another unit's store is as if absent.
func PatchOutlet(tx *bolt.Tx, id string, p OutletPatch, by auth.Principal, now time.Time) (*Outlet, error) {
	o, err := GetOutlet(tx, id)
	if err != nil {
		return nil, err
	}
	if by.Role != auth.RoleAdmin && (by.Unit == "" || o.Unit != by.Unit) {
		return nil, errs.New(errs.NotFound, "not_found", "未找到网点 "+errs.Echo(id), "store "+errs.Echo(id)+" not found")
	}
	var v errs.Validation
	if p.Name != nil {
		o.Name = strings.TrimSpace(*p.Name)
		if o.Name == "" {
			v.Add("name", "请填写网点名称", "name is required")
		}
		textOK(&v, "name", o.Name)
	}
	if p.Address != nil {
		o.Address = strings.TrimSpace(*p.Address)
		textOK(&v, "address", o.Address)
	}
	if p.Unit != nil {
		o.Unit = strings.TrimSpace(*p.Unit)
		if o.Unit == "" {
			v.Add("unit", "请填写所属单位", "unit is required")
		}
		textOK(&v, "unit", o.Unit)
	}
	if p.Location != nil {
		checkLocation(&v, p.Location)
		o.Location = p.Location
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if by.Role != auth.RoleAdmin && o.Unit != by.Unit {
		return nil, ErrOutletOtherUnit
	}
	if err := store.PutJSON(tx, store.BucketOutlets, []byte(o.ID), o); err != nil {
		return nil, err
	}
	if err := store.Publish(tx, "store", o.ID, store.ScopeAll); err != nil {
		return nil, err
	}
	if err := store.Audit(tx, now, by.Actor(), "store.patch", "store/"+o.ID, o.Name+" ("+o.Unit+")"); err != nil {
		return nil, err
	}
	return o, nil
}

// PatchOutlet changes a store in one transaction (see PatchOutlet).
func (s *Service) PatchOutlet(by auth.Principal, id string, p OutletPatch) (*Outlet, error) {
	var o *Outlet
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		o, err = PatchOutlet(tx, id, p, by, s.now())
		return err
	})
	return o, err
}
