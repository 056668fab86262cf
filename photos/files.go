package photos

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"fieldcheck/store"
)

// On disk, under the data directory:
//
//	photos/ab/cd/<sha256>                        the original bytes, as uploaded
//	photo-renditions/ab/cd/<sha256>.thumb.jpg    ~320 px long edge, upright
//	photo-renditions/ab/cd/<sha256>.medium.jpg   ~1600 px long edge, upright
//	photos/.incoming/.up-*                       uploads being received
//
// Two levels of fan-out keep directories small (65536 leaves). Renditions
// live apart so a backup walks originals only; they are remade on demand.
const (
	OriginalsDir  = "photos"
	RenditionsDir = "photo-renditions"
	// IncomingDir is inside OriginalsDir so that a verified upload is
	// renamed into place, never copied (one filesystem). WalkFiles skips it:
	// its names are not sha256s.
	IncomingDir = OriginalsDir + "/.incoming"
)

// clearIncoming removes uploads a previous run left half received (the
// store's file lock means no other process is receiving into it).
func clearIncoming(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".up-") {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func join(parts ...string) string { return filepath.Join(parts...) }

// originalPath and renditionPath are the data dir's layout (LocalObjects
// owns it); tests reach the files through them.
func (s *Service) originalPath(sha string) string {
	return (&LocalObjects{Dir: s.cfg.DataDir}).originalPath(sha)
}

func (s *Service) renditionPath(sha, size string) string {
	return (&LocalObjects{Dir: s.cfg.DataDir}).renditionPath(sha, size)
}

// writeFileAtomic writes data beside path and renames it into place, so a
// reader never sees half a file. With durable it fsyncs the file before the
// rename and the directory after, so the photo survives a power cut once
// Put has returned.
func writeFileAtomic(path string, data []byte, durable bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if durable {
		if d, err := os.Open(dir); err == nil {
			err = d.Sync()
			d.Close()
			return err
		}
	}
	return nil
}

// WalkFiles calls fn for every original photo file under dataDir, with its
// path relative to dataDir in slash form ("photos/ab/cd/<sha>") and the open
// file (closed after fn returns). Renditions and temporary files are skipped:
// a backup needs only the originals. Restoring a backup means writing each
// file back at dataDir/relPath.
func WalkFiles(dataDir string, fn func(relPath string, f *os.File) error) error {
	return store.WalkFiles(dataDir, OriginalsDir, func(rel string, f *os.File) error {
		if !ValidSHA(path.Base(rel)) {
			return nil
		}
		return fn(rel, f)
	})
}

// IsPhotoFile reports whether a relative path from a backup names an
// original photo (photos/ab/cd/<sha> with matching fan-out), so restore can
// refuse anything else.
func IsPhotoFile(relPath string) bool {
	parts := strings.Split(relPath, "/")
	return len(parts) == 4 && parts[0] == OriginalsDir && ValidSHA(parts[3]) &&
		parts[1] == parts[3][0:2] && parts[2] == parts[3][2:4]
}
