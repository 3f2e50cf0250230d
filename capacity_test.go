package streamplane_test

import (
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestCheckCapacity(t *testing.T) {
	const unit = 1000 // bytes per storage unit: 10 units = 10000 bytes per broker
	for _, c := range []struct {
		name    string
		policy  string
		stopped bool
		used    []int64
		want    string
		broker  int
	}{
		{"BelowHigh", streamplane.CapacityAutoDelete, false, []int64{9000, 9499, 100}, "", 1},
		{"AutoDeleteAtHigh", streamplane.CapacityAutoDelete, false, []int64{9000, 9500, 100}, streamplane.CapacityFree, 1},
		{"StopAtHigh", streamplane.CapacityStopProduction, false, []int64{9900, 9500, 100}, streamplane.CapacityStop, 0},
		{"AlreadyStopped", streamplane.CapacityStopProduction, true, []int64{9900, 9500, 100}, "", 0},
		{"StoppedBetweenMarks", streamplane.CapacityStopProduction, true, []int64{8500, 100, 100}, "", 0},
		{"ResumeBelowLow", streamplane.CapacityStopProduction, true, []int64{8499, 100, 100}, streamplane.CapacityResume, 0},
		{"ResumeAfterPolicyChange", streamplane.CapacityAutoDelete, true, []int64{100, 100, 100}, streamplane.CapacityResume, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			inst := &streamplane.Instance{Name: "demo", StorageGBPerBroker: 10, CapacityPolicy: c.policy, ProductionStopped: c.stopped}
			for i, u := range c.used {
				inst.Brokers = append(inst.Brokers, streamplane.Broker{ID: i, State: streamplane.BrokerActive, UsedBytes: u})
			}
			got := inst.CheckCapacity(unit)
			if got.Action != c.want || got.Broker != c.broker {
				t.Fatalf("action %q on broker %d (%s), want %q on %d", got.Action, got.Broker, got.Describe(), c.want, c.broker)
			}
		})
	}
}

func TestCheckStorageExpansion(t *testing.T) {
	inst := &streamplane.Instance{Name: "demo", Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 200}
	for _, c := range []struct {
		name       string
		gb, before int
		code       string
	}{
		{"Grow", 300, 0, ""},
		{"Equal", 200, 0, streamplane.EINVALID},
		{"Shrink", 100, 0, streamplane.EINVALID},
		{"OffStep", 350, 0, streamplane.EINVALID},
		{"PastTotal", 100100, 0, streamplane.EINVALID},
		{"TwentiethExpansion", 300, 19, ""},
		{"TwentyFirstExpansion", 300, 20, streamplane.ELIMIT},
	} {
		t.Run(c.name, func(t *testing.T) {
			inst.StorageExpansions = c.before
			err := inst.CheckStorageExpansion(c.gb)
			if got := streamplane.ErrorCode(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
			if err != nil {
				if e, ok := err.(*streamplane.Error); !ok || e.Field != "storage_gb_per_broker" {
					t.Fatalf("error %v should name storage_gb_per_broker", err)
				}
			}
		})
	}
}
