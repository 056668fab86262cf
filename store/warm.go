package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// Warming the page cache after a start. bbolt reads the file through mmap,
// so a page not in the OS page cache is a disk read in the middle of a
// request. Right after a restart of a province's store (19 GB at 1 M jobs)
// most pages are cold: a push, which looks up some thirty random keys,
// took 1.24× its time on a 10 k-job store, and 1.01× once the file was in
// the cache. Warm reads, in the background while the server already
// serves:
//
//  1. every branch page of every bucket's tree (1–2 % of the file), so a
//     random lookup costs at most its one leaf from disk;
//  2. then the whole file, when it fits in the memory the machine has
//     available (three quarters of MemAvailable) — a store that does not
//     fit keeps the branch pages alone rather than churning the cache.
//
// WarmMode is FIELDCHECK_WARM: "all" (the default), "branches" or "off".
type WarmMode string

const (
	WarmAll      WarmMode = "all"
	WarmBranches WarmMode = "branches"
	WarmOff      WarmMode = "off"
)

// ParseWarmMode reads FIELDCHECK_WARM's value; "" is WarmAll.
func ParseWarmMode(v string) (WarmMode, error) {
	switch WarmMode(v) {
	case "":
		return WarmAll, nil
	case WarmAll, WarmBranches, WarmOff:
		return WarmMode(v), nil
	}
	return "", errors.New("FIELDCHECK_WARM must be all, branches or off, got " + strconv.Quote(v))
}

// WarmReport says what Warm read.
type WarmReport struct {
	BranchPages int           // branch pages read (and, not counted, each tree's leftmost leaf)
	BranchBytes int64         // their bytes
	BranchTook  time.Duration // how long phase 1 took
	FileBytes   int64         // bytes asked of the OS for phase 2 (0: skipped)
	FileTook    time.Duration
	Skipped     string // why phase 2 did not run, if it did not
}

// warmState is Warm's progress for /metrics: the bytes read so far, and
// whether it has finished.
type warmState struct {
	done  atomic.Bool
	bytes atomic.Int64
}

// WarmProgress reports the bytes Warm has read so far and whether it has
// finished (or was not asked for).
func (db *DB) WarmProgress() (bytes int64, done bool) {
	return db.warm.bytes.Load(), db.warm.done.Load()
}

// Warm reads the store's pages into the OS page cache as mode says, until
// done or ctx ends. Errors stop it without harm: nothing depends on what it
// read. Each bucket's branch walk holds a read transaction, so the pages
// it walks are not reused under it.
func (db *DB) Warm(ctx context.Context, mode WarmMode) (WarmReport, error) {
	defer db.warm.done.Store(true)
	var rep WarmReport
	if mode == WarmOff {
		rep.Skipped = "FIELDCHECK_WARM=off"
		return rep, nil
	}
	start := time.Now()
	err := func() error {
		c, err := openChecker(db.Bolt.Path())
		if err != nil {
			return err
		}
		defer c.f.Close()
		var names [][]byte
		if err := db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				names = append(names, bytes.Clone(name))
				return nil
			})
		}); err != nil {
			return err
		}
		// A read transaction per bucket: its pages are not reused while it
		// is walked, and a writer that must grow the file's mapping waits
		// for one bucket's walk at most.
		for _, name := range names {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err := db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket(name)
				if b == nil || b.Root() == 0 {
					return nil
				}
				c.hwm = uint64(tx.Size() / c.ps) // the file grows as others write
				c.size = tx.Size()
				n, err := c.warmTree(ctx, uint64(b.Root()))
				rep.BranchPages += n
				db.warm.bytes.Add(int64(n) * c.ps)
				return err
			}); err != nil {
				return err
			}
		}
		rep.BranchBytes = int64(rep.BranchPages) * c.ps
		return nil
	}()
	rep.BranchTook = time.Since(start)
	if err != nil || mode == WarmBranches {
		if err == nil {
			rep.Skipped = "FIELDCHECK_WARM=branches"
		}
		return rep, err
	}
	st, err := os.Stat(db.Bolt.Path())
	if err != nil {
		return rep, err
	}
	avail, ok := memAvailable()
	if !ok {
		rep.Skipped = "no MemAvailable in /proc/meminfo"
		return rep, nil
	}
	if st.Size() > avail/4*3 {
		rep.Skipped = "the file (" + strconv.FormatInt(st.Size()>>20, 10) + " MB) is larger than three quarters of the memory available (" +
			strconv.FormatInt(avail>>20, 10) + " MB)"
		return rep, nil
	}
	f, err := os.Open(db.Bolt.Path())
	if err != nil {
		return rep, err
	}
	defer f.Close()
	start = time.Now()
	const chunk = 64 << 20
	buf := make([]byte, 0)
	for off := int64(0); off < st.Size(); off += chunk {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		n := min(chunk, st.Size()-off)
		if err := populate(f, off, n, &buf); err != nil {
			return rep, err
		}
		rep.FileBytes += n
		db.warm.bytes.Add(n)
	}
	rep.FileTook = time.Since(start)
	return rep, nil
}

// warmTree reads the branch pages of the tree at root, level by level in
// page order, and reports how many it read. How deep the branches go comes
// from the leftmost path first (bbolt's trees are balanced: every leaf is
// at the same depth), so no leaf but the leftmost one is read.
func (c *pageChecker) warmTree(ctx context.Context, root uint64) (int, error) {
	levels := 0 // branch levels on the leftmost path
	for id := root; levels <= maxTreeDepth; levels++ {
		buf, h, err := c.readPage(id)
		if err != nil {
			return 0, err
		}
		if h.flags != flagBranch || h.count == 0 {
			break
		}
		id = ne.Uint64(buf[pageHeaderSize+8:])
	}
	read := 0
	level := []uint64{root}
	for l := 0; l < levels && len(level) > 0; l++ {
		var next []uint64
		for _, id := range level {
			if ctx.Err() != nil {
				return read, ctx.Err()
			}
			buf, h, err := c.readPage(id)
			if err != nil {
				return read, err
			}
			if h.flags != flagBranch {
				continue
			}
			read++
			if l == levels-1 {
				continue // its children are the leaves
			}
			for i := 0; i < int(h.count); i++ {
				off := pageHeaderSize + i*elementSize
				if off+elementSize > len(buf) {
					break
				}
				next = append(next, ne.Uint64(buf[off+8:]))
			}
		}
		slices.Sort(next)
		level = next
	}
	return read, nil
}

// populate reads [off, off+n) of f into the page cache: through a mapping
// of its own with MADV_POPULATE_READ (Linux 5.14+: the kernel reads the
// pages in without copying them to us), else by reading it into buf.
// (FADV_WILLNEED, which only starts readahead, left the cache as it was.)
func populate(f *os.File, off, n int64, buf *[]byte) error {
	m, err := unix.Mmap(int(f.Fd()), off, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err == nil {
		err = unix.Madvise(m, unix.MADV_POPULATE_READ)
		unix.Munmap(m)
		if err == nil {
			return nil
		}
	}
	if len(*buf) == 0 {
		*buf = make([]byte, 1<<20)
	}
	for done := int64(0); done < n; {
		k, err := f.ReadAt((*buf)[:min(int64(len(*buf)), n-done)], off+done)
		done += int64(k)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

// memAvailable is the kernel's estimate of memory available for new work
// without swapping (MemAvailable in /proc/meminfo), in bytes.
func memAvailable() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := bytes.CutPrefix(s.Bytes(), []byte("MemAvailable:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}
