package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// WriteStats are the store's write work since it opened, for an operator's
// dashboard (the server's /metrics) and the load tools: how many pages the
// commits wrote, how long bbolt spent laying them out (spill) and writing
// them with their fsyncs, and how big the file is.
type WriteStats struct {
	PagesWritten int64
	SpillTime    time.Duration
	WriteTime    time.Duration // the pages' and the meta's writes, each with its fsync
	FileBytes    int64         // the data file's size in use (bbolt's high-water mark)
	FreePages    int           // pages free for reuse within it
}

// WriteStats reads bbolt's counters; cheap enough for every scrape.
func (db *DB) WriteStats() WriteStats {
	s := db.Bolt.Stats()
	out := WriteStats{
		PagesWritten: s.TxStats.GetWrite(),
		SpillTime:    s.TxStats.GetSpillTime(),
		WriteTime:    s.TxStats.GetWriteTime(),
		FreePages:    s.FreePageN,
	}
	_ = db.Bolt.View(func(tx *bolt.Tx) error {
		out.FileBytes = tx.Size()
		return nil
	})
	return out
}
