package protocol

import (
	"encoding/base64"
	"slices"
	"sort"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/names"
	"fieldcheck/schedules"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

var errBadCursor = errs.New(errs.BadRequest, "bad_cursor", "分页游标无效", "invalid paging cursor")

// PullResponse is GET /sync/pull: what changed for the caller since the
// cursor, loaded at pull time (latest state), each record once per page.
type PullResponse struct {
	Cursor      string                  `json:"cursor"`
	More        bool                    `json:"more"`
	WorkOrders  []*workorders.WorkOrder `json:"workorders"`
	Removed     []string                `json:"removed"`
	Templates   []*checklists.Template  `json:"templates"`
	Stores      []*workorders.Outlet    `json:"stores"`
	Submissions []submissions.Ref       `json:"submissions"`
	// Names: the caller's display names (names.For) on the first page of a
	// pull from an empty cursor, on a page whose changes include a renamed
	// code, and on any page that brings orders or stores (they may carry
	// codes or people the phone has no name for yet); absent otherwise, so
	// an idle pull stays a few bytes.
	Names *names.Book `json:"names,omitempty"`
	// Due: an inspector's due and recently missed inspections (巡检计划),
	// nearest due day first, on every last page (more: false) — windows
	// open by the calendar, not by a change — and absent otherwise.
	Due *[]schedules.Window `json:"due,omitempty"`
}

// Page sizes: about 500 records a page (API.md), the client may ask fewer.
const (
	DefaultPullLimit = 500
	MaxPullLimit     = 1000
)

// RecentDays: an empty cursor starts with open orders and those of the last
// 7 days.
const RecentDays = 7

// The cursor is opaque to phones: base64url of a format byte and then
//
//	cursorFeed:     feed seq (u64 BE) — changes after it come next;
//	cursorSnapshot: feed head at the start (u64 BE), stage (1 byte), the
//	                last id sent in that stage — a first pull in pages.
const (
	cursorFeed     byte = 1
	cursorSnapshot byte = 2
)

type cursor struct {
	format byte
	seq    uint64
	stage  byte
	last   string
	// started: a snapshot page after the first (seq is the head it began at).
	started bool
}

func (c cursor) String() string {
	b := append([]byte{c.format}, store.U64(c.seq)...)
	if c.format == cursorSnapshot {
		b = append(append(b, c.stage), c.last...)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{format: cursorSnapshot}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	switch {
	case err != nil || len(b) < 9:
	case b[0] == cursorFeed && len(b) == 9:
		return cursor{format: cursorFeed, seq: store.ParseU64(b[1:])}, nil
	case b[0] == cursorSnapshot && len(b) >= 10 && b[9] < stageCount:
		return cursor{format: cursorSnapshot, seq: store.ParseU64(b[1:]), stage: b[9], last: string(b[10:]), started: true}, nil
	}
	return cursor{}, errBadCursor
}

// Pull answers what changed for p since cursor: the scopes p follows in the
// change feed (everyone's templates and stores, the user's own orders and
// submissions, an inspector's unit orders for spot checks) merged by seq. An
// empty cursor starts from a snapshot instead; its last page hands over to the
// feed at the head it started from.
func Pull(db *store.DB, p auth.Principal, cur string, limit int, now time.Time) (*PullResponse, error) {
	if p.Role != auth.RoleTechnician && p.Role != auth.RoleInspector {
		return nil, errs.ErrForbidden
	}
	c, err := parseCursor(cur)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultPullLimit
	}
	limit = min(limit, MaxPullLimit)
	pl := &puller{p: p, now: now, seen: map[string]bool{}, res: &PullResponse{
		WorkOrders: []*workorders.WorkOrder{}, Removed: []string{}, Templates: []*checklists.Template{},
		Stores: []*workorders.Outlet{}, Submissions: []submissions.Ref{}}}
	err = db.View(func(tx *bolt.Tx) error {
		pl.tx = tx
		if c.format == cursorSnapshot {
			err = pl.snapshot(c, limit)
		} else {
			err = pl.changes(c.seq, limit)
		}
		if err != nil {
			return err
		}
		r := pl.res
		if p.Role == auth.RoleInspector && !r.More {
			due, err := schedules.DueFor(tx, p.Username, now)
			if err != nil {
				return err
			}
			r.Due = &due
		}
		if (c.format == cursorSnapshot && !c.started) || pl.renamed || len(r.WorkOrders)+len(r.Stores) > 0 {
			r.Names, err = names.For(tx, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return pl.res, nil
}

type puller struct {
	tx   *bolt.Tx
	p    auth.Principal
	now  time.Time
	seen map[string]bool
	res  *PullResponse
	// renamed: the page's changes include a display name (names.Set).
	renamed bool
}

func (pl *puller) scopes() []string {
	s := []string{store.ScopeAll, store.ScopeUser(pl.p.Username)}
	if pl.p.Role == auth.RoleInspector && pl.p.Unit != "" {
		s = append(s, store.ScopeUnit(pl.p.Unit))
	}
	return s
}

// changes walks the caller's scopes after seq. Each scope gives at most
// limit changes; the merge stops at the lowest last seq of a scope that was
// cut short, so no change of any scope is skipped.
func (pl *puller) changes(after uint64, limit int) error {
	var all []store.Change
	cut := uint64(1<<64 - 1)
	for _, scope := range pl.scopes() {
		cs, err := store.FeedSince(pl.tx, scope, after, limit)
		if err != nil {
			return err
		}
		if len(cs) == limit {
			cut = min(cut, cs[len(cs)-1].Seq)
		}
		all = append(all, cs...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	var page []store.Change
	for _, ch := range all {
		if ch.Seq > cut || (len(page) > 0 && page[len(page)-1].Seq == ch.Seq) {
			continue
		}
		page = append(page, ch)
	}
	more := cut != 1<<64-1
	if len(page) > limit {
		page, more = page[:limit], true
	}
	for _, ch := range page {
		if err := pl.add(ch.Kind, ch.ID); err != nil {
			return err
		}
	}
	next := store.FeedHead(pl.tx) // nothing of ours lies between the page and the head
	if more {
		next = page[len(page)-1].Seq
	}
	pl.res.More = more
	pl.res.Cursor = cursor{format: cursorFeed, seq: next}.String()
	return nil
}

// add loads one changed record at its latest state and files it.
func (pl *puller) add(kind, id string) error {
	group := kind
	if kind == "names" {
		pl.renamed = true
		return nil
	}
	if kind == "removed" {
		group = "workorder"
	}
	if pl.seen[group+"\x00"+id] {
		return nil
	}
	pl.seen[group+"\x00"+id] = true
	switch group {
	case "workorder":
		wo, err := workorders.Get(pl.tx, id)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
			pl.res.Removed = append(pl.res.Removed, id)
			return nil
		} else if err != nil {
			return err
		}
		if pl.mine(wo) {
			pl.res.WorkOrders = append(pl.res.WorkOrders, wo)
		} else {
			pl.res.Removed = append(pl.res.Removed, id)
		}
	case "template":
		t, err := checklists.Get(pl.tx, id, 0)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
			return nil
		} else if err != nil {
			return err
		}
		if slices.Contains(submissions.KindsFor(pl.p.Role), t.Kind) {
			pl.res.Templates = append(pl.res.Templates, t)
		}
	case "store":
		if pl.p.Role != auth.RoleInspector {
			return nil
		}
		o, err := workorders.GetOutlet(pl.tx, id)
		if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
			return nil
		} else if err != nil {
			return err
		}
		pl.res.Stores = append(pl.res.Stores, o)
	case "submission":
		h, err := submissions.LoadHead(pl.tx, id)
		if err != nil {
			return err
		}
		if h != nil && h.Author == pl.p.Username {
			pl.res.Submissions = append(pl.res.Submissions, submissions.Ref{ID: h.ID, Subject: h.Subject, Version: h.Version})
		}
	}
	return nil
}

// mine: a technician's own live orders; an inspector's unit orders (to pick
// spot checks from).
func (pl *puller) mine(wo *workorders.WorkOrder) bool {
	if wo.Status == workorders.StatusCancelled {
		return false
	}
	if pl.p.Role == auth.RoleInspector {
		return pl.p.Unit != "" && wo.Unit == pl.p.Unit
	}
	return wo.Technician == pl.p.Username
}

// recent: open (on hold too: 缓装 is still the technician's job), or
// finished within the last RecentDays.
func (pl *puller) recent(wo *workorders.WorkOrder) bool {
	if wo.Status == workorders.StatusAssigned || wo.Status == workorders.StatusOnHold {
		return true
	}
	return wo.CompletedAt != nil && wo.CompletedAt.After(pl.now.AddDate(0, 0, -RecentDays))
}

// Snapshot stages, in the order a first pull sends them.
const (
	stageTemplates byte = iota
	stageStores
	stageOrders
	stageSubmissions
	stageCount
)

// snapshot sends a page of the first pull: the latest templates of the
// kinds the role uses, stores (inspectors), open and recent orders, and the
// user's recent submissions, each stage in id order. The cursor remembers
// the feed head when the snapshot began, so changes made while the phone
// pages through are pulled afterwards.
func (pl *puller) snapshot(c cursor, limit int) error {
	if !c.started {
		c.seq = store.FeedHead(pl.tx)
	}
	for stage := c.stage; stage < stageCount; stage++ {
		after := ""
		if stage == c.stage {
			after = c.last
		}
		last, done, err := pl.stage(stage, after, limit)
		if err != nil {
			return err
		}
		if !done {
			pl.res.More = true
			pl.res.Cursor = cursor{format: cursorSnapshot, seq: c.seq, stage: stage, last: last}.String()
			return nil
		}
	}
	pl.res.Cursor = cursor{format: cursorFeed, seq: c.seq}.String()
	return nil
}

// count is how many records the page holds so far.
func (pl *puller) count() int {
	r := pl.res
	return len(r.WorkOrders) + len(r.Removed) + len(r.Templates) + len(r.Stores) + len(r.Submissions)
}

// stage adds the records of one snapshot stage after id `after` until the
// page is full; done says the stage was exhausted, last the last id added.
func (pl *puller) stage(stage byte, after string, limit int) (last string, done bool, err error) {
	full := func() bool { return pl.count() >= limit }
	switch stage {
	case stageTemplates:
		list, err := checklists.List(pl.tx)
		if err != nil {
			return "", false, err
		}
		last = after
		for _, s := range list {
			if s.ID <= after || !slices.Contains(submissions.KindsFor(pl.p.Role), s.Kind) {
				continue
			}
			if full() {
				return last, false, nil
			}
			if err := pl.add("template", s.ID); err != nil {
				return "", false, err
			}
			last = s.ID
		}
		return last, true, nil
	case stageStores:
		if pl.p.Role != auth.RoleInspector {
			return "", true, nil
		}
		last = after
		for o, err := range workorders.OutletsAfter(pl.tx, after) {
			if err != nil {
				return "", false, err
			}
			if full() {
				return last, false, nil
			}
			pl.res.Stores = append(pl.res.Stores, o)
			last = o.ID
		}
		return last, true, nil
	case stageOrders:
		// The orders filed under the caller (a technician's own, an
		// inspector's unit's), the cancelled and long finished among them
		// passed over but still moving the cursor.
		last = after
		for wo, err := range workorders.InScope(pl.tx, pl.p.Scope(), after) {
			if err != nil {
				return "", false, err
			}
			if full() {
				return last, false, nil
			}
			if pl.mine(wo) && pl.recent(wo) {
				pl.seen["workorder\x00"+wo.ID] = true
				pl.res.WorkOrders = append(pl.res.WorkOrders, wo)
			}
			last = wo.ID
		}
		return last, true, nil
	case stageSubmissions:
		last = after
		for h, err := range submissions.ByAuthor(pl.tx, pl.p.Username, after) {
			if err != nil {
				return "", false, err
			}
			if full() {
				return last, false, nil
			}
			if h.UpdatedAt.After(pl.now.AddDate(0, 0, -RecentDays)) {
				pl.res.Submissions = append(pl.res.Submissions, submissions.Ref{ID: h.ID, Subject: h.Subject, Version: h.Version})
			}
			last = h.ID
		}
		return last, true, nil
	}
	return "", true, nil
}
