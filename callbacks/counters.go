package callbacks

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The queue counters (GET /callbacks/summary) are kept in
// BucketCallbackCounts, moved by save in the same write transaction as the
// task, so reading them is a few seeks whatever the queue's size.
//
// What a task counts as depends on the clock as well as on its record: a
// lease runs out, a retry time comes, an SMS survey's wait ends, the due
// time passes (Task.advance). For one stored record each count is a step
// function of "now" whose steps sit at a handful of known times (the lease
// end, the retry time, created + SMS wait, deadline + 1 ns, due + 1 ns). So
// a record adds, per count, its value after the last step (kept at "+inf")
// and, at each step time p, f(just before p) − f(p). The count at now is the
// sum of everything kept at times after now:
//
//	count(now) = Σ  delta(p)   over the record's steps p > now, plus the +inf value
//
// Summed over records, the deltas are kept per one-minute bucket, so a
// count is one short cursor run over the buckets after now's minute (the
// steps lie at most a few days ahead: leases, SMS waits, retries and due
// times all fall before a task's deadline) plus, for the minute that holds
// now, an exact scan of that minute's steps in the step index. Nothing is
// approximate: the counts equal Summarize's walk (summarizeWalk) at every
// instant, and a record moved by a sweep or an action has its old steps
// taken out and its new ones put in.
//
// Keys (a zero count is deleted):
//
//	'c' scope 0x00 minute(8)              → five int64 BE: claimed, sms, waiting, ready, overdue
//	'm' scope 0x00 agent 0x00 minute(8)   → int64 BE: claimed by that agent
//	'i' time(8) 0x00 task id              → five int8 deltas, len(holder), holder, unit: the step index
//	'd' scope 0x00 status(1) day(8)       → int64 BE: tasks closed that Asia/Shanghai day
//
// minute 0xFF×8 is +inf. One record's steps at one time share one 'c' key
// and one 'i' entry, so a claim writes a handful of keys.
// scope is 'a' (every unit) or 'u' unit; agent is the lease holder; status
// 'D' done, 'U' unreachable; times are store.TimeKey.
// Meta "callbacks_counts" says the bucket is complete: a data dir from before
// it gets it built from the records when the service starts (buildCounters),
// and until then save leaves it alone and Summarize walks.
const (
	catClaimed = 'c'
	catMine    = 'm'
	catSMS     = 's'
	catWaiting = 'w'
	catReady   = 'r'
	catOverdue = 'v'

	countBucket = time.Minute
)

var (
	metaCounters = []byte("callbacks_counts")
	// metaCountsHorizon: the counters hold no step before this time
	// (pruneCounts); absent, every step since the first task.
	metaCountsHorizon = []byte("callbacks_counts_horizon")
	timeInf           = []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
)

// step is one count's change at one time for one record; at zero is +inf.
type step struct {
	cat   byte
	agent string
	at    time.Time
	delta int64
}

// catsAt lists the counts t adds to at now, as Summarize's walk classifies it.
func catsAt(t Task, now time.Time, smsWait time.Duration) (cats []byte, holder string) {
	t.advance(now, smsWait)
	switch {
	case t.Status == StatusClaimed:
		return []byte{catClaimed, catMine}, t.LeaseHolder
	case t.Status != StatusPending:
		return nil, ""
	case t.Channel == ChannelSMS:
		return []byte{catSMS}, ""
	case t.NextAttemptAt != nil:
		return []byte{catWaiting}, ""
	case t.DueAt.Before(now):
		return []byte{catReady, catOverdue}, ""
	}
	return []byte{catReady}, ""
}

// steps are what a stored record adds to the counters (nil for a closed one:
// only records in the queue index are counted, as the walk does).
func steps(t *Task, smsWait time.Duration) []step {
	if t == nil || t.queueKey() == nil {
		return nil
	}
	points := []time.Time{t.CreatedAt.Add(smsWait), t.DeadlineAt.Add(time.Nanosecond), t.DueAt.Add(time.Nanosecond)}
	if t.LeaseUntil != nil {
		points = append(points, *t.LeaseUntil)
	}
	if t.NextAttemptAt != nil {
		points = append(points, *t.NextAttemptAt)
	}
	slices.SortFunc(points, func(a, b time.Time) int { return a.Compare(b) })
	points = slices.CompactFunc(points, func(a, b time.Time) bool { return a.Equal(b) })

	type key struct {
		cat   byte
		agent string
	}
	state := func(now time.Time) map[key]bool {
		cats, holder := catsAt(*t, now, smsWait)
		m := make(map[key]bool, len(cats))
		for _, c := range cats {
			k := key{cat: c}
			if c == catMine {
				k.agent = holder
			}
			m[k] = true
		}
		return m
	}
	var out []step
	prev := state(points[0].Add(-time.Nanosecond))
	for _, p := range points {
		cur := state(p)
		for k := range prev {
			if !cur[k] { // 1 → 0 at p
				out = append(out, step{k.cat, k.agent, p, 1})
			}
		}
		for k := range cur {
			if !prev[k] { // 0 → 1 at p
				out = append(out, step{k.cat, k.agent, p, -1})
			}
		}
		prev = cur
	}
	for k := range prev {
		out = append(out, step{k.cat, k.agent, time.Time{}, 1})
	}
	return out
}

// closedDay is the 'd' entry a closed record adds to, or nil.
func closedDay(t *Task) []byte {
	if t == nil || t.ClosedAt == nil {
		return nil
	}
	var st byte
	switch t.Status {
	case StatusDone:
		st = 'D'
	case StatusUnreachable:
		st = 'U'
	default:
		return nil
	}
	return append([]byte{st}, store.TimeKey(store.DayStart(*t.ClosedAt))...)
}

func scopeTags(unit string) [][]byte {
	return [][]byte{{'a', store.Sep}, append(append([]byte{'u'}, unit...), store.Sep)}
}

func scopeTag(all bool, unit string) []byte {
	if all {
		return scopeTags("")[0]
	}
	return scopeTags(unit)[1]
}

// The counts of a 'c' value, in order.
var vecCats = [5]byte{catClaimed, catSMS, catWaiting, catReady, catOverdue}

const nCats = len(vecCats)

type vec [nCats]int64

func catIndex(cat byte) int {
	for i, c := range vecCats {
		if c == cat {
			return i
		}
	}
	return -1
}

func minuteKey(at time.Time) []byte {
	if at.IsZero() {
		return timeInf
	}
	return store.TimeKey(at.Truncate(countBucket))
}

// stepVecs groups a record's steps by time (zero: +inf); the claimed deltas
// are the lease holder's too (a record has one holder).
func stepVecs(t *Task, smsWait time.Duration, horizon time.Time) (map[time.Time]*vec, []time.Time) {
	m := map[time.Time]*vec{}
	var order []time.Time
	for _, st := range steps(t, smsWait) {
		i := catIndex(st.cat)
		if i < 0 {
			continue // catMine: the claimed deltas with the holder
		}
		if !st.at.IsZero() && st.at.Before(horizon) {
			continue // pruned: no count from now on reads it
		}
		at := st.at
		v := m[at]
		if v == nil {
			v = new(vec)
			m[at] = v
			order = append(order, at)
		}
		v[i] += st.delta
	}
	return m, order
}

// countDeltas is what a record adds to the 'c', 'm' and 'd' counters (sign
// +1) or takes from them (-1), into m (key → vector; 'm' and 'd' use [0]).
func countDeltas(m map[string]*vec, t *Task, smsWait time.Duration, horizon time.Time, sign int64) {
	if t == nil {
		return
	}
	add := func(k []byte, v vec) {
		cur := m[string(k)]
		if cur == nil {
			cur = new(vec)
			m[string(k)] = cur
		}
		for i := range v {
			cur[i] += sign * v[i]
		}
	}
	tags := scopeTags(t.Unit)
	byTime, _ := stepVecs(t, smsWait, horizon)
	for at, v := range byTime {
		for _, tag := range tags {
			add(append(append([]byte{'c'}, tag...), minuteKey(at)...), *v)
			if c := v[0]; c != 0 && t.LeaseHolder != "" {
				k := append(append(append([]byte{'m'}, tag...), t.LeaseHolder...), store.Sep)
				add(append(k, minuteKey(at)...), vec{c})
			}
		}
	}
	if d := closedDay(t); d != nil {
		for _, tag := range tags {
			add(append(append([]byte{'d'}, tag...), d...), vec{1})
		}
	}
}

// stepIndex is a record's 'i' entries (key → value) into m.
func stepIndex(m map[string]string, t *Task, smsWait time.Duration, horizon time.Time) {
	if t == nil {
		return
	}
	byTime, _ := stepVecs(t, smsWait, horizon)
	holder := t.LeaseHolder
	if len(holder) > 255 {
		holder = holder[:255]
	}
	for at, v := range byTime {
		if at.IsZero() {
			continue
		}
		val := make([]byte, 0, nCats+1+len(holder)+len(t.Unit))
		for _, d := range v {
			val = append(val, byte(int8(d)))
		}
		val = append(append(append(val, byte(len(holder))), holder...), t.Unit...)
		k := append(append(append([]byte{'i'}, store.TimeKey(at)...), store.Sep), t.ID...)
		m[string(k)] = string(val)
	}
}

// encodeCount is a counter's stored value: five numbers for 'c', one else.
func encodeCount(k string, v *vec) []byte {
	n := 1
	if k[0] == 'c' {
		n = nCats
	}
	var b []byte
	zero := true
	for i := 0; i < n; i++ {
		b = binary.BigEndian.AppendUint64(b, uint64(v[i]))
		zero = zero && v[i] == 0
	}
	if zero {
		return nil
	}
	return b
}

func decodeCount(b []byte) vec {
	var v vec
	for i := 0; i < nCats && len(b) >= 8*(i+1); i++ {
		v[i] = int64(binary.BigEndian.Uint64(b[8*i:]))
	}
	return v
}

// countsWait is the SMS wait the stored counters were built with, and
// whether they are built at all. Kickoff and save know no configuration, so
// the wait the steps depend on is kept beside the counters; a service started
// with another wait rebuilds them (buildCounters).
func countsWait(tx *bolt.Tx) (time.Duration, bool) {
	v := tx.Bucket(store.BucketMeta).Get(metaCounters)
	if len(v) != 8 {
		return 0, false
	}
	return time.Duration(store.ParseU64(v)), true
}

// countsHorizon is the time before which the counters hold no step (zero:
// they hold every step).
func countsHorizon(tx *bolt.Tx) time.Time {
	v := tx.Bucket(store.BucketMeta).Get(metaCountsHorizon)
	if len(v) != 8 {
		return time.Time{}
	}
	return store.ParseTimeKey(v)
}

// pruneMargin keeps the steps of the minutes just before now's: a reader
// whose "now" was taken a moment before this sweep's still finds its own.
const pruneMargin = 2 * countBucket

// pruneCounts drops the counters' steps before now's minute less
// pruneMargin, and records that time as the horizon (moveCounts and
// computeCounts then leave such steps out too). A count at now reads only
// the steps after now, so nothing read changes; what goes is the past of
// every open task, which otherwise stays until the task moves — at a
// province's month, 108 k of the 110 k keys, for the tasks no one has
// tried yet, and a level of depth in every claim's commit.
func pruneCounts(tx *bolt.Tx, now time.Time) (int, error) {
	if _, ok := countsWait(tx); !ok {
		return 0, nil
	}
	h := now.Truncate(countBucket).Add(-pruneMargin)
	if !h.After(countsHorizon(tx)) {
		return 0, nil
	}
	hk := store.TimeKey(h)
	b := tx.Bucket(store.BucketCallbackCounts)
	var dead [][]byte
	c := b.Cursor()
	for _, p := range []byte{'c', 'm'} { // the minute is the key's last 8 bytes
		for k, _ := c.Seek([]byte{p}); k != nil && k[0] == p; k, _ = c.Next() {
			if len(k) >= 9 && bytes.Compare(k[len(k)-8:], hk) < 0 {
				dead = append(dead, bytes.Clone(k))
			}
		}
	}
	for k, _ := c.Seek([]byte{'i'}); k != nil && k[0] == 'i' && len(k) >= 9 && bytes.Compare(k[1:9], hk) < 0; k, _ = c.Next() {
		dead = append(dead, bytes.Clone(k))
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(dead), tx.Bucket(store.BucketMeta).Put(metaCountsHorizon, hk)
}

// moveCounts takes old's steps out of the counters and puts t's in (save;
// either may be nil). Nothing is written for what did not change.
func moveCounts(tx *bolt.Tx, old, t *Task) error {
	smsWait, ok := countsWait(tx)
	if !ok {
		return nil
	}
	b := tx.Bucket(store.BucketCallbackCounts)
	horizon := countsHorizon(tx)
	deltas := map[string]*vec{}
	countDeltas(deltas, old, smsWait, horizon, -1)
	countDeltas(deltas, t, smsWait, horizon, +1)
	for _, k := range sortedKeys(deltas) {
		d := deltas[k]
		if *d == (vec{}) {
			continue
		}
		cur := decodeCount(b.Get([]byte(k)))
		for i := range cur {
			cur[i] += d[i]
		}
		var err error
		if v := encodeCount(k, &cur); v == nil {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), v)
		}
		if err != nil {
			return err
		}
	}
	oldIx, newIx := map[string]string{}, map[string]string{}
	stepIndex(oldIx, old, smsWait, horizon)
	stepIndex(newIx, t, smsWait, horizon)
	for k, v := range oldIx {
		if nv, ok := newIx[k]; !ok || nv != v {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
	}
	for _, k := range sortedKeys(newIx) {
		if ov, ok := oldIx[k]; !ok || ov != newIx[k] {
			if err := b.Put([]byte(k), []byte(newIx[k])); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// countedTask is the part of a stored Task the counters read: decoding only
// these skips the attempts, the result and the survey of a million records.
type countedTask struct {
	ID            string     `json:"id"`
	Unit          string     `json:"unit"`
	Tier          string     `json:"tier"`
	CreatedAt     time.Time  `json:"created_at"`
	DueAt         time.Time  `json:"due_at"`
	DeadlineAt    time.Time  `json:"deadline_at"`
	Channel       string     `json:"channel"`
	Status        string     `json:"status"`
	LeaseHolder   string     `json:"lease_holder,omitempty"`
	LeaseUntil    *time.Time `json:"lease_until,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// computeCounts works out the whole counter bucket from the records, as
// key → value.
func computeCounts(tx *bolt.Tx, smsWait time.Duration) (map[string][]byte, error) {
	deltas := map[string]*vec{}
	index := map[string]string{}
	horizon := countsHorizon(tx)
	c := tx.Bucket(store.BucketCallbacks).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			continue // a nested bucket; tasks are plain values
		}
		var ct countedTask
		if err := json.Unmarshal(v, &ct); err != nil {
			return nil, fmt.Errorf("callbacks: counters: task %s: %w", k, err)
		}
		t := &Task{ID: ct.ID, Unit: ct.Unit, Tier: ct.Tier, CreatedAt: ct.CreatedAt, DueAt: ct.DueAt,
			DeadlineAt: ct.DeadlineAt, Channel: ct.Channel, Status: ct.Status, LeaseHolder: ct.LeaseHolder,
			LeaseUntil: ct.LeaseUntil, NextAttemptAt: ct.NextAttemptAt, ClosedAt: ct.ClosedAt}
		countDeltas(deltas, t, smsWait, horizon, +1)
		stepIndex(index, t, smsWait, horizon)
	}
	out := make(map[string][]byte, len(deltas)+len(index))
	for k, d := range deltas {
		if v := encodeCount(k, d); v != nil {
			out[k] = v
		}
	}
	for k, v := range index {
		out[k] = []byte(v)
	}
	return out, nil
}

// buildCounters fills the counter bucket from the records when it is not
// complete yet (a data dir from before the counters) or was built with
// another SMS wait, or always when force.
func buildCounters(tx *bolt.Tx, smsWait time.Duration, force bool) error {
	if w, ok := countsWait(tx); ok && w == smsWait && !force {
		return nil
	}
	b, err := store.EmptyBucket(tx, store.BucketCallbackCounts)
	if err != nil {
		return err
	}
	want, err := computeCounts(tx, smsWait)
	if err != nil {
		return err
	}
	b.FillPercent = 0.9
	for _, k := range sortedKeys(want) {
		if err := b.Put([]byte(k), want[k]); err != nil {
			return err
		}
	}
	return tx.Bucket(store.BucketMeta).Put(metaCounters, store.U64(uint64(smsWait)))
}

// VerifyStoredCounters is VerifyCounters for a command without the
// server's configuration (fieldcheck rollups verify): it checks the counters
// against the records with the SMS wait they were built with.
func VerifyStoredCounters(db *store.DB) ([]string, error) {
	var wait time.Duration
	var ok bool
	if err := db.View(func(tx *bolt.Tx) error { wait, ok = countsWait(tx); return nil }); err != nil {
		return nil, err
	}
	if !ok {
		return []string{"callback counters: not built (the server builds them when it starts)"}, nil
	}
	return (&Service{db: db, cfg: Config{SMSWait: wait}}).VerifyCounters()
}

// RebuildStoredCounters rewrites the counters from the records with the SMS
// wait they were built with, or smsWait when there are none yet (fieldcheck
// rollups rebuild).
func RebuildStoredCounters(db *store.DB, smsWait time.Duration) error {
	return db.Update(func(tx *bolt.Tx) error {
		if w, ok := countsWait(tx); ok {
			smsWait = w
		}
		if smsWait <= 0 {
			smsWait = 4 * time.Hour
		}
		return buildCounters(tx, smsWait, true)
	})
}

// RebuildCounters rewrites the queue counters from the task records
// (fieldcheck rollups rebuild).
func (s *Service) RebuildCounters() error {
	return s.db.Update(func(tx *bolt.Tx) error { return buildCounters(tx, s.cfg.SMSWait, true) })
}

// VerifyCounters recomputes the queue counters from the task records and
// lists every stored key that differs (fieldcheck rollups verify); none is
// nil. Counters not built yet are one difference.
func (s *Service) VerifyCounters() ([]string, error) {
	var diffs []string
	err := s.db.View(func(tx *bolt.Tx) error {
		if w, ok := countsWait(tx); !ok || w != s.cfg.SMSWait {
			diffs = append(diffs, "callback counters: not built for this SMS wait")
			return nil
		}
		want, err := computeCounts(tx, s.cfg.SMSWait)
		if err != nil {
			return err
		}
		seen := 0
		c := tx.Bucket(store.BucketCallbackCounts).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			w, ok := want[string(k)]
			switch {
			case !ok:
				diffs = append(diffs, fmt.Sprintf("callback counters: %q stored, not in the records", k))
			case !bytes.Equal(w, v):
				diffs = append(diffs, fmt.Sprintf("callback counters: %q is %x, the records say %x", k, v, w))
			}
			if ok {
				seen++
			}
		}
		if seen < len(want) {
			for k := range want {
				if tx.Bucket(store.BucketCallbackCounts).Get([]byte(k)) == nil {
					diffs = append(diffs, fmt.Sprintf("callback counters: %q missing", k))
				}
			}
		}
		return nil
	})
	sort.Strings(diffs)
	return diffs, err
}

// countsAt are the counts in scope unit ("" with all = every unit) at now,
// and how many of the claimed are agent's: the buckets after now's minute,
// plus the steps of now's minute that lie after now (exact, from the step
// index).
func countsAt(tx *bolt.Tx, all bool, unit, agent string, now time.Time) (v vec, mine int64) {
	b := tx.Bucket(store.BucketCallbackCounts)
	tag := scopeTag(all, unit)
	end := now.Truncate(countBucket).Add(countBucket)
	endKey := store.TimeKey(end)
	c := b.Cursor()
	prefix := append([]byte{'c'}, tag...)
	for k, val := c.Seek(append(prefix[:len(prefix):len(prefix)], endKey...)); k != nil && bytes.HasPrefix(k, prefix); k, val = c.Next() {
		d := decodeCount(val)
		for i := range v {
			v[i] += d[i]
		}
	}
	if agent != "" {
		mp := append(append(append([]byte{'m'}, tag...), agent...), store.Sep)
		for k, val := c.Seek(append(mp[:len(mp):len(mp)], endKey...)); k != nil && bytes.HasPrefix(k, mp); k, val = c.Next() {
			mine += decodeCount(val)[0]
		}
	}
	for k, val := c.Seek(append([]byte{'i'}, store.TimeKey(now.Add(time.Nanosecond))...)); k != nil && k[0] == 'i'; k, val = c.Next() {
		if bytes.Compare(k[1:9], endKey) >= 0 {
			break
		}
		if len(val) < nCats+1 {
			continue
		}
		hl := int(val[nCats])
		if len(val) < nCats+1+hl {
			continue
		}
		holder, u := string(val[nCats+1:nCats+1+hl]), string(val[nCats+1+hl:])
		if !all && u != unit {
			continue
		}
		for i := range v {
			v[i] += int64(int8(val[i]))
		}
		if agent != "" && holder == agent {
			mine += int64(int8(val[0]))
		}
	}
	return v, mine
}

// closedSince counts the tasks in scope closed with status st ('D', 'U') on
// day or later.
func closedSince(tx *bolt.Tx, all bool, unit string, st byte, day time.Time) int {
	prefix := append(append([]byte{'d'}, scopeTag(all, unit)...), st)
	var n int64
	c := tx.Bucket(store.BucketCallbackCounts).Cursor()
	for k, v := c.Seek(append(prefix[:len(prefix):len(prefix)], store.TimeKey(day)...)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n += decodeCount(v)[0]
	}
	return int(n)
}

// summarizeCounted is Summarize from the counters.
func summarizeCounted(tx *bolt.Tx, sc Scope, agent string, now time.Time) Summary {
	if sc.none {
		return Summary{}
	}
	all, unit := sc.unit == "", sc.unit
	v, mine := countsAt(tx, all, unit, agent, now)
	at := func(cat byte) int { return int(v[catIndex(cat)]) }
	sum := Summary{
		Ready: at(catReady), Overdue: at(catOverdue), Waiting: at(catWaiting),
		SMS: at(catSMS), Claimed: at(catClaimed), Mine: int(mine),
	}
	today := store.DayStart(now)
	sum.DoneToday = closedSince(tx, all, unit, 'D', today)
	sum.UnreachableToday = closedSince(tx, all, unit, 'U', today)
	return sum
}

// countedUnits lists every unit that has counters (open or closed tasks),
// each once, in order.
func countedUnits(tx *bolt.Tx) []string {
	var out []string
	c := tx.Bucket(store.BucketCallbackCounts).Cursor()
	for k, _ := c.Seek([]byte("cu")); k != nil && bytes.HasPrefix(k, []byte("cu")); {
		i := bytes.IndexByte(k[2:], store.Sep)
		if i < 0 {
			break
		}
		unit := string(k[2 : 2+i])
		out = append(out, unit)
		k, _ = c.Seek(append(append([]byte("cu"), unit...), store.Sep+1))
	}
	return out
}

// pendingIn is the pending tasks (ready, held back or waiting for SMS) of one
// unit at now, from the counters.
func pendingIn(tx *bolt.Tx, unit string, now time.Time) int {
	v, _ := countsAt(tx, false, unit, "", now)
	return int(v[catIndex(catReady)] + v[catIndex(catWaiting)] + v[catIndex(catSMS)])
}
