package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fieldcheck/photos"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"

	bolt "go.etcd.io/bbolt"
)

// auditBolt reads the store file itself, read-only, with the server
// stopped (store/layout.go is the map): the version records, the heads,
// the callback tasks, the audit log and the photo originals on disk must
// agree with what the clients were told.
func auditBolt(dataDir string, a *audit, devs []*device, agents []*agent) error {
	db, err := bolt.Open(filepath.Join(dataDir, store.FileName), 0o400, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("open the store read-only: %w", err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		// Version records: id 0x00 version(u32 BE) → sync.Version.
		versions := map[string]map[int]string{} // id → version → content hash
		err := tx.Bucket(store.BucketSubmissions).ForEach(func(k, v []byte) error {
			if len(k) < 6 || k[len(k)-5] != 0 {
				return fmt.Errorf("submissions: malformed key %q", k)
			}
			id, ver := string(k[:len(k)-5]), int(binary.BigEndian.Uint32(k[len(k)-4:]))
			var rec submissions.Version
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("submissions %s v%d: %w", id, ver, err)
			}
			if versions[id] == nil {
				versions[id] = map[int]string{}
			}
			versions[id][ver] = rec.ContentHash
			return nil
		})
		if err != nil {
			return err
		}
		// The audit log: one submission.accepted/edited entry per version,
		// one callback.result per task — written in the same transaction as
		// the change, so a count off by one is a half-applied or doubled write.
		entries := map[string]int{} // action " " object → count
		err = tx.Bucket(store.BucketAudit).ForEach(func(k, v []byte) error {
			var e store.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit %x: %w", k, err)
			}
			if strings.HasPrefix(e.Action, "submission.") {
				entries["submission "+e.Object]++
			} else {
				entries[e.Action+" "+e.Object]++
			}
			return nil
		})
		if err != nil {
			return err
		}

		var chain, stale, logged []string
		nVersions := 0
		for _, d := range devs {
			for _, l := range d.subs {
				got := versions[l.id]
				var head submissions.Head
				raw := tx.Bucket(store.BucketSubmissionHeads).Get([]byte(l.id))
				if raw == nil {
					if l.acked() > 0 {
						chain = append(chain, fmt.Sprintf("%s: no head, %d versions acknowledged", l.id, l.acked()))
					}
					if len(got) > 0 {
						chain = append(chain, fmt.Sprintf("%s: %d version records without a head", l.id, len(got)))
					}
					continue
				}
				if err := json.Unmarshal(raw, &head); err != nil {
					return fmt.Errorf("head %s: %w", l.id, err)
				}
				nVersions += head.Version
				if len(got) != head.Version || len(head.Hashes) != head.Version {
					chain = append(chain, fmt.Sprintf("%s: head v%d with %d hashes, %d version records", l.id, head.Version, len(head.Hashes), len(got)))
				}
				seen := map[string]int{}
				for v := 1; v <= head.Version; v++ {
					h, ok := got[v]
					switch {
					case !ok:
						chain = append(chain, fmt.Sprintf("%s: v%d record missing", l.id, v))
					case v <= len(head.Hashes) && head.Hashes[v-1] != h:
						chain = append(chain, fmt.Sprintf("%s v%d: record hash %.12s, head says %.12s", l.id, v, h, head.Hashes[v-1]))
					case seen[h] > 0:
						chain = append(chain, fmt.Sprintf("%s: v%d repeats the content of v%d", l.id, v, seen[h]))
					case v <= len(l.chain) && l.chain[v-1].hash != h:
						chain = append(chain, fmt.Sprintf("%s v%d: stored %.12s, device sent %.12s", l.id, v, h, l.chain[v-1].hash))
					}
					seen[h] = v
				}
				if head.Version < l.acked() || head.Version > len(l.chain) {
					chain = append(chain, fmt.Sprintf("%s: v%d stored, %d acknowledged, %d created", l.id, head.Version, l.acked(), len(l.chain)))
				}
				for _, h := range l.stale {
					if seen[h] > 0 {
						stale = append(stale, fmt.Sprintf("%s: stale edit stored as v%d", l.id, seen[h]))
					}
				}
				if n := entries["submission submission/"+l.id]; n != head.Version {
					logged = append(logged, fmt.Sprintf("%s: %d audit entries for %d versions", l.id, n, head.Version))
				}
			}
			for _, r := range d.refused {
				if len(versions[r.id]) > 0 {
					stale = append(stale, fmt.Sprintf("second acceptance %s stored", r.id))
				}
			}
		}
		a.check(fmt.Sprintf("store file: %d versions of the load's submissions — records, heads and the device ledgers agree, no content twice", nVersions), chain)
		a.check("store file: no stale edit or refused second sheet stored", stale)

		// Callback tasks: exactly one per order, and the index agrees.
		perOrder := map[string][]string{}
		var tasks []string
		err = tx.Bucket(store.BucketCallbacks).ForEach(func(k, v []byte) error {
			var t cbTask
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("callback %s: %w", k, err)
			}
			perOrder[t.WorkOrderID] = append(perOrder[t.WorkOrderID], t.ID)
			tasks = append(tasks, t.ID)
			return nil
		})
		if err != nil {
			return err
		}
		var cb []string
		for order, ids := range perOrder {
			idx := tx.Bucket(store.BucketCallbacksByOrder).Get([]byte(order))
			if len(ids) != 1 || !bytes.Equal(idx, []byte(ids[0])) {
				cb = append(cb, fmt.Sprintf("order %s: tasks %v, index → %q", order, ids, idx))
			}
		}
		for _, ag := range agents {
			for _, r := range ag.results {
				if n := entries["callback.result callback/"+r.task]; n != 1 {
					logged = append(logged, fmt.Sprintf("task %s: %d callback.result audit entries", r.task, n))
				}
			}
		}
		a.check(fmt.Sprintf("store file: %d callback tasks, one per order, callbacks_by_order agrees", len(tasks)), cb)
		a.check("store file: audit log has one entry per stored version and one per callback result", logged)

		// Photos: the metadata key and the original bytes on disk.
		var ph []string
		n := 0
		for _, d := range devs {
			for sha := range d.photos {
				n++
				if tx.Bucket(store.BucketPhotos).Get([]byte(sha)) == nil {
					ph = append(ph, fmt.Sprintf("%.12s: no photos record", sha))
					continue
				}
				data, err := os.ReadFile(filepath.Join(dataDir, photos.OriginalsDir, sha[0:2], sha[2:4], sha))
				sum := sha256.Sum256(data)
				if err != nil || hex.EncodeToString(sum[:]) != sha {
					ph = append(ph, fmt.Sprintf("%.12s: original %v (%d bytes)", sha, err, len(data)))
				}
			}
		}
		slices.Sort(ph)
		a.check(fmt.Sprintf("store file: %d acknowledged photos have a record and their original on disk", n), ph)
		return nil
	})
}
