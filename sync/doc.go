// Package sync merges the phones' offline outbox into the store and answers
// their pulls. It owns the submission buckets (BucketSubmissions,
// BucketSubmissionHeads and the three submission indexes), the submission
// side of the photo buckets (BucketPhotoRefs, BucketPhotoWaiting), and who
// may read a submission (CanRead).
//
// A push merges a whole batch in one shared write transaction (db.Batch):
// every item is decided on its own — accepted, duplicate, conflict or
// rejected — so one bad item never blocks the rest. Replays are harmless: the
// head record keeps the content hash of every stored version, so the same id
// with the same content is a duplicate; an accepted acceptance sheet
// completes its work order and starts its callback (回访) in the same
// transaction, so a crash leaves either both or neither.
//
// Importers alias it (fcsync "fieldcheck/sync") to keep the standard library's
// sync usable. It never sees HTTP; it must not be imported by workorders,
// checklists, callbacks or photos (they are below it).
package sync
