package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// soakStats counts what the devices and agents saw. Safe for concurrent use.
type soakStats struct {
	mu       sync.Mutex
	requests map[string]map[string]int // route kind → answer class → count
	pushLat  []time.Duration           // answered pushes
	items    map[string]int            // push item status → count
	counts   map[string]int            // named events: replays, conflicts, photos…
	failures []string                  // expectation broken during the run
	nFail    int
	// serverErrors are 5xx answers other than 503: bugs, whatever the load.
	serverErrors []string
}

func newSoakStats() *soakStats {
	return &soakStats{requests: map[string]map[string]int{}, items: map[string]int{}, counts: map[string]int{}}
}

// answerClass is how a request ended: its status code, or why no status
// came (the server was being killed or was starting again).
func answerClass(status int, err error) string {
	if status != 0 {
		return fmt.Sprint(status)
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), strings.Contains(fmt.Sprint(err), "EOF"):
		return "dropped"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "neterr"
}

func (s *soakStats) request(kind string, status int, err error, took time.Duration) {
	class := answerClass(status, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.requests[kind]
	if m == nil {
		m = map[string]int{}
		s.requests[kind] = m
	}
	m[class]++
	if kind == "POST sync/push" && status == 200 {
		s.pushLat = append(s.pushLat, took)
	}
	if status >= 500 && status != 503 {
		if len(s.serverErrors) < 20 {
			s.serverErrors = append(s.serverErrors, fmt.Sprintf("%s → %d: %v", kind, status, err))
		}
		s.counts["server errors (5xx but 503)"]++
	}
}

func (s *soakStats) add(name string, n int) {
	s.mu.Lock()
	s.counts[name] += n
	s.mu.Unlock()
}

func (s *soakStats) get(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[name]
}

func (s *soakStats) item(status string) {
	s.mu.Lock()
	s.items[status]++
	s.mu.Unlock()
}

// fail records a broken expectation; the run will end non-zero.
func (s *soakStats) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nFail++
	if len(s.failures) < 50 {
		s.failures = append(s.failures, msg)
		fmt.Fprintln(os.Stderr, "soak: FAIL:", msg)
	}
}

// requestTable prints requests by route and answer class, markdown.
func (s *soakStats) requestTable() {
	s.mu.Lock()
	defer s.mu.Unlock()
	classes := map[string]bool{}
	var kinds []string
	for k, m := range s.requests {
		kinds = append(kinds, k)
		for c := range m {
			classes[c] = true
		}
	}
	sort.Strings(kinds)
	var cols []string
	for c := range classes {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool { // status codes first, then the no-answer classes
		ni, nj := cols[i][0] >= '0' && cols[i][0] <= '9', cols[j][0] >= '0' && cols[j][0] <= '9'
		if ni != nj {
			return ni
		}
		return cols[i] < cols[j]
	})
	fmt.Printf("| request | %s | total |\n|---|%s---:|\n", strings.Join(cols, " | "), strings.Repeat("---:|", len(cols)))
	for _, k := range kinds {
		row, total := []string{}, 0
		for _, c := range cols {
			n := s.requests[k][c]
			total += n
			if n == 0 {
				row = append(row, "")
			} else {
				row = append(row, fmt.Sprint(n))
			}
		}
		fmt.Printf("| %s | %s | %d |\n", k, strings.Join(row, " | "), total)
	}
}

// nLive is how many answers were checked against an expectation while the
// load ran: push items, photo uploads, pulls, refreshes, callback results.
func (s *soakStats) nLive() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.items {
		n += v
	}
	for _, k := range []string{"photos acknowledged", "pulls", "token refreshes", "callback results acknowledged", "claims: task leased"} {
		n += s.counts[k]
	}
	return n + s.nFail
}
