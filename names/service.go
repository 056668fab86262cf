package names

import (
	"fieldcheck/auth"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Service is the door to display names: each method is one whole action
// (its transaction, and for Set its feed and audit entries), so the server
// only parses, calls and answers.
type Service struct {
	db  *store.DB
	now store.Clock
}

// NewService makes the names service on the store.
func NewService(db *store.DB, now store.Clock) *Service { return &Service{db: db, now: now} }

// For is the book of names the caller's screens need (For on a tx).
func (s *Service) For(p auth.Principal) (*Book, error) {
	var b *Book
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		b, err = For(tx, p)
		return err
	})
	return b, err
}

// ForExport names units and people in a download (ForExport on a tx).
func (s *Service) ForExport() (Lookup, error) {
	var l Lookup
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		l, err = ForExport(tx)
		return err
	})
	return l, err
}

// Set names a code, audited as the caller's names.set.
func (s *Service) Set(by auth.Principal, kind, code string, in Input) (*Name, error) {
	var n *Name
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		n, err = Set(tx, kind, code, in, by.Actor(), s.now())
		return err
	})
	return n, err
}
