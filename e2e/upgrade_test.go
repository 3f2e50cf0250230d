// Not in kfake: brokers restarted one at a time onto other Kafka jars,
// and metadata.version raised, while a producer writes.

package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// The versions the upgrade tests move between: the last 3.9 and the
// catalog's recommended release.
const upgradeFrom, upgradeTo = "3.9.2", "4.1.2"

// instance upgrade rolls a 3.9 instance onto 4.1 while a producer with
// acks=all and retries writes: nothing refused, nothing lost, each broker
// restarted with the upgrade as its reason and running the new jars; with
// --no-finalize metadata.version stays 3.9's until finalize-upgrade raises
// it to 4.1's, after which a rollback is refused.
func TestUpgradeLosesNothing(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	spec := devSpec("upgraded", 3)
	spec.Version = upgradeFrom
	inst := ownInstance(t, s, spec)
	if inst.MetadataVersion != "3.9-IV0 (21)" {
		t.Errorf("a new %s instance has metadata_version %q, want 3.9-IV0 (21)", upgradeFrom, inst.MetadataVersion)
	}
	if out, err := cli(t, s, "instance", "upgrade", inst.Name, "--version", "3.9.1"); err == nil || !strings.Contains(out, "older") {
		t.Errorf("upgrade to an older version: %v, want refused\n%s", err, out)
	}
	two := "2"
	createTopic(t, inst, "upgrade-load", 6, 3, map[string]*string{"min.insync.replicas": &two})
	load := startLoad(t, inst, "upgrade-load")

	start := time.Now()
	mustCLI(t, s, "instance", "upgrade", inst.Name, "--version", upgradeTo, "--no-finalize")
	rolled := time.Since(start)
	after := instanceNow(t, s, inst.ID)
	if after.Status != streamplane.InstanceRunning || after.Version != upgradeTo || after.UpgradeFrom != upgradeFrom || after.MetadataVersion != "3.9-IV0 (21)" {
		t.Fatalf("after the roll: %s on %s from %q at %q, want RUNNING on %s from %s at 3.9-IV0 (21) (%s)",
			after.Status, after.Version, after.UpgradeFrom, after.MetadataVersion, upgradeTo, upgradeFrom, after.StatusReason)
	}
	lib := runtimeLib(t, s, upgradeTo)
	for _, b := range after.Brokers {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(b.PID) + "/cmdline")
		if b.Version != upgradeTo || err != nil || !strings.Contains(string(cmdline), lib) {
			t.Errorf("broker %d (pid %d) is on %q, not running the jars in %s: %v", b.ID, b.PID, b.Version, lib, err)
		}
	}
	if n := restartsFor(t, s, inst.Name, "upgrade from Kafka "+upgradeFrom+" to "+upgradeTo); n != 3 {
		t.Errorf("the task records %d broker restarts with the upgrade as their reason, want 3", n)
	}

	start = time.Now()
	mustCLI(t, s, "instance", "finalize-upgrade", inst.Name)
	finalized := time.Since(start)
	load.stop()
	after = instanceNow(t, s, inst.ID)
	if after.MetadataVersion != "4.1-IV1 (27)" || after.UpgradeFrom != "" {
		t.Errorf("after finalize-upgrade: metadata_version %q, upgrade_from %q; want 4.1-IV1 (27) and none", after.MetadataVersion, after.UpgradeFrom)
	}
	if out := mustCLI(t, s, "instance", "show", inst.Name); !strings.Contains(out, "4.1-IV1 (27)") {
		t.Errorf("instance show lacks the metadata version:\n%s", out)
	}
	if out, err := cli(t, s, "instance", "rollback-upgrade", inst.Name); err == nil || !strings.Contains(out, "no upgrade to roll back") {
		t.Errorf("rollback after finalize: %v, want refused\n%s", err, out)
	}
	t.Logf("rolling upgrade %s → %s of 3 brokers under load took %s; finalize %s", upgradeFrom, upgradeTo,
		rolled.Round(time.Millisecond), finalized.Round(time.Millisecond))
	load.check(t, "the upgrade")
}

func instanceNow(t *testing.T, s *Server, id string) *streamplane.Instance {
	t.Helper()
	inst, err := s.Client.Instance(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// restartsFor counts the broker restarts the instance's upgrade tasks
// recorded with reason.
func restartsFor(t *testing.T, s *Server, inst, reason string) int {
	t.Helper()
	n := 0
	for _, tk := range tasksMentioning(t, s, inst, streamplane.TaskUpgradeInstance, streamplane.TaskSucceeded, "") {
		detail, err := s.Client.Task(context.Background(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range detail.Events {
			if strings.HasPrefix(ev.Message, "restarting node ") && strings.Contains(ev.Message, reason) {
				n++
			}
		}
	}
	return n
}

// Before finalize the old jars are still a way back: rollback-upgrade
// restarts every broker onto 3.9 again while the producer writes, and
// nothing written on either version is refused or lost.
func TestUpgradeRollsBack(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	spec := devSpec("rolledback", 3)
	spec.Version = upgradeFrom
	inst := ownInstance(t, s, spec)
	two := "2"
	createTopic(t, inst, "rollback-load", 6, 3, map[string]*string{"min.insync.replicas": &two})
	load := startLoad(t, inst, "rollback-load")

	mustCLI(t, s, "instance", "upgrade", inst.Name, "--version", upgradeTo, "--no-finalize")
	start := time.Now()
	mustCLI(t, s, "instance", "rollback-upgrade", inst.Name)
	t.Logf("rollback %s → %s of 3 brokers under load took %s", upgradeTo, upgradeFrom, time.Since(start).Round(time.Millisecond))
	load.stop()
	after := instanceNow(t, s, inst.ID)
	if after.Status != streamplane.InstanceRunning || after.Version != upgradeFrom || after.UpgradeFrom != "" || after.MetadataVersion != "3.9-IV0 (21)" {
		t.Fatalf("after the rollback: %s on %s from %q at %q, want RUNNING on %s at 3.9-IV0 (21) (%s)",
			after.Status, after.Version, after.UpgradeFrom, after.MetadataVersion, upgradeFrom, after.StatusReason)
	}
	lib := runtimeLib(t, s, upgradeFrom)
	for _, b := range after.Brokers {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(b.PID) + "/cmdline")
		if b.Version != upgradeFrom || err != nil || !strings.Contains(string(cmdline), lib) {
			t.Errorf("broker %d (pid %d) is on %q, not running the jars in %s: %v", b.ID, b.PID, b.Version, lib, err)
		}
	}
	if n := restartsFor(t, s, inst.Name, "roll back from Kafka "+upgradeTo+" to "+upgradeFrom); n != 3 {
		t.Errorf("the task records %d broker restarts with the rollback as their reason, want 3", n)
	}
	load.check(t, "the upgrade and its rollback")
}

// A broker that does not come back stops the roll there: the instance is
// CHANGE_FAILED, serving on mixed versions that instance show gives per
// broker, finalize is refused, and upgrading again carries on from the
// broker that failed, under load, losing nothing. (A server whose brokers
// get one second to come back makes the first restart fail.)
func TestUpgradeStopsAtAFailedBrokerAndResumes(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	defer s.Close()
	spec := devSpec("interrupted", 3)
	spec.Version = upgradeFrom
	inst := ownInstance(t, s, spec)
	two := "2"
	createTopic(t, inst, "resume-load", 6, 3, map[string]*string{"min.insync.replicas": &two})
	load := startLoad(t, inst, "resume-load")

	s.Stop()
	s.WaitExit(time.Minute)
	s.Start("STREAMPLANE_READY_TIMEOUT=1s")
	if out, err := cli(t, s, "instance", "upgrade", inst.Name, "--version", upgradeTo); err == nil {
		t.Fatalf("an upgrade whose brokers get 1s to come back succeeded:\n%s", out)
	}
	failed := instanceNow(t, s, inst.ID)
	moved := 0
	for _, b := range failed.Brokers {
		if b.Version == upgradeTo {
			moved++
		}
	}
	if failed.Status != streamplane.InstanceChangeFailed || moved != 1 || !strings.Contains(failed.StatusReason, "mixed versions") {
		t.Fatalf("after the failed roll: %s with %d of 3 brokers on %s (%s); want CHANGE_FAILED with 1", failed.Status, moved, upgradeTo, failed.StatusReason)
	}
	if out, err := cli(t, s, "instance", "finalize-upgrade", inst.Name); err == nil || !strings.Contains(out, "other versions") {
		t.Errorf("finalize with brokers on mixed versions: %v, want refused\n%s", err, out)
	}

	s.Stop()
	s.WaitExit(time.Minute)
	s.Start()
	mustCLI(t, s, "instance", "upgrade", inst.Name, "--version", upgradeTo)
	load.stop()
	after := instanceNow(t, s, inst.ID)
	if after.Status != streamplane.InstanceRunning || after.MixedVersions() || after.MetadataVersion != "4.1-IV1 (27)" {
		t.Fatalf("after resuming: %s, mixed %v, at %q (%s); want RUNNING, every broker on %s, 4.1-IV1 (27)",
			after.Status, after.MixedVersions(), after.MetadataVersion, after.StatusReason, upgradeTo)
	}
	load.check(t, "the failed upgrade and its resumption")
}
