// Not in kfake: brokers restarted one at a time onto a new heap while a producer writes.

package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// instance change-flavor restarts each broker with the new flavor's heap
// while a producer with acks=all and retries writes: nothing refused,
// nothing lost. A flavor that cannot take the instance as it is is refused
// before anything restarts.
func TestChangeFlavorLosesNothing(t *testing.T) {
	s, shared := sharedInstance(t)
	// The dev instance's 10 GB per broker is below what cluster flavors take.
	out, err := cli(t, s, "instance", "change-flavor", shared.Name, "--flavor", "kafka.2u4g.cluster")
	if err == nil || !strings.Contains(out, "field flavor") || !strings.Contains(out, "GB per broker") {
		t.Errorf("change-flavor of a dev instance to kafka.2u4g.cluster: %v, want refused on its storage\n%s", err, out)
	}

	inst := ownInstance(t, s, streamplane.InstanceSpec{Name: "flavored", Version: kafkaruntime.Recommended().Version,
		Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}})
	two := "2"
	createTopic(t, inst, "flavor-load", 6, 3, map[string]*string{"min.insync.replicas": &two})
	load := startLoad(t, inst, "flavor-load")

	start := time.Now()
	mustCLI(t, s, "instance", "change-flavor", inst.Name, "--flavor", "kafka.4u8g.cluster")
	t.Logf("flavor change took %s", time.Since(start).Round(time.Millisecond))
	load.stop()

	after, err := s.Client.Instance(context.Background(), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != streamplane.InstanceRunning || after.Flavor != "kafka.4u8g.cluster" {
		t.Fatalf("after the change: %s on %s, want RUNNING on kafka.4u8g.cluster (%s)", after.Status, after.Flavor, after.StatusReason)
	}
	heap := "-Xmx" + strconv.Itoa(512) + "m" // kafka.4u8g.cluster's local heap
	for _, b := range after.Brokers {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(b.PID) + "/cmdline")
		if err != nil || !strings.Contains(string(cmdline), heap) {
			t.Errorf("broker %d (pid %d) does not run with %s: %v", b.ID, b.PID, heap, err)
		}
	}
	tasks := tasksMentioning(t, s, inst.Name, streamplane.TaskChangeFlavor, streamplane.TaskSucceeded, "kafka.4u8g.cluster")
	if len(tasks) != 1 {
		t.Fatalf("%d succeeded change_flavor tasks, want 1", len(tasks))
	}
	detail, err := s.Client.Task(context.Background(), tasks[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	restarts := 0
	for _, ev := range detail.Events {
		if strings.HasPrefix(ev.Message, "restarting node ") && strings.Contains(ev.Message, "change the flavor") {
			restarts++
		}
	}
	if restarts != 3 {
		t.Errorf("the task records %d broker restarts with the flavor change as their reason, want 3: %v", restarts, detail.Events)
	}
	load.check(t, "the flavor change")
}
