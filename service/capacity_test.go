package service_test

import (
	"context"
	"encoding/json"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/workflow"
)

// The watcher starts one capacity_event for a broker past the high mark,
// none while that event (or any task) holds the instance, and none for an
// instance below it.
func TestWatchCapacity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.svc.StorageUnitBytes = 1000 // 10 units: 10,000 bytes per broker
	observed := func(used int64) *streamplane.Instance {
		var inst *streamplane.Instance
		err := f.store.Update(ctx, func(tx streamplane.Tx) (err error) {
			if inst, err = tx.Instance(f.inst.ID); err != nil {
				return err
			}
			inst.Brokers[0].UsedBytes = used
			return tx.SaveObserved(inst)
		})
		if err != nil {
			t.Fatal(err)
		}
		return inst
	}

	f.svc.WatchCapacity(ctx, observed(9000))
	if n := len(f.tasks(t, streamplane.TaskCapacityEvent)); n != 0 {
		t.Fatalf("%d capacity events at 90%%, want none", n)
	}
	f.svc.WatchCapacity(ctx, observed(9600))
	f.svc.WatchCapacity(ctx, observed(9700)) // the first event holds the instance
	events := f.tasks(t, streamplane.TaskCapacityEvent)
	if len(events) != 1 {
		t.Fatalf("%d capacity events at 96%%, want 1", len(events))
	}
	var p struct {
		Action, Policy string
		Broker         int
		Percent        float64
	}
	if err := json.Unmarshal(events[0].Params, &p); err != nil {
		t.Fatal(err)
	}
	if p.Action != streamplane.CapacityFree || p.Policy != streamplane.CapacityAutoDelete || p.Broker != 0 || p.Percent != 96 {
		t.Errorf("event params %+v, want free under auto_delete for broker 0 at 96%%", p)
	}
}

// Storage grows only, within the flavor, and each expansion counts; while
// its task holds the instance, another is refused. The brokers show
// EXPANDING until the task ends.
func TestExpandStorage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.svc.Workflows = (&workflow.Env{}).Workflows()
	// The fixture's instance: one dev broker of 10 GB (the flavor allows 1–100).
	for _, gb := range []int{10, 9, 0, 101} {
		_, err := f.svc.ExpandStorage(ctx, "demo", streamplane.StorageExpansionRequest{StorageGBPerBroker: gb}, nil)
		wantCode(t, err, streamplane.EINVALID, "storage_gb_per_broker")
	}
	tk, err := f.svc.ExpandStorage(ctx, "demo", streamplane.StorageExpansionRequest{StorageGBPerBroker: 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Kind != streamplane.TaskExpandStorage {
		t.Fatalf("task kind %s", tk.Kind)
	}
	inst, err := f.svc.Instance(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if inst.StorageGBPerBroker != 20 || inst.StorageExpansions != 1 || inst.Status != streamplane.InstanceChanging ||
		inst.Brokers[0].State != streamplane.BrokerExpanding {
		t.Fatalf("after the request: %d GB, %d expansions, %s, broker %s; want 20, 1, CHANGING, EXPANDING",
			inst.StorageGBPerBroker, inst.StorageExpansions, inst.Status, inst.Brokers[0].State)
	}
	_, err = f.svc.ExpandStorage(ctx, "demo", streamplane.StorageExpansionRequest{StorageGBPerBroker: 30}, nil)
	if streamplane.ErrorCode(err) != streamplane.EBUSY {
		t.Fatalf("a second expansion while the first holds the instance: %v, want INSTANCE_BUSY", err)
	}
}
