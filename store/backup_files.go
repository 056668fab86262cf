package store

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AudioDir is where the QA reviewers' call recordings live inside the data
// directory (the qa package writes them); backups carry them like photos.
const AudioDir = "qa-audio"

// backupDirs are the file trees a backup carries besides the store, and a
// restore accepts.
var backupDirs = []string{PhotoDir, AudioDir}

// inBackupDir reports whether a restored entry lies in one of backupDirs.
func inBackupDir(name string) bool {
	for _, d := range backupDirs {
		if strings.HasPrefix(name, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// writeFiles adds every finished file under dataDir/sub to tw.
func writeFiles(tw *tar.Writer, dataDir, sub string) error {
	return WalkFiles(dataDir, sub, func(rel string, f *os.File) error {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = io.CopyN(tw, f, st.Size())
		return err
	})
}

// WalkFiles calls fn for every finished regular file under dataDir/sub, with
// its path relative to dataDir in slash form and the open file (closed after
// fn returns). Temporary files (*.tmp), dot files and a missing tree are
// skipped, and so is a file removed while the walk runs.
func WalkFiles(dataDir, sub string, fn func(rel string, f *os.File) error) error {
	return filepath.WalkDir(filepath.Join(dataDir, sub), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(d.Name(), ".tmp") {
			return nil
		}
		rel, err := filepath.Rel(dataDir, path)
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
		return fn(filepath.ToSlash(rel), f)
	})
}
