package qa

import (
	"hash/fnv"
	"sort"
)

// Candidate is a call the draw may put in a reviewer's queue.
type Candidate struct {
	QueueItem
	// Seen is true when someone has already reviewed the call or another
	// reviewer drew it today: still eligible, but after the unseen ones.
	Seen bool
}

// Draw picks at most quota calls for one reviewer's day (seed 001 §3: 20 a
// day; every agent who worked is monitored at least once). The rules, in
// order:
//
//   - agents take turns: each round gives every agent with calls left one
//     call, so nobody gets a second review before everyone has had one;
//     the agents reviewed least this month (load) go first in each round;
//   - within an agent, a call nobody has seen comes before a seen one, then
//     the call whose outcome, then whose call type, the queue holds least of
//     so far (so satisfied, unsatisfied and unreachable calls, installs and
//     repairs all get heard);
//   - ties break on a hash of seed and the task id, so the same inputs always
//     draw the same queue, but different reviewers and days differ.
//
// cands must already exclude the calls the reviewer reviewed or drew before.
func Draw(cands []Candidate, load map[string]int, quota int, seed string) []QueueItem {
	byAgent := map[string][]Candidate{}
	for _, c := range cands {
		byAgent[c.Agent] = append(byAgent[c.Agent], c)
	}
	agents := make([]string, 0, len(byAgent))
	for a := range byAgent {
		agents = append(agents, a)
	}
	sort.Slice(agents, func(i, j int) bool {
		a, b := agents[i], agents[j]
		if load[a] != load[b] {
			return load[a] < load[b]
		}
		return tie(seed, a) < tie(seed, b)
	})
	outcomes, types := map[string]int{}, map[string]int{}
	out := []QueueItem{}
	for len(out) < quota {
		picked := false
		for _, a := range agents {
			if len(out) == quota {
				break
			}
			list := byAgent[a]
			if len(list) == 0 {
				continue
			}
			best := 0
			for i := 1; i < len(list); i++ {
				if better(list[i], list[best], outcomes, types, seed) {
					best = i
				}
			}
			c := list[best]
			byAgent[a] = append(list[:best], list[best+1:]...)
			outcomes[c.Outcome]++
			types[c.OrderType]++
			out = append(out, c.QueueItem)
			picked = true
		}
		if !picked {
			break
		}
	}
	return out
}

func better(x, y Candidate, outcomes, types map[string]int, seed string) bool {
	if x.Seen != y.Seen {
		return !x.Seen
	}
	if outcomes[x.Outcome] != outcomes[y.Outcome] {
		return outcomes[x.Outcome] < outcomes[y.Outcome]
	}
	if types[x.OrderType] != types[y.OrderType] {
		return types[x.OrderType] < types[y.OrderType]
	}
	hx, hy := tie(seed, x.TaskID), tie(seed, y.TaskID)
	if hx != hy {
		return hx < hy
	}
	return x.TaskID < y.TaskID
}

func tie(seed, s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(seed))
	h.Write([]byte{0})
	h.Write([]byte(s))
	return h.Sum64()
}
