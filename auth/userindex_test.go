package auth

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// indexContents is the user index as stored, key → value.
func indexContents(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketUserIndex).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// answers is what the index's readers say: every card, each role's units
// with an enabled user, and one name.
func answers(t *testing.T, db *store.DB) string {
	t.Helper()
	var b bytes.Buffer
	if err := db.View(func(tx *bolt.Tx) error {
		if err := EachCard(tx, func(c Card) error {
			fmt.Fprintf(&b, "card %+v\n", c)
			return nil
		}); err != nil {
			return err
		}
		for _, role := range []string{RoleAgent, RoleTechnician, RoleSupervisor, RoleAdmin} {
			var units []string
			if err := ActiveUnits(tx, role, func(u string) bool { units = append(units, u); return true }); err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s %q\n", role, units)
		}
		name, ok, err := NamesIn(tx).Name("li.agent")
		fmt.Fprintf(&b, "name %q %v\n", name, ok)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Every user write keeps the index exactly what a build from the records
// writes — creates, renames, role and unit moves, disabling and enabling,
// logins — and the readers answer the same from the index as from the
// records (a data dir from before the index).
func TestUserIndexFollowsEveryWriteAndMatchesARebuild(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	admin := Principal{Username: "root", Role: RoleAdmin}
	str := func(s string) *string { return &s }
	yes, no := true, false
	steps := []func(tx *bolt.Tx) error{
		func(tx *bolt.Tx) error {
			for _, in := range []NewUser{
				{Username: "root", Password: "root-password-1", Role: RoleAdmin},
				{Username: "li.agent", Name: "李回访", Password: "agent-password-1", Role: RoleAgent, Unit: "east"},
				{Username: "wu.agent", Name: "吴回访", Password: "agent-password-1", Role: RoleAgent, Unit: "west"},
				{Username: "wang", Name: "王师傅", Password: "tech-password-1", Role: RoleTechnician, Unit: "east"},
				{Username: "zhao", Name: "赵师傅", Password: "tech-password-1", Role: RoleTechnician, Unit: "east"},
				{Username: "sun", Name: "孙组长", Password: "super-password-1", Role: RoleSupervisor, Unit: "west"},
			} {
				if _, err := CreateUser(tx, in, nil, now); err != nil {
					return err
				}
			}
			return nil
		},
		func(tx *bolt.Tx) error {
			_, err := PatchUser(tx, "li.agent", UserPatch{Name: str("李晓回访")}, admin, now)
			return err
		},
		func(tx *bolt.Tx) error {
			_, err := PatchUser(tx, "wu.agent", UserPatch{Disabled: &yes}, admin, now)
			return err
		},
		func(tx *bolt.Tx) error {
			_, err := PatchUser(tx, "zhao", UserPatch{Unit: str("north")}, admin, now)
			return err
		},
		func(tx *bolt.Tx) error {
			_, err := PatchUser(tx, "sun", UserPatch{Role: str(RoleAgent)}, admin, now)
			return err
		},
		func(tx *bolt.Tx) error {
			_, err := PatchUser(tx, "wu.agent", UserPatch{Disabled: &no}, admin, now)
			return err
		},
		func(tx *bolt.Tx) error {
			_, err := PatchUser(tx, "wang", UserPatch{Disabled: &yes}, admin, now)
			return err
		},
	}
	if err := db.Update(BuildUserIndex); err != nil {
		t.Fatal(err)
	}
	for i, step := range steps {
		if err := db.Update(step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		kept, viaIndex := indexContents(t, db), answers(t, db)
		// A data dir from before the index: the readers decode the records.
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(store.BucketMeta).Delete(metaUserIndex) }); err != nil {
			t.Fatal(err)
		}
		if got := answers(t, db); got != viaIndex {
			t.Fatalf("step %d: the index answers\n%s\nthe records\n%s", i, viaIndex, got)
		}
		if err := db.Update(BuildUserIndex); err != nil {
			t.Fatal(err)
		}
		if rebuilt := indexContents(t, db); fmt.Sprint(rebuilt) != fmt.Sprint(kept) {
			t.Fatalf("step %d: kept index\n%v\nrebuilt\n%v", i, kept, rebuilt)
		}
	}
	got := answers(t, db)
	for _, want := range []string{
		`agent ["east" "west"]`, // li.agent (east); sun, now an agent, and wu.agent enabled again (west)
		`technician ["north"]`,  // wang disabled; zhao moved to north
		`supervisor []`,         // sun became an agent
		`name "李晓回访" true`,
	} {
		if !bytes.Contains([]byte(got), []byte(want)) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if !bytes.Contains([]byte(got), []byte("Username:wang Name:王师傅 Role:technician Unit:east Disabled:true")) {
		t.Errorf("a disabled user's card keeps their name for what they did:\n%s", got)
	}
}

// An agent without a unit covers every unit: ActiveUnits visits "" first,
// so a caller can stop there.
func TestActiveUnitsVisitsEachUnitOnceAndStops(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := BuildUserIndex(tx); err != nil {
			return err
		}
		for i := 0; i < 30; i++ {
			in := NewUser{Username: fmt.Sprintf("agent%02d", i), Password: "agent-password-1", Role: RoleAgent, Unit: fmt.Sprintf("u%d", i%3)}
			if _, err := CreateUser(tx, in, nil, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var units []string
	if err := db.View(func(tx *bolt.Tx) error {
		return ActiveUnits(tx, RoleAgent, func(u string) bool { units = append(units, u); return true })
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(units, []string{"u0", "u1", "u2"}) {
		t.Fatalf("units %q", units)
	}
	units = nil
	if err := db.View(func(tx *bolt.Tx) error {
		return ActiveUnits(tx, RoleAgent, func(u string) bool { units = append(units, u); return false })
	}); err != nil {
		t.Fatal(err)
	}
	if len(units) != 1 {
		t.Fatalf("did not stop: %q", units)
	}
}
