// Not in kfake: Kafka's own metadata naming the address a broker was told to advertise.

package e2e

import (
	"context"
	"net"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/twmb/franz-go/pkg/kadm"
)

// instance advertise: after a rolling restart Kafka tells clients the
// address set for broker 1 ("localhost", which reaches the same port here,
// as a NAT address would), the others keep theirs, and a client that knows
// only the new address works. Clearing it is refused when there is nothing
// to clear; bad addresses are refused before anything restarts.
func TestAdvertisedAddress(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	inst := ownInstance(t, s, streamplane.InstanceSpec{Name: "advertised", Version: kafkaruntime.Recommended().Version,
		Flavor: streamplane.DevFlavor, BrokerCount: 3, StorageGBPerBroker: 10, Zones: []string{"az1", "az2", "az3"}})
	b1, _ := inst.Broker(1)
	_, port, _ := net.SplitHostPort(b1.Endpoints[streamplane.ListenerPrivatePlaintext])
	nat := net.JoinHostPort("localhost", port)

	for _, c := range []struct{ args, want string }{
		{"--broker 1 --listener private --address localhost", "field address"},
		{"--broker 1 --listener internal --address " + nat, "field listener"},
		{"--broker 1 --listener public --address " + nat, "no public listener"},
		{"--broker 7 --listener private --address " + nat, "no broker 7"},
		{"--broker 1 --listener private --clear", "already advertises its own address"},
	} {
		out, err := cli(t, s, append([]string{"instance", "advertise", inst.Name}, strings.Fields(c.args)...)...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("advertise %s: %v, want refused with %q\n%s", c.args, err, c.want, out)
		}
	}

	mustCLI(t, s, "instance", "advertise", inst.Name, "--broker", "1", "--listener", "private", "--address", nat)
	after := mustGet(t, s, inst.ID)
	if after.Status != streamplane.InstanceRunning {
		t.Fatalf("after advertising: %s (%s)", after.Status, after.StatusReason)
	}
	if b, _ := after.Broker(1); b.Endpoints[streamplane.ListenerPrivatePlaintext] != nat || b.Advertised[streamplane.AdvertisePrivate] != nat {
		t.Errorf("broker 1: endpoints %v, advertised %v; want %s", b.Endpoints, b.Advertised, nat)
	}
	if !strings.Contains(after.BootstrapServers[streamplane.ListenerPrivatePlaintext], nat) {
		t.Errorf("bootstrap servers %q lack %s", after.BootstrapServers[streamplane.ListenerPrivatePlaintext], nat)
	}
	if out := mustCLI(t, s, "instance", "show", inst.Name); !strings.Contains(out, "Broker 1 advertises "+nat+" on its private listener.") {
		t.Errorf("instance show does not say what broker 1 advertises:\n%s", out)
	}

	// Kafka's own metadata, asked through the new address alone.
	only := *after
	only.BootstrapServers = map[string]string{streamplane.ListenerPrivatePlaintext: nat}
	md, err := kadm.NewClient(kafkaClient(t, &only)).BrokerMetadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range md.Brokers {
		want := "127.0.0.1"
		if b.NodeID == 1 {
			want = "localhost"
		}
		if b.Host != want {
			t.Errorf("Kafka names broker %d at %s:%d, want host %s", b.NodeID, b.Host, b.Port, want)
		}
	}
	createTopic(t, &only, "via-nat", 3, 3, nil)
	values := produce(t, kafkaClient(t, &only), "via-nat", "n", 100)
	if seen := consumeAll(t, &only, "via-nat", len(values)); len(missing(values, seen)) > 0 {
		t.Errorf("%d records lost through the advertised address", len(missing(values, seen)))
	}
}
