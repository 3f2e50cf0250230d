package streamplane

import (
	"slices"
	"time"
)

// InstanceStatus is the lifecycle state of an instance (SPEC §1).
type InstanceStatus string

const (
	InstanceCreating     InstanceStatus = "CREATING"
	InstanceRunning      InstanceStatus = "RUNNING"
	InstanceChanging     InstanceStatus = "CHANGING"
	InstanceRestarting   InstanceStatus = "RESTARTING"
	InstanceFaulty       InstanceStatus = "FAULTY"
	InstanceChangeFailed InstanceStatus = "CHANGE_FAILED"
	InstanceCreateFailed InstanceStatus = "CREATE_FAILED"
	InstanceDeleting     InstanceStatus = "DELETING"
	InstanceDeleted      InstanceStatus = "DELETED"
)

// InstanceStatuses lists every status, for validation of filters.
var InstanceStatuses = []InstanceStatus{
	InstanceCreating, InstanceRunning, InstanceChanging, InstanceRestarting, InstanceFaulty,
	InstanceChangeFailed, InstanceCreateFailed, InstanceDeleting, InstanceDeleted,
}

// CanRestart reports whether a restart may start from this status: DMS's
// RUNNING and FAULTY (7.3), and CHANGE_FAILED, which a rolling restart
// brings back to the desired state.
func (s InstanceStatus) CanRestart() bool {
	return s == InstanceRunning || s == InstanceFaulty || s == InstanceChangeFailed
}

// CanDelete reports whether a delete may start from this status (DMS 7.4:
// not while creating, changing, restarting or after a failed change).
func (s InstanceStatus) CanDelete() bool {
	return s == InstanceRunning || s == InstanceFaulty || s == InstanceCreateFailed
}

// ListenerPrivatePlaintext is the bootstrap_servers key of a plaintext
// instance's private listener; security.go has the others.
const ListenerPrivatePlaintext = "private_plaintext"

// Instance is one Kafka cluster managed by Streamplane. The spec fields are
// the desired state; Status and Brokers are what was last observed.
type Instance struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	Version            string            `json:"version"` // Kafka version from the runtime catalog
	Flavor             string            `json:"flavor"`
	BrokerCount        int               `json:"broker_count"`
	StorageGBPerBroker int               `json:"storage_gb_per_broker"`
	DiskType           string            `json:"disk_type"`
	Zones              []string          `json:"zones"`
	AutoCreateTopics   bool              `json:"auto_create_topics"`
	Tags               map[string]string `json:"tags"`
	// Project owns the instance for quotas and policies (DefaultProject
	// unless given at creation).
	Project string `json:"project"`
	// DeletionProtection refuses every deletion of the instance while set.
	DeletionProtection bool `json:"deletion_protection"`

	// Capacity threshold policy (capacity.go): what a broker at 95% of its
	// storage sets off; ProductionStopped while stop_production refuses
	// writes; CapacityEvent the last event, for people.
	CapacityPolicy    string `json:"capacity_policy"`
	ProductionStopped bool   `json:"production_stopped"`
	CapacityEvent     string `json:"capacity_event,omitempty"`
	// StorageExpansions counts storage expansions (at most 20, DMS).
	StorageExpansions int `json:"storage_expansions"`

	// Security (SPEC §5): fixed at creation but for public access and
	// mutual TLS, which change through a rolling restart.
	SecurityProtocol string   `json:"security_protocol"`
	SASLMechanisms   []string `json:"sasl_mechanisms,omitempty"`
	KafkaUser        string   `json:"kafka_user,omitempty"` // the initial SASL user
	PublicAccess     bool     `json:"public_access"`
	MutualTLS        bool     `json:"mutual_tls"`
	// CustomCertificate says the brokers present a certificate the user
	// supplied instead of one from the instance's own CA.
	CustomCertificate bool `json:"custom_certificate,omitempty"`

	// Parameters are the user's parameter values (non-default ones);
	// AppliedParameters the static values the brokers were last started
	// with. Both are shown through the parameters API, not here.
	Parameters        map[string]string `json:"-"`
	AppliedParameters map[string]string `json:"-"`
	// PendingRestart names static parameters a restart would apply.
	PendingRestart []string `json:"pending_restart,omitempty"`

	// UpgradeFrom is the version the instance ran before an upgrade whose
	// metadata.version is not finalized yet: the version a rollback returns
	// to. MetadataLevel is the finalized metadata.version feature level (0
	// while unknown) and MetadataVersion its name, as "4.1-IV1 (27)".
	UpgradeFrom     string `json:"upgrade_from,omitempty"`
	MetadataLevel   int    `json:"-"`
	MetadataVersion string `json:"metadata_version,omitempty"`

	Status       InstanceStatus `json:"status"`
	StatusReason string         `json:"status_reason,omitempty"`
	ClusterID    string         `json:"cluster_id,omitempty"` // Kafka's cluster id, set when formatted
	TaskID       string         `json:"task_id,omitempty"`    // the task holding the instance, if any

	Brokers          []Broker          `json:"brokers"`
	BootstrapServers map[string]string `json:"bootstrap_servers"`
	Storage          StorageUsage      `json:"storage"`

	ResourceVersion int64      `json:"resource_version"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	DeletedAt       *time.Time `json:"deleted_at,omitempty"`
}

// StorageUsage sums the brokers' disks.
type StorageUsage struct {
	TotalGB   int   `json:"total_gb"`
	UsedBytes int64 `json:"used_bytes"`
	// TotalBytes is TotalGB in bytes as the server counts a GB: 10^9, or
	// its --storage-unit-bytes in tests (SetStorageUnit).
	TotalBytes int64 `json:"total_bytes"`
}

// SetStorageUnit counts the storage totals in units of unitBytes.
func (inst *Instance) SetStorageUnit(unitBytes int64) {
	inst.Storage.TotalBytes = int64(inst.Storage.TotalGB) * unitBytes
}

// Broker returns the broker with the given node id.
func (inst *Instance) Broker(id int) (*Broker, bool) {
	for i := range inst.Brokers {
		if inst.Brokers[i].ID == id {
			return &inst.Brokers[i], true
		}
	}
	return nil, false
}

// Finish fills the fields derived from the others: bootstrap servers and
// storage totals. Stores call it after loading an instance.
func (inst *Instance) Finish() {
	inst.BootstrapServers = map[string]string{}
	inst.MetadataVersion = MetadataVersionName(inst.MetadataLevel)
	if inst.Zones == nil {
		inst.Zones = []string{}
	}
	inst.Storage = StorageUsage{TotalGB: inst.StorageGBPerBroker * len(inst.Brokers)}
	inst.SetStorageUnit(BytesPerGB)
	byListener := map[string][]string{}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		b.Port = b.Ports[PortPrivate]
		if b.Version == "" {
			b.Version = inst.Version // made before brokers had their own version
		}
		if b.Endpoints == nil {
			b.Endpoints = map[string]string{} // not placed yet; never null in JSON
		}
		inst.Storage.UsedBytes += b.UsedBytes
		if b.State == BrokerDeleted {
			continue
		}
		for name, addr := range b.Endpoints {
			byListener[name] = append(byListener[name], addr)
		}
	}
	for name, addrs := range byListener {
		inst.BootstrapServers[name] = joinComma(addrs)
	}
	if inst.Tags == nil {
		inst.Tags = map[string]string{}
	}
	if inst.Parameters == nil {
		inst.Parameters = map[string]string{}
	}
	if inst.AppliedParameters == nil {
		inst.AppliedParameters = map[string]string{}
	}
	if len(inst.AppliedParameters) > 0 { // unknown until the brokers first start
		inst.PendingRestart = inst.PendingParams()
	}
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}

// InstanceSpec is what a user asks for when creating an instance.
type InstanceSpec struct {
	Name               string            `json:"name"`
	Description        string            `json:"description,omitempty"`
	Version            string            `json:"version"`
	Flavor             string            `json:"flavor"`
	BrokerCount        int               `json:"broker_count"`
	StorageGBPerBroker int               `json:"storage_gb_per_broker"`
	DiskType           string            `json:"disk_type,omitempty"`
	Zones              []string          `json:"zones,omitempty"`
	AutoCreateTopics   bool              `json:"auto_create_topics,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	Project            string            `json:"project,omitempty"` // default "default"
	DeletionProtection bool              `json:"deletion_protection,omitempty"`
	CapacityPolicy     string            `json:"capacity_policy,omitempty"` // default auto_delete

	SecurityProtocol string   `json:"security_protocol,omitempty"` // PLAINTEXT (default) or SASL_SSL
	SASLMechanisms   []string `json:"sasl_mechanisms,omitempty"`   // SCRAM-SHA-512, optionally PLAIN
	KafkaUser        string   `json:"kafka_user,omitempty"`
	KafkaPassword    string   `json:"kafka_password,omitempty"` // write-only: never stored or returned
	PublicAccess     bool     `json:"public_access,omitempty"`
}

// InstanceUpdate changes an instance's information. Nil fields stay as they
// are; SetTags adds or replaces tags and RemoveTags drops tags by key.
type InstanceUpdate struct {
	Name        *string           `json:"name,omitempty"`
	Description *string           `json:"description,omitempty"`
	SetTags     map[string]string `json:"set_tags,omitempty"`
	RemoveTags  []string          `json:"remove_tags,omitempty"`
	// DeletionProtection sets or clears the instance's protection.
	DeletionProtection *bool `json:"deletion_protection,omitempty"`
	// CapacityPolicy changes the capacity threshold policy; no broker restarts.
	CapacityPolicy *string `json:"capacity_policy,omitempty"`
}

// InstanceFilter selects instances in a list.
type InstanceFilter struct {
	ID      string
	Name    string // substring, case-insensitive
	Status  []InstanceStatus
	Tags    map[string]string // every key must match; "" value matches any value
	Address string            // substring of any bootstrap address
	// Projects limits the list to these projects (what the caller may
	// see); nil means every project.
	Projects       []string
	IncludeDeleted bool
	Offset, Limit  int
}

// Matches reports whether inst passes the filter's non-paging conditions.
func (f InstanceFilter) Matches(inst *Instance) bool {
	if f.ID != "" && inst.ID != f.ID {
		return false
	}
	if len(f.Status) > 0 && !slices.Contains(f.Status, inst.Status) {
		return false
	}
	if len(f.Status) == 0 && !f.IncludeDeleted && inst.Status == InstanceDeleted {
		return false
	}
	if f.Projects != nil && !slices.Contains(f.Projects, inst.Project) {
		return false
	}
	if f.Name != "" && !containsFold(inst.Name, f.Name) {
		return false
	}
	for k, v := range f.Tags {
		got, ok := inst.Tags[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	if f.Address != "" {
		found := false
		for _, addrs := range inst.BootstrapServers {
			if containsFold(addrs, f.Address) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
