package streamplane

import (
	"fmt"
	"strings"
)

// FlavorChangeRequest asks to run an instance on another flavor: its
// brokers restart one at a time with the new flavor's heap and threads.
type FlavorChangeRequest struct {
	Flavor string `json:"flavor"`
}

// FlavorNamed returns the flavor named, or an error for the field flavor
// that lists the flavors there are.
func FlavorNamed(name string) (Flavor, error) {
	f, ok := LookupFlavor(name)
	if !ok {
		var names []string
		for _, f := range Flavors() {
			names = append(names, f.Name)
		}
		return Flavor{}, Invalid("flavor", "unknown flavor %q; one of %s", name, strings.Join(names, ", "))
	}
	return f, nil
}

// CheckFlavorChange says whether inst, whose topics hold partitions
// partitions, may run on the flavor named to: the flavor must take the
// instance's brokers and storage as they are, and its partition limit must
// hold the partitions there are. A flavor change changes nothing else.
func (inst *Instance) CheckFlavorChange(to string, partitions int) error {
	f, err := FlavorNamed(to)
	if err != nil {
		return err
	}
	if to == inst.Flavor {
		return Invalid("flavor", "instance %s already runs on %s", inst.Name, to)
	}
	if inst.BrokerCount < f.MinBrokers || inst.BrokerCount > f.MaxBrokers {
		return Invalid("flavor", "flavor %s takes %d–%d brokers; %s has %d", to, f.MinBrokers, f.MaxBrokers, inst.Name, inst.BrokerCount)
	}
	if err := validateStorage(f, inst.BrokerCount, inst.StorageGBPerBroker); err != nil {
		return Invalid("flavor", "%s as it is: %s", inst.Name, ErrorMessage(err))
	}
	if limit := f.MaxPartitions(inst.BrokerCount); partitions > limit {
		return &Error{Code: ELIMIT, Field: "flavor", Message: fmt.Sprintf(
			"flavor %s allows %d partitions on %d brokers; the topics of %s have %d", to, limit, inst.BrokerCount, inst.Name, partitions)}
	}
	return nil
}
