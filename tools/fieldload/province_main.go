package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
)

// provinceMain: `fieldload province-load --data DIR --jobs N` builds a
// province's month (province.go); `fieldload province-bench --bin
// ./bin/fieldcheck --data DIR --small DIR` measures the reports, exports,
// pushes and claims on it (province_bench.go).
func provinceMain(mode string, args []string) int {
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	data := fs.String("data", "", "data directory (created when missing)")
	jobs := fs.Int("jobs", 1_000_000, "province-load, province-gen: finished jobs in the month")
	units := fs.Int("units", 21, "province-load: units (a prefecture city each)")
	techs := fs.Int("techs", 100, "province-load: technicians per unit")
	stores := fs.Int("stores", 40, "province-load: stores per unit")
	month := fs.String("month", "2026-11", "province-load: the month, YYYY-MM (Asia/Shanghai)")
	workers := fs.Int("workers", max(4, runtime.NumCPU()), "province-load: goroutines pushing")
	bin := fs.String("bin", "./bin/fieldcheck", "province-bench: fieldcheck binary")
	small := fs.String("small", "", "province-bench: a smaller data dir for the growth ratios (push, claim)")
	reqs := fs.Int("requests", 200, "province-bench: report requests per report and scope")
	smallJobs := fs.Int("small-jobs", 10_000, "province-bench: the jobs --small was loaded with (same units and technicians)")
	finished := fs.Int("finished", 0, "province-bench: the finished jobs really there when province-gen was stopped early (labels only; --jobs numbers the spare orders)")
	batch := fs.Int("batch", 4000, "province-gen: jobs per write transaction")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	fs.Parse(args)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fieldload:", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "fieldload:", err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if *data == "" {
		fmt.Fprintln(os.Stderr, "fieldload: --data is required")
		return 2
	}
	var err error
	switch mode {
	case "province-load":
		err = provinceLoad(*data, provinceShape{Jobs: *jobs, Units: *units, TechsPerUnit: *techs, StoresPerUnit: *stores,
			Month: *month, Workers: *workers})
	case "province-gen":
		_, err = provinceGen(*data, provinceShape{Jobs: *jobs, Units: *units, TechsPerUnit: *techs, StoresPerUnit: *stores,
			Month: *month}, *batch)
	case "province-bench":
		err = provinceBench(*bin, *data, *small, provinceBenchShape{Jobs: *jobs, Units: *units, TechsPerUnit: *techs,
			Month: *month, Requests: *reqs, SmallJobs: *smallJobs, Finished: *finished})
	case "province-growth":
		err = growth(*bin, *data, *small, provinceBenchShape{Jobs: *jobs, Units: *units, TechsPerUnit: *techs,
			Month: *month, SmallJobs: *smallJobs, Finished: *finished})
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fieldload:", err)
		return 1
	}
	return 0
}

// rollupsVerify runs `fieldcheck rollups verify` on a stopped server's data
// dir; its output lines are the failures when it finds a difference.
func rollupsVerify(bin, data string) []string {
	out, err := exec.Command(bin, "rollups", "verify", "--data", data).CombinedOutput()
	if err == nil {
		return nil
	}
	return append(strings.Split(strings.TrimSpace(string(out)), "\n"), err.Error())
}
