package service_test

import (
	"context"
	"encoding/json"
	"testing"

	streamplane "github.com/streamplane/streamplane"
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
