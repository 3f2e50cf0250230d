package streamplane

import (
	"errors"
	"slices"
	"testing"
)

func scaleFixture() *Instance {
	inst := &Instance{Name: "demo", Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"zone-a", "zone-b", "zone-c"}}
	for i := range 3 {
		inst.Brokers = append(inst.Brokers, Broker{ID: i, Roles: []string{RoleBroker, RoleController}, State: BrokerActive, Rack: inst.Zones[i]})
	}
	return inst
}

func TestScaleOutAddsBrokerOnlyNodesSpreadOverZones(t *testing.T) {
	inst := scaleFixture()
	added, removed, err := inst.Scale(ScaleRequest{BrokerCount: 5}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(added, []int{3, 4}) || removed != nil || inst.BrokerCount != 5 {
		t.Fatalf("added %v removed %v count %d", added, removed, inst.BrokerCount)
	}
	for _, id := range added {
		b, _ := inst.Broker(id)
		if b.IsController() || b.State != BrokerStarting || b.Version != inst.Version {
			t.Errorf("new broker %d: roles %v state %s; want broker only, STARTING", id, b.Roles, b.State)
		}
	}
	b3, _ := inst.Broker(3)
	b4, _ := inst.Broker(4)
	if b3.Rack != "zone-a" || b4.Rack != "zone-b" {
		t.Errorf("racks %s, %s; want zone-a, zone-b (fewest brokers first)", b3.Rack, b4.Rack)
	}
	adding, removing := inst.Scaling()
	if len(adding) != 2 || len(removing) != 0 {
		t.Errorf("Scaling() = %d adding, %d removing", len(adding), len(removing))
	}
}

func TestScaleInMarksBrokersDeleting(t *testing.T) {
	inst := scaleFixture()
	if _, _, err := inst.Scale(ScaleRequest{BrokerCount: 5}, 0); err != nil {
		t.Fatal(err)
	}
	_, removed, err := inst.Scale(ScaleRequest{RemoveBrokers: []int{4}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := inst.Broker(4)
	if !slices.Equal(removed, []int{4}) || b.State != BrokerDeleting || inst.BrokerCount != 4 {
		t.Fatalf("removed %v, broker 4 %s, count %d", removed, b.State, inst.BrokerCount)
	}
}

func TestScaleRefusals(t *testing.T) {
	cases := []struct {
		name       string
		req        ScaleRequest
		partitions int
		field      string
		code       string
	}{
		{"not more brokers", ScaleRequest{BrokerCount: 3}, 0, "broker_count", EINVALID},
		{"past the flavor's range", ScaleRequest{BrokerCount: 31}, 0, "broker_count", EINVALID},
		{"a controller", ScaleRequest{RemoveBrokers: []int{1}}, 0, "remove_brokers", EINVALID},
		{"an unknown broker", ScaleRequest{RemoveBrokers: []int{7}}, 0, "remove_brokers", ENOTFOUND},
		{"both at once", ScaleRequest{BrokerCount: 5, RemoveBrokers: []int{3}}, 0, "remove_brokers", EINVALID},
		{"neither", ScaleRequest{}, 0, "broker_count", EINVALID},
		{"no_rebalance when removing", ScaleRequest{RemoveBrokers: []int{3}, NoRebalance: true}, 0, "no_rebalance", EINVALID},
		{"a throttle out of range", ScaleRequest{BrokerCount: 4, ThrottleMBps: -1}, 0, "throttle_mbps", EINVALID},
		{"storage past the flavor's total", ScaleRequest{BrokerCount: 30}, 0, "broker_count", EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inst := scaleFixture()
			inst.StorageGBPerBroker = 20000 // 30 brokers × 20 TB is over the flavor's 300 TB
			err := c.req.Validate()
			if err == nil {
				_, _, err = inst.Scale(c.req, c.partitions)
			}
			if ErrorCode(err) != c.code || errorField(err) != c.field {
				t.Fatalf("got %v (code %s, field %s); want code %s on field %s", err, ErrorCode(err), errorField(err), c.code, c.field)
			}
			if inst.BrokerCount != 3 || len(inst.Brokers) != 3 {
				t.Errorf("a refused scale changed the instance: %d brokers", len(inst.Brokers))
			}
		})
	}
}

func TestScaleRefusedWhileAnUpgradeIsUnfinished(t *testing.T) {
	inst := scaleFixture()
	inst.Version, inst.UpgradeFrom = "4.1.2", "3.9.2"
	if _, _, err := inst.Scale(ScaleRequest{BrokerCount: 4}, 0); ErrorCode(err) != ESTATE || len(inst.Brokers) != 3 {
		t.Fatalf("scale during an upgrade: %v, %d brokers; want refused, nothing added", err, len(inst.Brokers))
	}
}

func TestScaleInRefusedWhenPartitionsExceedTheSmallerLimit(t *testing.T) {
	inst := scaleFixture()
	if _, _, err := inst.Scale(ScaleRequest{BrokerCount: 4}, 0); err != nil {
		t.Fatal(err)
	}
	inst.Brokers[3].State = BrokerActive
	// kafka.2u4g.cluster: 250 partitions per broker; 3 brokers hold 750.
	_, _, err := inst.Scale(ScaleRequest{RemoveBrokers: []int{3}}, 751)
	if ErrorCode(err) != ELIMIT || errorField(err) != "remove_brokers" {
		t.Fatalf("got %v; want a limit error on remove_brokers", err)
	}
}

func errorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
