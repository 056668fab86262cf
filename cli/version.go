package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"fieldcheck/server"
	"fieldcheck/store"
)

// Version is the release name, set at build time:
//
//	go build -ldflags "-X fieldcheck/cli.Version=v1.2.0" .
//
// Without it the build says "dev" and the commit tells which code it is.
var Version = "dev"

// Build describes this binary: the release, the VCS commit Go stamped into
// it (go build records vcs.revision in a git checkout), and the data-dir
// layout version it writes.
func Build() server.BuildInfo {
	b := server.BuildInfo{Version: Version, Go: runtime.Version(), Schema: store.SchemaVersion}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	return b
}

func version(stdout io.Writer) error {
	b := Build()
	commit := b.Commit
	if commit == "" {
		commit = "unknown"
	} else if len(commit) > 12 {
		commit = commit[:12]
	}
	if b.Modified {
		commit += "+modified"
	}
	fmt.Fprintf(stdout, "fieldcheck %s (commit %s", b.Version, commit)
	if b.Time != "" {
		fmt.Fprintf(stdout, ", %s", b.Time)
	}
	fmt.Fprintf(stdout, ", %s)\ndata schema version %d\n", b.Go, b.Schema)
	return nil
}
