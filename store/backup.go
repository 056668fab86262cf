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
	"time"

	bolt "go.etcd.io/bbolt"
)

// PhotoDir is where photo files live inside the data directory.
const PhotoDir = "photos"

// WriteBackup writes a tar of the store: first fieldcheck.db as a consistent
// snapshot from one read transaction (tx.WriteTo), then every photo file.
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
	root := filepath.Join(db.Dir, PhotoDir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(d.Name(), ".tmp") {
			return nil
		}
		rel, err := filepath.Rel(db.Dir, path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = io.CopyN(tw, f, st.Size())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: backup photos: %w", err)
	}
	return tw.Close()
}

// Restore unpacks a backup tar into dir, which must be empty or absent.
// Entry names are checked so a crafted tar cannot write outside dir.
func Restore(dir string, r io.Reader) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("store: restore target %s is not empty", dir)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tr := tar.NewReader(r)
	sawDB := false
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
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) || (name != FileName && !strings.HasPrefix(name, PhotoDir+string(filepath.Separator))) {
			return fmt.Errorf("store: restore: unexpected entry %q", h.Name)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tr); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		sawDB = sawDB || name == FileName
	}
	if !sawDB {
		return fmt.Errorf("store: restore: the archive has no %s", FileName)
	}
	return nil
}
