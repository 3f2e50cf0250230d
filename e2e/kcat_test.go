// Not in kfake: librdkafka (kcat) speaking to real brokers.

package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// kcat (librdkafka, from Debian) produces to and consumes from an instance
// with nothing but its bootstrap servers.
func TestKcatProducesAndConsumes(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatal("kcat is not installed; `make test` installs it (apt-get install kcat)")
	}
	_, inst := sharedInstance(t)
	bootstrap := inst.BootstrapServers[streamplane.ListenerPrivatePlaintext]
	createTopic(t, inst, "kcat", 3, 3, nil)

	var in bytes.Buffer
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&in, "k%03d:v%03d\n", i, i)
	}
	produce := exec.Command(kcat, "-b", bootstrap, "-t", "kcat", "-P", "-K:", "-X", "acks=all")
	produce.Stdin = &in
	if out, err := produce.CombinedOutput(); err != nil {
		t.Fatalf("kcat produce: %v\n%s", err, out)
	}
	consume := exec.Command(kcat, "-b", bootstrap, "-t", "kcat", "-C", "-o", "beginning", "-e", "-q", "-f", "%k=%s\n")
	out, err := consume.Output()
	if err != nil {
		t.Fatalf("kcat consume: %v", err)
	}
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		got[line] = true
	}
	for i := 0; i < 100; i++ {
		if want := fmt.Sprintf("k%03d=v%03d", i, i); !got[want] {
			t.Fatalf("kcat did not read back %s; got %d records", want, len(got))
		}
	}
	// The metadata kcat sees lists every broker at its advertised address.
	list, err := exec.Command(kcat, "-b", bootstrap, "-L").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range inst.Brokers {
		if !strings.Contains(string(list), fmt.Sprintf("broker %d at %s:%d", b.ID, b.Host, b.Port)) {
			t.Errorf("kcat -L does not show broker %d at %s:%d:\n%s", b.ID, b.Host, b.Port, list)
		}
	}
}
