package auth

import (
	"net/netip"
	"sync"
	"time"
)

// CheckQueue hands out the few slots that bcrypt comparisons run in, fairly
// per client address. A freed slot goes to the waiting address with the
// fewest checks running, the longest-waiting first among equals, so a flood
// from one address takes turns with everyone else instead of filling the
// slots: it slows that address only. Carrier NAT can put a whole shift's
// phones behind one address, so an address's logins wait in line (up to
// Wait) rather than being refused; only past PerAddr waiting, or past Wait,
// is the answer ErrLoginBusy.
type CheckQueue struct {
	mu      sync.Mutex
	free    int
	running map[string]int
	waiting map[string][]*checkWaiter
	order   []string // addresses with waiters, longest since served first
	total   int      // waiters across addresses

	perAddr  int
	maxTotal int
	wait     time.Duration
}

type checkWaiter struct{ ready chan struct{} }

// Defaults for NewCheckQueue's callers.
const (
	// CheckWaitPerAddr is how many logins one address may have waiting.
	CheckWaitPerAddr = 64
	// CheckWaitTotal bounds waiters across every address (memory).
	CheckWaitTotal = 4096
	// CheckWait is the longest a login waits for a slot.
	CheckWait = 5 * time.Second
)

// NewCheckQueue runs at most slots checks at once; an address may have
// perAddr logins waiting, each at most wait.
func NewCheckQueue(slots, perAddr int, wait time.Duration) *CheckQueue {
	return &CheckQueue{free: slots, running: map[string]int{}, waiting: map[string][]*checkWaiter{},
		perAddr: perAddr, maxTotal: CheckWaitTotal, wait: wait}
}

// Acquire waits for a slot for a check from addr. The caller must call
// release when the check is done.
func (q *CheckQueue) Acquire(addr string) (release func(), err error) {
	key := AddressKey(addr)
	q.mu.Lock()
	if q.free > 0 { // a free slot means nobody waits: release hands slots over directly
		q.free--
		q.running[key]++
		q.mu.Unlock()
		return q.releaser(key), nil
	}
	if len(q.waiting[key]) >= q.perAddr || q.total >= q.maxTotal {
		q.mu.Unlock()
		return nil, ErrLoginBusy
	}
	w := &checkWaiter{ready: make(chan struct{})}
	if len(q.waiting[key]) == 0 {
		q.order = append(q.order, key)
	}
	q.waiting[key] = append(q.waiting[key], w)
	q.total++
	q.mu.Unlock()

	timer := time.NewTimer(q.wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return q.releaser(key), nil
	case <-timer.C:
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case <-w.ready: // granted as the wait ran out: the slot is ours
		return q.releaser(key), nil
	default:
	}
	q.drop(key, w)
	return nil, ErrLoginBusy
}

// Waiting is how many logins from addr wait for a slot.
func (q *CheckQueue) Waiting(addr string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting[AddressKey(addr)])
}

func (q *CheckQueue) releaser(key string) func() {
	return sync.OnceFunc(func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.running[key]--; q.running[key] <= 0 {
			delete(q.running, key)
		}
		if q.total == 0 {
			q.free++
			return
		}
		q.grantNext()
	})
}

// grantNext gives a freed slot to the waiting address with the fewest
// checks running (ties: the one served longest ago). Called with q.mu held
// and at least one waiter.
func (q *CheckQueue) grantNext() {
	best := 0
	for i, key := range q.order {
		if q.running[key] < q.running[q.order[best]] {
			best = i
		}
	}
	key := q.order[best]
	list := q.waiting[key]
	w := list[0]
	list[0] = nil
	list = list[1:]
	q.order = append(q.order[:best], q.order[best+1:]...)
	if len(list) == 0 {
		delete(q.waiting, key)
	} else {
		q.waiting[key] = list
		q.order = append(q.order, key) // its next login waits behind the others
	}
	q.total--
	q.running[key]++
	close(w.ready)
}

// drop removes a waiter that gave up. Called with q.mu held.
func (q *CheckQueue) drop(key string, w *checkWaiter) {
	list := q.waiting[key]
	for i, x := range list {
		if x == w {
			list = append(list[:i], list[i+1:]...)
			q.total--
			break
		}
	}
	if len(list) > 0 {
		q.waiting[key] = list
		return
	}
	delete(q.waiting, key)
	for i, k := range q.order {
		if k == key {
			q.order = append(q.order[:i], q.order[i+1:]...)
			break
		}
	}
}

// AddressKey is what per-address limits key on: an IPv6 client's /64 (a
// phone or a home gets a whole /64 and may use any address in it, so a
// single address would let one client be many), else the address.
func AddressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
