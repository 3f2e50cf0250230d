package streamplane

import "time"

// BrokerState is the lifecycle state of one broker (SPEC §1).
type BrokerState string

const (
	BrokerStarting  BrokerState = "STARTING"
	BrokerActive    BrokerState = "ACTIVE"
	BrokerUpdating  BrokerState = "UPDATING"
	BrokerRebooting BrokerState = "REBOOTING"
	BrokerExtending BrokerState = "EXTENDING"
	BrokerExpanding BrokerState = "EXPANDING"
	BrokerDeleting  BrokerState = "DELETING"
	BrokerDeleted   BrokerState = "DELETED"
	BrokerError     BrokerState = "ERROR"
)

// Broker roles in KRaft.
const (
	RoleBroker     = "broker"
	RoleController = "controller"
)

// Broker is one Kafka node of an instance. The first three nodes are combined
// broker+controller nodes; later ones are brokers only.
type Broker struct {
	ID    int         `json:"id"` // Kafka node.id
	Roles []string    `json:"roles"`
	State BrokerState `json:"state"`
	Error string      `json:"error,omitempty"` // why the broker is in ERROR, or what the supervisor last saw
	Rack  string      `json:"rack"`            // the zone; Kafka's broker.rack
	Host  string      `json:"host"`
	Port  int         `json:"port"` // the private client listener's port
	// Version is the Kafka version the broker runs (or starts with next);
	// brokers differ from the instance's only while an upgrade rolls.
	Version string `json:"version"`

	// Endpoints are the client-facing addresses by listener name.
	Endpoints map[string]string `json:"endpoints"`
	// Advertised are addresses the broker gives clients instead of its
	// own, by client listener ("private", "public"): NAT or DNS names.
	Advertised map[string]string `json:"advertised,omitempty"`
	// Ports holds every port the broker owns, client-facing or not, by purpose.
	Ports map[string]int `json:"-"`

	PID       int        `json:"pid,omitempty"` // process id under the local provisioner
	StartedAt *time.Time `json:"started_at,omitempty"`
	Restarts  int        `json:"restarts"` // restarts made by the supervisor after a crash
	UsedBytes int64      `json:"used_bytes"`
}

// IsController reports whether the node is a KRaft controller.
func (b *Broker) IsController() bool {
	for _, r := range b.Roles {
		if r == RoleController {
			return true
		}
	}
	return false
}

// ControllerCount is how many of an instance's first nodes are controllers.
func ControllerCount(brokers int) int { return min(brokers, 3) }

// Port purposes. A broker reserves one port for each, in this order, when
// it is placed, so listeners enabled later (public access) find their port
// already held.
const (
	PortInternal   = "internal"   // inter-broker and control-plane traffic (SASL)
	PortController = "controller" // KRaft controller traffic (SASL), controllers only
	PortPrivate    = "private"    // the private client listener
	PortPublic     = "public"     // the public client listener, when enabled
	PortMetrics    = "metrics"    // the metrics endpoint
)

// PortPurposes lists the purposes in reservation order.
var PortPurposes = []string{PortInternal, PortController, PortPrivate, PortPublic, PortMetrics}
