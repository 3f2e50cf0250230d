package streamplane

import "sort"

// Flavor fixes what one broker may hold and what it is given. The cluster
// flavors are DMS's (user guide 1.4, table 1-1); kafka.1u2g.dev is ours, for
// laptops and tests. Local resources are scaled down so that a 3-broker
// instance fits on a 2-core/24 GB machine.
type Flavor struct {
	Name                       string `json:"name"`
	VCPUs                      int    `json:"vcpus"`
	MemoryGB                   int    `json:"memory_gb"`
	MinBrokers                 int    `json:"min_brokers"`
	MaxBrokers                 int    `json:"max_brokers"`
	MaxPartitionsPerBroker     int    `json:"max_partitions_per_broker"`
	RecommendedGroupsPerBroker int    `json:"recommended_groups_per_broker"`
	MaxConnectionsPerBroker    int    `json:"max_connections_per_broker"`
	TPSPerBroker               int    `json:"tps_per_broker"`
	ThroughputMBPerBroker      int    `json:"throughput_mb_per_broker"`
	MinStorageGBPerBroker      int    `json:"min_storage_gb_per_broker"`
	MaxStorageGBPerBroker      int    `json:"max_storage_gb_per_broker"`
	MaxStorageGBTotal          int    `json:"max_storage_gb_total"`
	StorageStepGB              int    `json:"storage_step_gb"`

	// What the local provisioner gives each broker JVM.
	HeapMB         int `json:"heap_mb"`
	NetworkThreads int `json:"network_threads"`
	IOThreads      int `json:"io_threads"`
}

// MaxPartitions is the instance's partition limit for a broker count.
func (f Flavor) MaxPartitions(brokers int) int { return f.MaxPartitionsPerBroker * brokers }

// DevFlavor is the small flavor for laptops and tests.
const DevFlavor = "kafka.1u2g.dev"

var flavors = map[string]Flavor{
	DevFlavor: {Name: DevFlavor, VCPUs: 1, MemoryGB: 2, MinBrokers: 1, MaxBrokers: 3,
		MaxPartitionsPerBroker: 250, RecommendedGroupsPerBroker: 20, MaxConnectionsPerBroker: 1000,
		TPSPerBroker: 10000, ThroughputMBPerBroker: 50,
		MinStorageGBPerBroker: 1, MaxStorageGBPerBroker: 100, MaxStorageGBTotal: 300, StorageStepGB: 1,
		HeapMB: 256, NetworkThreads: 2, IOThreads: 2},
	"kafka.2u4g.cluster": {Name: "kafka.2u4g.cluster", VCPUs: 2, MemoryGB: 4, MinBrokers: 3, MaxBrokers: 30,
		MaxPartitionsPerBroker: 250, RecommendedGroupsPerBroker: 20, MaxConnectionsPerBroker: 2000,
		TPSPerBroker: 30000, ThroughputMBPerBroker: 100,
		MinStorageGBPerBroker: 100, MaxStorageGBPerBroker: 100000, MaxStorageGBTotal: 300000, StorageStepGB: 100,
		HeapMB: 384, NetworkThreads: 2, IOThreads: 4},
	"kafka.4u8g.cluster": {Name: "kafka.4u8g.cluster", VCPUs: 4, MemoryGB: 8, MinBrokers: 3, MaxBrokers: 30,
		MaxPartitionsPerBroker: 500, RecommendedGroupsPerBroker: 100, MaxConnectionsPerBroker: 4000,
		TPSPerBroker: 100000, ThroughputMBPerBroker: 200,
		MinStorageGBPerBroker: 100, MaxStorageGBPerBroker: 200000, MaxStorageGBTotal: 600000, StorageStepGB: 100,
		HeapMB: 512, NetworkThreads: 3, IOThreads: 6},
	"kafka.8u16g.cluster": {Name: "kafka.8u16g.cluster", VCPUs: 8, MemoryGB: 16, MinBrokers: 3, MaxBrokers: 50,
		MaxPartitionsPerBroker: 1000, RecommendedGroupsPerBroker: 150, MaxConnectionsPerBroker: 4000,
		TPSPerBroker: 150000, ThroughputMBPerBroker: 250,
		MinStorageGBPerBroker: 100, MaxStorageGBPerBroker: 500000, MaxStorageGBTotal: 1500000, StorageStepGB: 100,
		HeapMB: 640, NetworkThreads: 4, IOThreads: 8},
	"kafka.12u24g.cluster": {Name: "kafka.12u24g.cluster", VCPUs: 12, MemoryGB: 24, MinBrokers: 3, MaxBrokers: 50,
		MaxPartitionsPerBroker: 1500, RecommendedGroupsPerBroker: 200, MaxConnectionsPerBroker: 4000,
		TPSPerBroker: 200000, ThroughputMBPerBroker: 375,
		MinStorageGBPerBroker: 100, MaxStorageGBPerBroker: 500000, MaxStorageGBTotal: 1500000, StorageStepGB: 100,
		HeapMB: 768, NetworkThreads: 6, IOThreads: 12},
	"kafka.16u32g.cluster": {Name: "kafka.16u32g.cluster", VCPUs: 16, MemoryGB: 32, MinBrokers: 3, MaxBrokers: 50,
		MaxPartitionsPerBroker: 2000, RecommendedGroupsPerBroker: 200, MaxConnectionsPerBroker: 4000,
		TPSPerBroker: 250000, ThroughputMBPerBroker: 500,
		MinStorageGBPerBroker: 100, MaxStorageGBPerBroker: 500000, MaxStorageGBTotal: 1500000, StorageStepGB: 100,
		HeapMB: 1024, NetworkThreads: 8, IOThreads: 16},
}

// LookupFlavor returns the named flavor.
func LookupFlavor(name string) (Flavor, bool) {
	f, ok := flavors[name]
	return f, ok
}

// Flavors returns every flavor, smallest first.
func Flavors() []Flavor {
	out := make([]Flavor, 0, len(flavors))
	for _, f := range flavors {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VCPUs != out[j].VCPUs {
			return out[i].VCPUs < out[j].VCPUs
		}
		return out[i].Name < out[j].Name
	})
	return out
}
