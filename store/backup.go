package store

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PhotoDir is where photo files live inside the data directory.
const PhotoDir = "photos"

// WriteBackup writes a tar of the store: first fieldcheck.db as a consistent
// snapshot from one read transaction (tx.WriteTo), then every file of
// backupDirs (photos, call recordings).
// Photo files are written before their metadata is committed, so every photo
// the snapshot knows of is on disk by the time the walk reaches it.
func (db *DB) WriteBackup(w io.Writer) error {
	tw := tar.NewWriter(w)
	now := time.Now()
	// tx.WriteTo needs the size up front for the tar header; take both from
	// the same read transaction.
	if err := db.View(func(tx *bolt.Tx) error {
		if err := tw.WriteHeader(&tar.Header{Name: FileName, Mode: 0o600, Size: tx.Size(), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tx.WriteTo(tw)
		return err
	}); err != nil {
		return fmt.Errorf("store: backup snapshot: %w", err)
	}
	for _, sub := range backupDirs {
		if err := writeFiles(tw, db.Dir, sub); err != nil {
			return fmt.Errorf("store: backup %s: %w", sub, err)
		}
	}
	return tw.Close()
}

// RestoreLimits bound what a restore may write, so a hostile or broken tar
// cannot fill the disk. Sizes are checked against each entry's header before
// any byte of it is written.
type RestoreLimits struct {
	// MaxPhoto caps one photo entry (default 256 MiB; uploads are capped at
	// 25 MB unless FIELDCHECK_PHOTO_MAX_BYTES says otherwise).
	MaxPhoto int64
	// MaxTotal caps all entries together, the db file included (default: the
	// free space of the target's file system less 5%, and at least 64 MiB
	// left free).
	MaxTotal int64
}

func (l RestoreLimits) withDefaults(parent string) (RestoreLimits, error) {
	if l.MaxPhoto <= 0 {
		l.MaxPhoto = 256 << 20
	}
	if l.MaxTotal <= 0 {
		var st syscall.Statfs_t
		if err := syscall.Statfs(parent, &st); err != nil {
			return l, fmt.Errorf("store: restore: free space of %s: %w", parent, err)
		}
		free := int64(st.Bavail) * int64(st.Bsize)
		l.MaxTotal = free - max(free/20, 64<<20)
	}
	return l, nil
}

// Restore unpacks a backup tar into dir, which must be empty or absent, with
// the default limits.
func Restore(dir string, r io.Reader) error { return RestoreWithLimits(dir, r, RestoreLimits{}) }

// RestoreWithLimits unpacks a backup tar into dir, which must be empty or
// absent. Everything goes into a temporary directory beside dir first; only
// when every entry is in, the db file has passed CheckFile and bbolt's own
// tx.Check, and the sessions are dropped (below) is it renamed to dir. A
// failed restore leaves dir as it was. Entry names are checked so a crafted
// tar cannot write outside dir: only fieldcheck.db and files under photos/,
// regular files only, no "..", no absolute paths.
//
// Sessions are not restored: refresh tokens and token families are emptied,
// so every earlier login signs in again (the restored server also makes a
// new signing key, auth/keys.go, since the key is never in a backup).
func RestoreWithLimits(dir string, r io.Reader, lim RestoreLimits) error {
	dir = filepath.Clean(dir)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("store: restore target %s is not empty", dir)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return err
	}
	lim, err := lim.withDefaults(parent)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restore-")
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	defer os.RemoveAll(tmp) // gone already after the rename
	if err := unpack(tmp, r, lim); err != nil {
		return err
	}
	if err := prepareRestored(tmp); err != nil {
		return err
	}
	syncDir(tmp)
	return moveInto(tmp, dir)
}

func unpack(dir string, r io.Reader, lim RestoreLimits) error {
	tr := tar.NewReader(r)
	sawDB := false
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("store: restore: read tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if !filepath.IsLocal(name) || (name != FileName && !inBackupDir(name)) {
			return fmt.Errorf("store: restore: unexpected entry %q", h.Name)
		}
		if name != FileName && h.Size > lim.MaxPhoto {
			return fmt.Errorf("store: restore: entry %q is %d bytes, more than a photo may be (%d)", h.Name, h.Size, lim.MaxPhoto)
		}
		if h.Size < 0 || total+h.Size > lim.MaxTotal {
			return fmt.Errorf("store: restore: the archive needs more than the %d bytes allowed (disk space left free); stopped at %q", lim.MaxTotal, h.Name)
		}
		total += h.Size
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("store: restore: %w", err)
		}
		n, err := io.Copy(f, io.LimitReader(tr, h.Size))
		if err == nil && n != h.Size {
			err = io.ErrUnexpectedEOF
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("store: restore %q: %w", h.Name, err)
		}
		sawDB = sawDB || name == FileName
	}
	if !sawDB {
		return fmt.Errorf("store: restore: the archive has no %s", FileName)
	}
	return nil
}

// prepareRestored checks the unpacked db file and drops its sessions.
func prepareRestored(dir string) error {
	path := filepath.Join(dir, FileName)
	if err := CheckFile(path); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	db, err := Open(dir)
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	defer db.Close()
	var damage []string
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			if len(damage) < 5 {
				damage = append(damage, err.Error())
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if len(damage) > 0 {
		return fmt.Errorf("store: restore: %w (%s)", ErrDamaged, strings.Join(damage, "; "))
	}
	return db.Update(func(tx *bolt.Tx) error {
		// A restored copy (a standby) is another node: it must not share
		// the original's staging area or backup names in a shared bucket.
		if err := tx.Bucket(BucketMeta).Delete(keyNodeID); err != nil {
			return err
		}
		for _, name := range [][]byte{BucketRefreshTokens, BucketTokenFamilies, BucketUserFamilies} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		// A backup made before the key file existed holds the key here.
		return tx.Bucket(BucketMeta).Delete([]byte("jwt_key"))
	})
}

// moveInto renames the unpacked tmp to dir. An existing empty dir is
// replaced; if it cannot be (a mount point), the entries move one by one,
// the db file last.
func moveInto(tmp, dir string) error {
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		if entries, rerr := os.ReadDir(dir); rerr != nil || len(entries) > 0 {
			return fmt.Errorf("store: restore target %s is not empty", dir)
		}
		for _, name := range []string{PhotoDir, FileName} {
			if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("store: restore: %w", err)
			}
		}
		syncDir(dir)
		return nil
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		return err
	}
	syncDir(filepath.Dir(dir))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
