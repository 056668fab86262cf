// Package submissions is the submissions domain: it merges the sheets of
// the phones' offline outbox into the store (Merge), keeps each sheet's head,
// versions, flags and indexes, and answers reads of them (Get, Read, List).
// The wire protocol around it — the pull cursors and the push envelope — is
// package protocol (sync/protocol). It owns the submission buckets (BucketSubmissions,
// BucketSubmissionHeads and the three submission indexes), the submission
// side of the photo buckets (BucketPhotoRefs; which sheets wait for a photo
// is derived from it and the heads), and who
// may read a submission (CanRead) and a photo through one (PhotoShownTo: only
// when the sheet's author possesses it, photos.Possesses).
//
// A push is decided in two steps. First, in a read transaction and outside
// the write lock, each item is judged (owner, duplicate, base version,
// template, subject), validated and scored, and its version record encoded.
// Then one shared write transaction (db.Batch) rechecks only what another
// device can change meanwhile — the head's version, the order's decision
// fields, the store's unit, which photos are held — deciding an item again
// in place when any of it moved, and writes. Results are handed out only
// after the commit, so an answer is always durable. Every item is decided on
// its own — accepted, duplicate, conflict or
// rejected — so one bad item never blocks the rest. Replays are harmless: the
// head record keeps the content hash of every stored version, so the same id
// with the same content is a duplicate; an accepted acceptance sheet
// completes its work order and starts its callback (回访) in the same
// transaction, so a crash leaves either both or neither.
//
// It never sees HTTP; it must not be imported by workorders, checklists,
// callbacks or photos (they are below it). A finished acceptance sheet
// completes its order through finish.Job, the one unit of work that also
// starts the callback; a sheet with deductions opens its rectification
// with rectifications.Open, in the same transaction.
package submissions
