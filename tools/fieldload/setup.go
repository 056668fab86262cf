package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// template is the part of a checklist definition the loader fills in.
type template struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Sections []struct {
		Items []struct {
			ID     string `json:"id"`
			Type   string `json:"type"`
			Number *struct {
				Min *float64 `json:"min"`
				Max *float64 `json:"max"`
			} `json:"number"`
			Choices []struct {
				ID string `json:"id"`
			} `json:"choices"`
			Photos *struct {
				Min int `json:"min"`
				Max int `json:"max"`
			} `json:"photos"`
		} `json:"items"`
	} `json:"sections"`
}

func randomSHA() string {
	b := make([]byte, 32)
	rand.Read(b)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// sheet fills an acceptance for order: every item answered validly. Photo
// items reference photoFor(item) hashes (missing ones are fine: the server
// lists them in missing_photos).
func sheet(t *template, order string, mbps float64, photoFor func(n int) []string) map[string]any {
	answers := map[string]any{}
	photos := map[string][]string{}
	for _, s := range t.Sections {
		for _, it := range s.Items {
			switch it.Type {
			case "check":
				answers[it.ID] = true
			case "pass_fail":
				answers[it.ID] = "pass"
			case "count":
				answers[it.ID] = 0
			case "number":
				v := 1.0
				if it.Number != nil && it.Number.Min != nil && *it.Number.Min > v {
					v = *it.Number.Min
				}
				if it.Number != nil && it.Number.Max != nil && *it.Number.Max < v {
					v = *it.Number.Max
				}
				answers[it.ID] = v
			case "text":
				answers[it.ID] = "正常"
			case "choice":
				if len(it.Choices) > 0 {
					answers[it.ID] = it.Choices[0].ID
				}
			case "rating":
				answers[it.ID] = 5
			case "signature":
				answers[it.ID] = photoFor(1)[0]
			case "speedtest":
				answers[it.ID] = map[string]any{"down_mbps": mbps * 0.96, "up_mbps": 40, "ping_ms": 9, "jitter_ms": 1.5, "method": "manual"}
			case "photo":
				n := 1
				if it.Photos != nil && it.Photos.Min > n {
					n = it.Photos.Min
				}
				photos[it.ID] = photoFor(n)
			}
		}
	}
	now := time.Now().UTC()
	started := now.Add(-40 * time.Minute)
	return map[string]any{
		"id": newID(), "template_id": t.ID, "template_version": t.Version,
		"subject":      map[string]string{"workorder_id": order},
		"base_version": 0, "started_at": started, "finished_at": now,
		"answers": answers, "photos": photos,
		"location": map[string]float64{"lat": 30.66, "lng": 104.06, "accuracy_m": 15},
	}
}

// org creates nTechs technicians with perTech install orders each, plus
// nAgents agents, through the admin API. Orders are VIP every vipEvery-th.
// setupInspectors adds inspectors with stores of their own.
type org struct {
	techs      []string
	agents     []string
	inspectors []string
	orders     map[string][]string // technician → order ids
	stores     map[string][]string // inspector → store ids
	tier       map[string]string   // order id → customer tier
	unit       string
	mbps       float64
	pass       string
}

// createUsers adds users of one role, four requests at a time: the server
// spends its time in bcrypt, which two cores can do side by side.
func createUsers(admin *client, names []string, role, unit, pass string) error {
	errc := make(chan error, len(names))
	sem := make(chan struct{}, 4)
	for _, u := range names {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			_, err := admin.do("POST", "/api/v1/users", map[string]string{"username": u, "password": pass, "role": role, "unit": unit, "name": "负载" + u}, "", nil)
			if err != nil {
				err = fmt.Errorf("create %s: %w", u, err)
			}
			errc <- err
		}()
	}
	for range names {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}

func setupOrg(admin *client, prefix string, nTechs, perTech, nAgents, vipEvery int) (*org, error) {
	o := &org{orders: map[string][]string{}, stores: map[string][]string{}, tier: map[string]string{},
		mbps: 300, pass: "load-password-1", unit: "load-" + prefix}
	unit := o.unit
	for i := 0; i < nTechs; i++ {
		o.techs = append(o.techs, fmt.Sprintf("%s.t%03d", prefix, i))
	}
	for i := 0; i < nAgents; i++ {
		o.agents = append(o.agents, fmt.Sprintf("%s.a%03d", prefix, i))
	}
	if err := createUsers(admin, o.techs, "technician", unit, o.pass); err != nil {
		return nil, err
	}
	if err := createUsers(admin, o.agents, "agent", unit, o.pass); err != nil {
		return nil, err
	}
	var batch []map[string]any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var out struct {
			Results []struct {
				Status string `json:"status"`
				Error  any    `json:"error"`
			} `json:"results"`
		}
		if _, err := admin.do("POST", "/api/v1/workorders/import", map[string]any{"workorders": batch}, "", &out); err != nil {
			return err
		}
		for _, r := range out.Results {
			if r.Status == "rejected" {
				return fmt.Errorf("import rejected a row: %v", r.Error)
			}
		}
		batch = batch[:0]
		return nil
	}
	day := time.Now()
	n := 0
	for _, tech := range o.techs {
		for k := 0; k < perTech; k++ {
			id := fmt.Sprintf("L%s-%s-%04d", prefix, tech[len(prefix)+1:], k)
			tier := "standard"
			if vipEvery > 0 && n%vipEvery == 0 {
				tier = "vip"
			}
			n++
			o.tier[id] = tier
			batch = append(batch, map[string]any{
				"id": id, "type": "install", "product": "broadband", "subscribed_mbps": o.mbps,
				"customer":    map[string]string{"name": "客户" + id, "phone": fmt.Sprintf("139%08d", n), "address": "成都市武侯区测试路" + fmt.Sprint(n) + "号", "tier": tier},
				"technician":  tech,
				"appointment": map[string]time.Time{"from": day.Add(-time.Hour), "to": day.Add(time.Hour)},
			})
			o.orders[tech] = append(o.orders[tech], id)
			if len(batch) == 500 {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	return o, flush()
}

// setupInspectors adds nInsp inspectors to o's unit, each with storesEach
// stores (营业网点) of the unit to walk through.
func setupInspectors(admin *client, o *org, prefix string, nInsp, storesEach int) error {
	for i := 0; i < nInsp; i++ {
		o.inspectors = append(o.inspectors, fmt.Sprintf("%s.i%03d", prefix, i))
	}
	if err := createUsers(admin, o.inspectors, "inspector", o.unit, o.pass); err != nil {
		return err
	}
	for _, insp := range o.inspectors {
		for k := 0; k < storesEach; k++ {
			id := fmt.Sprintf("S%s-%s-%02d", prefix, insp[len(prefix)+1:], k)
			store := map[string]string{"id": id, "name": "测试营业厅" + id, "address": "成都市青羊区测试街" + id, "unit": o.unit}
			if _, err := admin.do("POST", "/api/v1/stores", store, "", nil); err != nil {
				return fmt.Errorf("create store %s: %w", id, err)
			}
			o.stores[insp] = append(o.stores[insp], id)
		}
	}
	return nil
}

func fetchTemplate(c *client, id string) (*template, error) {
	var t template
	_, err := c.do("GET", "/api/v1/templates/"+id, nil, "", &t)
	return &t, err
}
