package streamplane

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Inventory is what a source cluster holds and how busy it is, read before
// a migration so that the user can choose what to copy and into what
// instance (package sourcekafka takes it).
type Inventory struct {
	ClusterID  string `json:"cluster_id"`
	Controller int32  `json:"controller"` // broker id, -1 when the cluster does not say
	Brokers    int    `json:"brokers"`

	// Topics are the cluster's own topics (Kafka's internal ones, named
	// __*, are left out), sorted by name.
	Topics []InventoryTopic `json:"topics"`
	Groups []InventoryGroup `json:"groups"`
	// ACLs are read only when the user may describe them; otherwise
	// ACLsReadable is false and ACLsReason says why, and the rest of the
	// inventory stands.
	ACLs         []InventoryACL `json:"acls"`
	ACLsReadable bool           `json:"acls_readable"`
	ACLsReason   string         `json:"acls_reason,omitempty"`

	// Totals over Topics.
	Partitions    int     `json:"partitions"`
	SizeBytes     int64   `json:"size_bytes"`
	BytesInPerSec float64 `json:"bytes_in_per_sec"`

	// Sample is how long the rates were measured over; TakenAt when the
	// sample ended.
	SampleSeconds float64   `json:"sample_seconds"`
	TakenAt       time.Time `json:"taken_at"`
	// Recommendation is the instance to migrate into (RecommendFlavor).
	Recommendation Recommendation `json:"recommendation"`

	// Truncated says the cluster has more partitions than an inventory
	// reads: the topics past the bound are listed without sizes or rates.
	Truncated bool `json:"truncated,omitempty"`
	// Warnings are what could not be read (a broker's log dirs, say).
	Warnings []string `json:"warnings,omitempty"`
}

// InventoryTopic is one topic of a source cluster.
type InventoryTopic struct {
	Name              string `json:"name"`
	Partitions        int    `json:"partitions"`
	ReplicationFactor int    `json:"replication_factor"`
	// SizeBytes is the size of the leader replicas' logs: the data once,
	// whatever the replication factor (DescribeLogDirs).
	SizeBytes int64 `json:"size_bytes"`
	// Records is the sum of the partitions' end offsets minus their start
	// offsets: the records kept, counting any a compaction removed.
	Records int64 `json:"records"`
	// Configs are the topic's own settings (not defaults, not sensitive).
	Configs map[string]string `json:"configs,omitempty"`
	// Rates over the sample: records from end offsets, bytes from the
	// growth of the leader replicas' logs, so bytes as stored (compressed
	// batches), which is what an instance takes in. A deletion by
	// retention within the sample makes it low; it is never negative.
	BytesInPerSec   float64 `json:"bytes_in_per_sec"`
	RecordsInPerSec float64 `json:"records_in_per_sec"`
	// LastWrite is the newest record's timestamp, when known.
	LastWrite *time.Time `json:"last_write,omitempty"`
	// Inactive: the topic holds no records, or nothing was written in the
	// last InactiveAfter (by LastWrite) and nothing during the sample.
	Inactive bool `json:"inactive"`
}

// InactiveAfter is how long a topic without writes counts as inactive.
const InactiveAfter = 7 * 24 * time.Hour

// InventoryGroup is one consumer group of a source cluster.
type InventoryGroup struct {
	Group        string   `json:"group"`
	State        string   `json:"state"` // as Kafka says: Stable, Empty, ...
	ProtocolType string   `json:"protocol_type"`
	Members      int      `json:"members"`
	Topics       []string `json:"topics"` // with committed offsets or assigned
	Lag          int64    `json:"lag"`    // summed over its committed partitions
}

// InventoryACL is one ACL binding of a source cluster, in Kafka's words.
type InventoryACL struct {
	Principal    string `json:"principal"`
	Host         string `json:"host"`
	ResourceType string `json:"resource_type"` // TOPIC, GROUP, CLUSTER, ...
	ResourceName string `json:"resource_name"`
	PatternType  string `json:"pattern_type"` // LITERAL, PREFIXED
	Operation    string `json:"operation"`
	Permission   string `json:"permission"` // ALLOW, DENY
}

// Recommendation is the instance RecommendFlavor suggests for a source.
type Recommendation struct {
	// Fits is false when no flavor holds the source; Flavor and Brokers
	// are then empty and Reason says what is too big.
	Fits               bool   `json:"fits"`
	Flavor             string `json:"flavor,omitempty"`
	Brokers            int    `json:"brokers,omitempty"`
	StorageGBPerBroker int    `json:"storage_gb_per_broker,omitempty"`
	Reason             string `json:"reason"`
}

// The rules of RecommendFlavor.
const (
	// RecommendHeadroom multiplies the measured bytes in, the size and
	// the group count: a sample is one moment, and peaks pass it.
	RecommendHeadroom = 1.5
	// RecommendReplicas is the replication factor the instance's copies
	// are assumed to have (the topic default), at most the broker count.
	RecommendReplicas = 3
	// mirrorPartitions are MirrorMaker's own topics' partitions on the
	// instance: Connect's offsets (25), status (5) and configs (1), plus
	// checkpoints, offset syncs and heartbeats (1 each).
	mirrorPartitions = 34
)

// RecommendFlavor chooses the instance a source fits in: among the
// cluster flavors (not the dev flavor, which is for laptops and tests) and
// their broker counts, the one with the fewest vCPUs in all (then fewer
// brokers) whose limits hold
//   - the measured bytes in × RecommendHeadroom within the flavor's nominal
//     throughput per broker × brokers;
//   - the source's partitions (counted once, as the instance's partition
//     limit counts them, not × replicas) plus MirrorMaker's own topics'
//     within max partitions per broker × brokers;
//   - the groups × RecommendHeadroom within the recommended groups per
//     broker × brokers;
//   - the size × RecommendReplicas × RecommendHeadroom in storage per
//     broker, rounded up to the flavor's step, within its range and its
//     total.
//
// The measured rate is an average over the inventory's sample, not a peak
// over days: the reason says so.
func RecommendFlavor(inv *Inventory) Recommendation {
	bytesIn := inv.BytesInPerSec * RecommendHeadroom
	partitions := inv.Partitions + mirrorPartitions
	groups := int(math.Ceil(float64(len(inv.Groups)) * RecommendHeadroom))

	var best *Recommendation
	bestCPUs := 0
	var refusals []string
	for _, f := range Flavors() {
		if f.Name == DevFlavor {
			continue
		}
		r, why := fitFlavor(f, bytesIn, partitions, groups, inv.SizeBytes)
		if r == nil {
			refusals = append(refusals, f.Name+": "+why)
			continue
		}
		if cpus := f.VCPUs * r.Brokers; best == nil || cpus < bestCPUs || cpus == bestCPUs && r.Brokers < best.Brokers {
			best, bestCPUs = r, cpus
		}
	}
	if best == nil {
		return Recommendation{Reason: fmt.Sprintf("no flavor holds the source (%s); migrate part of its topics into each of several instances. %s",
			needs(inv, bytesIn, partitions, groups), strings.Join(refusals, "; "))}
	}
	best.Reason = fmt.Sprintf("%s × %d brokers with %d GB each is the smallest instance that holds the source: %s. "+
		"The rate is the average over a %.0f s sample; check it against the source's peak.",
		best.Flavor, best.Brokers, best.StorageGBPerBroker, needs(inv, bytesIn, partitions, groups), inv.SampleSeconds)
	return *best
}

// needs says what the source needs, in the words of the rules.
func needs(inv *Inventory, bytesIn float64, partitions, groups int) string {
	return fmt.Sprintf("%.1f MB/s in (%.1f measured × %.1f headroom), %d partitions (%d + %d of MirrorMaker's), "+
		"%d groups (%d × %.1f), %.1f GB of data (× %d replicas × %.1f)",
		bytesIn/mb, inv.BytesInPerSec/mb, RecommendHeadroom, partitions, inv.Partitions, mirrorPartitions,
		groups, len(inv.Groups), RecommendHeadroom, float64(inv.SizeBytes)/float64(BytesPerGB), RecommendReplicas, RecommendHeadroom)
}

// mb is the MB of the flavors' nominal throughput, decimal as BytesPerGB.
const mb = 1_000_000

// fitFlavor returns the fewest brokers of f that hold the needs, or why
// none does.
func fitFlavor(f Flavor, bytesIn float64, partitions, groups int, size int64) (*Recommendation, string) {
	brokers := max(f.MinBrokers, 1)
	brokers = max(brokers, int(math.Ceil(bytesIn/float64(f.ThroughputMBPerBroker*mb))))
	brokers = max(brokers, ceilDiv(partitions, f.MaxPartitionsPerBroker))
	brokers = max(brokers, ceilDiv(groups, f.RecommendedGroupsPerBroker))
	if brokers > f.MaxBrokers {
		return nil, fmt.Sprintf("would need %d brokers, has at most %d", brokers, f.MaxBrokers)
	}
	for ; brokers <= f.MaxBrokers; brokers++ {
		replicas := min(RecommendReplicas, brokers)
		need := float64(size) * float64(replicas) * RecommendHeadroom / float64(brokers)
		gb := int(math.Ceil(need / float64(BytesPerGB)))
		gb = ceilDiv(max(gb, 1), f.StorageStepGB) * f.StorageStepGB
		gb = max(gb, f.MinStorageGBPerBroker)
		if gb <= f.MaxStorageGBPerBroker && gb*brokers <= f.MaxStorageGBTotal {
			return &Recommendation{Fits: true, Flavor: f.Name, Brokers: brokers, StorageGBPerBroker: gb}, ""
		}
	}
	return nil, fmt.Sprintf("holds at most %d GB in all", f.MaxStorageGBTotal)
}

func ceilDiv(a, b int) int {
	if b <= 0 {
		return math.MaxInt32
	}
	return (a + b - 1) / b
}
