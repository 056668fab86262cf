package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"time"

	"fieldcheck/checklists"
	"fieldcheck/sync/submissions"
)

// chainVersion is one content a device sent as a new sheet or an edit: it
// is version n of its submission once the server takes it.
type chainVersion struct {
	body   map[string]any
	hash   string
	photos []string // every hash it references (photos and the signature)
	acked  bool     // answered accepted, or duplicate after a lost reply, with this version
}

// subLedger is one submission as the device that wrote it knows it. A
// device is the only writer of its submissions, so the chain is linear.
type subLedger struct {
	id, kind, subject, author string
	chain                     []*chainVersion // chain[i] is version i+1
	// inDoubt: the last version's push never got a definite answer before
	// the give-up time; it may or may not be stored.
	inDoubt bool
	// stale are contents pushed on a behind base_version: the server must
	// answer conflict and never store them.
	stale []string
}

func (l *subLedger) acked() int {
	n := 0
	for n < len(l.chain) && l.chain[n].acked {
		n++
	}
	return n
}

// refused is a second, different acceptance for an order its device had
// already completed: it must be answered conflict and never stored.
type refused struct{ id, order, hash string }

// device is one simulated phone: a technician with orders to finish, or an
// inspector with stores to walk through.
type device struct {
	c        *client
	role     string
	st       *soakStats
	tpl      *template
	textItem string
	maxPh    map[string]int // photo item → most photos it takes
	todo     []string       // orders not started / stores to visit
	stores   []string
	assigned []string // what the first pull must list
	mbps     float64
	rng      *rand.Rand
	deadline time.Time // no new action after it
	giveUp   time.Time // retries of an action already started stop here

	cursor  string
	n       int
	subs    []*subLedger
	byID    map[string]*subLedger
	refused []refused
	photos  map[string]bool   // acknowledged uploads
	pending map[string][]byte // made by the camera, not acknowledged yet
}

func newDevice(c *client, role string, st *soakStats, tpl *template, todo []string, mbps float64, seed uint64, deadline, giveUp time.Time) *device {
	d := &device{c: c, role: role, st: st, tpl: tpl, todo: slices.Clone(todo), assigned: slices.Clone(todo), mbps: mbps,
		rng: rand.New(rand.NewPCG(seed, 0x5eed)), deadline: deadline, giveUp: giveUp,
		byID: map[string]*subLedger{}, photos: map[string]bool{}, pending: map[string][]byte{}, maxPh: map[string]int{}}
	if role == "inspector" {
		d.stores = slices.Clone(todo)
	}
	// Orders in a random order, so VIP ones (every fifth) come up at the
	// rate they exist rather than all first.
	d.rng.Shuffle(len(d.todo), func(i, j int) { d.todo[i], d.todo[j] = d.todo[j], d.todo[i] })
	for _, s := range tpl.Sections {
		for _, it := range s.Items {
			if it.Type == "text" && d.textItem == "" {
				d.textItem = it.ID
			}
			if it.Type == "photo" && it.Photos != nil {
				d.maxPh[it.ID] = it.Photos.Max
			}
		}
	}
	return d
}

// run is the device's day until the deadline (it is logged in already): pull, then a random
// mix of new sheets, edits, replays, stale edits, photo uploads, pulls and
// token refreshes, with a short pause between actions.
func (d *device) run() {
	d.pull(true)
	for time.Now().Before(d.deadline) {
		r := d.rng.IntN(100)
		switch {
		case r < 35:
			d.newSheet()
		case r < 53:
			d.edit()
		case r < 67:
			d.replay()
		case r < 77:
			d.staleEdit()
		case r < 81 && d.role == "technician":
			d.secondSheet()
		case r < 95:
			d.pull(false)
		default:
			d.refreshNow()
		}
		time.Sleep(time.Duration(20+d.rng.IntN(180)) * time.Millisecond)
	}
}

func (d *device) marker(what string) string {
	d.n++
	return fmt.Sprintf("%s %s #%d", d.c.user, what, d.n)
}

// photoFor is the camera: n new pictures, kept until they are uploaded.
func (d *device) photoFor(n int) []string {
	out := make([]string, n)
	for i := range out {
		sha, data, err := newJPEG(d.rng)
		if err != nil {
			panic(err) // encoding an in-memory RGBA image cannot fail
		}
		d.pending[sha] = data
		out[i] = sha
	}
	return out
}

// referenced lists a body's photo hashes: the photo items' and the signature.
func (d *device) referenced(body map[string]any) []string {
	var out []string
	for _, hs := range body["photos"].(map[string][]string) {
		out = append(out, hs...)
	}
	for _, s := range d.tpl.Sections {
		for _, it := range s.Items {
			if it.Type == "signature" {
				if sha, ok := body["answers"].(map[string]any)[it.ID].(string); ok {
					out = append(out, sha)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// contentHash is the server's canonical content hash of what we send.
func contentHash(body map[string]any) string {
	raw, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	var s checklists.Submission
	if err := json.Unmarshal(raw, &s); err != nil {
		panic(err)
	}
	h, err := submissions.ContentHash(&s)
	if err != nil {
		panic(err)
	}
	return h
}

// clone copies a body deeply enough to edit answers and photos.
func clone(body map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	answers := map[string]any{}
	for k, v := range body["answers"].(map[string]any) {
		answers[k] = v
	}
	photos := map[string][]string{}
	for k, v := range body["photos"].(map[string][]string) {
		photos[k] = slices.Clone(v)
	}
	out["answers"], out["photos"] = answers, photos
	return out
}

type pushItem struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	Version       int      `json:"version"`
	MissingPhotos []string `json:"missing_photos"`
	Error         *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// push sends one submission until a definite answer. unsure is true when
// an earlier attempt got no answer (it may have been applied).
func (d *device) push(body map[string]any) (res pushItem, unsure bool, err error) {
	req := map[string]any{"device_id": d.c.device, "device_time": time.Now().UTC(), "submissions": []any{body}}
	var out struct {
		Results []pushItem `json:"results"`
	}
	_, err = d.c.retry(d.giveUp, func() (int, error) {
		out.Results = nil
		status, err := d.c.do("POST", "/api/v1/sync/push", req, "", &out)
		if transient(status, err) {
			unsure = true
		}
		return status, err
	})
	if err != nil {
		return res, unsure, err
	}
	if len(out.Results) != 1 {
		return res, unsure, fmt.Errorf("push answered %d results for one submission", len(out.Results))
	}
	res = out.Results[0]
	d.st.item(res.Status)
	return res, unsure, nil
}

// sendVersion pushes the next version of l and checks the answer: accepted
// as base+1 (or duplicate of it when an earlier attempt may have landed),
// listing as missing exactly the referenced photos not yet uploaded.
func (d *device) sendVersion(l *subLedger, body map[string]any) {
	v := &chainVersion{body: body, hash: contentHash(body), photos: d.referenced(body)}
	l.chain = append(l.chain, v)
	want := len(l.chain)
	res, unsure, err := d.push(body)
	if err != nil {
		l.inDoubt = true
		d.st.add("pushes given up (in doubt)", 1)
		if _, ok := err.(*statusErr); ok || time.Now().Before(d.giveUp) {
			d.st.fail("%s: push %s v%d: %v", d.c.user, l.id, want, err)
		}
		return
	}
	switch {
	case res.Status == submissions.StatusAccepted && res.Version == want:
		v.acked = true
		var missing []string
		for _, sha := range v.photos {
			if !d.photos[sha] {
				missing = append(missing, sha)
			}
		}
		got := slices.Clone(res.MissingPhotos)
		slices.Sort(got)
		if !unsure && !slices.Equal(slices.Compact(missing), got) {
			d.st.fail("%s: %s v%d missing_photos %d, want %d (uploads acknowledged before the push must count)",
				d.c.user, l.id, want, len(got), len(missing))
		}
		if len(missing) > 0 {
			d.st.add("versions pushed before their photos", 1)
		}
	case res.Status == submissions.StatusDuplicate && res.Version == want && unsure:
		v.acked = true // the attempt that got no answer had landed
		d.st.add("lost replies resolved as duplicate", 1)
	default:
		l.inDoubt = true
		d.st.fail("%s: push %s (base %d): %s v%d %+v, want accepted v%d", d.c.user, l.id, want-1, res.Status, res.Version, res.Error, want)
	}
}

// upload puts one pending photo (sometimes asking HEAD first, as the PWA
// does to skip what the server holds).
func (d *device) upload(sha string) {
	data, ok := d.pending[sha]
	if !ok {
		return
	}
	if d.rng.IntN(4) == 0 {
		status, err := d.c.retry(d.giveUp, func() (int, error) { return d.c.do("HEAD", "/api/v1/photos/"+sha, nil, "", nil) })
		if status != http.StatusNotFound {
			d.st.fail("%s: HEAD of a photo never uploaded: %d %v", d.c.user, status, err)
		}
	}
	unsure := false
	status, err := d.c.retry(d.giveUp, func() (int, error) {
		status, err := d.c.do("PUT", "/api/v1/photos/"+sha, data, "image/jpeg", nil)
		if transient(status, err) {
			unsure = true
		}
		return status, err
	})
	switch {
	case status == http.StatusCreated, status == http.StatusOK && unsure:
		if status == http.StatusOK {
			d.st.add("photo uploads answered 200 after a lost reply", 1)
		}
		d.photos[sha] = true
		delete(d.pending, sha)
		d.st.add("photos acknowledged", 1)
	case err != nil && status == 0:
		d.st.add("photo uploads given up (in doubt)", 1)
		if time.Now().Before(d.giveUp) {
			d.st.fail("%s: PUT photo: %v", d.c.user, err)
		}
	default:
		d.st.fail("%s: PUT photo %s: %d %v (want 201: never uploaded before)", d.c.user, sha[:12], status, err)
	}
}

func (d *device) uploadAll(shas []string) {
	for _, sha := range shas {
		d.upload(sha)
	}
}

// newSheet starts a sheet: an acceptance for the next order, or a
// walkthrough of a store. Three in ten go out before their photos.
func (d *device) newSheet() {
	var body map[string]any
	l := &subLedger{author: d.c.user}
	if d.role == "technician" {
		if len(d.todo) == 0 {
			d.edit()
			return
		}
		order := d.todo[0]
		d.todo = d.todo[1:]
		body = sheet(d.tpl, order, d.mbps, d.photoFor)
		l.kind, l.subject = "acceptance", order
	} else {
		store := d.stores[d.rng.IntN(len(d.stores))]
		calls := 0
		body = sheet(d.tpl, "", 0, func(n int) []string {
			calls++
			if calls > 2 { // photos on two findings only; the rest are optional
				return nil
			}
			return d.photoFor(n)
		})
		for k, v := range body["photos"].(map[string][]string) {
			if len(v) == 0 {
				delete(body["photos"].(map[string][]string), k)
			}
		}
		body["subject"] = map[string]string{"store_id": store}
		if d.rng.IntN(10) < 3 { // findings: a rectification opens once per sheet
			body["answers"].(map[string]any)["hall_environment"] = 2
		}
		l.kind, l.subject = "walkthrough", store
	}
	body["answers"].(map[string]any)[d.textItem] = d.marker("v1")
	l.id = body["id"].(string)
	d.subs = append(d.subs, l)
	d.byID[l.id] = l
	refs := d.referenced(body)
	before := d.rng.IntN(10) < 3
	if !before {
		d.uploadAll(refs)
	}
	d.sendVersion(l, body)
	if before {
		d.uploadAll(refs)
	}
	d.st.add("new sheets", 1)
}

// pick is a random submission whose every version is acknowledged.
func (d *device) pick() *subLedger {
	if len(d.subs) == 0 {
		return nil
	}
	for range 4 {
		l := d.subs[d.rng.IntN(len(d.subs))]
		if !l.inDoubt && l.acked() == len(l.chain) && len(l.chain) > 0 {
			return l
		}
	}
	return nil
}

// edit changes the marker on the latest version; one edit in three also
// adds a photo, uploaded before or after the push.
func (d *device) edit() {
	l := d.pick()
	if l == nil {
		return
	}
	body := clone(l.chain[len(l.chain)-1].body)
	body["base_version"] = len(l.chain)
	body["answers"].(map[string]any)[d.textItem] = d.marker(fmt.Sprintf("v%d", len(l.chain)+1))
	var added []string
	if d.rng.IntN(3) == 0 {
		photos := body["photos"].(map[string][]string)
		for item, max := range d.maxPh {
			if len(photos[item]) < max && len(photos[item]) > 0 {
				added = d.photoFor(1)
				photos[item] = append(photos[item], added...)
				break
			}
		}
	}
	before := d.rng.IntN(2) == 0
	if !before {
		d.uploadAll(added)
	}
	d.sendVersion(l, body)
	if before {
		d.uploadAll(added)
	}
	d.st.add("edits", 1)
}

// replay resends a version exactly as it was sent: duplicate, that version.
func (d *device) replay() {
	l := d.pick()
	if l == nil {
		return
	}
	k := 1 + d.rng.IntN(len(l.chain))
	res, _, err := d.push(l.chain[k-1].body)
	if err != nil {
		d.st.fail("%s: replay %s v%d: %v", d.c.user, l.id, k, err)
		return
	}
	if res.Status != submissions.StatusDuplicate || res.Version != k {
		d.st.fail("%s: replay of %s v%d answered %s v%d %+v, want duplicate v%d", d.c.user, l.id, k, res.Status, res.Version, res.Error, k)
		return
	}
	d.st.add("replays answered duplicate", 1)
}

// staleEdit sends new content on the version before the latest, as a
// second phone that missed an edit would: conflict, nothing overwritten.
func (d *device) staleEdit() {
	l := d.pick()
	if l == nil {
		return
	}
	v := len(l.chain)
	body := clone(l.chain[v-1].body)
	body["base_version"] = v - 1
	body["answers"].(map[string]any)[d.textItem] = d.marker("stale")
	l.stale = append(l.stale, contentHash(body))
	res, _, err := d.push(body)
	if err != nil {
		d.st.fail("%s: stale edit of %s: %v", d.c.user, l.id, err)
		return
	}
	if res.Status != submissions.StatusConflict || res.Version != v {
		d.st.fail("%s: stale edit of %s (base %d, latest %d) answered %s v%d, want conflict v%d", d.c.user, l.id, v-1, v, res.Status, res.Version, v)
		return
	}
	d.st.add("stale edits answered conflict", 1)
}

// secondSheet is a different acceptance, with a new id, for an order this
// device already completed: conflict, and no second callback.
func (d *device) secondSheet() {
	l := d.pick()
	if l == nil || l.kind != "acceptance" {
		return
	}
	body := clone(l.chain[0].body)
	body["id"] = newID()
	body["base_version"] = 0
	body["answers"].(map[string]any)[d.textItem] = d.marker("second")
	r := refused{id: body["id"].(string), order: l.subject, hash: contentHash(body)}
	d.refused = append(d.refused, r)
	res, _, err := d.push(body)
	if err != nil {
		d.st.fail("%s: second sheet for %s: %v", d.c.user, r.order, err)
		return
	}
	if res.Status != submissions.StatusConflict {
		d.st.fail("%s: second acceptance for completed order %s answered %s v%d, want conflict", d.c.user, r.order, res.Status, res.Version)
		return
	}
	d.st.add("second sheets for a completed order answered conflict", 1)
}

// pull reads what changed since the cursor. The first pull must list every
// order (or store) the device was given; a submission of ours must never
// be reported at a version the device did not create, nor behind one it
// saw acknowledged.
func (d *device) pull(first bool) {
	seen := map[string]bool{}
	for page := 0; page < 50; page++ {
		var out struct {
			Cursor     string `json:"cursor"`
			More       bool   `json:"more"`
			WorkOrders []struct {
				ID string `json:"id"`
			} `json:"workorders"`
			Stores []struct {
				ID string `json:"id"`
			} `json:"stores"`
			Submissions []struct {
				ID      string `json:"id"`
				Version int    `json:"version"`
			} `json:"submissions"`
		}
		_, err := d.c.retry(d.giveUp, func() (int, error) {
			return d.c.do("GET", "/api/v1/sync/pull?cursor="+url.QueryEscape(d.cursor), nil, "", &out)
		})
		if err != nil {
			if time.Now().Before(d.giveUp) {
				d.st.fail("%s: pull: %v", d.c.user, err)
			}
			return
		}
		d.cursor = out.Cursor
		for _, w := range out.WorkOrders {
			seen[w.ID] = true
		}
		for _, s := range out.Stores {
			seen[s.ID] = true
		}
		for _, ref := range out.Submissions {
			l := d.byID[ref.ID]
			if l == nil {
				d.st.fail("%s: pull lists submission %s v%d the device never sent", d.c.user, ref.ID, ref.Version)
				continue
			}
			if ref.Version > len(l.chain) || ref.Version < l.acked() {
				d.st.fail("%s: pull lists %s at v%d; the device created %d versions, %d acknowledged", d.c.user, ref.ID, ref.Version, len(l.chain), l.acked())
			}
		}
		if !out.More {
			break
		}
	}
	if first {
		for _, id := range d.assigned {
			if !seen[id] {
				d.st.fail("%s: first pull does not list %s", d.c.user, id)
				return
			}
		}
	}
	d.st.add("pulls", 1)
}

// refreshNow trades the refresh token early, as the PWA does before its
// access token expires; a refusal means a session was lost.
func (d *device) refreshNow() {
	if err := d.c.refreshToken(d.giveUp); err != nil {
		if err == errRefreshRefused {
			d.st.fail("%s: refresh token refused (a lost reply must be forgiven)", d.c.user)
		}
		if _, lerr := d.c.retryNoAuth(d.giveUp, d.c.loginStatus); lerr != nil {
			d.st.fail("%s: login after refresh failure: %v", d.c.user, lerr)
		}
		return
	}
	d.st.add("token refreshes", 1)
}
