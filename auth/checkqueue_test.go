package auth

import (
	"testing"
	"time"
)

// acquireLater starts an Acquire from addr and reports when it returns.
func acquireLater(q *CheckQueue, addr string) <-chan func() {
	got := make(chan func(), 1)
	go func() {
		release, err := q.Acquire(addr)
		if err != nil {
			release = nil
		}
		got <- release
	}()
	return got
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s", what)
}

func TestAFreedSlotGoesToTheAddressWithFewestChecksRunning(t *testing.T) {
	q := NewCheckQueue(2, 10, time.Minute)
	flood := "203.0.113.9"
	// The flood holds both slots and has two more waiting.
	var floodRelease []func()
	for i := 0; i < 2; i++ {
		r, err := q.Acquire(flood)
		if err != nil {
			t.Fatal(err)
		}
		floodRelease = append(floodRelease, r)
	}
	f1 := acquireLater(q, flood)
	waitUntil(t, "flood waits", func() bool { return q.Waiting(flood) == 1 })
	f2 := acquireLater(q, flood)
	waitUntil(t, "flood waits twice", func() bool { return q.Waiting(flood) == 2 })
	// A real user arrives after them.
	real := acquireLater(q, "198.51.100.7")
	waitUntil(t, "real user waits", func() bool { return q.Waiting("198.51.100.7") == 1 })

	floodRelease[0]()
	select {
	case r := <-real:
		if r == nil {
			t.Fatal("real user refused")
		}
		defer r()
	case <-f1:
		t.Fatal("the flood's queued login took the slot before the real user")
	case <-time.After(5 * time.Second):
		t.Fatal("real user never got the freed slot")
	}
	floodRelease[1]()
	if r := <-f1; r == nil {
		t.Fatal("flood's next login refused")
	} else {
		r()
	}
	if r := <-f2; r == nil {
		t.Fatal("flood's last login refused")
	} else {
		r()
	}
}

func TestAnAddressPastItsQueueOrWaitIsToldBusy(t *testing.T) {
	q := NewCheckQueue(1, 1, 50*time.Millisecond)
	hold, err := q.Acquire("203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	waiter := acquireLater(q, "203.0.113.9")
	waitUntil(t, "one waits", func() bool { return q.Waiting("203.0.113.9") == 1 })
	// Its queue is full: refused at once, while another address may still queue.
	if _, err := q.Acquire("203.0.113.9"); err != ErrLoginBusy {
		t.Fatalf("past the per-address queue: %v, want login_busy", err)
	}
	if r := <-waiter; r != nil {
		t.Fatal("a login waited past the bounded wait and got a slot")
	}
	if q.Waiting("203.0.113.9") != 0 {
		t.Fatal("a login that gave up still waits")
	}
	// Once the slot is freed, logins go through again and the slot is not lost.
	hold()
	hold() // releasing twice gives back one slot only
	r, err := q.Acquire("203.0.113.9")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if _, err := q.Acquire("198.51.100.7"); err != ErrLoginBusy {
		t.Fatalf("a double release made a second slot: %v", err)
	}
	r()
}

func TestOneIPv6SubscriberNetworkIsOneLine(t *testing.T) {
	cases := map[string]string{
		"2001:db8:1:2:aaaa::1": "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::9": "2001:db8:1:2::/64",
		"::ffff:198.51.100.7":  "198.51.100.7",
		"198.51.100.7":         "198.51.100.7",
		"fe80::1%eth0":         "fe80::/64",
		"not-an-address":       "not-an-address",
	}
	for in, want := range cases {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
