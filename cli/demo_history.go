package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"syscall"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/photos"
	"fieldcheck/rectifications"
	"fieldcheck/store"
	"fieldcheck/sync/protocol"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// The demo's history: the last HistoryDays days of the demo organisation's
// work, so that every role's screen has something real on first start —
// finished jobs with their acceptance sheets and photos, callbacks (回访)
// done by SMS and by the agent, a few overdue, store walkthroughs with
// grades and fines, spot checks, rectifications (整改) opened and resolved.
//
// Everything goes through the domain packages' own paths with past times:
// workorders.Create, photos.Service.Put, sync.Push (which completes the
// order and kicks off its callback), and the callbacks service on a clock
// that walks through the month. So every index, feed entry, counter and
// audit entry is what production would have written. Only the randomness is
// ours: a fixed seed, so every demo tells the same story (dates follow the
// day it is loaded).

const (
	// HistoryDays is how far back the demo's history reaches.
	HistoryDays = 30
	// historyMetaKey marks a data dir whose history is loaded (set in the
	// transaction that creates the history's orders, so a restart — even
	// after a crash half-way — never adds a second history).
	historyMetaKey = "demo_history"
	historySeed1   = 0x6669656c64 // "field"
	historySeed2   = 0x636865636b // "check"
	// historyFirstSeq: history orders are numbered from 13 each day, after
	// the twelve ids LoadDemo gives a day's open orders, so an old demo data
	// dir whose earlier "today" orders are still there never collides.
	historyFirstSeq = 13
)

// History is what a loaded history holds; it is kept under the meta key.
type History struct {
	LoadedAt        time.Time `json:"loaded_at"`
	Complete        bool      `json:"complete"`
	From            string    `json:"from"`
	To              string    `json:"to"`
	Orders          int       `json:"orders"`
	Sheets          int       `json:"sheets"`
	Photos          int       `json:"photos"`
	SMSSent         int       `json:"sms_sent"`
	SurveyAnswers   int       `json:"survey_answers"`
	Attempts        int       `json:"attempts"`
	Results         int       `json:"results"`
	Unsatisfied     int       `json:"unsatisfied"`
	Unreachable     int       `json:"unreachable"`
	PendingCalls    int       `json:"pending_callbacks"`
	Walkthroughs    int       `json:"walkthroughs"`
	SpotChecks      int       `json:"spot_checks"`
	Resolved        int       `json:"rectifications_resolved"`
	ReusedPhotoWOs  []string  `json:"reused_photo_orders"`
	ClockSkewSheets int       `json:"clock_skew_sheets"`
	SlowSpeedSheets int       `json:"slow_speed_sheets"`
	LoadMillis      int64     `json:"load_ms"`
}

// HistoryStart is the first day of the history loaded at now.
func HistoryStart(now time.Time) time.Time {
	return store.DayStart(now).AddDate(0, 0, -HistoryDays)
}

// loadHistory builds the history once per data dir; a data dir that has one
// is left as it is.
func loadHistory(db *store.DB, now time.Time) (*History, error) {
	started := time.Now()
	var loaded bool
	if err := db.View(func(tx *bolt.Tx) error {
		loaded = tx.Bucket(store.BucketMeta).Get([]byte(historyMetaKey)) != nil
		return nil
	}); err != nil || loaded {
		return nil, err
	}
	g := newHistoryGen(now)
	g.plan()

	// A bulk load: bbolt skips its fsyncs until the end (one Sync), and a
	// push does not wait for other pushes to share its commit (there are
	// none: the server is not listening yet). bbolt's README suggests
	// NoSync for exactly this; a crash half-way leaves a partial history,
	// and the flag keeps it from being loaded twice.
	b := db.Bolt
	noSync, delay := b.NoSync, b.MaxBatchDelay
	b.NoSync, b.MaxBatchDelay = true, 0
	defer func() { b.NoSync, b.MaxBatchDelay = noSync, delay }()

	if err := db.Update(func(tx *bolt.Tx) error {
		flag, err := json.Marshal(&g.sum)
		if err != nil {
			return err
		}
		if err := tx.Bucket(store.BucketMeta).Put([]byte(historyMetaKey), flag); err != nil {
			return err
		}
		for _, o := range g.orders {
			sup := store.Actor{Username: supervisorOf(o.wo.Technician), Unit: unitOf(o.wo.Technician), Device: "demo-import"}
			if _, err := workorders.Create(tx, o.wo, sup, o.created); err != nil {
				return fmt.Errorf("history order %s: %w", o.wo.ID, err)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := g.run(db); err != nil {
		return nil, err
	}
	b.NoSync = noSync
	syscall.Sync() // the history's photo files, written without fsync
	if err := b.Sync(); err != nil {
		return nil, err
	}
	g.sum.Complete = true
	g.sum.LoadMillis = time.Since(started).Milliseconds()
	err := db.Update(func(tx *bolt.Tx) error {
		return store.PutJSON(tx, store.BucketMeta, []byte(historyMetaKey), &g.sum)
	})
	return &g.sum, err
}

// ReadHistory returns the stored history summary, or nil when none is loaded.
func ReadHistory(db *store.DB) (*History, error) {
	var h *History
	err := db.View(func(tx *bolt.Tx) error {
		var v History
		err := store.GetJSON(tx, store.BucketMeta, []byte(historyMetaKey), &v)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err == nil {
			h = &v
		}
		return err
	})
	return h, err
}

// Who does what in the history.
var (
	historyTechs = []string{"tech.zhang", "tech.li", "tech.wang"}
	agentLiu     = store.Actor{Username: "agent.liu", Device: "demo-agent-desk"}
	inspZhao     = auth.Principal{Username: "insp.zhao", Name: "赵敏", Role: auth.RoleInspector, Unit: "chengdu-east", Device: "demo-phone-insp.zhao"}
	historyAdmin = auth.Principal{Username: "admin", Role: auth.RoleAdmin}
)

func unitOf(tech string) string {
	for _, u := range demoUsers {
		if u.Username == tech {
			return u.Unit
		}
	}
	return ""
}

func supervisorOf(tech string) string {
	if unitOf(tech) == "chengdu-west" {
		return "sup.west"
	}
	return "sup.east"
}

func supervisorPrincipal(unit string) auth.Principal {
	for _, u := range demoUsers {
		if u.Role == auth.RoleSupervisor && u.Unit == unit {
			return auth.Principal{Username: u.Username, Name: u.Name, Role: u.Role, Unit: u.Unit, Device: "demo-desk"}
		}
	}
	return historyAdmin
}

// lapses are what a technician skipped on a visit; the sheet says so
// honestly, and the customer may say so on the callback.
type lapses struct {
	late, noShoeCovers, noDropCloth, slow bool
}

func (l lapses) any() bool { return l.late || l.noShoeCovers || l.noDropCloth || l.slow }

// hImage is one generated picture: a site photo (JPEG) or a signature (PNG).
type hImage struct {
	sha      string
	body     []byte
	uploader string
	at       time.Time
	done     chan struct{} // closed once the upload has been tried
}

// hOrder is one finished job of the history.
type hOrder struct {
	wo                     workorders.WorkOrder
	created                time.Time
	arrive, finish, pushAt time.Time
	skew                   time.Duration // server time − phone time
	lapses                 lapses
	down                   float64
	sheetID                string
	install                []*hImage // photo_install
	label                  *hImage   // photo_modem_label
	signature              *hImage
	loc                    checklists.Location

	// filled in as the history runs
	taskID, token string
}

// step kinds of a callback story.
const (
	stepSurvey = iota
	stepAttempt
	stepResult
)

type cbStep struct {
	at           time.Time
	kind         int
	outcome      string // attempts
	satisfaction string // survey and result
	reasons      []string
}

type event struct {
	at  time.Time
	seq int
	run func() error
}

type historyGen struct {
	r      *rand.Rand
	now    time.Time
	today  time.Time
	orders []*hOrder
	images []*hImage
	events []event
	sum    History

	fc        *store.DB
	cb        *callbacks.Service
	stop      chan struct{}
	mu        gosync.Mutex
	uploadErr error // the first failed upload
	ph        *photos.Service
	clock     time.Time
	rects     map[string]string // what opened it (order id, sheet id) → rectification id
	cbVersion int
}

func newHistoryGen(now time.Time) *historyGen {
	today := store.DayStart(now)
	return &historyGen{
		r: rand.New(rand.NewPCG(historySeed1, historySeed2)), now: now, today: today,
		rects: map[string]string{},
		sum: History{LoadedAt: now, From: today.AddDate(0, 0, -HistoryDays).Format(time.DateOnly),
			To: today.AddDate(0, 0, -1).Format(time.DateOnly)},
	}
}

func (g *historyGen) between(a, b time.Duration) time.Duration {
	return a + time.Duration(g.r.Int64N(int64(b-a)+1))
}

func (g *historyGen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *historyGen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g *historyGen) at(t time.Time, run func() error) {
	g.events = append(g.events, event{at: t, seq: len(g.events), run: run})
}

// plan decides the whole month before anything is written.
func (g *historyGen) plan() {
	// Spot checks (入户服务检查): day → the technician visited and which
	// items failed.
	spot := map[int]struct {
		tech  string
		fails []string
	}{
		-20: {"tech.zhang", nil},
		-9:  {"tech.li", []string{"shoe_covers", "drop_cloth"}},
		-3:  {"tech.zhang", []string{"site_cleaned"}},
	}
	var reuseFrom *hOrder
	for d := -HistoryDays; d <= -1; d++ {
		day := g.today.AddDate(0, 0, d)
		orders := g.planDay(day, d)
		// The deliberate photo reuse: tech.li's first job on day −12 shows a
		// site photo of his first job on day −13 (flag photo_reused).
		switch d {
		case -13:
			reuseFrom = firstOf(orders, "tech.li")
		case -12:
			o := firstOf(orders, "tech.li")
			o.install[1] = reuseFrom.install[0]
			g.sum.ReusedPhotoWOs = []string{reuseFrom.wo.ID, o.wo.ID}
		}
		if sc, ok := spot[d]; ok {
			o := firstOf(orders, sc.tech)
			for _, f := range sc.fails {
				switch f {
				case "shoe_covers":
					o.lapses.noShoeCovers = true
				case "drop_cloth":
					o.lapses.noDropCloth = true
				}
			}
			g.planSpotCheck(o, sc.fails)
		}
		g.planCallbacks(orders, d)
	}
	for _, o := range g.orders {
		g.planSheet(o)
	}
	g.planWalkthroughs()
}

func firstOf(orders []*hOrder, tech string) *hOrder {
	for _, o := range orders {
		if o.wo.Technician == tech {
			return o
		}
	}
	return orders[0]
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "唐", "邓", "蒋", "谢"}
	given    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "晓燕", "海燕", "红梅", "德明", "光辉", "雪梅"}
	streets  = map[string][]string{
		"chengdu-east": {"锦江区春熙路", "锦江区东大街", "锦江区水碾河路", "锦江区牛市口路", "锦江区静康路", "成华区建设路", "成华区双林路", "成华区府青路", "成华区猛追湾街", "成华区万年场路"},
		"chengdu-west": {"高新区天府大道中段", "高新区益州大道", "高新区交子大道", "武侯区科华北路", "武侯区玉林北路", "武侯区人民南路四段", "高新区锦城大道"},
	}
	centre = map[string][2]float64{"chengdu-east": {30.657, 104.095}, "chengdu-west": {30.585, 104.062}}
	// Appointment windows (预约时段) a technician's day is cut into.
	slots = []time.Duration{9 * time.Hour, 11 * time.Hour, 13*time.Hour + 30*time.Minute, 15*time.Hour + 30*time.Minute, 17*time.Hour + 30*time.Minute}
)

// planDay makes 8–12 finished jobs for the day, shared out among the
// technicians (3–4 each at most: five windows a day).
func (g *historyGen) planDay(day time.Time, d int) []*hOrder {
	n := 8 + g.r.IntN(5)
	perTech := map[string]int{}
	var techs []string
	for len(techs) < n {
		round := slices.Clone(historyTechs)
		g.r.Shuffle(len(round), func(i, j int) { round[i], round[j] = round[j], round[i] })
		techs = append(techs, round...)
	}
	techs = techs[:n]
	for _, t := range techs {
		perTech[t]++
	}
	var out []*hOrder
	for _, tech := range historyTechs {
		k := perTech[tech]
		idx := g.r.Perm(len(slots))[:k]
		sort.Ints(idx)
		for _, si := range idx {
			out = append(out, g.planOrder(day, tech, slots[si]))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].wo.Appointment.From.Before(out[j].wo.Appointment.From) })
	for i, o := range out {
		o.wo.ID = fmt.Sprintf("WO%s-%02d", day.Format("20060102"), historyFirstSeq+i)
		o.sheetID = g.uuid()
	}
	g.orders = append(g.orders, out...)
	g.sum.Orders = len(g.orders)
	return out
}

func (g *historyGen) planOrder(day time.Time, tech string, slot time.Duration) *hOrder {
	unit := unitOf(tech)
	var typ string
	switch x := g.r.IntN(100); {
	case x < 45:
		typ = workorders.TypeInstall
	case x < 75:
		typ = workorders.TypeRepair
	case x < 88:
		typ = workorders.TypeMove
	case x < 94:
		typ = workorders.TypeComplaint
	default:
		typ = workorders.TypeRemoval
	}
	tier := workorders.TierStandard
	switch x := g.r.IntN(100); {
	case x < 8:
		tier = workorders.TierVIP
	case x < 20:
		tier = workorders.TierHighValue
	}
	product := pick(g, []string{"broadband", "broadband", "broadband+iptv", "phone+broadband"})
	mbps := pick(g, []float64{100, 200, 300, 300, 500, 500, 1000})
	from := day.Add(slot)
	o := &hOrder{
		wo: workorders.WorkOrder{Type: typ, Product: product, SubscribedMbps: mbps, Technician: tech,
			Customer: workorders.Customer{
				Name:  pick(g, surnames) + pick(g, given),
				Phone: fmt.Sprintf("1%s%08d", pick(g, []string{"35", "36", "37", "39", "50", "58", "86", "89"}), g.r.IntN(100000000)),
				Address: fmt.Sprintf("成都市%s%d号%d栋%d单元%d%02d", pick(g, streets[unit]), 1+g.r.IntN(300),
					1+g.r.IntN(12), 1+g.r.IntN(4), 1+g.r.IntN(28), 1+g.r.IntN(6)),
				Tier: tier},
			Appointment: workorders.Window{From: from, To: from.Add(2 * time.Hour)}},
		// imported the afternoon before
		created: day.Add(-8*time.Hour + g.between(0, 2*time.Hour)),
	}
	c := centre[unit]
	o.loc = checklists.Location{Lat: round5(c[0] + (g.r.Float64()-0.5)*0.06), Lng: round5(c[1] + (g.r.Float64()-0.5)*0.06),
		AccuracyM: float64(5 + g.r.IntN(30))}
	o.lapses = lapses{late: g.chance(0.04), noShoeCovers: g.chance(0.05), noDropCloth: g.chance(0.03), slow: g.chance(0.06)}
	if o.lapses.late {
		o.arrive = from.Add(g.between(15*time.Minute, 50*time.Minute))
	} else {
		o.arrive = from.Add(-g.between(5*time.Minute, 25*time.Minute))
	}
	o.finish = o.arrive.Add(g.between(35*time.Minute, 95*time.Minute))
	o.pushAt = o.finish.Add(g.between(1*time.Minute, 12*time.Minute))
	if g.chance(0.04) { // a phone whose clock is off (clock_skew)
		o.skew = pick(g, []time.Duration{-1, 1}) * g.between(20*time.Minute, 3*time.Hour)
		o.skew = o.skew.Round(time.Second)
	}
	if o.lapses.slow {
		o.down = round1(mbps * (0.45 + 0.4*g.r.Float64()))
	} else {
		o.down = round1(mbps * (0.92 + 0.12*g.r.Float64()))
	}
	o.install = []*hImage{g.photo(tech, o.pushAt), g.photo(tech, o.pushAt)}
	o.label = g.photo(tech, o.pushAt)
	o.signature = g.signature(tech, o.pushAt)
	return o
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
func round5(f float64) float64 { return float64(int(f*1e5+0.5)) / 1e5 }

func (g *historyGen) uuid() string {
	a, b := g.r.Uint64(), g.r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// Reasons for 不满意, as the callbacks package offers them.
const (
	reasonLate      = "上门不准时"
	reasonAttitude  = "服务态度差"
	reasonSpeed     = "网速不达标"
	reasonShoes     = "未穿鞋套/未使用垫布"
	reasonMess      = "现场未清理"
	reasonNotFixed  = "故障未修复"
	reasonCharges   = "收费问题"
	reasonOther     = "其他"
	unsatisfiedNote = "客户反映问题，已记录并转责任班组整改"
)

// historyReasons lists every reason the history uses (all from callbacks.DefaultReasons).
var historyReasons = []string{reasonLate, reasonAttitude, reasonSpeed, reasonShoes, reasonMess, reasonNotFixed, reasonCharges, reasonOther}

// satisfaction: a job with a lapse is more often 不满意, and the customer
// names the lapse.
func (g *historyGen) satisfaction(o *hOrder) (string, []string) {
	p := 0.025
	if o.lapses.any() {
		p = 0.35
	}
	if !g.chance(p) {
		if g.chance(0.6) {
			return callbacks.VerySatisfied, nil
		}
		return callbacks.Satisfied, nil
	}
	var reasons []string
	if o.lapses.late {
		reasons = append(reasons, reasonLate)
	}
	if o.lapses.noShoeCovers || o.lapses.noDropCloth {
		reasons = append(reasons, reasonShoes)
	}
	if o.lapses.slow {
		reasons = append(reasons, reasonSpeed)
	}
	if len(reasons) == 0 {
		other := []string{reasonAttitude, reasonMess, reasonCharges, reasonOther}
		if o.wo.Type == workorders.TypeRepair || o.wo.Type == workorders.TypeComplaint {
			other = append(other, reasonNotFixed, reasonNotFixed)
		}
		reasons = append(reasons, pick(g, other))
	}
	return callbacks.Unsatisfied, reasons
}

// workHours moves a call into the agents' shift (09:00–20:30).
func (g *historyGen) workHours(t time.Time) time.Time {
	day := store.DayStart(t)
	switch {
	case t.Before(day.Add(9 * time.Hour)):
		return day.Add(9*time.Hour + g.between(0, 90*time.Minute))
	case t.After(day.Add(20*time.Hour + 30*time.Minute)):
		return day.AddDate(0, 0, 1).Add(9*time.Hour + g.between(0, 90*time.Minute))
	}
	return t
}

// planCallbacks writes each job's callback story. Yesterday's jobs are all
// settled yesterday except three left for the agent's first shift — a VIP,
// an SMS 不满意 whose reason is still to be heard, and a no-answer due for
// its retry — and two jobs of days −5 and −4 stay pending past their
// deadline (overdue).
func (g *historyGen) planCallbacks(orders []*hOrder, d int) {
	var need []*hOrder
	for _, o := range orders {
		if workorders.NeedsCallback(o.wo.Type) {
			need = append(need, o)
		}
	}
	left := map[*hOrder]string{}
	switch d {
	case -1:
		// The first job of the day is a VIP install nobody has called yet;
		// two standard jobs wait for the agent.
		vip := need[0]
		vip.wo.Type, vip.wo.Customer.Tier = workorders.TypeInstall, workorders.TierVIP
		left[vip] = "vip"
		n := 0
		for _, o := range need[1:] {
			if n == 2 {
				break
			}
			if o.wo.Customer.Tier == workorders.TierStandard && o.finish.Before(store.DayStart(o.finish).Add(15*time.Hour)) {
				left[o] = []string{"sms_unsatisfied", "no_answer"}[n]
				n++
			}
		}
	case -5, -4:
		for _, o := range need {
			if o.wo.Customer.Tier == workorders.TierStandard {
				left[o] = fmt.Sprintf("overdue%d", d)
				break
			}
		}
	case -17:
		need[len(need)-1].wo.Customer.Tier = workorders.TierStandard
		left[need[len(need)-1]] = "wrong_number"
	case -8:
		left[need[0]] = "refused"
	}
	for _, o := range need {
		g.storyFor(o, d, left[o])
	}
}

func (g *historyGen) storyFor(o *hOrder, d int, special string) {
	sms := !workorders.ManualTier(o.wo.Customer.Tier)
	smsDead := o.pushAt.Add(4 * time.Hour) // FIELDCHECK_SMS_WAIT's default
	var steps []cbStep
	add := func(s cbStep) { steps = append(steps, s) }
	sat, reasons := g.satisfaction(o)
	switch special {
	case "vip":
		// pending: nobody has called yet
	case "sms_unsatisfied":
		_, reasons := g.satisfaction(o)
		add(cbStep{at: o.pushAt.Add(g.between(20*time.Minute, 90*time.Minute)), kind: stepSurvey, satisfaction: callbacks.Unsatisfied, reasons: reasons})
	case "no_answer":
		add(cbStep{at: smsDead.Add(g.between(10*time.Minute, 40*time.Minute)), kind: stepAttempt, outcome: callbacks.OutcomeNoAnswer})
	case "overdue-5":
		// the SMS went unanswered and the queue was never worked
	case "overdue-4":
		add(cbStep{at: g.workHours(smsDead.Add(30 * time.Minute)), kind: stepAttempt, outcome: callbacks.OutcomeBusy})
	case "wrong_number":
		add(cbStep{at: g.workHours(smsDead.Add(g.between(10*time.Minute, 2*time.Hour))), kind: stepAttempt, outcome: callbacks.OutcomeWrongNumber})
	case "refused":
		add(cbStep{at: g.workHours(o.pushAt.Add(g.between(30*time.Minute, 3*time.Hour))), kind: stepAttempt, outcome: callbacks.OutcomeRefused})
	default:
		ready := o.pushAt
		if sms && d == -1 || sms && g.chance(0.5) {
			// The customer taps the SMS survey. 不满意 sends the task to an
			// agent, who hears the reason.
			answered := o.pushAt.Add(g.between(10*time.Minute, 150*time.Minute))
			add(cbStep{at: answered, kind: stepSurvey, satisfaction: sat, reasons: reasons})
			if sat != callbacks.Unsatisfied {
				break
			}
			ready = answered
		} else if sms {
			ready = smsDead
		}
		call := ready.Add(g.between(15*time.Minute, 150*time.Minute))
		if d == -1 {
			call = ready.Add(g.between(15*time.Minute, 60*time.Minute)) // yesterday evening's shift cleared it
		} else {
			call = g.workHours(call)
			if g.chance(0.06) { // a busy day: called back the next day (within 3 days)
				call = g.workHours(call.AddDate(0, 0, 1))
			}
			for g.chance(0.12) && len(steps) < 3 { // no answer first, tried again later
				add(cbStep{at: call, kind: stepAttempt, outcome: pick(g, []string{callbacks.OutcomeNoAnswer, callbacks.OutcomeNoAnswer, callbacks.OutcomeBusy})})
				call = g.workHours(call.Add(g.between(2*time.Hour+5*time.Minute, 4*time.Hour)))
			}
		}
		add(cbStep{at: call, kind: stepResult, satisfaction: sat, reasons: reasons})
	}
	if d < -1 {
		// A job two days old or more was settled by yesterday's last shift,
		// whatever hour the demo loads: a retry or a busy day's call that
		// would land this morning is made last night instead, so the agent's
		// first shift holds the same calls at 00:10 as at 15:00.
		floor := g.today.Add(-4*time.Hour - 30*time.Minute) // 19:30 yesterday
		for i := range steps {
			if steps[i].at.Before(g.today) {
				continue
			}
			if i > 0 && steps[i-1].at.After(floor) {
				floor = steps[i-1].at
			}
			floor = floor.Add(5 * time.Minute)
			steps[i].at = floor
		}
	}
	for _, s := range steps {
		if s.at.After(g.now.Add(-time.Minute)) {
			break // not yet happened: the task waits for the agent
		}
		g.at(s.at, func() error { return g.callbackStep(o, s) })
		if s.kind == stepResult && s.satisfaction == callbacks.Unsatisfied && g.chance(0.7) {
			// The technician's unit reports what it did about it.
			done := s.at.Add(g.between(20*time.Hour, 6*24*time.Hour))
			note := map[string]string{
				reasonLate: "已约谈装维人员，重申提前二次确认与准时上门要求", reasonShoes: "已补发鞋套、垫布，纳入班前检查",
				reasonSpeed: "已上门复测网速并更换光猫，客户确认恢复", reasonNotFixed: "已二次上门处理，故障已修复，客户确认",
			}[s.reasons[0]]
			if note == "" {
				note = "已向客户致歉并回访确认，责任人已培训"
			}
			g.resolveAt(done, o.wo.ID, unitOf(o.wo.Technician), note)
		}
	}
}

func (g *historyGen) resolveAt(t time.Time, key, unit, note string) {
	if t.After(g.now.Add(-time.Hour)) {
		return
	}
	g.at(t, func() error {
		id := g.rects[key]
		if id == "" {
			return fmt.Errorf("no rectification was opened for %s", key)
		}
		g.clock = t
		if _, err := rectifications.NewService(g.fc, func() time.Time { return g.clock }).Resolve(supervisorPrincipal(unit), id, note); err != nil {
			return fmt.Errorf("resolve %s: %w", id, err)
		}
		g.sum.Resolved++
		return nil
	})
}

// planSheet schedules the sheet's pictures for upload and its push.
func (g *historyGen) planSheet(o *hOrder) {
	g.images = append(g.images, o.install[0], o.install[1], o.label, o.signature)
	g.at(o.pushAt, func() error { return g.pushSheet(o) })
}

func (g *historyGen) photo(uploader string, at time.Time) *hImage {
	img := &hImage{body: siteJPEG(g.r), uploader: uploader, at: at, done: make(chan struct{})}
	img.sha = sha(img.body)
	return img
}

func (g *historyGen) signature(uploader string, at time.Time) *hImage {
	img := &hImage{body: signaturePNG(g.r), uploader: uploader, at: at, done: make(chan struct{})}
	img.sha = sha(img.body)
	return img
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// siteJPEG is a small "site photo": a 12×9 mosaic of random colours, so its
// perceptual hash is as random as a real photo's and no two are near copies.
func siteJPEG(r *rand.Rand) []byte {
	const cell, cols, rows = 8, 12, 9
	m := image.NewRGBA(image.Rect(0, 0, cell*cols, cell*rows))
	for y := 0; y < rows; y++ {
		for x := 0; x < cols; x++ {
			c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
			for py := y * cell; py < (y+1)*cell; py++ {
				for px := x * cell; px < (x+1)*cell; px++ {
					m.SetRGBA(px, py, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 75}) // cannot fail writing to memory
	return buf.Bytes()
}

// signaturePNG is the customer's signature as the phone's signature pad
// saves it: a name of two or three characters, each a few quick strokes,
// dark on white. (Any two such pads are near copies by perceptual hash;
// sync counts only the very same signature image as photo reuse.)
func signaturePNG(r *rand.Rand) []byte {
	const w, h = 160, 64
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = 255
	}
	dot := func(x, y float64) {
		for oy := -1; oy <= 1; oy++ {
			for ox := -1; ox <= 1; ox++ {
				m.SetGray(int(x)+ox, int(y)+oy, color.Gray{30})
			}
		}
	}
	chars := 2 + r.IntN(2)
	box := float64(w-16) / float64(chars)
	for c := 0; c < chars; c++ {
		x0 := 8 + float64(c)*box + r.Float64()*box*0.15
		y0 := 6 + r.Float64()*14
		size := box * (0.6 + 0.35*r.Float64())
		for s := 3 + r.IntN(5); s > 0; s-- {
			ax, ay := x0+r.Float64()*size, y0+r.Float64()*size*0.8
			bx, by := x0+r.Float64()*size, y0+r.Float64()*size*0.8
			for t := 0.0; t <= 1; t += 0.02 {
				dot(ax+(bx-ax)*t, min(h-3, ay+(by-ay)*t))
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, m) // cannot fail writing to memory
	return buf.Bytes()
}

var wiring = []string{"concealed", "trunking", "trunking", "existing", "loose"}
var splitters = []string{"客厅电视柜旁", "入户门后弱电箱内", "书房墙角插座旁", "卧室床头柜后", "光纤入户，未装分离器", "厨房门边墙面"}

// acceptance builds the sheet as the phone would send it.
func (g *historyGen) acceptance(o *hOrder, tplVersion int) checklists.Submission {
	phone := func(t time.Time) *time.Time { t = t.Add(-o.skew); return &t }
	a := map[string]any{
		"appointment_confirmed": true, "reconfirmed_30min": !o.lapses.late, "arrived_on_time": !o.lapses.late,
		"self_introduction": true, "uniform_badge_toolbag": true,
		"shoe_covers": !o.lapses.noShoeCovers, "drop_cloth": !o.lapses.noDropCloth,
		"computer_checked": "pass", "account_explained": true,
		"speedtest": checklists.Speedtest{DownMbps: o.down, UpMbps: round1(o.down * 0.2), PingMs: float64(4 + g.r.IntN(14)),
			JitterMs: round1(0.5 + 3*g.r.Float64()), Method: pick(g, []string{"browser", "browser", "manual"})},
		"indoor_wiring": pick(g, wiring), "splitter_location": pick(g, splitters),
		"browsing_demo": true, "modem_label": true, "lightning_label": true, "site_cleaned": true,
		"one_visit":          "na",
		"customer_signature": o.signature.sha,
	}
	if strings.Contains(o.wo.Product, "phone") {
		a["one_visit"] = "pass"
	}
	// What the sheet asks for this kind of order (its conditions hide the
	// rest; an answer to a hidden item is ignored, so each is answered).
	for k, v := range map[string]any{
		"fault_found": "terminal", "fault_fixed_how": "更换光猫，重新配置后恢复", "service_restored": true,
		"hidden_dangers_checked": true, "equipment_recovered": true, "equipment_list": "光猫 1 台",
		"jumpers_removed": true, "phone_dial_test": true, "phone_number_told": true,
		"iptv_live_ok": true, "iptv_remote_taught": true,
	} {
		a[k] = v
	}
	photos := map[string][]string{"photo_install": {o.install[0].sha, o.install[1].sha}, "photo_modem_label": {o.label.sha}}
	if w := a["indoor_wiring"]; w == "trunking" || w == "loose" {
		photos["photo_wiring_run"] = []string{o.install[1].sha} // the second site photo shows the run
	}
	if o.wo.Type == workorders.TypeRemoval {
		photos["photo_recovered"] = []string{o.label.sha}
	}
	if g.chance(0.3) {
		a["computer_checked"] = "na" // no computer at home, only phones and the TV box
	}
	if g.chance(0.7) { // the survey on the back of the sheet
		good := !o.lapses.any()
		score := func() int {
			if good {
				return 4 + g.r.IntN(2)
			}
			return 2 + g.r.IntN(3)
		}
		a["survey_attitude"], a["survey_punctuality"], a["survey_quality"] = score(), score(), score()
		a["survey_satisfaction"] = map[bool]string{true: "very_satisfied", false: "satisfied"}[good]
	}
	answers := map[string]json.RawMessage{}
	for k, v := range a {
		answers[k], _ = json.Marshal(v) // plain values: cannot fail
	}
	meta := map[string]checklists.PhotoMeta{}
	for i, img := range append(slices.Clone(o.install), o.label) {
		lat, lng := o.loc.Lat, o.loc.Lng
		meta[img.sha] = checklists.PhotoMeta{TakenAt: phone(o.finish.Add(-time.Duration(10-i) * time.Minute).Truncate(time.Second)), Lat: &lat, Lng: &lng}
	}
	return checklists.Submission{
		ID: o.sheetID, TemplateID: "install_acceptance", TemplateVersion: tplVersion,
		Subject:   checklists.Subject{WorkOrderID: o.wo.ID},
		StartedAt: phone(o.arrive), FinishedAt: phone(o.finish),
		Answers:   answers,
		Photos:    photos,
		PhotoMeta: meta, Location: &o.loc,
	}
}

// run uploads the pictures and replays the month, oldest first.
func (g *historyGen) run(db *store.DB) error {
	// The photos skip their per-file fsync too; the filesystem is synced
	// once when the replay is done (LoadHistory).
	ph, err := photos.New(db, photos.Config{DataDir: db.Dir, OnStored: submissions.PhotoArrived, CanSee: submissions.PhotoShownTo, NoSync: true})
	if err != nil {
		return err
	}
	g.ph, g.fc = ph, db
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	g.cb = callbacks.New(db, callbacks.Config{Clock: func() time.Time { return g.clock }, Sender: demoGateway{}, Logger: quiet})
	if err := db.View(func(tx *bolt.Tx) error {
		t, err := checklists.Get(tx, "callback_script", 0)
		if err == nil {
			g.cbVersion = t.Version
		}
		return err
	}); err != nil {
		return err
	}
	uploaded := g.startUploads()
	sort.SliceStable(g.events, func(i, j int) bool {
		if !g.events[i].at.Equal(g.events[j].at) {
			return g.events[i].at.Before(g.events[j].at)
		}
		return g.events[i].seq < g.events[j].seq
	})
	for _, e := range g.events {
		if err := e.run(); err != nil {
			g.stopUploads()
			uploaded()
			return fmt.Errorf("demo history at %s: %w", e.at.In(store.Shanghai).Format(time.DateTime), err)
		}
	}
	if err := uploaded(); err != nil {
		return err
	}
	return db.View(func(tx *bolt.Tx) error {
		for _, o := range g.orders {
			if o.taskID == "" {
				continue
			}
			t, err := callbacks.TaskForOrder(tx, o.wo.ID)
			if err != nil {
				return err
			}
			switch t.Status {
			case callbacks.StatusPending, callbacks.StatusClaimed:
				g.sum.PendingCalls++
			case callbacks.StatusUnreachable:
				g.sum.Unreachable++
			}
		}
		return nil
	})
}

// startUploads puts every picture through the photo service, as the phones'
// uploads would have, in the background while the month is replayed:
// oldest first, several at a time (the service bounds its decodes; the
// fsyncs of the originals overlap). A sheet's push waits for its pictures
// (awaitPhotos), so every sheet arrives complete. A picture shown twice is
// uploaded once. The returned function waits for the last upload and
// answers the first error.
func (g *historyGen) startUploads() func() error {
	var todo []*hImage
	seen := map[string]bool{}
	for _, img := range g.images {
		if !seen[img.sha] {
			seen[img.sha] = true
			todo = append(todo, img)
		}
	}
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].at.Before(todo[j].at) })
	g.sum.Photos = len(todo)
	g.stop = make(chan struct{})
	work := make(chan *hImage)
	const uploaders = 8
	var wg gosync.WaitGroup
	for range uploaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for img := range work {
				_, _, err := g.ph.PutBy(context.Background(), img.sha, img.body,
					store.Actor{Username: img.uploader, Unit: unitOf(img.uploader), Device: "demo-phone-" + img.uploader}, img.at)
				if err != nil {
					g.mu.Lock()
					if g.uploadErr == nil {
						g.uploadErr = fmt.Errorf("demo photo %s: %w", img.sha, err)
					}
					g.mu.Unlock()
				}
				close(img.done)
			}
		}()
	}
	go func() {
		defer close(work)
		for _, img := range todo {
			select {
			case work <- img:
			case <-g.stop:
				return
			}
		}
	}()
	return func() error {
		wg.Wait()
		return g.failedUpload()
	}
}

// stopUploads ends the uploads early (the replay failed).
func (g *historyGen) stopUploads() { close(g.stop) }

// awaitPhotos waits until the pictures a sheet shows are uploaded.
func (g *historyGen) awaitPhotos(imgs ...*hImage) error {
	for _, img := range imgs {
		<-img.done
	}
	return g.failedUpload()
}

func (g *historyGen) failedUpload() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.uploadErr
}

func (g *historyGen) push(p auth.Principal, at time.Time, skew time.Duration, subs ...checklists.Submission) error {
	raw := make([]json.RawMessage, len(subs))
	for i := range subs {
		var err error
		if raw[i], err = json.Marshal(&subs[i]); err != nil {
			return err
		}
	}
	device := at.Add(-skew)
	res, err := protocol.Push(g.fc, p, protocol.PushRequest{DeviceID: p.Device, DeviceTime: &device, Submissions: raw, Lang: "en"}, at)
	if err != nil {
		return err
	}
	for _, r := range res.Results {
		if r.Status != submissions.StatusAccepted || len(r.MissingPhotos) > 0 {
			return fmt.Errorf("push %s: %s %+v missing %v", r.ID, r.Status, r.Error, r.MissingPhotos)
		}
	}
	return nil
}

func (g *historyGen) pushSheet(o *hOrder) error {
	tech := auth.Principal{Username: o.wo.Technician, Role: auth.RoleTechnician, Unit: unitOf(o.wo.Technician),
		Device: "demo-phone-" + o.wo.Technician}
	var tplVersion int
	err := g.fc.View(func(tx *bolt.Tx) error {
		t, err := checklists.Get(tx, "install_acceptance", 0)
		if err == nil {
			tplVersion = t.Version
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := g.awaitPhotos(o.install[0], o.install[1], o.label, o.signature); err != nil {
		return err
	}
	if err := g.push(tech, o.pushAt, o.skew, g.acceptance(o, tplVersion)); err != nil {
		return err
	}
	g.sum.Sheets++
	if o.skew != 0 {
		g.sum.ClockSkewSheets++
	}
	if o.lapses.slow {
		g.sum.SlowSpeedSheets++
	}
	if !workorders.NeedsCallback(o.wo.Type) {
		return nil
	}
	if err := g.fc.View(func(tx *bolt.Tx) error {
		t, err := callbacks.TaskForOrder(tx, o.wo.ID)
		if err != nil || t == nil {
			return fmt.Errorf("no callback for %s: %v", o.wo.ID, err)
		}
		o.taskID, o.token = t.ID, strings.TrimPrefix(t.SurveyURL, "/s/")
		return nil
	}); err != nil {
		return err
	}
	// The SMS gateway takes the survey link a moment later.
	g.clock = o.pushAt.Add(20 * time.Second)
	n, err := g.cb.DrainOutbox(context.Background())
	g.sum.SMSSent += n
	return err
}

// demoGateway stands in for the SMS gateway in the history: every message
// of the past month counts as delivered. The running server has no sender
// unless FIELDCHECK_SMS_WEBHOOK names one.
type demoGateway struct{}

func (demoGateway) Send(context.Context, string, string) error { return nil }

func (g *historyGen) callbackStep(o *hOrder, s cbStep) error {
	g.clock = s.at
	switch s.kind {
	case stepSurvey:
		if err := g.cb.AnswerSurvey(o.token, s.satisfaction, s.reasons); err != nil {
			return fmt.Errorf("survey of %s: %w", o.wo.ID, err)
		}
		g.sum.SurveyAnswers++
	case stepAttempt:
		if _, err := g.cb.Attempt(agentLiu, callbacks.Everywhere, o.taskID, s.outcome, time.Time{}, ""); err != nil {
			return fmt.Errorf("attempt on %s: %w", o.taskID, err)
		}
		g.sum.Attempts++
	case stepResult:
		score := map[string]int{callbacks.VerySatisfied: 5, callbacks.Satisfied: 4, callbacks.Unsatisfied: 1 + g.r.IntN(2)}[s.satisfaction]
		yes := func(ok bool, y, n string) string {
			if ok {
				return y
			}
			return n
		}
		bad := s.satisfaction == callbacks.Unsatisfied
		answers, _ := json.Marshal(map[string]any{
			"good_time": "yes", "quality": yes(!bad || !slices.Contains(s.reasons, reasonSpeed) && !slices.Contains(s.reasons, reasonNotFixed), "satisfied", "unsatisfied"),
			"attitude":    yes(!slices.Contains(s.reasons, reasonAttitude), "satisfied", "unsatisfied"),
			"punctual":    yes(!slices.Contains(s.reasons, reasonLate), "yes", "no"),
			"rule_broken": yes(slices.Contains(s.reasons, reasonShoes), "yes", "no"),
			"recommend":   yes(!bad, "yes", "maybe"), "overall_score": score,
		})
		in := callbacks.ResultInput{Satisfaction: s.satisfaction, Reasons: s.reasons, Score: &score,
			TemplateID: "callback_script", TemplateVersion: g.cbVersion, Answers: answers}
		if bad {
			in.Note = unsatisfiedNote
		}
		t, err := g.cb.Result(agentLiu, callbacks.Everywhere, o.taskID, in)
		if err != nil {
			return fmt.Errorf("result of %s: %w", o.taskID, err)
		}
		g.sum.Results++
		if bad {
			g.sum.Unsatisfied++
			g.rects[o.wo.ID] = t.RectificationID
		}
	}
	return nil
}

// A walkthrough's scored items (store_walkthrough, seed 002) and what an
// inspector writes when one is found wanting.
var walkFindings = []struct {
	item    string
	points  float64 // a pass_fail item's max; 1 per instance for counts
	count   bool
	maxHits int
	finding string
}{
	{"storefront", 2, false, 1, "门前有杂物堆放，未设停车区"},
	{"vi_signage", 1, false, 1, "店招灯箱部分不亮"},
	{"led_display", 1, false, 1, "橱窗宣传未按期更新"},
	{"hours_sign", 1, false, 1, "营业时间牌缺失"},
	{"functional_zones", 2, false, 1, "体验区被挪作仓储，未按规范设置"},
	{"hall_environment", 1, true, 4, "厅内线缆外露、宣传品张贴不规范"},
	{"service_facilities", 1, true, 6, "排队机故障、饮水机无水、意见簿未在24小时内答复"},
}

// How each outlet tends to do: points deducted per visit (of 18). 春熙路 is
// the flagship, 建设路 middling, 天府三街 struggles (and fails once).
var walkProfiles = map[string][]int{
	"SC-CD-001": {0, 0, 0, 1, 1, 2},
	"SC-CD-002": {1, 2, 2, 3, 3, 4},
	"SC-CD-003": {2, 3, 4, 4, 5, 6},
}

func (g *historyGen) planWalkthroughs() {
	for i, o := range demoOutlets {
		unit := o.Unit
		for d := -HistoryDays + 1 + i; d <= -1; d += 3 + g.r.IntN(3) {
			points := pick(g, walkProfiles[o.ID])
			if o.ID == "SC-CD-003" && d >= -16 && d <= -14 {
				points = 8 // the bad visit: 不合格
			}
			start := g.today.AddDate(0, 0, d).Add(10*time.Hour + g.between(0, 5*time.Hour))
			g.planWalkthrough(o.ID, unit, start, points)
		}
	}
}

func (g *historyGen) planWalkthrough(storeID, unit string, start time.Time, points int) {
	answers := map[string]any{}
	hits := map[string]int{}
	for left := points; left > 0; {
		f := walkFindings[g.r.IntN(len(walkFindings))]
		if hits[f.item] >= f.maxHits || int(f.points) > left {
			continue
		}
		hits[f.item]++
		left -= int(f.points)
	}
	var remarks []string
	var imgs []*hImage
	photosByItem := map[string][]string{}
	finish := start.Add(g.between(35*time.Minute, 70*time.Minute))
	pushAt := finish.Add(g.between(2*time.Minute, 10*time.Minute))
	for _, f := range walkFindings {
		n := hits[f.item]
		switch {
		case f.count:
			answers[f.item] = n
		case n > 0:
			answers[f.item] = "fail"
		default:
			answers[f.item] = "pass"
		}
		if n > 0 {
			remarks = append(remarks, f.finding)
			img := g.photo(inspZhao.Username, pushAt)
			g.images, imgs = append(g.images, img), append(imgs, img)
			photosByItem["photo_"+f.item] = []string{img.sha}
		}
	}
	if len(remarks) > 0 {
		answers["remarks"] = strings.Join(remarks, "；") + "。请于15日内上报整改措施。"
	}
	id := g.uuid()
	sub := g.inspection(id, "store_walkthrough", checklists.Subject{StoreID: storeID}, start, finish, answers, photosByItem)
	g.at(pushAt, func() error {
		if err := g.pushInspection(id, pushAt, sub, imgs...); err != nil {
			return err
		}
		g.sum.Walkthroughs++
		return nil
	})
	if points > 0 && g.chance(0.8) {
		g.resolveAt(pushAt.Add(g.between(2*24*time.Hour, 10*24*time.Hour)), id, unit,
			"已按巡检意见整改："+strings.Join(remarks, "、")+" 均已处理，附整改后照片备查")
	}
}

var spotItems = []string{"appointment_kept", "qualification_shown", "uniform_badge_toolbag", "shoe_covers", "drop_cloth",
	"polite_attitude", "computer_checked", "account_password", "speed_test_recorded", "labels_attached", "site_cleaned", "acceptance_signed"}

var spotFindings = map[string]string{"shoe_covers": "进门未穿鞋套", "drop_cloth": "未使用垫布放置工具", "site_cleaned": "完工后未清理现场"}

// planSpotCheck: the inspector accompanies o's technician (入户服务检查).
func (g *historyGen) planSpotCheck(o *hOrder, fails []string) {
	answers := map[string]any{}
	for _, it := range spotItems {
		answers[it] = "pass"
	}
	for _, f := range fails {
		answers[f] = "fail"
	}
	remarks := "抽查合格，服务规范"
	if len(fails) > 0 {
		var found []string
		for _, f := range fails {
			found = append(found, spotFindings[f])
		}
		remarks = "抽查发现：" + strings.Join(found, "、") + "，不符合上门服务规范，请班组整改"
	}
	answers["remarks"] = remarks
	finish := o.finish.Add(g.between(5*time.Minute, 15*time.Minute))
	pushAt := o.pushAt.Add(g.between(15*time.Minute, 30*time.Minute))
	id := g.uuid()
	img := g.photo(inspZhao.Username, pushAt)
	g.images = append(g.images, img)
	sub := g.inspection(id, "home_visit_spotcheck", checklists.Subject{WorkOrderID: o.wo.ID}, o.arrive, finish, answers,
		map[string][]string{"photo_evidence": {img.sha}})
	g.at(pushAt, func() error {
		if err := g.pushInspection(id, pushAt, sub, img); err != nil {
			return err
		}
		g.sum.SpotChecks++
		return nil
	})
	if len(fails) > 0 {
		g.resolveAt(pushAt.Add(g.between(2*24*time.Hour, 5*24*time.Hour)), id, unitOf(o.wo.Technician),
			"已对装维人员进行上门服务规范培训，班前检查鞋套、垫布配备")
	}
}

func (g *historyGen) inspection(id, tpl string, subject checklists.Subject, start, finish time.Time, a map[string]any, ph map[string][]string) func(version int) checklists.Submission {
	answers := map[string]json.RawMessage{}
	for k, v := range a {
		answers[k], _ = json.Marshal(v) // plain values: cannot fail
	}
	return func(version int) checklists.Submission {
		return checklists.Submission{ID: id, TemplateID: tpl, TemplateVersion: version, Subject: subject,
			StartedAt: &start, FinishedAt: &finish, Answers: answers, Photos: ph}
	}
}

// pushInspection pushes an inspector's sheet and notes the rectification it
// opened, if any.
func (g *historyGen) pushInspection(id string, at time.Time, sub func(version int) checklists.Submission, imgs ...*hImage) error {
	if err := g.awaitPhotos(imgs...); err != nil {
		return err
	}
	var version int
	probe := sub(0)
	if err := g.fc.View(func(tx *bolt.Tx) error {
		t, err := checklists.Get(tx, probe.TemplateID, 0)
		if err == nil {
			version = t.Version
		}
		return err
	}); err != nil {
		return err
	}
	if err := g.push(inspZhao, at, 0, sub(version)); err != nil {
		return err
	}
	v, err := submissions.Read(g.fc, historyAdmin, id, 0, at)
	if err != nil {
		return err
	}
	if v.RectificationID != "" {
		g.rects[id] = v.RectificationID
	}
	return nil
}
