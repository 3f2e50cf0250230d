package streamplane

import (
	"strings"
	"testing"
)

var upgradeCatalog = []ReleaseLevel{
	{"3.9.1", 21}, {"3.9.2", 21}, {"4.0.2", 25}, {"4.1.1", 27}, {"4.1.2", 27}, {"4.2.0", 29}, {"4.3.1", 30},
}

func upgradeInstance(version string, brokers ...string) *Instance {
	inst := &Instance{Name: "demo", Version: version, Status: InstanceRunning, Parameters: map[string]string{}}
	for i, v := range brokers {
		inst.Brokers = append(inst.Brokers, Broker{ID: i, Version: v, State: BrokerActive})
	}
	return inst
}

func levels(l ...int) map[int]int {
	m := map[int]int{}
	for i, v := range l {
		m[i] = v
	}
	return m
}

func TestCheckUpgrade(t *testing.T) {
	pending := upgradeInstance("4.1.2", "4.1.2", "4.1.2", "4.1.2")
	pending.UpgradeFrom = "3.9.2"
	failed := upgradeInstance("4.1.2", "4.1.2", "3.9.2", "3.9.2")
	failed.UpgradeFrom, failed.Status = "3.9.2", InstanceChangeFailed
	failedRollback := upgradeInstance("3.9.2", "3.9.2", "4.1.2", "4.1.2")
	failedRollback.Status = InstanceChangeFailed
	flavorFailed := upgradeInstance("3.9.2", "3.9.2", "3.9.2", "3.9.2")
	flavorFailed.Status = InstanceChangeFailed
	removed := upgradeInstance("3.9.1", "3.9.1")
	removed.Parameters["log.message.format.version"] = "3.0"
	changing := upgradeInstance("3.9.2", "3.9.2")
	changing.Status = InstanceChanging
	recorded := upgradeInstance("4.1.2", "4.1.2")
	recorded.UpgradeFrom, recorded.MetadataLevel = "3.9.2", 27

	for _, tc := range []struct {
		name      string
		inst      *Instance
		target    string
		finalized map[int]int
		kind      string // "" when refused
		code, msg string
	}{
		{"3.9 straight to 4.3", upgradeInstance("3.9.2", "3.9.2", "3.9.2", "3.9.2"), "4.3.1", levels(21, 21, 21), UpgradeForward, "", ""},
		{"patch release", upgradeInstance("4.1.1", "4.1.1"), "4.1.2", levels(27), UpgradeForward, "", ""},
		{"unknown version", upgradeInstance("3.9.2", "3.9.2"), "5.0.0", levels(21), "", EINVALID, "unknown Kafka version"},
		{"same version", upgradeInstance("4.1.2", "4.1.2"), "4.1.2", levels(27), "", EINVALID, "already runs"},
		{"older version", upgradeInstance("4.1.2", "4.1.2"), "3.9.2", levels(27), "", EINVALID, "older"},
		{"not running", changing, "4.1.2", levels(21), "", ESTATE, "CHANGING"},
		{"failed change that was not an upgrade", flavorFailed, "4.1.2", levels(21), "", ESTATE, "CHANGE_FAILED"},
		{"resume a failed roll", failed, "4.1.2", levels(21, 21, 21), UpgradeResume, "", ""},
		{"roll a failed roll back", failed, "3.9.2", levels(21, 21, 21), UpgradeRollback, "", ""},
		{"resume a failed rollback", failedRollback, "3.9.2", levels(21, 21, 21), UpgradeResume, "", ""},
		{"rollback before finalize", pending, "3.9.2", levels(21, 21, 21), UpgradeRollback, "", ""},
		{"on past a pending finalize", pending, "4.3.1", levels(21, 21, 21), UpgradeForward, "", ""},
		{"older than the pending upgrade's start", pending, "3.9.1", levels(21, 21, 21), "", EINVALID, "older"},
		{"rollback after finalize", pending, "3.9.2", levels(27, 27, 27), "", ESTATE, "4.1-IV1 (27)"},
		{"rollback after finalize, as recorded", recorded, "3.9.2", nil, "", ESTATE, "finalized"},
		{"brokers disagree", upgradeInstance("3.9.2", "3.9.2", "3.9.2"), "4.1.2", levels(21, 27), "", ESTATE, "disagree"},
		{"metadata.version below Kafka 4's", upgradeInstance("3.9.2", "3.9.2"), "4.0.2", levels(6), "", ESTATE, "3.3-IV3 (7)"},
		{"old metadata.version within 3.x", upgradeInstance("3.9.1", "3.9.1"), "3.9.2", levels(6), UpgradeForward, "", ""},
		{"a configuration Kafka 4 removed", removed, "4.0.2", levels(21), "", EINVALID, "log.message.format.version"},
		{"that configuration within 3.9", removed, "3.9.2", levels(21), UpgradeForward, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, err := tc.inst.CheckUpgrade(tc.target, UpgradeFacts{Catalog: upgradeCatalog, Finalized: tc.finalized})
			if tc.kind != "" {
				if err != nil || kind != tc.kind {
					t.Fatalf("got %q, %v; want %q", kind, err, tc.kind)
				}
				return
			}
			if err == nil || ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %q, %v; want %s mentioning %q", kind, err, tc.code, tc.msg)
			}
		})
	}
}

func TestCheckFinalize(t *testing.T) {
	done := upgradeInstance("4.1.2", "4.1.2", "4.1.2")
	if err := done.CheckFinalize(); err != nil {
		t.Errorf("every broker on the version: %v", err)
	}
	mixed := upgradeInstance("4.1.2", "4.1.2", "3.9.2")
	if err := mixed.CheckFinalize(); ErrorCode(err) != ESTATE {
		t.Errorf("mixed versions: %v, want %s", err, ESTATE)
	}
	failed := upgradeInstance("4.1.2", "4.1.2")
	failed.Status = InstanceChangeFailed
	if err := failed.CheckFinalize(); ErrorCode(err) != ESTATE {
		t.Errorf("CHANGE_FAILED: %v, want %s", err, ESTATE)
	}
}

func TestBrokerVersionFallsBackToTheInstance(t *testing.T) {
	inst := upgradeInstance("4.1.2", "", "3.9.2")
	if v := inst.BrokerVersion(&inst.Brokers[0]); v != "4.1.2" {
		t.Errorf("a broker without a version runs %q, want the instance's", v)
	}
	if !inst.MixedVersions() {
		t.Errorf("a broker on 3.9.2 under a 4.1.2 instance is not mixed")
	}
	inst.Brokers[1].State = BrokerDeleted
	if inst.MixedVersions() {
		t.Errorf("a deleted broker counts towards mixed versions")
	}
}

func TestMetadataVersionName(t *testing.T) {
	for level, want := range map[int]string{0: "", 21: "3.9-IV0 (21)", 27: "4.1-IV1 (27)", 30: "4.3-IV0 (30)", 99: "level 99"} {
		if got := MetadataVersionName(level); got != want {
			t.Errorf("MetadataVersionName(%d) = %q, want %q", level, got, want)
		}
	}
}
