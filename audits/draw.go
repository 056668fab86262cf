package audits

import (
	"math/rand/v2"
	"sort"
	"time"
)

// Lookback is how far back a 工单抽查 draw looks: orders finished in the last
// 3 months.
const Lookback = 3

// Draw is one stored sample draw: which orders, out of how many, from which
// seed. Pick(candidates, Seed, Want) over the same candidates (the unit's
// orders of Line completed in [From, To], ordered by id) gives Orders again.
type Draw struct {
	Item       string    `json:"item"`
	Line       string    `json:"line"`
	Seed       uint64    `json:"seed"`
	At         time.Time `json:"at"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Candidates int       `json:"candidates"`
	Want       int       `json:"want"`
	Orders     []string  `json:"orders"`
	// Short says fewer orders finished than the item samples: the draw took
	// them all, and the item cannot pass on it.
	Short bool `json:"short"`
}

// Pick draws n ids out of candidates with the generator seeded by seed. The
// candidates are sorted first, so the answer depends only on the set, the
// seed and n; fewer than n candidates give them all.
func Pick(candidates []string, seed uint64, n int) []string {
	ids := append([]string(nil), candidates...)
	sort.Strings(ids)
	if n > len(ids) {
		n = len(ids)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	perm := r.Perm(len(ids))
	out := make([]string, 0, n)
	for _, i := range perm[:n] {
		out = append(out, ids[i])
	}
	return out
}
