// Package store owns fieldcheck's one bbolt file: how it is opened, every
// bucket name and key encoding (layout.go), the value codec (JSON), the change
// feed that sync cursors walk, and hot backups. Domain packages read and write
// through the helpers here; they never invent bucket names or key formats of
// their own, so a newcomer can read the whole on-disk layout in one file.
//
// It knows nothing of HTTP, roles or business rules.
package store
