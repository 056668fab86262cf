// Command fieldload drives a real fieldcheck server on 127.0.0.1: `bench`
// measures push throughput against raw bbolt; `soak` runs 200 simulated
// devices with replays, stale edits, photo uploads, agents and SIGKILL
// restarts, then audits that every acknowledged write is there exactly once;
// `memmix` measures peak memory under decompression bombs and big bodies.
// Every loop is bounded in time; it only ever talks to the loopback address.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fieldload bench|soak|memmix --bin ./fieldcheck [flags]")
		os.Exit(2)
	}
	if strings.HasPrefix(os.Args[1], "province-") { // province-load, province-bench (province_main.go)
		os.Exit(provinceMain(os.Args[1], os.Args[2:]))
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	bin := fs.String("bin", "./bin/fieldcheck", "fieldcheck binary")
	dur := fs.Duration("duration", 0, "how long (bench: per phase, default 8s; soak: default 60s)")
	phases := fs.String("devices", "", "bench: concurrency phases (default 1,16,64); soak: device count (default 200)")
	killEvery := fs.Duration("kill-every", 20*time.Second, "soak: SIGKILL and restart the server this often (0: never)")
	rssBound := fs.Int64("rss-mb", 512, "soak, memmix: fail when the server's RSS exceeds this")
	fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "bench":
		if *dur == 0 {
			*dur = 8 * time.Second
		}
		list := []int{1, 16, 64}
		if *phases != "" {
			list = nil
			for _, s := range strings.Split(*phases, ",") {
				n, _ := strconv.Atoi(s)
				list = append(list, n)
			}
		}
		err = bench(*bin, list, *dur)
	case "soak":
		if *dur == 0 {
			*dur = 60 * time.Second
		}
		n := 200
		if *phases != "" {
			n, _ = strconv.Atoi(*phases)
		}
		err = soak(*bin, n, *dur, *killEvery, *rssBound<<20)
	case "memmix":
		err = memmix(*bin, *rssBound<<20)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fieldload:", err)
		os.Exit(1)
	}
}
