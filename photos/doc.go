// Package photos owns photo evidence: content-addressed originals on disk
// (the sha256 of the bytes is the id), their upright thumb and medium
// renditions, the EXIF facts fieldcheck keeps (capture time, place,
// orientation), and the perceptual-hash index that finds a photo re-used on
// another job.
//
// It owns the buckets BucketPhotos, BucketPhotoPossession (who has uploaded
// which bytes: possession, not knowledge of a hash, makes a photo present on
// a sheet and readable) and BucketPhotoHashBands, and reads BucketPhotoRefs
// (written by sync). It does not import sync: the server wires
// sync.PhotoArrived and sync.PhotoShownTo in as Config hooks, and sync calls
// Has, Possesses, Lookup, FindSimilar, RefsOf and ReusesOf here with its own
// transaction. It knows nothing of HTTP.
//
// It also bounds the memory uploads take, whatever is sent (limits.go):
// uploads in flight are capped, bodies stream to photos/.incoming while
// hashed, and every decode is charged, by an estimate from its header, to
// one budget.
package photos
