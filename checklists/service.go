package checklists

import (
	"errors"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Service is the door to stored templates: each method is one whole action
// (its transaction, and for Put its feed and audit entries), so the server
// only parses, calls and answers.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the template service on the store.
func NewService(db *store.DB, now store.Clock) *Service { return &Service{db: db, now: now} }

// ListPage pages through the latest version of each template.
func (s *Service) ListPage(limit int, after string) ([]Summary, string, error) {
	var items []Summary
	var next string
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		items, next, err = ListPage(tx, limit, after)
		return err
	})
	return items, next, err
}

// Get reads version of template id (0: the latest).
func (s *Service) Get(id string, version int) (*Template, error) {
	var t *Template
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = Get(tx, id, version)
		return err
	})
	return t, err
}

// Put publishes t as the next version of its id, audited as who's.
func (s *Service) Put(who store.Actor, t *Template) (version int, created bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		var err error
		version, created, err = Put(tx, t, who, s.now())
		return err
	})
	return version, created, err
}

// ErrTemplateChanged: a new version was published since the one the editor
// started from.
var ErrTemplateChanged = errs.New(errs.Conflict, "template_changed", "编辑期间已有人发布了新版本，请查看后重试",
	"someone published a newer version while you edited; check it and try again")

// errDryRun ends a dry run's transaction: nothing it did is kept.
var errDryRun = errors.New("checklists: dry run")

// PutOnto is Put for an editor: base, when not 0, is the version the edit
// started from (a newer one stored meanwhile is ErrTemplateChanged, nothing
// written); dryRun validates and answers the version it would get, writing
// nothing.
func (s *Service) PutOnto(who store.Actor, t *Template, base int, dryRun bool) (version int, created bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		if base > 0 && latestVersion(tx, t.ID) != base {
			return ErrTemplateChanged
		}
		var err error
		if version, created, err = Put(tx, t, who, s.now()); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return version, created, err
}
