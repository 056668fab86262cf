package photos

import (
	"encoding/json"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Stats is how many photos the server holds and their stored bytes (the
// originals as uploaded; renditions are not counted), for the operator's
// console.
func (s *Service) Stats() (count int, bytes int64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketPhotos).ForEach(func(_, v []byte) error {
			var m struct {
				Bytes int64 `json:"bytes"`
			}
			if json.Unmarshal(v, &m) != nil {
				return nil // an unreadable record still counts as a photo
			}
			count++
			bytes += m.Bytes
			return nil
		})
	})
	return count, bytes, err
}
