package submissions

import (
	"slices"
	"time"

	"fieldcheck/auth"
	"fieldcheck/photos"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// maxReuseDetails bounds the evidence kept per submission: a photo shown on
// hundreds of sheets (a stock picture) needs a reviewer, not a longer list.
const maxReuseDetails = 20

// maxReuseRecheck bounds how many other submissions one arriving photo
// re-evaluates, so a stock picture on thousands of sheets cannot make one
// upload's transaction walk them all; the waiting ones are always updated.
const maxReuseRecheck = 100

// reuseOf finds the photo_reused evidence of h: each of its photos, or a
// near copy by perceptual hash (photos.ReusesOf), that already stands on an
// earlier submission about something else — another work order, or another
// visit to a store. Sheets about the same order (an acceptance and its spot
// check) may share photos.
func reuseOf(tx *bolt.Tx, h *Head) ([]FlagDetail, error) {
	var out []FlagDetail
	heads := map[string]*Head{}
	for _, sha := range h.Photos {
		reuses, err := photos.ReusesOf(tx, sha, func(id string) bool { return id == h.ID })
		if err != nil {
			return nil, err
		}
		for _, r := range reuses {
			if len(out) >= maxReuseDetails {
				return out, nil
			}
			other, seen := heads[r.SubmissionID]
			if !seen {
				if other, err = loadHead(tx, r.SubmissionID); err != nil {
					return nil, err
				}
				heads[r.SubmissionID] = other
			}
			if other == nil || other.Seq >= h.Seq ||
				(h.Subject.WorkOrderID != "" && other.Subject.WorkOrderID == h.Subject.WorkOrderID) {
				continue
			}
			// Signatures are mostly white with one stroke: any two look
			// alike to a perceptual hash. Only the very same signature
			// image counts as reuse.
			if r.SHA != sha && (slices.Contains(h.Signatures, sha) || slices.Contains(other.Signatures, r.SHA)) {
				continue
			}
			d := FlagDetail{Flag: FlagPhotoReused, Photo: sha, SubmissionID: other.ID, MatchedPhoto: r.SHA, Distance: r.Distance}
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// PhotoArrived runs inside the write transaction that stores photo sha, or
// that records a new possessor of it (the server passes it to photos as
// Config.OnStored). Submissions waiting for it whose author now possesses it
// stop waiting and become complete with their last photo — a sheet naming a
// hash its author never uploaded keeps waiting; every submission
// showing sha or a near copy has its photo_reused evidence re-evaluated,
// since a near copy can only be recognised once the pixels are here.
func PhotoArrived(tx *bolt.Tx, sha string, now time.Time) error {
	waiting, heads, err := waitingOn(tx, sha)
	if err != nil {
		return err
	}
	touched := append([]string{}, waiting...)
	reuses, err := photos.ReusesOf(tx, sha, nil)
	if err != nil {
		return err
	}
	for _, r := range reuses {
		if len(touched) >= len(waiting)+maxReuseRecheck {
			break
		}
		if !slices.Contains(touched, r.SubmissionID) {
			touched = append(touched, r.SubmissionID)
		}
	}
	for _, id := range touched {
		h, seen := heads[id]
		if !seen {
			if h, err = loadHead(tx, id); err != nil {
				return err
			}
		}
		if h == nil {
			continue
		}
		changed := false
		if slices.Contains(waiting, id) && photos.Possesses(tx, sha, h.Author) {
			i := slices.Index(h.MissingPhotos, sha)
			h.MissingPhotos = slices.Delete(slices.Clone(h.MissingPhotos), i, i+1)
			h.Complete = len(h.MissingPhotos) == 0
			changed = true
		}
		reuse, err := reuseOf(tx, h)
		if err != nil {
			return err
		}
		if !slices.Equal(reuse, h.Reuse) {
			h.Reuse, changed = reuse, true
		}
		if !changed {
			continue
		}
		h.UpdatedAt = now
		if err := saveHead(tx, h); err != nil {
			return err
		}
		if err := store.Publish(tx, "submission", id, store.ScopeUser(h.Author)); err != nil {
			return err
		}
	}
	return nil
}

// waitingOn lists the submissions whose latest version still waits for
// photo sha, and the heads it read on the way (by id, nil for none). It is
// derived, not stored: of the submissions that ever referenced sha
// (BucketPhotoRefs, written with every version), those whose head lists sha
// among its missing photos. A stored "waiting" key per missing photo cost a
// page of its own per photo, written with the sheet and again with the
// photo; the refs and the head are written anyway.
func waitingOn(tx *bolt.Tx, sha string) ([]string, map[string]*Head, error) {
	var waiting []string
	heads := map[string]*Head{}
	for _, id := range photos.RefsOf(tx, sha) {
		h, err := loadHead(tx, id)
		if err != nil {
			return nil, nil, err
		}
		heads[id] = h
		if h != nil && slices.Contains(h.MissingPhotos, sha) {
			waiting = append(waiting, id)
		}
	}
	return waiting, heads, nil
}

// PhotoShownTo reports whether p may see photo sha because submission id
// shows it (the server passes it to photos as Config.CanSee): p may read the
// submission, and its author possesses sha. A hash named in a sheet by
// someone who never uploaded those bytes opens nothing to the sheet's
// readers (API.md v1.1, Photos).
func PhotoShownTo(tx *bolt.Tx, p auth.Principal, id, sha string) (bool, error) {
	h, err := loadHead(tx, id)
	if err != nil || h == nil {
		return false, err
	}
	if !photos.Possesses(tx, sha, h.Author) {
		return false, nil
	}
	return canRead(tx, p, h, time.Now())
}
