package photos

import (
	"errors"
	"time"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Possession (API.md v1.1, Photos): a photo belongs to whoever has PUT its
// bytes, not to whoever knows its sha256. Knowing a hash is cheap — a reuse
// flag or a colleague's sheet shows it — so only possession makes a sheet's
// photo present, answers HEAD with 200, and lets a sheet's readers see it.
//
// BucketPhotoPossession holds sha 0x00 username for every possessor. Photos
// stored before v1.1 have no records there; their one possessor is the
// recorded Meta.Uploader, derived here at read time, so no stored sheet
// changes its completeness on upgrade and no migration is needed.

func possessionKey(sha, username string) []byte { return store.Key(sha, username) }

// Possesses reports whether username has uploaded the bytes of photo sha
// (sync asks it for missing_photos, with its own transaction). A photo the
// server does not hold is possessed by no one.
func Possesses(tx *bolt.Tx, sha, username string) bool {
	if username == "" || !ValidSHA(sha) {
		return false
	}
	if store.Has(tx, store.BucketPhotoPossession, possessionKey(sha, username)) {
		return Has(tx, sha)
	}
	m, held, err := Lookup(tx, sha)
	return err == nil && held && m.Uploader == username
}

// Possessed is Possesses in its own read transaction (HEAD: the phone skips
// an upload only when its user possesses the bytes).
func (s *Service) Possessed(sha, username string) bool {
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error { ok = Possesses(tx, sha, username); return nil })
	return ok
}

// recordPossession notes, inside tx, that who has uploaded the bytes of sha.
// It answers whether who is a new possessor.
func recordPossession(tx *bolt.Tx, sha, username string) (bool, error) {
	if Possesses(tx, sha, username) {
		return false, nil
	}
	return true, markPossession(tx, sha, username)
}

// markPossession writes the possession record of username for sha (the
// first upload of a photo writes it beside the Meta).
func markPossession(tx *bolt.Tx, sha, username string) error {
	return store.Mark(tx, store.BucketPhotoPossession, possessionKey(sha, username))
}

// possessHeld records who as a possessor of sha, whose bytes the server
// already holds and the upload was verified against (same sha256). For a
// new possessor it audits the fact and runs OnStored in the same commit, so
// that user's sheets waiting for sha complete; a repeat upload by a
// possessor writes nothing.
func (s *Service) possessHeld(sha string, who store.Actor, now time.Time) error {
	if s.Possessed(sha, who.Username) {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error { return s.possessHeldIn(tx, sha, who, now) })
	if errors.Is(err, store.ErrDiskFull) {
		return errDiskFull
	}
	return err
}

// possessHeldIn is possessHeld inside the caller's write transaction (also
// used when a concurrent upload of the same bytes stored the photo first).
func (s *Service) possessHeldIn(tx *bolt.Tx, sha string, who store.Actor, now time.Time) error {
	added, err := recordPossession(tx, sha, who.Username)
	if err != nil || !added {
		return err
	}
	if err := store.Audit(tx, now, who, "photo.possess", "photo/"+sha, "re-upload of bytes already held, verified"); err != nil {
		return err
	}
	if s.cfg.OnStored != nil {
		return s.cfg.OnStored(tx, sha, now)
	}
	return nil
}

var errDiskFull = errs.New(errs.InsufficientStorage, "disk_full", "服务器磁盘已满", "the server's disk is full")

// CanView reports whether p may see photo sha: a possessor, an admin, or
// whoever may read a submission that references it and whose author
// possesses it (Config.CanSee decides the submission part). Naming a
// colleague's hash in one's own sheet therefore grants nothing. An unknown
// photo is false, so the server answers 404 either way and existence does
// not leak. A CanSee error on one submission counts as "no" (fail closed).
func (s *Service) CanView(p auth.Principal, sha string) (bool, error) {
	if !ValidSHA(sha) {
		return false, nil
	}
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if !Has(tx, sha) {
			return nil
		}
		if p.Role == auth.RoleAdmin || Possesses(tx, sha, p.Username) {
			ok = true
			return nil
		}
		if s.cfg.CanSee == nil {
			return nil
		}
		for _, id := range RefsOf(tx, sha) {
			if can, err := s.cfg.CanSee(tx, p, id, sha); err == nil && can {
				ok = true
				return nil
			}
		}
		return nil
	})
	return ok, err
}
