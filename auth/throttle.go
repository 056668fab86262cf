package auth

import (
	"sync"
	"time"
)

// Throttle limits failed logins per username + IP: carrier NAT puts whole
// fleets behind one IP, so the IP alone would lock out a team, and the
// username alone would let anyone lock out a technician.
type Throttle struct {
	mu       sync.Mutex
	fails    map[string][]time.Time
	Max      int           // failures allowed inside Window
	Window   time.Duration // sliding window
	Now      func() time.Time
	lastSwap time.Time
}

// NewThrottle allows max failures per window.
func NewThrottle(max int, window time.Duration, now func() time.Time) *Throttle {
	return &Throttle{fails: map[string][]time.Time{}, Max: max, Window: window, Now: now}
}

func (t *Throttle) recent(key string, now time.Time) []time.Time {
	list := t.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= t.Window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = list
	}
	return list
}

// Blocked reports whether key is locked out and for how long.
func (t *Throttle) Blocked(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	list := t.recent(key, now)
	if len(list) < t.Max {
		return false, 0
	}
	return true, t.Window - now.Sub(list[0])
}

// Fail records a failure.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	t.fails[key] = append(t.recent(key, now), now)
	// Bound memory under a spray of usernames: prune everything stale now and then.
	if now.Sub(t.lastSwap) > t.Window {
		for k := range t.fails {
			t.recent(k, now)
		}
		t.lastSwap = now
	}
}

// Reset forgets key's failures (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}
