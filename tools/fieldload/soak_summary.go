package main

import (
	"fmt"
	"slices"
	"time"
)

type summaryFigures struct {
	techs, inspectors, agents  int
	dur, elapsed, setup, audit time.Duration
	peak, bound                int64
}

// printSummary prints the run's figures as a markdown table, then the
// requests by route and answer.
func printSummary(st *soakStats, k *killer, f summaryFigures, devs []*device, agents []*agent) {
	st.mu.Lock()
	lat := slices.Clone(st.pushLat)
	items := st.items
	c := st.counts
	noAnswer, unavailable := 0, 0
	for _, m := range st.requests {
		for class, n := range m {
			switch class {
			case "refused", "dropped", "timeout", "neterr":
				noAnswer += n
			case "503":
				unavailable += n
			}
		}
	}
	st.mu.Unlock()

	var down, maxDown time.Duration
	for _, d := range k.down {
		down += d
		maxDown = max(maxDown, d)
	}
	restart := "–"
	if len(k.down) > 0 {
		restart = fmt.Sprintf("restart to ready: mean %s, max %s", (down / time.Duration(len(k.down))).Round(time.Millisecond), maxDown.Round(time.Millisecond))
	}
	row := func(name, format string, args ...any) {
		fmt.Printf("| %s | %s |\n", name, fmt.Sprintf(format, args...))
	}
	fmt.Println("| soak | |")
	fmt.Println("|---|---|")
	row("devices", "%d (%d technicians, %d inspectors) + %d callback agents", f.techs+f.inspectors, f.techs, f.inspectors, f.agents)
	row("duration", "%s of load (ran %s; setup %s, clean restart + audit %s)", f.dur, f.elapsed.Round(100*time.Millisecond),
		f.setup.Round(100*time.Millisecond), f.audit.Round(100*time.Millisecond))
	row("pushes answered", "%d, %.1f/s", len(lat), float64(len(lat))/f.elapsed.Seconds())
	row("push latency", "p50 %.1f ms, p99 %.1f ms", ms(pct(lat, 0.50)), ms(pct(lat, 0.99)))
	row("push results", "accepted %d · duplicate %d · conflict %d · rejected %d", items["accepted"], items["duplicate"], items["conflict"], items["rejected"])
	row("new sheets / edits", "%d / %d", c["new sheets"], c["edits"])
	row("replays answered duplicate", "%d", c["replays answered duplicate"])
	row("stale edits answered conflict", "%d", c["stale edits answered conflict"])
	row("second acceptances for a completed order answered conflict", "%d", c["second sheets for a completed order answered conflict"])
	row("versions pushed before their photos", "%d", c["versions pushed before their photos"])
	row("photos acknowledged", "%d", c["photos acknowledged"])
	row("pulls / token refreshes", "%d / %d", c["pulls"], c["token refreshes"])
	row("callbacks", "%d leased, %d results, %d no-answer attempts, %d releases, %d empty claims",
		c["claims: task leased"], c["callback results acknowledged"], c["no-answer attempts"], c["releases"], c["claims: queue empty"])
	row("lost replies resolved", "%d pushes as duplicate, %d photos as 200, %d results by reading the task, %d leases recovered",
		c["lost replies resolved as duplicate"], c["photo uploads answered 200 after a lost reply"],
		c["lost replies resolved by reading the task"], c["leases recovered after a lost claim"])
	row("kills survived", "%d SIGKILLs (%s)", k.kills, restart)
	row("requests without an answer (kill/restart)", "%d, plus %d × 503", noAnswer, unavailable)
	row("5xx other than 503", "%d", c["server errors (5xx but 503)"])
	row("given up in doubt at the end", "%d pushes, %d photos, %d results", c["pushes given up (in doubt)"], c["photo uploads given up (in doubt)"], c["callback results given up (in doubt)"])
	row("server peak RSS (200 ms samples)", "%.0f MB (bound %d MB)", float64(f.peak)/(1<<20), f.bound>>20)
	fmt.Println()
	st.requestTable()
}
