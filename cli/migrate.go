package cli

import (
	"time"

	"fieldcheck/store"
	"fieldcheck/sync/submissions"

	bolt "go.etcd.io/bbolt"
)

// migrations lists every change to what is on disk, in order (store.Migrate
// snapshots the data dir before the first one it applies). Each domain owns
// the body of its own migration; this list only wires them.
func migrations() []store.Migration {
	return []store.Migration{
		{To: 2, Name: "record the schema version", Fn: func(*bolt.Tx, time.Time) error { return nil }},
		submissions.DropPhotoWaiting,
	}
}
