package streamplane

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// UpgradeRequest asks to run an instance on another Kafka version: its
// brokers restart one at a time onto the new jars, and then (unless
// NoFinalize) the cluster's metadata.version is raised to the version's
// own. Before that finalize, the old version is still a way back.
type UpgradeRequest struct {
	Version    string `json:"version"`
	NoFinalize bool   `json:"no_finalize,omitempty"`
}

// Kinds of version change CheckUpgrade allows.
const (
	UpgradeForward  = "upgrade"  // onto a newer version
	UpgradeResume   = "resume"   // on with a change that stopped part way
	UpgradeRollback = "rollback" // back to the version before an unfinalized upgrade
)

// ReleaseLevel is what the version checks need of a catalog release: its
// version and the metadata.version level it formats and finalizes to
// (Kafka's LATEST_PRODUCTION).
type ReleaseLevel struct {
	Version       string
	MetadataLevel int
}

// UpgradeFacts are what the service found out before a version change:
// the catalog (oldest first) and the finalized metadata.version level each
// running broker reports. (Kafka 4 needs Java 17, which the server itself
// demands before it runs any broker: kafkaruntime.MinJava.)
type UpgradeFacts struct {
	Catalog   []ReleaseLevel
	Finalized map[int]int // broker id -> finalized metadata.version level
}

// Kafka 4's lowest metadata.version: 3.3-IV3. A cluster finalized below it
// cannot run 4.x (it was formatted by hand, or by an old Kafka).
const minKafka4MetadataLevel = 7

// removedInKafka4 are broker configurations Kafka 3.9 accepts and 4.0
// removed; a parameter or override naming one must go before the upgrade.
var removedInKafka4 = []string{
	"auto.include.jmx.reporter", "control.plane.listener.name", "controlled.shutdown.max.retries",
	"controlled.shutdown.retry.backoff.ms", "eligible.leader.replicas.enable", "inter.broker.protocol.version",
	"leader.imbalance.per.broker.percentage", "log.message.downconversion.enable", "log.message.format.version",
	"log.message.timestamp.difference.max.ms", "offsets.commit.required.acks",
}

// BrokerVersion is the Kafka version broker b runs: its own, or the
// instance's for a broker recorded before brokers had one.
func (inst *Instance) BrokerVersion(b *Broker) string {
	if b.Version != "" {
		return b.Version
	}
	return inst.Version
}

// MixedVersions reports whether some live broker does not run the
// instance's version: a version change stopped part way.
func (inst *Instance) MixedVersions() bool {
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State != BrokerDeleted && inst.BrokerVersion(b) != inst.Version {
			return true
		}
	}
	return false
}

// CheckUpgrade says whether inst may move onto version target, and how:
// forward onto a newer catalog version, on with a change that stopped part
// way, or back to the version before an upgrade whose metadata.version is
// not finalized. Kafka's own rules are checked here, before any broker
// restarts: Kafka 4 needs a metadata.version of at least 3.3-IV3 and none of the configurations 4.0 removed; no version runs below the
// metadata.version the cluster has finalized; every broker must agree on it.
func (inst *Instance) CheckUpgrade(target string, f UpgradeFacts) (string, error) {
	unfinished := inst.MixedVersions() || inst.UpgradeFrom != ""
	if inst.Status != InstanceRunning && !(inst.Status == InstanceChangeFailed && unfinished) {
		return "", Errorf(ESTATE, "instance %s is %s; its version changes only when RUNNING, or after a failed upgrade", inst.Name, inst.Status)
	}
	idx := func(v string) int {
		return slices.IndexFunc(f.Catalog, func(r ReleaseLevel) bool { return r.Version == v })
	}
	to, from := idx(target), idx(inst.Version)
	if to < 0 {
		var vs []string
		for _, r := range f.Catalog {
			vs = append(vs, r.Version)
		}
		return "", Invalid("version", "unknown Kafka version %q; one of %s", target, strings.Join(vs, ", "))
	}
	var kind string
	switch {
	case target == inst.Version && inst.MixedVersions():
		kind = UpgradeResume
	case target == inst.Version:
		return "", Invalid("version", "instance %s already runs Kafka %s", inst.Name, target)
	case target == inst.UpgradeFrom:
		kind = UpgradeRollback
	case from >= 0 && to < from:
		return "", Invalid("version", "Kafka %s is older than %s, which %s runs; a version goes back only to the one before an upgrade not yet finalized", target, inst.Version, inst.Name)
	default:
		kind = UpgradeForward
	}
	level := f.Catalog[to].MetadataLevel
	kafka4 := majorVersion(target) >= 4
	finalized, err := agreedLevel(f.Finalized)
	if err != nil {
		return "", err
	}
	if finalized == 0 {
		finalized = inst.MetadataLevel // no broker answered: what was last recorded
	}
	if finalized > 0 && kafka4 && finalized < minKafka4MetadataLevel {
		return "", Errorf(ESTATE, "the cluster's metadata.version is %s; Kafka 4 needs at least %s", MetadataVersionName(finalized), MetadataVersionName(minKafka4MetadataLevel))
	}
	if finalized > level {
		return "", Errorf(ESTATE, "the cluster's metadata.version is finalized at %s; Kafka %s runs only up to %s, so the old jars cannot come back",
			MetadataVersionName(finalized), target, MetadataVersionName(level))
	}
	if kafka4 {
		var removed []string
		for _, key := range removedInKafka4 {
			if _, ok := inst.Parameters[key]; ok {
				removed = append(removed, key)
			}
		}
		if len(removed) > 0 {
			return "", Invalid("version", "Kafka 4 removed %s; reset %s before upgrading", strings.Join(removed, ", "), plural(len(removed), "it", "them"))
		}
	}
	return kind, nil
}

// CheckFinalize says whether inst's metadata.version may be raised to its
// version's own: every broker must run that version.
func (inst *Instance) CheckFinalize() error {
	if inst.MixedVersions() { // first: it says what to do about a failed roll
		return Errorf(ESTATE, "brokers of %s still run other versions than %s; finish the upgrade (or roll it back) first", inst.Name, inst.Version)
	}
	if inst.Status != InstanceRunning {
		return Errorf(ESTATE, "instance %s is %s; an upgrade is finalized only when RUNNING", inst.Name, inst.Status)
	}
	return nil
}

// agreedLevel is the one finalized level every broker reports; brokers
// that disagree are still catching up on a finalize, or something is
// wrong: either way no broker should restart onto another version now.
func agreedLevel(levels map[int]int) (int, error) {
	seen := map[int][]string{}
	for id, l := range levels {
		seen[l] = append(seen[l], strconv.Itoa(id))
	}
	if len(seen) <= 1 {
		for l := range seen {
			return l, nil
		}
		return 0, nil
	}
	var parts []string
	for l, ids := range seen {
		sort.Strings(ids)
		parts = append(parts, fmt.Sprintf("brokers %s at %s", strings.Join(ids, ","), MetadataVersionName(l)))
	}
	sort.Strings(parts)
	return 0, Errorf(ESTATE, "brokers disagree on the finalized metadata.version (%s); wait until they agree", strings.Join(parts, "; "))
}

func majorVersion(v string) int {
	major, _, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(major)
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// metadataVersions names Kafka's metadata.version feature levels (Kafka's
// MetadataVersion enum) from 3.3-IV3, the lowest Kafka 4 accepts.
var metadataVersions = map[int]string{
	7: "3.3-IV3", 8: "3.4-IV0", 9: "3.5-IV0", 10: "3.5-IV1", 11: "3.5-IV2", 12: "3.6-IV0", 13: "3.6-IV1",
	14: "3.6-IV2", 15: "3.7-IV0", 16: "3.7-IV1", 17: "3.7-IV2", 18: "3.7-IV3", 19: "3.7-IV4", 20: "3.8-IV0",
	21: "3.9-IV0", 22: "4.0-IV0", 23: "4.0-IV1", 24: "4.0-IV2", 25: "4.0-IV3", 26: "4.1-IV0", 27: "4.1-IV1",
	28: "4.2-IV0", 29: "4.2-IV1", 30: "4.3-IV0", 31: "4.4-IV0",
}

// MetadataVersionName names a metadata.version level as Kafka and its
// level, "4.1-IV1 (27)"; "" for 0 (unknown).
func MetadataVersionName(level int) string {
	if level <= 0 {
		return ""
	}
	if name, ok := metadataVersions[level]; ok {
		return fmt.Sprintf("%s (%d)", name, level)
	}
	return fmt.Sprintf("level %d", level)
}
