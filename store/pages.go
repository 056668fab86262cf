package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkPages walks the bbolt file at path the way bbolt's own freelist
// rebuild does at a read-write open (tx_check.go in bbolt v1.5: every page
// reachable from the root bucket, referenced once, of the right id and type,
// keys in order within pages and between a branch and its children), but
// reading with ReadAt and checking every offset, so a damaged file is an
// error here rather than a panic there. bbolt runs that walk in a goroutine
// of its own and, at the first problem, panics in the opening goroutine
// while the walk goes on over a closed transaction — a crash no recover
// can stop. So nothing that walk would complain about may reach bolt.Open.
//
// The layout read here is bbolt's on-disk format (version 2), in the
// machine's byte order as bbolt writes it.
func checkPages(path string) error {
	c, err := openChecker(path)
	if err != nil {
		return err
	}
	defer c.f.Close()
	c.seen = make([]uint64, (c.hwm+63)/64)
	if c.freelist != noFreelist {
		h, err := c.header(c.freelist)
		if err != nil {
			return err
		}
		if err := c.mark(c.freelist, h.overflow); err != nil {
			return err
		}
	}
	return c.bucket(c.root, 0)
}

// closedCleanly reads the bbolt file's meta pages and the pages they point
// at: clean is true when the file's last commit wrote its freelist — the
// last commit Close makes (store.go) — so no write happened after a clean
// stop. Then bbolt reads the freelist instead of walking the whole file at
// open, and Open checks only what it reads first (the meta pages, the
// freelist page and the root page) instead of every page. Any problem
// found is ErrDamaged.
func closedCleanly(path string) (clean bool, err error) {
	c, err := openChecker(path)
	if err != nil {
		return false, err
	}
	defer c.f.Close()
	if c.freelist == noFreelist {
		return false, nil
	}
	h, err := c.header(c.freelist)
	if err != nil {
		return false, err
	}
	if h.flags&flagFreelistPage == 0 {
		return false, damaged("page %d: the freelist page is not one", c.freelist)
	}
	if h, err = c.header(c.root); err != nil {
		return false, err
	}
	if h.flags&(flagBranch|flagLeaf) == 0 {
		return false, damaged("page %d: the root is neither a branch nor a leaf", c.root)
	}
	return true, nil
}

// openChecker opens the file at path and reads its meta pages; the caller
// closes c.f.
func openChecker(path string) (*pageChecker, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	c := &pageChecker{f: f, size: st.Size()}
	if err := c.readMeta(); err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

const (
	flagFreelistPage = 0x10
	metaMagic        = 0xED0CDAED
	metaVersion      = 2
	noFreelist       = ^uint64(0)
	pageHeaderSize   = 16
	elementSize      = 16
	bucketHeaderSize = 16
	flagBranch       = 0x01
	flagLeaf         = 0x02
	flagBucket       = 0x01
	maxTreeDepth     = 64
	// maxPageSpan bounds one page with its overflow pages: fieldcheck keeps
	// JSON records of a few KB in the db (photos are files), so a larger
	// span is a damaged header, not a value worth allocating for.
	maxPageSpan = 128 << 20
)

type pageChecker struct {
	f        *os.File
	size     int64
	ps       int64
	root     uint64
	freelist uint64
	hwm      uint64
	seen     []uint64 // bitset of reachable page ids
}

type pageHeader struct {
	id       uint64
	flags    uint16
	count    uint16
	overflow uint32
}

var ne = binary.NativeEndian

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w (%s)", ErrDamaged, fmt.Sprintf(format, args...))
}

// readMeta picks the meta page bbolt would: the valid one with the higher
// txid. Its page size comes from the first meta page, or the second at one
// of the sizes bbolt tries.
func (c *pageChecker) readMeta() error {
	type meta struct {
		ok                            bool
		ps, root, freelist, hwm, txid uint64
	}
	read := func(off int64) meta {
		var b [64]byte
		if _, err := c.f.ReadAt(b[:], off+pageHeaderSize); err != nil {
			return meta{}
		}
		h := fnv.New64a()
		h.Write(b[:56])
		if ne.Uint32(b[0:]) != metaMagic || ne.Uint32(b[4:]) != metaVersion || ne.Uint64(b[56:]) != h.Sum64() {
			return meta{}
		}
		return meta{ok: true, ps: uint64(ne.Uint32(b[8:])), root: ne.Uint64(b[16:]), freelist: ne.Uint64(b[32:]),
			hwm: ne.Uint64(b[40:]), txid: ne.Uint64(b[48:])}
	}
	m0 := read(0)
	ps := int64(m0.ps)
	if !m0.ok {
		for i := 0; i <= 14; i++ {
			if m := read(1024 << i); m.ok && m.ps == 1024<<i {
				ps = 1024 << i
				break
			}
		}
	}
	if ps < 1024 || ps > 1<<24 {
		return damaged("no valid meta page")
	}
	m1 := read(ps)
	if m0.ok && m0.ps != uint64(ps) {
		m0.ok = false
	}
	if m1.ok && m1.ps != uint64(ps) {
		m1.ok = false
	}
	m := m0
	if m1.ok && (!m0.ok || m1.txid > m0.txid) {
		m = m1
	}
	if !m.ok {
		return damaged("no valid meta page")
	}
	c.ps, c.root, c.freelist, c.hwm = ps, m.root, m.freelist, m.hwm
	if c.hwm < 2 || c.hwm > uint64(c.size/c.ps)+1 {
		return damaged("meta page names %d pages", c.hwm)
	}
	return nil
}

func (c *pageChecker) header(id uint64) (pageHeader, error) {
	if id < 2 || id >= c.hwm {
		return pageHeader{}, damaged("page %d: out of bounds (%d pages)", id, c.hwm)
	}
	var b [pageHeaderSize]byte
	if _, err := c.f.ReadAt(b[:], int64(id)*c.ps); err != nil {
		return pageHeader{}, damaged("page %d: %v", id, err)
	}
	h := pageHeader{id: ne.Uint64(b[0:]), flags: ne.Uint16(b[8:]), count: ne.Uint16(b[10:]), overflow: ne.Uint32(b[12:])}
	if h.id != id {
		return h, damaged("page %d: names itself %d", id, h.id)
	}
	if id+uint64(h.overflow) >= c.hwm || (int64(id)+int64(h.overflow)+1)*c.ps > c.size || (int64(h.overflow)+1)*c.ps > maxPageSpan {
		return h, damaged("page %d: %d overflow pages run past the end", id, h.overflow)
	}
	return h, nil
}

// mark records pages id…id+overflow as reachable, once.
func (c *pageChecker) mark(id uint64, overflow uint32) error {
	for p := id; p <= id+uint64(overflow); p++ {
		w, bit := p/64, uint64(1)<<(p%64)
		if c.seen[w]&bit != 0 {
			return damaged("page %d: multiple references", p)
		}
		c.seen[w] |= bit
	}
	return nil
}

// bucket checks the tree of a bucket whose root page is root (0: inline,
// which bbolt's walk skips too), and every bucket nested in it.
func (c *pageChecker) bucket(root uint64, depth int) error {
	if root == 0 {
		return nil
	}
	if depth > maxTreeDepth {
		return damaged("buckets nested deeper than %d", maxTreeDepth)
	}
	var children []uint64
	if _, err := c.tree(root, nil, nil, 0, &children); err != nil {
		return err
	}
	for _, child := range children {
		if err := c.bucket(child, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// tree checks the page id and its subtree: keys ≥ min and < max (nil: no
// bound), ascending. It returns the subtree's last key and collects the
// root pages of buckets stored in its leaves.
func (c *pageChecker) tree(id uint64, min, max []byte, depth int, children *[]uint64) ([]byte, error) {
	if depth > maxTreeDepth {
		return nil, damaged("page %d: tree deeper than %d", id, maxTreeDepth)
	}
	buf, h, err := c.readPage(id)
	if err != nil {
		return nil, err
	}
	if h.flags != flagBranch && h.flags != flagLeaf {
		return nil, damaged("page %d: not a branch or leaf page (flags %#x)", id, h.flags)
	}
	if err := c.mark(id, h.overflow); err != nil {
		return nil, err
	}
	n := int(h.count)
	if pageHeaderSize+n*elementSize > len(buf) {
		return nil, damaged("page %d: %d elements do not fit", id, n)
	}
	// field reads one element's range [off+pos, off+pos+size) of buf.
	field := func(off int, pos, size uint32) ([]byte, bool) {
		start := uint64(off) + uint64(pos)
		end := start + uint64(size)
		if end > uint64(len(buf)) {
			return nil, false
		}
		return buf[start:end], true
	}
	order := func(i int, key, prev []byte) error {
		if i == 0 && prev != nil && bytes.Compare(prev, key) > 0 || i > 0 && bytes.Compare(prev, key) >= 0 ||
			max != nil && bytes.Compare(key, max) >= 0 {
			return damaged("page %d: key %d out of order", id, i)
		}
		return nil
	}
	running := min
	if h.flags == flagBranch {
		var last []byte
		for i := 0; i < n; i++ {
			off := pageHeaderSize + i*elementSize
			key, ok := field(off, ne.Uint32(buf[off:]), ne.Uint32(buf[off+4:]))
			if !ok {
				return nil, damaged("page %d: element %d out of the page", id, i)
			}
			if err := order(i, key, running); err != nil {
				return nil, err
			}
			next := max
			if i < n-1 {
				noff := off + elementSize
				nk, ok := field(noff, ne.Uint32(buf[noff:]), ne.Uint32(buf[noff+4:]))
				if !ok {
					return nil, damaged("page %d: element %d out of the page", id, i+1)
				}
				next = nk
			}
			last, err = c.tree(ne.Uint64(buf[off+8:]), bytes.Clone(key), bytes.Clone(next), depth+1, children)
			if err != nil {
				return nil, err
			}
			running = last
		}
		return last, nil
	}
	var key []byte
	for i := 0; i < n; i++ {
		off := pageHeaderSize + i*elementSize
		flags, pos, ksize, vsize := ne.Uint32(buf[off:]), ne.Uint32(buf[off+4:]), ne.Uint32(buf[off+8:]), ne.Uint32(buf[off+12:])
		kv, ok := field(off, pos, ksize+vsize)
		if !ok || uint64(ksize)+uint64(vsize) > uint64(len(buf)) {
			return nil, damaged("page %d: element %d out of the page", id, i)
		}
		key = kv[:ksize]
		if err := order(i, key, running); err != nil {
			return nil, err
		}
		running = key
		if flags&flagBucket != 0 {
			v := kv[ksize:]
			if len(v) < bucketHeaderSize {
				return nil, damaged("page %d: bucket %d has a short header", id, i)
			}
			if r := ne.Uint64(v); r != 0 {
				*children = append(*children, r)
			} else if err := checkInline(v[bucketHeaderSize:]); err != nil {
				return nil, damaged("page %d: inline bucket %d: %v", id, i, err)
			}
		}
	}
	return bytes.Clone(key), nil
}

// checkInline checks that an inline bucket's page and elements lie within
// its value.
func checkInline(p []byte) error {
	if len(p) < pageHeaderSize {
		return errors.New("short page")
	}
	n := int(ne.Uint16(p[10:]))
	if ne.Uint16(p[8:]) != flagLeaf || pageHeaderSize+n*elementSize > len(p) {
		return errors.New("bad page header")
	}
	for i := 0; i < n; i++ {
		off := pageHeaderSize + i*elementSize
		flags := ne.Uint32(p[off:])
		end := uint64(off) + uint64(ne.Uint32(p[off+4:])) + uint64(ne.Uint32(p[off+8:])) + uint64(ne.Uint32(p[off+12:]))
		if end > uint64(len(p)) || flags&flagBucket != 0 {
			return errors.New("element out of the page")
		}
	}
	return nil
}

// readPage reads page id whole (with its overflow; header bounds the span).
func (c *pageChecker) readPage(id uint64) ([]byte, pageHeader, error) {
	h, err := c.header(id)
	if err != nil {
		return nil, h, err
	}
	buf := make([]byte, (int64(h.overflow)+1)*c.ps)
	if _, err := c.f.ReadAt(buf, int64(id)*c.ps); err != nil && !errors.Is(err, io.EOF) {
		return nil, h, damaged("page %d: %v", id, err)
	}
	return buf, h, nil
}
