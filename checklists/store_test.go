package checklists

import (
	"testing"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, store.Shanghai)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func put(t *testing.T, db *store.DB, tpl *Template, at time.Time) (int, bool) {
	t.Helper()
	var v int
	var created bool
	if err := db.Update(func(tx *bolt.Tx) error {
		var err error
		v, created, err = Put(tx, tpl, store.Actor{Username: "sup1", Unit: "chengdu-east"}, at)
		return err
	}); err != nil {
		t.Fatalf("put: %v", err)
	}
	return v, created
}

func TestTemplateVersions(t *testing.T) {
	db := openStore(t)

	v, created := put(t, db, validTemplate(nil), t0)
	if v != 1 || !created {
		t.Fatalf("first put: version %d created %v, want 1 true", v, created)
	}
	v, created = put(t, db, validTemplate(func(tp *Template) { tp.Title.Zh = "演示第二版"; tp.Version = 99 }), t0.Add(time.Hour))
	if v != 2 || created {
		t.Fatalf("second put: version %d created %v, want 2 false (a version in the body is ignored)", v, created)
	}
	put(t, db, validTemplate(func(tp *Template) { tp.ID = "another" }), t0)

	db.View(func(tx *bolt.Tx) error {
		latest, err := Get(tx, "demo", 0)
		if err != nil || latest.Version != 2 || latest.Title.Zh != "演示第二版" || latest.CreatedBy != "sup1" {
			t.Errorf("latest: %+v %v", latest, err)
		}
		old, err := Get(tx, "demo", 1)
		if err != nil || old.Version != 1 || old.Title.Zh != "演示" {
			t.Errorf("version 1 must stay readable: %+v %v", old, err)
		}
		for _, c := range []struct {
			id      string
			version int
		}{{"demo", 3}, {"nope", 0}, {"../x", 0}, {"demo", -1}} {
			_, err := Get(tx, c.id, c.version)
			if e, ok := errs.As(err); !ok || e.Kind != errs.NotFound {
				t.Errorf("Get(%q, %d): %v, want NotFound", c.id, c.version, err)
			}
		}
		list, err := List(tx)
		if err != nil || len(list) != 2 || list[0].ID != "another" || list[1].ID != "demo" || list[1].Version != 2 || list[1].Kind != KindAcceptance {
			t.Errorf("list: %+v %v", list, err)
		}
		page, next, err := ListPage(tx, 1, "")
		if err != nil || len(page) != 1 || page[0].ID != "another" || next != "another" {
			t.Errorf("page 1: %+v next %q %v", page, next, err)
		}
		page, next, err = ListPage(tx, 1, next)
		if err != nil || len(page) != 1 || page[0].ID != "demo" || next != "" {
			t.Errorf("page 2: %+v next %q %v", page, next, err)
		}
		// Every version reaches every user's sync feed, and the audit log says who.
		changes, _ := store.FeedSince(tx, store.ScopeAll, 0, 10)
		if len(changes) != 3 || changes[0].Kind != "template" || changes[1].ID != "demo" {
			t.Errorf("feed: %+v", changes)
		}
		var audits []store.AuditEntry
		store.AuditRange(tx, t0.Add(-time.Hour), t0.Add(2*time.Hour), func(e store.AuditEntry) error {
			audits = append(audits, e)
			return nil
		})
		if len(audits) != 3 || audits[0].Actor != "sup1" || audits[0].Action != "template.put" {
			t.Errorf("audit: %+v", audits)
		}
		return nil
	})
}

func TestPutRefusesAnInvalidDefinition(t *testing.T) {
	db := openStore(t)
	err := db.Update(func(tx *bolt.Tx) error {
		_, _, err := Put(tx, validTemplate(func(tp *Template) { tp.Sections[0].Items[0].Type = "x" }), store.Actor{Username: "sup1"}, t0)
		return err
	})
	if f := fieldsOf(t, err); f["sections[0].items[0].type"].En == "" {
		t.Errorf("want the bad type named, got %v", err)
	}
	db.View(func(tx *bolt.Tx) error {
		if l, _ := List(tx); len(l) != 0 {
			t.Errorf("nothing may be stored: %+v", l)
		}
		return nil
	})
}

func TestEnsureBuiltinsIsIdempotent(t *testing.T) {
	db := openStore(t)
	if err := EnsureBuiltins(db, t0); err != nil {
		t.Fatal(err)
	}
	// A supervisor edits the walkthrough; the next start must not undo it.
	edited := builtin(t, "store_walkthrough")
	edited.Title.Zh = "营业网点巡检（本地版）"
	put(t, db, edited, t0.Add(time.Hour))
	if err := EnsureBuiltins(db, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		list, err := List(tx)
		all, _ := Builtins()
		if err != nil || len(list) != len(all) {
			t.Fatalf("list: %+v %v", list, err)
		}
		want := map[string]struct {
			kind    string
			version int
		}{
			"callback_script":      {KindCallback, 1},
			"call_review":          {KindCallReview, 1},
			"home_visit_spotcheck": {KindSpotcheck, 1},
			"install_acceptance":   {KindAcceptance, 1},
			"store_walkthrough":    {KindWalkthrough, 2},
			"store_mystery_visit":  {KindWalkthrough, 1},
			"hotline_mystery_call": {KindWalkthrough, 1},
		}
		for _, s := range list {
			if w := want[s.ID]; w.kind != s.Kind || w.version != s.Version {
				t.Errorf("%s: kind %s version %d, want %s %d", s.ID, s.Kind, s.Version, w.kind, w.version)
			}
		}
		changes, _ := store.FeedSince(tx, store.ScopeAll, 0, 100)
		if len(changes) != len(all)+1 {
			t.Errorf("feed has %d template changes, want %d (the built-ins once, 1 edit)", len(changes), len(all)+1)
		}
		return nil
	})
}

func TestSharedDecodesAVersionOnceAndNeverServesAnotherStoresCopy(t *testing.T) {
	db := openStore(t)
	put(t, db, validTemplate(nil), t0)
	put(t, db, validTemplate(func(tp *Template) { tp.Title.Zh = "演示第二版" }), t0.Add(time.Hour))
	other := openStore(t) // the same id and version with other content
	put(t, other, validTemplate(func(tp *Template) { tp.Title.Zh = "另一个库" }), t0)

	shared := func(db *store.DB, id string, version int) (tpl *Template, err error) {
		db.View(func(tx *bolt.Tx) error {
			tpl, err = Shared(tx, id, version)
			return nil
		})
		return tpl, err
	}
	first, err := shared(db, "demo", 1)
	if err != nil || first.Title.Zh != "演示" || first.Version != 1 {
		t.Fatalf("v1: %+v %v", first, err)
	}
	if again, _ := shared(db, "demo", 1); again != first {
		t.Error("a second read of the same version must hand out the decoded template again")
	}
	if latest, _ := shared(db, "demo", 0); latest.Version != 2 || latest.Title.Zh != "演示第二版" {
		t.Errorf("latest: %+v", latest)
	}
	if o, _ := shared(other, "demo", 1); o.Title.Zh != "另一个库" {
		t.Errorf("another store's v1 came back as %q", o.Title.Zh)
	}
	if back, _ := shared(db, "demo", 1); back.Title.Zh != "演示" {
		t.Errorf("after the other store, v1 is %q", back.Title.Zh)
	}
	var got *Template
	db.View(func(tx *bolt.Tx) error { got, _ = Get(tx, "demo", 1); return nil })
	if got == first {
		t.Error("Get must return the caller's own copy, not the shared one")
	}
	for _, c := range []struct {
		id      string
		version int
	}{{"demo", 3}, {"nope", 0}, {"../x", 0}, {"demo", -1}} {
		if _, err := shared(db, c.id, c.version); !isNotFound(err) {
			t.Errorf("Shared(%q, %d): %v, want NotFound", c.id, c.version, err)
		}
	}
}

func TestSharedKeepsABoundedNumberOfTemplates(t *testing.T) {
	db := openStore(t)
	for i := 0; i < maxShared+10; i++ {
		put(t, db, validTemplate(nil), t0)
	}
	db.View(func(tx *bolt.Tx) error {
		for v := 1; v <= maxShared+10; v++ {
			if tpl, err := Shared(tx, "demo", v); err != nil || tpl.Version != v {
				t.Fatalf("v%d: %+v %v", v, tpl, err)
			}
		}
		return nil
	})
	sharedCache.RLock()
	n := len(sharedCache.m)
	sharedCache.RUnlock()
	if n > maxShared {
		t.Errorf("%d templates kept, want at most %d", n, maxShared)
	}
}

func isNotFound(err error) bool {
	e, ok := errs.As(err)
	return ok && e.Kind == errs.NotFound
}
