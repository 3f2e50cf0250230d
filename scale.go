package streamplane

import (
	"fmt"
	"slices"
)

// ScaleRequest changes how many brokers an instance has. BrokerCount adds
// broker-only nodes (beyond the controllers) until there are that many;
// RemoveBrokers names broker-only nodes to drain and remove. One or the
// other. After adding, partitions are spread onto the new brokers unless
// NoRebalance; ThrottleMBps limits the copying on every broker (0: none).
type ScaleRequest struct {
	BrokerCount   int   `json:"broker_count,omitempty"`
	RemoveBrokers []int `json:"remove_brokers,omitempty"`
	NoRebalance   bool  `json:"no_rebalance,omitempty"`
	ThrottleMBps  int   `json:"throttle_mbps,omitempty"`
}

// Validate checks the request's form.
func (r ScaleRequest) Validate() error {
	switch {
	case r.BrokerCount == 0 && len(r.RemoveBrokers) == 0:
		return Invalid("broker_count", "give broker_count (brokers to have after adding) or remove_brokers (brokers to remove)")
	case r.BrokerCount != 0 && len(r.RemoveBrokers) > 0:
		return Invalid("remove_brokers", "give either broker_count (add brokers) or remove_brokers, not both")
	case r.BrokerCount < 0:
		return Invalid("broker_count", "broker_count must be positive, got %d", r.BrokerCount)
	case r.NoRebalance && len(r.RemoveBrokers) > 0:
		return Invalid("no_rebalance", "brokers are always drained before they are removed; no_rebalance is for adding brokers")
	case r.ThrottleMBps < 0 || r.ThrottleMBps > MaxThrottleMBps:
		return Invalid("throttle_mbps", "the throttle must be from 1 to %d MB/s, or 0 for none; got %d", MaxThrottleMBps, r.ThrottleMBps)
	}
	for i, id := range r.RemoveBrokers {
		if id < 0 || slices.Contains(r.RemoveBrokers[:i], id) {
			return Invalid("remove_brokers", "broker ids are distinct and 0 or more; got %v", r.RemoveBrokers)
		}
	}
	return nil
}

// Scale applies the request to inst's desired state: new brokers join as
// STARTING broker-only nodes, each in the zone with the fewest brokers;
// brokers to remove become DELETING. It refuses what the flavor does not
// take: a broker count out of its range, storage over its total, or
// removing a controller (the KRaft quorum is fixed at creation).
// partitions is how many partitions the topics have now.
func (inst *Instance) Scale(req ScaleRequest, partitions int) (added, removed []int, err error) {
	f, err := FlavorNamed(inst.Flavor)
	if err != nil {
		return nil, nil, err
	}
	if inst.UpgradeFrom != "" {
		// A new broker must run the version every other one runs, and a
		// rollback would have to take it back too.
		return nil, nil, Errorf(ESTATE, "instance %s is upgrading from %s to %s; finalize or roll back the upgrade before scaling", inst.Name, inst.UpgradeFrom, inst.Version)
	}
	count := inst.BrokerCount
	if req.BrokerCount != 0 {
		if req.BrokerCount <= count {
			return nil, nil, Invalid("broker_count", "instance %s has %d brokers; give more to add brokers, or name brokers in remove_brokers to remove them", inst.Name, count)
		}
		count = req.BrokerCount
	} else {
		for _, id := range req.RemoveBrokers {
			b, ok := inst.Broker(id)
			switch {
			case !ok || b.State == BrokerDeleted:
				return nil, nil, &Error{Code: ENOTFOUND, Field: "remove_brokers", Message: fmt.Sprintf("instance %s has no broker %d", inst.Name, id)}
			case b.IsController():
				return nil, nil, Invalid("remove_brokers", "broker %d is a KRaft controller; only broker-only nodes (added by scaling out) can be removed", id)
			}
		}
		count -= len(req.RemoveBrokers)
	}
	if count < f.MinBrokers || count > f.MaxBrokers {
		return nil, nil, Invalid(scaleField(req), "flavor %s takes %d–%d brokers; scaling %s would leave %d", f.Name, f.MinBrokers, f.MaxBrokers, inst.Name, count)
	}
	if err := validateStorage(f, count, inst.StorageGBPerBroker); err != nil {
		return nil, nil, Invalid(scaleField(req), "%d brokers: %s", count, ErrorMessage(err))
	}
	if limit := f.MaxPartitions(count); partitions > limit {
		return nil, nil, &Error{Code: ELIMIT, Field: scaleField(req), Message: fmt.Sprintf(
			"flavor %s allows %d partitions on %d brokers; the topics of %s have %d. Delete topics first", f.Name, limit, count, inst.Name, partitions)}
	}
	for _, id := range req.RemoveBrokers {
		b, _ := inst.Broker(id)
		b.State = BrokerDeleting
		removed = append(removed, id)
	}
	for len(inst.Brokers) < count {
		b := Broker{ID: inst.nextBrokerID(), Roles: []string{RoleBroker}, State: BrokerStarting, Rack: inst.emptiestZone(), Version: inst.Version}
		inst.Brokers = append(inst.Brokers, b)
		added = append(added, b.ID)
	}
	inst.BrokerCount = count
	return added, removed, nil
}

func scaleField(req ScaleRequest) string {
	if req.BrokerCount != 0 {
		return "broker_count"
	}
	return "remove_brokers"
}

// nextBrokerID is one more than the highest node id in use. A removed
// broker's id comes back only once it is unregistered and forgotten.
func (inst *Instance) nextBrokerID() int {
	next := 0
	for _, b := range inst.Brokers {
		next = max(next, b.ID+1)
	}
	return next
}

// emptiestZone is the instance's zone with the fewest brokers, the first
// listed on a tie: new brokers spread over the zones.
func (inst *Instance) emptiestZone() string {
	if len(inst.Zones) == 0 {
		return ""
	}
	best, bestCount := inst.Zones[0], -1
	for _, z := range inst.Zones {
		n := 0
		for _, b := range inst.Brokers {
			if b.Rack == z && b.State != BrokerDeleting && b.State != BrokerDeleted {
				n++
			}
		}
		if bestCount < 0 || n < bestCount {
			best, bestCount = z, n
		}
	}
	return best
}

// Scaling returns the brokers a scale task adds (STARTING) and removes
// (DELETING).
func (inst *Instance) Scaling() (adding, removing []*Broker) {
	for i := range inst.Brokers {
		switch b := &inst.Brokers[i]; b.State {
		case BrokerStarting:
			adding = append(adding, b)
		case BrokerDeleting:
			removing = append(removing, b)
		}
	}
	return adding, removing
}
