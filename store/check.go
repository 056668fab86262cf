package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged means the database file has damaged pages. bbolt does not
// return an error for those: it panics deep inside a read, and at a
// read-write open it walks the whole file in a goroutine of its own (to
// rebuild the freelist, which we do not sync), where a panic — or a problem
// it reports, pages.go — kills the process. So Open first checks every
// page itself (checkPages) and answers this error instead.
var ErrDamaged = errors.New("数据文件已损坏，请从备份恢复（fieldcheck restore）/ the database file is damaged; restore it from a backup (fieldcheck restore)")

// CheckFile checks every page reachable in the bbolt file at path, holding
// a read-only bbolt handle (a shared lock, so no writer changes the file
// meanwhile; a server holding it answers ErrLocked). A missing or empty file
// passes (Open creates it).
func CheckFile(path string) error {
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		return nil
	}
	var b *bolt.DB
	err := guard(path, func() error {
		var err error
		b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
		return err
	})
	if err != nil {
		return openErr(path, err)
	}
	defer b.Close()
	return guard(path, func() error { return checkPages(path) })
}

// guard runs fn, turning a panic or a memory fault on the mapped file, and
// bbolt's own reports of a bad file, into ErrDamaged.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w (%s: %v)", ErrDamaged, path, r)
		}
	}()
	err = fn()
	if errors.Is(err, bolt.ErrInvalid) || errors.Is(err, bolt.ErrChecksum) || errors.Is(err, bolt.ErrVersionMismatch) ||
		errors.Is(err, bolt.ErrInvalidMapping) {
		return fmt.Errorf("%w (%s: %v)", ErrDamaged, path, err)
	}
	return err
}

func openErr(path string, err error) error {
	if errors.Is(err, bolt.ErrTimeout) {
		return fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if errors.Is(err, ErrDamaged) {
		return err
	}
	return fmt.Errorf("store: open %s: %w", path, err)
}
