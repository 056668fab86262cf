package checklists

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Templates live in store.BucketTemplates under id 0x00 version(u32 BE), so
// the versions of one id sort together, oldest first, and the latest is one
// cursor step back from the end of the id's range. Versions are never
// rewritten or deleted: submissions point at template_id + template_version.

func templateKey(id string, version int) []byte {
	return store.Key(id, store.U32(uint32(version)))
}

// latestVersion is the highest stored version of id, 0 when there is none.
func latestVersion(tx *bolt.Tx, id string) int {
	prefix := store.Prefix(id)
	c := tx.Bucket(store.BucketTemplates).Cursor()
	k, _ := c.Seek(append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+4 {
		return 0
	}
	return int(store.ParseU32(k[len(prefix):]))
}

func notFound(id string) error {
	id = errs.Echo(id)
	return errs.New(errs.NotFound, "not_found",
		fmt.Sprintf("未找到检查表模板 %s", id), fmt.Sprintf("template %s not found", id))
}

// Put stores t as the next version of t.ID after validating it
// (ValidateTemplate's *errs.Error, kind Invalid, when it fails). It fills in
// t.Version, t.CreatedAt and t.CreatedBy (whatever they held is ignored), publishes the change to every
// user's sync feed and writes the audit entry, all in tx. created is true
// when t.ID had no version before (version 1). Old versions stay readable.
func Put(tx *bolt.Tx, t *Template, who store.Actor, now time.Time) (version int, created bool, err error) {
	if t != nil {
		t.Version, t.CreatedAt, t.CreatedBy = 0, time.Time{}, ""
	}
	if err := ValidateTemplate(t); err != nil {
		return 0, false, err
	}
	prev := latestVersion(tx, t.ID)
	if prev >= MaxTemplateVersion {
		return 0, false, errs.New(errs.Conflict, "too_many_versions", "模板版本数已达上限", "this template has no versions left")
	}
	t.Version = prev + 1
	t.CreatedAt = now.UTC()
	t.CreatedBy = who.Username
	if err := store.PutJSON(tx, store.BucketTemplates, templateKey(t.ID, t.Version), t); err != nil {
		return 0, false, err
	}
	if err := store.Publish(tx, "template", t.ID, store.ScopeAll); err != nil {
		return 0, false, err
	}
	if err := store.Audit(tx, now, who, "template.put", "template/"+t.ID,
		fmt.Sprintf("version %d", t.Version)); err != nil {
		return 0, false, err
	}
	return t.Version, prev == 0, nil
}

// Get returns template id at version (0 = latest); errs NotFound when absent.
// The template is the caller's to modify; read-only callers on a hot path
// use Shared.
func Get(tx *bolt.Tx, id string, version int) (*Template, error) {
	version, data, err := stored(tx, id, version)
	if err != nil {
		return nil, err
	}
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("checklists: get template %s v%d: decode: %w", id, version, err)
	}
	return &t, nil
}

// Shared is Get for callers that only read the template, such as a push
// validating and scoring every sheet against it: each version is decoded
// once and the same *Template is handed out again for as long as the stored
// bytes are the same ones it was decoded from (they are compared on every
// call, so a different store — another test's, a restored one — never gets
// a stale answer). It is shared between goroutines: never modify it.
func Shared(tx *bolt.Tx, id string, version int) (*Template, error) {
	version, data, err := stored(tx, id, version)
	if err != nil {
		return nil, err
	}
	key := sharedKey{id, version}
	sharedCache.RLock()
	e, ok := sharedCache.m[key]
	sharedCache.RUnlock()
	if ok && bytes.Equal(e.data, data) {
		return e.t, nil
	}
	t := new(Template)
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("checklists: get template %s v%d: decode: %w", id, version, err)
	}
	sharedCache.Lock()
	if len(sharedCache.m) >= maxShared {
		for k := range sharedCache.m { // any one: a busy version comes straight back
			delete(sharedCache.m, k)
			break
		}
	}
	// data lives in bbolt's mmap only while tx is open: keep a copy.
	sharedCache.m[key] = sharedEntry{data: bytes.Clone(data), t: t}
	sharedCache.Unlock()
	return t, nil
}

// maxShared bounds the decoded templates Shared keeps. A deployment has a
// handful of templates with a few versions each in use at once.
const maxShared = 64

type sharedKey struct {
	id      string
	version int
}

type sharedEntry struct {
	data []byte // the stored bytes t was decoded from
	t    *Template
}

var sharedCache = struct {
	sync.RWMutex
	m map[sharedKey]sharedEntry
}{m: map[sharedKey]sharedEntry{}}

// stored returns the stored bytes of template id at version (0 = latest)
// and the version they are; errs NotFound when absent. data is valid only
// while tx is open.
func stored(tx *bolt.Tx, id string, version int) (int, []byte, error) {
	if !ValidID(id) || version < 0 || version > MaxTemplateVersion {
		return 0, nil, notFound(id)
	}
	if version == 0 {
		if version = latestVersion(tx, id); version == 0 {
			return 0, nil, notFound(id)
		}
	}
	data := tx.Bucket(store.BucketTemplates).Get(templateKey(id, version))
	if data == nil {
		return 0, nil, errs.New(errs.NotFound, "not_found",
			fmt.Sprintf("未找到检查表模板 %s 的第 %d 版", errs.Echo(id), version),
			fmt.Sprintf("template %s has no version %d", errs.Echo(id), version))
	}
	return version, data, nil
}

// List returns the latest version of every template, sorted by id.
func List(tx *bolt.Tx) ([]Summary, error) {
	out, _, err := ListPage(tx, 0, "")
	return out, err
}

// ListPage returns the latest version of each template with id > after,
// sorted by id, at most limit of them (0: no limit); next is the id to pass
// as after for the following page, "" on the last one. It hops from id to
// id with cursor seeks instead of decoding every version.
func ListPage(tx *bolt.Tx, limit int, after string) (items []Summary, next string, err error) {
	items = []Summary{}
	c := tx.Bucket(store.BucketTemplates).Cursor()
	var k []byte
	if after == "" {
		k, _ = c.First()
	} else {
		k, _ = c.Seek(append(store.Prefix(after), 0xff, 0xff, 0xff, 0xff, 0xff))
	}
	for k != nil {
		i := bytes.IndexByte(k, store.Sep)
		if i < 0 { // not a template key; nothing else lives here
			k, _ = c.Next()
			continue
		}
		id := string(k[:i])
		if limit > 0 && len(items) == limit {
			return items, items[len(items)-1].ID, nil
		}
		t, err := Get(tx, id, 0)
		if err != nil {
			return nil, "", fmt.Errorf("checklists: list templates: %w", err)
		}
		items = append(items, Summary{ID: t.ID, Version: t.Version, Kind: t.Kind, Title: t.Title, Mystery: t.Mystery, CreatedAt: t.CreatedAt})
		k, _ = c.Seek(append(store.Prefix(id), 0xff, 0xff, 0xff, 0xff, 0xff))
	}
	return items, "", nil
}
