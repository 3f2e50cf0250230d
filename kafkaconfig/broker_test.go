package kafkaconfig_test

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
)

const controlHost = "127.0.0.2"

var creds = streamplane.Credentials{
	ControllerUser:     "sp-controller",
	ControllerPassword: `c"tl\pw`,
	AdminUser:          "sp-admin",
	AdminPassword:      "adm=in pw",
}

// newInstance returns an instance of n nodes laid out as the service lays
// them out: node ids from 0, the first three nodes combined
// broker+controller nodes, racks round-robin over three zones, and a port
// for every purpose.
func newInstance(version, flavor string, n int) *streamplane.Instance {
	zones := []string{"zone-a", "zone-b", "zone-c"}
	inst := &streamplane.Instance{
		ID: "inst-1", Name: "orders", Version: version, Flavor: flavor, BrokerCount: n,
		StorageGBPerBroker: 100, Zones: zones,
	}
	for i := range n {
		roles := []string{streamplane.RoleBroker}
		if i < streamplane.ControllerCount(n) {
			roles = append(roles, streamplane.RoleController)
		}
		ports := map[string]int{}
		for j, purpose := range streamplane.PortPurposes {
			ports[purpose] = 20000 + 10*i + j
		}
		inst.Brokers = append(inst.Brokers, streamplane.Broker{
			ID: i, Roles: roles, Rack: zones[i%len(zones)], Host: fmt.Sprintf("10.0.0.%d", i+1), Ports: ports,
		})
	}
	return inst
}

// render renders node id of inst and decodes the encoded file, so every
// check reads what Kafka would read.
func render(t *testing.T, inst *streamplane.Instance, id int, overrides map[string]string) map[string]string {
	t.Helper()
	b, ok := inst.Broker(id)
	if !ok {
		t.Fatalf("no broker %d", id)
	}
	p, err := kafkaconfig.Broker(kafkaconfig.BrokerInput{
		Instance: inst, Broker: b, Credentials: creds, ControlHost: controlHost,
		DataDir: fmt.Sprintf("/var/lib/streamplane/%s/%d/data", inst.ID, id), Overrides: overrides,
	})
	if err != nil {
		t.Fatal(err)
	}
	props, err := kafkaconfig.Decode(string(p.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(props), len(p.Keys()); got != want {
		t.Errorf("decoded %d keys, want %d", got, want)
	}
	for _, k := range p.Keys() {
		v, _ := p.Get(k)
		if props[k] != v {
			t.Errorf("%s decodes as %q, want %q", k, props[k], v)
		}
	}
	return props
}

// listeners parses "NAME://host:port,..." into name → host:port.
func listeners(s string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(s, ",") {
		name, addr, _ := strings.Cut(l, "://")
		out[name] = addr
	}
	return out
}

// kv parses "a:b,c:d" into a map.
func kv(s, sep string) map[string]string {
	out := map[string]string{}
	for _, item := range strings.Split(s, sep) {
		k, v, _ := strings.Cut(item, ":")
		out[k] = v
	}
	return out
}

func TestBroker(t *testing.T) {
	inst := newInstance("3.9.1", "kafka.2u4g.cluster", 4)

	t.Run("OKController", func(t *testing.T) {
		for id := range 3 {
			props := render(t, inst, id, nil)
			b, _ := inst.Broker(id)
			if got, want := props["process.roles"], "broker,controller"; got != want {
				t.Errorf("node %d: process.roles = %q, want %q", id, got, want)
			}
			if got, want := props["node.id"], fmt.Sprint(id); got != want {
				t.Errorf("node %d: node.id = %q, want %q", id, got, want)
			}
			l := listeners(props["listeners"])
			want := map[string]string{
				"INTERNAL":   fmt.Sprintf("%s:%d", controlHost, b.Ports[streamplane.PortInternal]),
				"PRIVATE":    fmt.Sprintf("%s:%d", b.Host, b.Ports[streamplane.PortPrivate]),
				"CONTROLLER": fmt.Sprintf("%s:%d", controlHost, b.Ports[streamplane.PortController]),
			}
			if !maps.Equal(l, want) {
				t.Errorf("node %d: listeners = %v, want %v", id, l, want)
			}
			if got, want := props["controller.listener.names"], "CONTROLLER"; got != want {
				t.Errorf("node %d: controller.listener.names = %q, want %q", id, got, want)
			}
			if _, ok := listeners(props["advertised.listeners"])["CONTROLLER"]; ok {
				t.Errorf("node %d: advertised.listeners = %q advertises the controller listener", id, props["advertised.listeners"])
			}
		}
	})

	t.Run("OKBrokerOnly", func(t *testing.T) {
		props := render(t, inst, 3, nil)
		if got, want := props["process.roles"], "broker"; got != want {
			t.Errorf("process.roles = %q, want %q", got, want)
		}
		l := listeners(props["listeners"])
		if _, ok := l["CONTROLLER"]; ok {
			t.Errorf("listeners = %q, want no CONTROLLER listener on a broker-only node", props["listeners"])
		}
		if _, ok := l["PRIVATE"]; !ok {
			t.Errorf("listeners = %q, want a PRIVATE listener", props["listeners"])
		}
		if props["controller.quorum.voters"] == "" {
			t.Error("controller.quorum.voters is empty on a broker-only node")
		}
		if got, want := props["controller.listener.names"], "CONTROLLER"; got != want {
			t.Errorf("controller.listener.names = %q, want %q", got, want)
		}
	})

	t.Run("OKQuorumVoters", func(t *testing.T) {
		want := []string{
			fmt.Sprintf("0@%s:%d", controlHost, inst.Brokers[0].Ports[streamplane.PortController]),
			fmt.Sprintf("1@%s:%d", controlHost, inst.Brokers[1].Ports[streamplane.PortController]),
			fmt.Sprintf("2@%s:%d", controlHost, inst.Brokers[2].Ports[streamplane.PortController]),
		}
		for id := range 4 {
			got := strings.Split(render(t, inst, id, nil)["controller.quorum.voters"], ",")
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("node %d: controller.quorum.voters = %q, want %q", id, got, want)
			}
		}
	})

	t.Run("OKSecurity", func(t *testing.T) {
		for id := range 4 {
			props := render(t, inst, id, nil)
			protocols := kv(props["listener.security.protocol.map"], ",")
			for name := range listeners(props["listeners"]) {
				if _, ok := protocols[name]; !ok {
					t.Errorf("node %d: listener %s has no security protocol in %q", id, name, props["listener.security.protocol.map"])
				}
			}
			if got, want := protocols["PRIVATE"], "PLAINTEXT"; got != want {
				t.Errorf("node %d: PRIVATE maps to %q, want %q", id, got, want)
			}
			for _, name := range []string{"INTERNAL", "CONTROLLER"} {
				if got, want := protocols[name], "SASL_PLAINTEXT"; got != want {
					t.Errorf("node %d: %s maps to %q, want %q", id, name, got, want)
				}
			}
			if got, want := props["inter.broker.listener.name"], "INTERNAL"; got != want {
				t.Errorf("node %d: inter.broker.listener.name = %q, want %q", id, got, want)
			}

			// Only the two control-plane users are super users: not
			// ANONYMOUS, the principal of the plaintext PRIVATE listener.
			supers := strings.Split(props["super.users"], ";")
			slices.Sort(supers)
			if want := []string{"User:" + creds.AdminUser, "User:" + creds.ControllerUser}; !slices.Equal(supers, want) {
				t.Errorf("node %d: super.users = %q, want %q", id, supers, want)
			}
			if got, want := props["allow.everyone.if.no.acl.found"], "true"; got != want {
				t.Errorf("node %d: allow.everyone.if.no.acl.found = %q, want %q", id, got, want)
			}
			if got, want := props["authorizer.class.name"], kafkaconfig.AuthorizerClass; got != want {
				t.Errorf("node %d: authorizer.class.name = %q, want %q", id, got, want)
			}

			// The topic policy holds to the instance's limit and counts
			// through every node's internal listener, as the admin.
			if got, want := props["create.topic.policy.class.name"], kafkaconfig.TopicPolicyClass; got != want {
				t.Errorf("node %d: create.topic.policy.class.name = %q, want %q", id, got, want)
			}
			if got, want := props[kafkaconfig.PolicyMaxPartitions], strconv.Itoa(inst.PartitionLimit()); got != want || inst.PartitionLimit() == 0 {
				t.Errorf("node %d: policy limit %q, want %q", id, got, want)
			}
			if got, want := props[kafkaconfig.PolicyMaxTopicPartitions], "100"; got != want {
				t.Errorf("node %d: policy topic limit %q, want %q", id, got, want)
			}
			var internals []string
			for _, b := range inst.Brokers {
				internals = append(internals, fmt.Sprintf("%s:%d", controlHost, b.Ports[streamplane.PortInternal]))
			}
			if got, want := props[kafkaconfig.PolicyAdmin+"bootstrap.servers"], strings.Join(internals, ","); got != want {
				t.Errorf("node %d: policy bootstrap %q, want %q", id, got, want)
			}
			if got, want := props[kafkaconfig.PolicyAdmin+"sasl.jaas.config"], `org.apache.kafka.common.security.plain.PlainLoginModule required username="sp-admin" password="adm=in pw";`; got != want {
				t.Errorf("node %d: policy JAAS %q, want %q", id, got, want)
			}

			// The JAAS entries carry the credentials, quoted.
			internal := props["listener.name.internal.plain.sasl.jaas.config"]
			for _, want := range []string{`username="sp-admin"`, `password="adm=in pw"`, `user_sp-admin="adm=in pw"`} {
				if !strings.Contains(internal, want) {
					t.Errorf("node %d: internal JAAS %q lacks %s", id, internal, want)
				}
			}
			controller := props["listener.name.controller.plain.sasl.jaas.config"]
			for _, want := range []string{`username="sp-controller"`, `password="c\"tl\\pw"`, `user_sp-controller="c\"tl\\pw"`} {
				if !strings.Contains(controller, want) {
					t.Errorf("node %d: controller JAAS %q lacks %s", id, controller, want)
				}
			}
		}
	})

	t.Run("OKRack", func(t *testing.T) {
		for id, want := range []string{"zone-a", "zone-b", "zone-c", "zone-a"} {
			if got := render(t, inst, id, nil)["broker.rack"]; got != want {
				t.Errorf("node %d: broker.rack = %q, want %q", id, got, want)
			}
		}
	})

	t.Run("OKDataDir", func(t *testing.T) {
		if got, want := render(t, inst, 1, nil)["log.dirs"], "/var/lib/streamplane/inst-1/1/data"; got != want {
			t.Errorf("log.dirs = %q, want %q", got, want)
		}
	})

	t.Run("OKOverridesLast", func(t *testing.T) {
		overrides := map[string]string{
			"num.partitions":            "6",
			"min.insync.replicas":       "2",
			"log.retention.hours":       "24",
			"compression.type":          "zstd",
			"auto.create.topics.enable": "true",
		}
		props := render(t, inst, 0, overrides)
		for k, want := range overrides {
			if got := props[k]; got != want {
				t.Errorf("%s = %q, want the override %q", k, got, want)
			}
		}
	})
}

func TestBroker_Replication(t *testing.T) {
	for _, tt := range []struct {
		name    string
		flavor  string
		brokers int
		rf      string
		minISR  string
	}{
		{"OK1Broker", streamplane.DevFlavor, 1, "1", "1"},
		{"OK2Brokers", streamplane.DevFlavor, 2, "2", "2"},
		{"OK3Brokers", "kafka.2u4g.cluster", 3, "3", "2"},
		{"OK5Brokers", "kafka.2u4g.cluster", 5, "3", "2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inst := newInstance("4.1.0", tt.flavor, tt.brokers)
			for id := range tt.brokers {
				props := render(t, inst, id, nil)
				for _, k := range []string{"default.replication.factor", "offsets.topic.replication.factor",
					"transaction.state.log.replication.factor", "share.coordinator.state.topic.replication.factor"} {
					if got := props[k]; got != tt.rf {
						t.Errorf("node %d: %s = %q, want %q", id, k, got, tt.rf)
					}
				}
				for _, k := range []string{"transaction.state.log.min.isr", "share.coordinator.state.topic.min.isr"} {
					if got := props[k]; got != tt.minISR {
						t.Errorf("node %d: %s = %q, want %q", id, k, got, tt.minISR)
					}
				}
			}
		})
	}

	t.Run("OKSingleNodeIsController", func(t *testing.T) {
		props := render(t, newInstance("4.1.0", streamplane.DevFlavor, 1), 0, nil)
		if got, want := props["process.roles"], "broker,controller"; got != want {
			t.Errorf("process.roles = %q, want %q", got, want)
		}
		if got, want := props["controller.quorum.voters"], fmt.Sprintf("0@%s:20001", controlHost); got != want {
			t.Errorf("controller.quorum.voters = %q, want %q", got, want)
		}
	})
}

func TestBroker_Flavor(t *testing.T) {
	for _, f := range streamplane.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			props := render(t, newInstance("3.9.1", f.Name, 3), 0, nil)
			for _, c := range []struct{ key, want string }{
				{"max.connections", fmt.Sprint(f.MaxConnectionsPerBroker)},
				{"num.network.threads", fmt.Sprint(f.NetworkThreads)},
				{"num.io.threads", fmt.Sprint(f.IOThreads)},
				{"max.connections.per.ip", "1000"},
			} {
				if got := props[c.key]; got != c.want {
					t.Errorf("%s = %q, want %q", c.key, got, c.want)
				}
			}
		})
	}
}

func TestBroker_Version(t *testing.T) {
	for _, tt := range []struct {
		version string
		share   bool
	}{
		{"3.7.2", false},
		{"3.9.1", false},
		{"4.0.0", true},
		{"4.1.0", true},
	} {
		t.Run(tt.version, func(t *testing.T) {
			props := render(t, newInstance(tt.version, "kafka.2u4g.cluster", 3), 0, nil)
			var share []string
			for k := range props {
				if strings.HasPrefix(k, "share.coordinator.") {
					share = append(share, k)
				}
			}
			if got := len(share) > 0; got != tt.share {
				t.Errorf("share.coordinator keys %q present = %v, want %v", share, got, tt.share)
			}
		})
	}
}

// Mid-upgrade each node's configuration is for the version it runs: a
// broker still on 3.9 under an instance going to 4.1 gets no 4.x keys, one
// already moved gets them.
func TestBroker_VersionPerNode(t *testing.T) {
	inst := newInstance("4.1.2", "kafka.2u4g.cluster", 3)
	inst.Brokers[0].Version, inst.Brokers[1].Version = "4.1.2", "3.9.2"
	for id, want := range map[int]bool{0: true, 1: false, 2: true} { // broker 2 has no version of its own: the instance's
		_, share := render(t, inst, id, nil)["share.coordinator.state.topic.replication.factor"]
		if share != want {
			t.Errorf("node %d (on %q): share.coordinator keys present = %v, want %v", id, inst.Brokers[id].Version, share, want)
		}
	}
}

func TestBroker_DMSDefaults(t *testing.T) {
	props := render(t, newInstance("3.9.1", "kafka.2u4g.cluster", 3), 0, nil)
	for _, c := range []struct{ key, want string }{
		{"auto.create.topics.enable", "false"},
		{"num.partitions", "3"},
		{"log.retention.hours", "72"},
		{"unclean.leader.election.enable", "false"}, // Kafka's, not DMS's true: acknowledged writes stay
		{"controlled.shutdown.enable", "true"},
		{"broker.session.timeout.ms", "3000"},
		{"broker.heartbeat.interval.ms", "500"},
		{"controller.quorum.election.timeout.ms", "500"},
	} {
		if got := props[c.key]; got != c.want {
			t.Errorf("%s = %q, want %q", c.key, got, c.want)
		}
	}

	inst := newInstance("3.9.1", "kafka.2u4g.cluster", 3)
	inst.AutoCreateTopics = true
	if got, want := render(t, inst, 0, nil)["auto.create.topics.enable"], "true"; got != want {
		t.Errorf("auto.create.topics.enable = %q with AutoCreateTopics, want %q", got, want)
	}
}

func TestBroker_Errors(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(inst *streamplane.Instance)
		want string
	}{
		{"ErrUnknownFlavor", func(inst *streamplane.Instance) { inst.Flavor = "kafka.huge" }, "flavor"},
		{"ErrNoPrivatePort", func(inst *streamplane.Instance) { delete(inst.Brokers[0].Ports, streamplane.PortPrivate) }, "private"},
		{"ErrNoInternalPort", func(inst *streamplane.Instance) { delete(inst.Brokers[0].Ports, streamplane.PortInternal) }, "internal"},
		{"ErrControllerWithoutPort", func(inst *streamplane.Instance) { delete(inst.Brokers[2].Ports, streamplane.PortController) }, "controller 2"},
		{"ErrNoControllers", func(inst *streamplane.Instance) {
			for i := range inst.Brokers {
				inst.Brokers[i].Roles = []string{streamplane.RoleBroker}
			}
		}, "no controllers"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inst := newInstance("3.9.1", "kafka.2u4g.cluster", 3)
			tt.edit(inst)
			_, err := kafkaconfig.Broker(kafkaconfig.BrokerInput{
				Instance: inst, Broker: &inst.Brokers[0], Credentials: creds, ControlHost: controlHost, DataDir: "/data",
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestJAASQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`/a/b`, `"/a/b"`},
		{`/a "b"`, `"/a \"b\""`},
		{`C:\x`, `"C:\\x"`},
		{"a\nb\rc", `"a\nb\rc"`},
		{`/a;b=c//d`, `"/a;b=c//d"`}, // the tokenizer takes these as text inside quotes
	} {
		if got := kafkaconfig.JAASQuote(tt.in); got != tt.want {
			t.Errorf("JAASQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// A broker with an advertised address still listens on its own but tells
// clients the address set for it; other brokers and listeners are as before.
func TestBroker_AdvertisedAddress(t *testing.T) {
	inst := newInstance("4.1.2", "kafka.2u4g.cluster", 3)
	inst.Brokers[1].Advertised = map[string]string{streamplane.AdvertisePrivate: "nat.example.com:19092"}
	props := render(t, inst, 1, nil)
	listening, advertised := listeners(props["listeners"]), listeners(props["advertised.listeners"])
	if got := advertised[kafkaconfig.ListenerPrivate]; got != "nat.example.com:19092" {
		t.Errorf("advertised %s = %q, want nat.example.com:19092", kafkaconfig.ListenerPrivate, got)
	}
	if got := listening[kafkaconfig.ListenerPrivate]; got != "10.0.0.2:20012" {
		t.Errorf("listens on %s = %q, want its own 10.0.0.2:20012", kafkaconfig.ListenerPrivate, got)
	}
	if got := advertised[kafkaconfig.ListenerInternal]; got != listening[kafkaconfig.ListenerInternal] {
		t.Errorf("the internal listener is advertised as %q, want where it listens (%q)", got, listening[kafkaconfig.ListenerInternal])
	}
	other := listeners(render(t, inst, 0, nil)["advertised.listeners"])
	if got := other[kafkaconfig.ListenerPrivate]; got != "10.0.0.1:20002" {
		t.Errorf("broker 0 advertises %q, want its own address", got)
	}
}

// Brokers in pods bind their own address (ListenHost), reach each other
// and the control plane at each node's own name (NodeHost), and are
// reached from outside at an address apart from where they listen
// (PublicAddress), unless the user gave the broker one of their own.
func TestBroker_NodeAddresses(t *testing.T) {
	inst := newInstance("4.1.2", "kafka.2u4g.cluster", 4)
	inst.PublicAccess = true
	inst.Brokers[3].Advertised = map[string]string{streamplane.AdvertisePublic: "nat.example.com:19094"}
	nodeHost := func(b *streamplane.Broker) string { return fmt.Sprintf("broker-%d.brokers.ns.svc", b.ID) }
	publicAddress := func(id int) string { return fmt.Sprintf("kafka.example.com:%d", 31000+id) }

	var voters, internals []string
	for _, b := range inst.Brokers {
		if b.IsController() {
			voters = append(voters, fmt.Sprintf("%d@%s:%d", b.ID, nodeHost(&b), b.Ports[streamplane.PortController]))
		}
		internals = append(internals, fmt.Sprintf("%s:%d", nodeHost(&b), b.Ports[streamplane.PortInternal]))
	}
	for id := range 4 {
		b := &inst.Brokers[id]
		p, err := kafkaconfig.Broker(kafkaconfig.BrokerInput{
			Instance: inst, Broker: b, Credentials: creds, ControlHost: controlHost, DataDir: "/data",
			ListenHost: "0.0.0.0", NodeHost: nodeHost, PublicAddress: publicAddress(id),
		})
		if err != nil {
			t.Fatal(err)
		}
		props, err := kafkaconfig.Decode(string(p.Encode()))
		if err != nil {
			t.Fatal(err)
		}

		wantListening := map[string]string{
			kafkaconfig.ListenerInternal: fmt.Sprintf("0.0.0.0:%d", b.Ports[streamplane.PortInternal]),
			kafkaconfig.ListenerPrivate:  fmt.Sprintf("0.0.0.0:%d", b.Ports[streamplane.PortPrivate]),
			kafkaconfig.ListenerPublic:   fmt.Sprintf("0.0.0.0:%d", b.Ports[streamplane.PortPublic]),
		}
		if b.IsController() {
			wantListening[kafkaconfig.ListenerController] = fmt.Sprintf("0.0.0.0:%d", b.Ports[streamplane.PortController])
		}
		if got := listeners(props["listeners"]); !maps.Equal(got, wantListening) {
			t.Errorf("node %d listens on %v, want %v", id, got, wantListening)
		}

		wantPublic := publicAddress(id)
		if id == 3 {
			wantPublic = "nat.example.com:19094"
		}
		wantAdvertised := map[string]string{
			kafkaconfig.ListenerInternal: fmt.Sprintf("%s:%d", nodeHost(b), b.Ports[streamplane.PortInternal]),
			kafkaconfig.ListenerPrivate:  fmt.Sprintf("%s:%d", b.Host, b.Ports[streamplane.PortPrivate]),
			kafkaconfig.ListenerPublic:   wantPublic,
		}
		if got := listeners(props["advertised.listeners"]); !maps.Equal(got, wantAdvertised) {
			t.Errorf("node %d advertises %v, want %v", id, got, wantAdvertised)
		}
		if got, want := props["controller.quorum.voters"], strings.Join(voters, ","); got != want {
			t.Errorf("node %d: controller.quorum.voters = %q, want %q", id, got, want)
		}
		if got, want := props[kafkaconfig.PolicyAdmin+"bootstrap.servers"], strings.Join(internals, ","); got != want {
			t.Errorf("node %d: the topic policy's bootstrap %q, want %q", id, got, want)
		}
	}
}

// Without NodeHost, ListenHost and PublicAddress, brokers are local: they
// share the control host, and listen publicly where they are reached.
func TestBroker_PublicHost(t *testing.T) {
	inst := newInstance("4.1.2", "kafka.2u4g.cluster", 3)
	inst.PublicAccess = true
	b := &inst.Brokers[1]
	in := kafkaconfig.BrokerInput{Instance: inst, Broker: b, Credentials: creds, ControlHost: controlHost, DataDir: "/data", PublicHost: "198.51.100.7"}
	p, err := kafkaconfig.Broker(in)
	if err != nil {
		t.Fatal(err)
	}
	public := fmt.Sprintf("198.51.100.7:%d", b.Ports[streamplane.PortPublic])
	for _, k := range []string{"listeners", "advertised.listeners"} {
		v, _ := p.Get(k)
		if got := listeners(v)[kafkaconfig.ListenerPublic]; got != public {
			t.Errorf("%s: %s is %q, want %q", k, kafkaconfig.ListenerPublic, got, public)
		}
		if got, want := listeners(v)[kafkaconfig.ListenerInternal], fmt.Sprintf("%s:%d", controlHost, b.Ports[streamplane.PortInternal]); got != want {
			t.Errorf("%s: %s is %q, want %q", k, kafkaconfig.ListenerInternal, got, want)
		}
	}

	in.PublicHost = ""
	if _, err := kafkaconfig.Broker(in); err == nil || !strings.Contains(err.Error(), "public address") {
		t.Errorf("public access without a public host or address: %v; want an error", err)
	}
}
