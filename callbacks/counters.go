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
// Keys (values are int64 big-endian counts, zero counts are deleted):
//
//	'c' scope 0x00 cat(1) [agent 0x00] minute(8)  → sum of deltas; minute 0xFF×8 = +inf
//	'i' cat(1) [agent 0x00] time(8) 0x00 task id  → delta(1, signed) unit: the step index
//	'd' scope 0x00 status(1) day(8)               → tasks closed that Asia/Shanghai day
//
// scope is 'a' (every unit) or 'u' unit; agent only for catMine (the lease
// holder); status 'D' done, 'U' unreachable; times are store.TimeKey.
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
	timeInf      = []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
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

func catKey(cat byte, agent string) []byte {
	k := []byte{cat}
	if cat == catMine {
		k = append(append(k, agent...), store.Sep)
	}
	return k
}

func minuteKey(at time.Time) []byte {
	if at.IsZero() {
		return timeInf
	}
	return store.TimeKey(at.Truncate(countBucket))
}

// countDeltas is what a record adds to the 'c' and 'd' counters (sign +1) or
// takes from them (-1), into m.
func countDeltas(m map[string]int64, t *Task, smsWait time.Duration, sign int64) {
	if t == nil {
		return
	}
	tags := scopeTags(t.Unit)
	for _, s := range steps(t, smsWait) {
		for _, tag := range tags {
			k := append(append(append([]byte{'c'}, tag...), catKey(s.cat, s.agent)...), minuteKey(s.at)...)
			m[string(k)] += sign * s.delta
		}
	}
	if d := closedDay(t); d != nil {
		for _, tag := range tags {
			m[string(append(append([]byte{'d'}, tag...), d...))] += sign
		}
	}
}

// stepIndex is a record's 'i' entries (key → value) into m.
func stepIndex(m map[string]string, t *Task, smsWait time.Duration) {
	if t == nil {
		return
	}
	for _, s := range steps(t, smsWait) {
		if s.at.IsZero() {
			continue
		}
		k := append(append(append([]byte{'i'}, catKey(s.cat, s.agent)...), store.TimeKey(s.at)...), store.Sep)
		m[string(append(k, t.ID...))] = string(append([]byte{byte(int8(s.delta))}, t.Unit...))
	}
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

// moveCounts takes old's steps out of the counters and puts t's in (save;
// either may be nil). Nothing is written for what did not change.
func moveCounts(tx *bolt.Tx, old, t *Task) error {
	smsWait, ok := countsWait(tx)
	if !ok {
		return nil
	}
	b := tx.Bucket(store.BucketCallbackCounts)
	deltas := map[string]int64{}
	countDeltas(deltas, old, smsWait, -1)
	countDeltas(deltas, t, smsWait, +1)
	for _, k := range sortedKeys(deltas) {
		if d := deltas[k]; d != 0 {
			if err := addCount(b, []byte(k), d); err != nil {
				return err
			}
		}
	}
	oldIx, newIx := map[string]string{}, map[string]string{}
	stepIndex(oldIx, old, smsWait)
	stepIndex(newIx, t, smsWait)
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

func addCount(b *bolt.Bucket, k []byte, d int64) error {
	n := d
	if v := b.Get(k); len(v) == 8 {
		n += int64(binary.BigEndian.Uint64(v))
	}
	if n == 0 {
		return b.Delete(k)
	}
	return b.Put(k, store.U64(uint64(n)))
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
	deltas := map[string]int64{}
	index := map[string]string{}
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
		countDeltas(deltas, t, smsWait, +1)
		stepIndex(index, t, smsWait)
	}
	out := make(map[string][]byte, len(deltas)+len(index))
	for k, d := range deltas {
		if d != 0 {
			out[k] = store.U64(uint64(d))
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
	if err := tx.DeleteBucket(store.BucketCallbackCounts); err != nil && err != bolt.ErrBucketNotFound {
		return err
	}
	b, err := tx.CreateBucket(store.BucketCallbackCounts)
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

// countAt is one count in scope unit ("" with all = every unit) at now: the
// buckets after now's minute, plus the steps of now's minute that lie after
// now (exact, from the step index).
func countAt(tx *bolt.Tx, all bool, unit string, cat byte, agent string, now time.Time) int {
	b := tx.Bucket(store.BucketCallbackCounts)
	tag := scopeTags(unit)[1]
	if all {
		tag = scopeTags("")[0]
	}
	prefix := append(append([]byte{'c'}, tag...), catKey(cat, agent)...)
	minute := now.Truncate(countBucket)
	end := minute.Add(countBucket)
	var n int64
	c := b.Cursor()
	for k, v := c.Seek(append(prefix[:len(prefix):len(prefix)], store.TimeKey(end)...)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n += int64(binary.BigEndian.Uint64(v))
	}
	ip := append([]byte{'i'}, catKey(cat, agent)...)
	endKey := store.TimeKey(end)
	for k, v := c.Seek(append(ip[:len(ip):len(ip)], store.TimeKey(now.Add(time.Nanosecond))...)); k != nil && bytes.HasPrefix(k, ip); k, v = c.Next() {
		if bytes.Compare(k[len(ip):len(ip)+8], endKey) >= 0 {
			break
		}
		if all || string(v[1:]) == unit {
			n += int64(int8(v[0]))
		}
	}
	return int(n)
}

// closedSince counts the tasks in scope closed with status st ('D', 'U') on
// day or later.
func closedSince(tx *bolt.Tx, all bool, unit string, st byte, day time.Time) int {
	tag := scopeTags(unit)[1]
	if all {
		tag = scopeTags("")[0]
	}
	prefix := append(append([]byte{'d'}, tag...), st)
	var n int64
	c := tx.Bucket(store.BucketCallbackCounts).Cursor()
	for k, v := c.Seek(append(prefix[:len(prefix):len(prefix)], store.TimeKey(day)...)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n += int64(binary.BigEndian.Uint64(v))
	}
	return int(n)
}

// summarizeCounted is Summarize from the counters.
func summarizeCounted(tx *bolt.Tx, sc Scope, agent string, now time.Time) Summary {
	if sc.none {
		return Summary{}
	}
	all, unit := sc.unit == "", sc.unit
	at := func(cat byte, who string) int { return countAt(tx, all, unit, cat, who, now) }
	sum := Summary{
		Ready: at(catReady, ""), Overdue: at(catOverdue, ""), Waiting: at(catWaiting, ""),
		SMS: at(catSMS, ""), Claimed: at(catClaimed, ""),
	}
	if agent != "" {
		sum.Mine = at(catMine, agent)
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
	n := 0
	for _, cat := range []byte{catReady, catWaiting, catSMS} {
		n += countAt(tx, false, unit, cat, "", now)
	}
	return n
}
