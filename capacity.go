package streamplane

import (
	"fmt"
	"slices"
	"strings"
)

// Capacity threshold policies (DMS 5, 17.1.5): what happens when a broker's
// disk use reaches CapacityHighPercent of its storage.
const (
	// CapacityAutoDelete deletes the oldest ~CapacityFreePercent of the
	// data so that production goes on; data may be lost. DMS's default.
	CapacityAutoDelete = "auto_delete"
	// CapacityStopProduction refuses new writes (reads go on) until use
	// falls below CapacityLowPercent; no data is lost.
	CapacityStopProduction = "stop_production"
)

// CapacityPolicies lists the policies, the default first.
var CapacityPolicies = []string{CapacityAutoDelete, CapacityStopProduction}

// The capacity marks, in percent of a broker's storage.
const (
	CapacityHighPercent = 95 // a broker at or above it starts an event
	CapacityLowPercent  = 85 // stopped production resumes below it on every broker
	CapacityFreePercent = 10 // what auto_delete frees, of the broker's storage
)

// Capacity actions: what a capacity_event task does.
const (
	CapacityFree   = "free"   // auto_delete: delete the oldest records
	CapacityStop   = "stop"   // stop_production: refuse writes
	CapacityResume = "resume" // stop_production: accept writes again
)

// ValidateCapacityPolicy checks a policy named in the field field.
func ValidateCapacityPolicy(field, p string) error {
	if !slices.Contains(CapacityPolicies, p) {
		return Invalid(field, "unknown capacity policy %q; one of %s", p, strings.Join(CapacityPolicies, ", "))
	}
	return nil
}

// CapacityCheck is what the capacity watcher makes of an instance's disk
// use: the action to take, if any, and the broker that decided it.
type CapacityCheck struct {
	Action     string  // "" when nothing is to be done
	Broker     int     // the fullest broker
	UsedBytes  int64   // its use
	TotalBytes int64   // its storage
	Percent    float64 // UsedBytes of TotalBytes
}

// CheckCapacity decides, from the brokers' last observed use, whether the
// instance's capacity policy must act. unitBytes is the size of one unit
// of storage_gb_per_broker (BytesPerGB but in tests). A broker at or above
// the high mark makes auto_delete free space, and stop_production stop
// writes unless they are stopped already; stopped writes resume once every
// broker is below the low mark, whatever the policy is now, so that a
// policy changed meanwhile never leaves writes stopped.
func (inst *Instance) CheckCapacity(unitBytes int64) CapacityCheck {
	total := int64(inst.StorageGBPerBroker) * unitBytes
	c := CapacityCheck{Broker: -1, TotalBytes: total}
	if total <= 0 {
		return c
	}
	for _, b := range inst.Brokers {
		if b.State == BrokerDeleted {
			continue
		}
		if c.Broker < 0 || b.UsedBytes > c.UsedBytes {
			c.Broker, c.UsedBytes = b.ID, b.UsedBytes
		}
	}
	if c.Broker < 0 {
		return c
	}
	c.Percent = float64(c.UsedBytes) * 100 / float64(total)
	switch {
	case inst.ProductionStopped && c.Percent < CapacityLowPercent:
		c.Action = CapacityResume
	case c.Percent < CapacityHighPercent:
	case inst.CapacityPolicy == CapacityStopProduction && !inst.ProductionStopped:
		c.Action = CapacityStop
	case inst.CapacityPolicy == CapacityAutoDelete:
		c.Action = CapacityFree
	}
	return c
}

// Describe says what the check found, for the task's target and the
// instance's capacity event.
func (c CapacityCheck) Describe() string {
	return fmt.Sprintf("broker %d uses %.1f%% of its storage (%d of %d bytes)", c.Broker, c.Percent, c.UsedBytes, c.TotalBytes)
}

// MaxStorageExpansions is how often an instance's storage may grow (DMS 7.1).
const MaxStorageExpansions = 20

// StorageExpansionRequest asks for more storage per broker.
type StorageExpansionRequest struct {
	StorageGBPerBroker int `json:"storage_gb_per_broker"`
}

// CheckStorageExpansion says whether inst may grow to gb per broker: only
// up, in the flavor's steps and within its per-broker and total maximum,
// at most MaxStorageExpansions times.
func (inst *Instance) CheckStorageExpansion(gb int) error {
	if gb <= inst.StorageGBPerBroker {
		return Invalid("storage_gb_per_broker", "storage only grows: %s has %d GB per broker, asked for %d", inst.Name, inst.StorageGBPerBroker, gb)
	}
	f, ok := LookupFlavor(inst.Flavor)
	if !ok {
		return Errorf(EINTERNAL, "instance %s runs on unknown flavor %q", inst.Name, inst.Flavor)
	}
	if err := validateStorage(f, inst.BrokerCount, gb); err != nil {
		return err
	}
	if inst.StorageExpansions >= MaxStorageExpansions {
		return &Error{Code: ELIMIT, Field: "storage_gb_per_broker", Message: fmt.Sprintf(
			"the storage of %s has been expanded %d times, the most allowed", inst.Name, inst.StorageExpansions)}
	}
	return nil
}
