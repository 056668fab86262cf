package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"fieldcheck/callbacks"
	"fieldcheck/reports"
	"fieldcheck/store"
)

// rollupsCmd: `fieldcheck rollups verify|rebuild --data DIR`. verify
// recomputes every report from the records through the scanning code (the
// reference) and compares the rollups with it, printing each difference
// (exit 1 on any); rebuild rewrites the rollups from the records. Both need
// the server stopped (the bbolt file is locked while it runs).
func rollupsCmd(args []string, stdout io.Writer) error {
	if len(args) < 1 || (args[0] != "verify" && args[0] != "rebuild") {
		return usageError{"rollups needs verify or rebuild"}
	}
	fs := flag.NewFlagSet("rollups "+args[0], flag.ContinueOnError)
	data := fs.String("data", env("FIELDCHECK_DATA", "./data"), "data directory")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	db, err := store.Open(*data)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%s is in use by a running server: stop it first", *data)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if args[0] == "rebuild" {
		last := time.Now()
		err := reports.Rebuild(context.Background(), db, func(done, total int) {
			if time.Since(last) > 2*time.Second || done == total {
				fmt.Fprintf(stdout, "rebuilding: %d of %d records\n", done, total)
				last = time.Now()
			}
		})
		if err != nil {
			return err
		}
		// The callback queue's counters (GET /callbacks/summary) too.
		if err := callbacks.RebuildStoredCounters(db, 0); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rollups rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	}
	if ready, progress := reports.RollupsReady(db); !ready {
		return fmt.Errorf("the rollups are not built (rebuild %q due or interrupted): run `fieldcheck rollups rebuild` or start the server", progress)
	}
	n, err := reports.Verify(db, stdout)
	if err != nil {
		return err
	}
	// The callback queue's counters against the tasks.
	diffs, err := callbacks.VerifyStoredCounters(db)
	if err != nil {
		return err
	}
	for _, d := range diffs {
		fmt.Fprintln(stdout, d)
	}
	n += len(diffs)
	if n > 0 {
		return fmt.Errorf("rollups verify: %d differences between the rollups and the records", n)
	}
	fmt.Fprintf(stdout, "rollups verify: the rollups equal the records (%s)\n", time.Since(start).Round(time.Millisecond))
	return nil
}
