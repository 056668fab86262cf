package callbacks

import (
	"testing"
	"time"

	"fieldcheck/auth"
	"fieldcheck/store"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

func inUnit(unit string) func(*workorders.WorkOrder) {
	return func(wo *workorders.WorkOrder) { wo.Unit = unit; wo.Customer.Tier = workorders.TierVIP }
}

// An agent with a unit claims its unit's queue in the queue's own order —
// overdue first, then VIP and high-value, then the earliest due — and never
// another unit's task, however much older; an agent with no unit claims from
// every unit's queue.
func TestClaimTakesTheHeadOfTheAgentsUnitQueue(t *testing.T) {
	f := newFixture(t, Config{})
	westOld := f.kick(t, inUnit("chengdu-west")) // oldest and overdue by the time of the claims
	f.clock.Add(24 * time.Hour)
	eastStd := f.kick(t, func(wo *workorders.WorkOrder) { wo.Unit = "chengdu-east" })
	eastVIP := f.kick(t, inUnit("chengdu-east"))
	f.clock.Add(5 * time.Hour) // past the SMS wait: the standard one is manual now

	east := ScopeOf(auth.Principal{Username: "agent1", Role: auth.RoleAgent, Unit: "chengdu-east"})
	central := ScopeOf(auth.Principal{Username: "agent9", Role: auth.RoleAgent})
	for i, want := range []*Task{eastVIP, eastStd} {
		got, err := f.svc.Claim(agent1, east)
		if err != nil || got == nil || got.ID != want.ID {
			t.Fatalf("east claim %d: %+v %v, want %s", i+1, got, err, want.ID)
		}
	}
	if got, err := f.svc.Claim(agent1, east); got != nil || err != nil {
		t.Fatalf("east queue empty, got %+v %v", got, err)
	}
	if got, err := f.svc.Claim(agent2, central); err != nil || got == nil || got.ID != westOld.ID {
		t.Fatalf("central claim: %+v %v, want the west task", got, err)
	}
	// Neither a technician nor an inspector has a part of the queue.
	if got, _, err := f.svc.List(ScopeOf(auth.Principal{Role: auth.RoleTechnician, Unit: "chengdu-east"}), Filter{}, 0, ""); err != nil || len(got) != 0 {
		t.Fatalf("a technician's list: %+v %v", got, err)
	}
}

// A data dir from before the unit queues holds ready tasks with only their
// 'q' entry: the first unit claim builds the unit entries from them, so an
// east agent still gets the east task that was waiting before the upgrade.
func TestUnitClaimOnADataDirWrittenTheOldWay(t *testing.T) {
	f := newFixture(t, Config{})
	west := f.kick(t, inUnit("chengdu-west"))
	eastTask := f.kick(t, inUnit("chengdu-east"))
	// As the old version left it: no unit queue, no marker.
	if err := f.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(store.BucketCallbackQueueByUnit); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(store.BucketCallbackQueueByUnit); err != nil {
			return err
		}
		return tx.Bucket(store.BucketMeta).Delete(metaUnitQueue)
	}); err != nil {
		t.Fatal(err)
	}
	east := ScopeOf(auth.Principal{Username: "agent1", Role: auth.RoleAgent, Unit: "chengdu-east"})
	got, err := f.svc.Claim(agent1, east)
	if err != nil || got == nil || got.ID != eastTask.ID {
		t.Fatalf("east claim on an old data dir: %+v %v, want %s", got, err, eastTask.ID)
	}
	westScope := ScopeOf(auth.Principal{Username: "agent3", Role: auth.RoleAgent, Unit: "chengdu-west"})
	if got, err := f.svc.Claim(agent2, westScope); err != nil || got == nil || got.ID != west.ID {
		t.Fatalf("west claim on an old data dir: %+v %v, want %s", got, err, west.ID)
	}
	// Every entry went with its claim: nothing is left to claim anywhere.
	if got, err := f.svc.Claim(agent2, east); got != nil || err != nil {
		t.Fatalf("east queue after: %+v %v", got, err)
	}
	n := 0
	f.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketCallbackQueueByUnit).ForEach(func(k, v []byte) error { n++; return nil })
	})
	if n != 0 {
		t.Fatalf("%d unit queue entries left for claimed tasks", n)
	}
}

// A task's unit is its technician's when the job is finished: a technician
// who moved to chengdu-west after the order was assigned (the order still
// says chengdu-east) is called back by west's agents. Without a user record
// the order's unit stands.
func TestTaskUnitIsTheTechniciansWhenFinished(t *testing.T) {
	f := newFixture(t, Config{})
	if err := f.db.Update(func(tx *bolt.Tx) error {
		return auth.PutUser(tx, &auth.User{ID: "tech1", Username: "tech1",
			Role: auth.RoleTechnician, Unit: "chengdu-west"})
	}); err != nil {
		t.Fatal(err)
	}
	moved := f.kick(t, func(wo *workorders.WorkOrder) { wo.Unit = "chengdu-east" })
	if moved.Unit != "chengdu-west" {
		t.Errorf("moved technician's task unit %q, want chengdu-west", moved.Unit)
	}
	unknown := f.kick(t, func(wo *workorders.WorkOrder) { wo.Technician, wo.Unit = "tech9", "chengdu-east" })
	if unknown.Unit != "chengdu-east" {
		t.Errorf("task unit %q without a user record, want the order's", unknown.Unit)
	}
}

// A supervisor left without a unit (an admin's edit) sees no unit's
// customers, not every unit's; an agent without one is a call centre.
func TestASupervisorWithoutAUnitSeesNoCallbacks(t *testing.T) {
	sup := ScopeOf(auth.Principal{Role: auth.RoleSupervisor})
	if sup.Covers("chengdu-east") || sup.Covers("") {
		t.Fatal("a supervisor with no unit covers every unit")
	}
	if !ScopeOf(auth.Principal{Role: auth.RoleAgent}).Covers("chengdu-west") {
		t.Fatal("an agent with no unit works every unit")
	}
	if ScopeOf(auth.Principal{Role: auth.RoleSupervisor, Unit: "chengdu-east"}).Covers("chengdu-west") {
		t.Fatal("a supervisor covers another unit")
	}
}
