package cli

import (
	"encoding/json"
	"fmt"
	"time"

	"fieldcheck/auth"
	"fieldcheck/names"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// Login is one printed demo login.
type Login struct {
	Role, Username, Password string
}

// demoUsers is the demo organisation: two Chengdu branches, every role.
var demoUsers = []auth.NewUser{
	{Username: "sup.east", Name: "周建国", Role: auth.RoleSupervisor, Unit: "chengdu-east"},
	{Username: "tech.zhang", Name: "张伟", Role: auth.RoleTechnician, Unit: "chengdu-east"},
	{Username: "tech.li", Name: "李强", Role: auth.RoleTechnician, Unit: "chengdu-east"},
	{Username: "insp.zhao", Name: "赵敏", Role: auth.RoleInspector, Unit: "chengdu-east"},
	// The demo's call centre serves both branches: an agent with no unit
	// works every unit's callbacks.
	{Username: "agent.liu", Name: "刘芳", Role: auth.RoleAgent},
	{Username: "sup.west", Name: "吴海燕", Role: auth.RoleSupervisor, Unit: "chengdu-west"},
	{Username: "tech.wang", Name: "王磊", Role: auth.RoleTechnician, Unit: "chengdu-west"},
	// The quality team (品质保障员) reviews the call centre's calls.
	{Username: demoQAUser, Name: "郑雅琴", Role: auth.RoleQA},
}

var demoOutlets = []workorders.Outlet{
	{ID: "SC-CD-001", Name: "春熙路营业厅", Address: "成都市锦江区春熙路南段8号", Unit: "chengdu-east"},
	{ID: "SC-CD-002", Name: "建设路营业厅", Address: "成都市成华区建设路55号", Unit: "chengdu-east"},
	{ID: "SC-CD-003", Name: "天府三街营业厅", Address: "成都市高新区天府三街198号", Unit: "chengdu-west"},
}

// demoUnits names the demo's units, parents first: 成都分公司 above its two
// districts (地市分公司 → 区县).
var demoUnits = []struct {
	code   string
	label  names.Input
	parent string
}{
	{"chengdu", names.Input{Zh: "成都分公司", En: "Chengdu branch"}, ""},
	{"chengdu-east", names.Input{Zh: "成都东区", En: "Chengdu East"}, "chengdu"},
	{"chengdu-west", names.Input{Zh: "成都西区", En: "Chengdu West"}, "chengdu"},
}

type demoOrder struct {
	tech, typ, product string
	mbps               float64
	name, phone, addr  string
	tier               string
	slot               int // appointment hour
}

var demoOrders = []demoOrder{
	{"tech.zhang", workorders.TypeInstall, "broadband", 300, "陈晓燕", "13800000001", "成都市锦江区东大街下东大街段99号时代广场2栋1单元1203", workorders.TierStandard, 9},
	{"tech.zhang", workorders.TypeInstall, "broadband+iptv", 1000, "刘德明", "13800000002", "成都市锦江区红星路三段1号IFS国金中心T2-3105", workorders.TierVIP, 10},
	{"tech.zhang", workorders.TypeRepair, "broadband", 200, "黄秀英", "13800000003", "成都市成华区建设北路二段4号电子科大沙河校区宿舍8栋402", workorders.TierStandard, 11},
	{"tech.zhang", workorders.TypeMove, "broadband", 500, "杨光", "13800000004", "成都市成华区二环路东二段龙湖三千城5栋2单元801", workorders.TierHighValue, 13},
	{"tech.zhang", workorders.TypeComplaint, "broadband", 300, "赵丽", "13800000005", "成都市锦江区水碾河路38号3单元6楼", workorders.TierStandard, 14},
	{"tech.zhang", workorders.TypeRemoval, "broadband", 100, "孙建华", "13800000006", "成都市锦江区九眼桥望江路12号", workorders.TierStandard, 15},
	{"tech.zhang", workorders.TypeInstall, "broadband", 300, "周婷", "13800000007", "成都市成华区万科路6号万科金域名邸3栋1502", workorders.TierStandard, 16},
	{"tech.li", workorders.TypeInstall, "broadband", 500, "吴磊", "13800000008", "成都市锦江区琉璃场皇经楼路2号", workorders.TierStandard, 9},
	{"tech.li", workorders.TypeRepair, "phone+broadband", 100, "郑桂兰", "13800000009", "成都市成华区猛追湾街168号", workorders.TierStandard, 10},
	{"tech.li", workorders.TypeRepair, "broadband", 1000, "冯志强", "13800000010", "成都市锦江区东御街18号百扬大厦12楼", workorders.TierVIP, 13},
	{"tech.wang", workorders.TypeInstall, "broadband", 500, "何静", "13800000011", "成都市高新区天府大道中段1366号天府软件园E区3栋", workorders.TierHighValue, 10},
	{"tech.wang", workorders.TypeMove, "broadband", 300, "马超", "13800000012", "成都市武侯区科华北路65号", workorders.TierStandard, 14},
	// Forms that fit the job (issue 19): each sheet asks only what applies.
	{"tech.wang", workorders.TypeRemoval, "broadband", 0, "罗永红", "13800000013", "成都市武侯区玉林南路15号2栋3单元502", workorders.TierStandard, 9},
	{"tech.wang", workorders.TypeInstall, "phone", 0, "唐建国", "13800000014", "成都市高新区紫荆西路6号1栋1单元101", workorders.TierStandard, 11},
	{"tech.wang", workorders.TypeRepair, "broadband", 300, "许美玲", "13800000015", "成都市武侯区倪家桥路9号", workorders.TierStandard, 16},
}

const demoMetaKey = "demo_logins"

// LoadDemo adds the demo organisation (once), its history of the last
// HistoryDays days (once: demo_history.go) and a fresh set of today's work
// orders (once a day), and returns every demo login. Demo passwords are kept
// in the store so a restarted demo prints the same logins: demo data only.
func LoadDemo(db *store.DB, adminPW string, now time.Time) ([]Login, error) {
	var logins []Login
	fresh := false // no demo in this data dir yet
	err := db.Update(func(tx *bolt.Tx) error {
		fresh = tx.Bucket(store.BucketMeta).Get([]byte(demoMetaKey)) == nil
		saved := map[string]Login{}
		if raw := tx.Bucket(store.BucketMeta).Get([]byte(demoMetaKey)); raw != nil {
			if err := json.Unmarshal(raw, &saved); err != nil {
				return err
			}
		}
		if adminPW != "" {
			saved["admin"] = Login{Role: auth.RoleAdmin, Username: "admin", Password: adminPW}
		}
		who := store.Actor{Username: "demo"}
		// The organisation predates its history: users and stores are as old
		// as the first day of it.
		since := HistoryStart(now).Add(-15 * time.Hour)
		for _, u := range demoUsers {
			if store.Has(tx, store.BucketUsers, []byte(u.Username)) {
				continue
			}
			u.Password = auth.GeneratePassword()
			if _, err := auth.CreateUser(tx, u, nil, since); err != nil {
				return fmt.Errorf("demo user %s: %w", u.Username, err)
			}
			saved[u.Username] = Login{Role: u.Role, Username: u.Username, Password: u.Password}
		}
		for _, u := range demoUnits {
			if _, named, err := names.Get(tx, names.KindUnit, u.code); err != nil || named {
				if err != nil {
					return err
				}
				continue // an admin's name stays
			}
			in := u.label
			in.Parent = &u.parent
			if _, err := names.Set(tx, names.KindUnit, u.code, in, who, since); err != nil {
				return fmt.Errorf("demo unit %s: %w", u.code, err)
			}
		}
		for _, o := range demoOutlets {
			if _, err := workorders.GetOutlet(tx, o.ID); err == nil {
				continue
			}
			if _, err := workorders.CreateOutlet(tx, o, who, since); err != nil {
				return fmt.Errorf("demo store %s: %w", o.ID, err)
			}
		}
		day := store.DayStart(now)
		for i, d := range demoOrders {
			id := fmt.Sprintf("WO%s-%02d", day.Format("20060102"), i+1)
			if _, err := workorders.Get(tx, id); err == nil {
				continue
			}
			from := day.Add(time.Duration(d.slot) * time.Hour)
			wo := workorders.WorkOrder{ID: id, Type: d.typ, Product: d.product, SubscribedMbps: d.mbps,
				Customer:    workorders.Customer{Name: d.name, Phone: d.phone, Address: d.addr, Tier: d.tier},
				Technician:  d.tech,
				Appointment: workorders.Window{From: from, To: from.Add(2 * time.Hour)}}
			if _, err := workorders.Create(tx, wo, who, now); err != nil {
				return fmt.Errorf("demo order %s: %w", id, err)
			}
		}
		data, err := json.Marshal(saved)
		if err != nil {
			return err
		}
		if err := tx.Bucket(store.BucketMeta).Put([]byte(demoMetaKey), data); err != nil {
			return err
		}
		if l, ok := saved["admin"]; ok {
			logins = append(logins, l)
		}
		for _, u := range demoUsers {
			if l, ok := saved[u.Username]; ok {
				logins = append(logins, l)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := loadHistory(db, now); err != nil {
		return nil, fmt.Errorf("demo history: %w", err)
	}
	if err := loadDemoQA(db, now); err != nil {
		return nil, fmt.Errorf("demo call reviews: %w", err)
	}
	if err := loadSLADemo(db, now, fresh); err != nil {
		return nil, fmt.Errorf("demo time limits and fines: %w", err)
	}
	return logins, nil
}
