package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// catalogRuntimes has every catalog version "installed" under dir.
type catalogRuntimes struct{ dir string }

func (f catalogRuntimes) Installed(version string) (kafkaruntime.Runtime, bool) {
	rel, ok := kafkaruntime.Lookup(version)
	d := filepath.Join(f.dir, version)
	return kafkaruntime.Runtime{Version: version, Dir: d, LibDir: filepath.Join(d, "lib"), Release: rel}, ok
}

// While an upgrade rolls, each broker's files are for the runtime it runs:
// reload4j's log4j.properties for a broker still on 3.9, log4j2's for one
// on 4.x (kafkaconfig's tests cover the keys per version).
func TestConfigureWritesEachBrokerForItsVersion(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	p.runtimes = catalogRuntimes{t.TempDir()}
	inst := testInstance(0, 1, 2)
	inst.Version, inst.Flavor, inst.BrokerCount, inst.Zones = "4.1.2", streamplane.DevFlavor, 3, []string{"az1"}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		b.Roles, b.Rack = []string{streamplane.RoleBroker, streamplane.RoleController}, "az1"
		b.Ports = map[string]int{}
		for j, purpose := range streamplane.PortPurposes {
			b.Ports[purpose] = 30000 + 10*i + j
		}
	}
	inst.Brokers[0].Version, inst.Brokers[1].Version, inst.Brokers[2].Version = "4.1.2", "3.9.2", "4.1.2"
	if err := p.Configure(context.Background(), inst, streamplane.Credentials{ControllerUser: "c", ControllerPassword: "p", AdminUser: "a", AdminPassword: "p"}, streamplane.BrokerFiles{}); err != nil {
		t.Fatal(err)
	}
	for _, b := range inst.Brokers {
		dir := p.layout.brokerDir(inst.ID, b.ID)
		_, reload4j := os.Stat(filepath.Join(dir, "log4j.properties"))
		_, log4j2 := os.Stat(filepath.Join(dir, "log4j2.properties"))
		if on39 := b.Version == "3.9.2"; (reload4j == nil) != on39 || (log4j2 == nil) == on39 {
			t.Errorf("broker %d on %s: log4j.properties %v, log4j2.properties %v", b.ID, b.Version, reload4j, log4j2)
		}
	}
}
