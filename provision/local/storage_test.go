package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// fakeRuntimes maps versions to runtime directories.
type fakeRuntimes map[string]string

func (f fakeRuntimes) Installed(version string) (kafkaruntime.Runtime, bool) {
	dir, ok := f[version]
	return kafkaruntime.Runtime{Version: version, Dir: dir, LibDir: filepath.Join(dir, "lib")}, ok
}

// The testdata checkpoints are what kafka-storage format wrote for a static
// quorum with Kafka 3.9.1 (metadata.version only) and 4.1.2 (with group,
// transaction and ELR feature levels).
func readCheckpoint(t *testing.T, version string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "bootstrap-"+version+".checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckBootstrapCheckpointAcceptsKafkasOwn(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"3.9.1", "4.1.2"} {
		if err := checkBootstrapCheckpoint(readCheckpoint(t, v)); err != nil {
			t.Errorf("Kafka %s's bootstrap.checkpoint: %v", v, err)
		}
	}
}

func TestCheckBootstrapCheckpointRejectsDamage(t *testing.T) {
	t.Parallel()
	good := readCheckpoint(t, "4.1.2")
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x40
		return b
	}
	// The batches: header (control) 0..; features; footer (control) at the end.
	first := int(good[11]) + 12 // length of the first batch, small enough for one byte
	for name, b := range map[string][]byte{
		"empty":                    nil,
		"truncated":                good[:len(good)-5],
		"a flipped record byte":    flip(len(good) - 20),
		"a flipped CRC":            flip(18),
		"bad magic":                flip(16),
		"no header batch":          good[first:],
		"no footer batch":          good[:len(good)-lastBatchLen(t, good)],
		"header batch only":        good[:first],
		"garbage after the footer": append(append([]byte(nil), good...), 0, 1, 2),
	} {
		if err := checkBootstrapCheckpoint(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// lastBatchLen is the length of the checkpoint's last batch.
func lastBatchLen(t *testing.T, b []byte) int {
	t.Helper()
	off, last := 0, 0
	for off < len(b) {
		last = 12 + int(uint32(b[off+8])<<24|uint32(b[off+9])<<16|uint32(b[off+10])<<8|uint32(b[off+11]))
		off += last
	}
	return last
}

func TestMetaProperties(t *testing.T) {
	t.Parallel()
	props, err := kafkaconfig.Decode(string(metaProperties("MkU3OEVBNTcwNTJENDM2Qg", 2, "LPZfUskP7BYDMXtkyEUb_Q")))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"version": "1", "cluster.id": "MkU3OEVBNTcwNTJENDM2Qg", "node.id": "2", "directory.id": "LPZfUskP7BYDMXtkyEUb_Q"}
	if len(props) != len(want) {
		t.Errorf("meta.properties has %v, want %v", props, want)
	}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("%s = %q, want %q", k, props[k], v)
		}
	}
}

func TestDirectoryID(t *testing.T) {
	t.Parallel()
	for i := range 200 {
		id := newDirectoryID()
		if len(id) != 22 || strings.HasPrefix(id, "-") {
			t.Fatalf("draw %d: directory id %q", i, id)
		}
	}
	reserved := make([]byte, 16) // upper half zero: UNASSIGNED, LOST, MIGRATING and kin
	reserved[15] = 1
	if id, ok := directoryID(reserved); ok {
		t.Errorf("reserved id %q accepted", id)
	}
	dash := []byte{0xf8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} // encodes as "-AEC…"
	if id, ok := directoryID(dash); ok {
		t.Errorf("id %q starting with '-' accepted", id)
	}
}

func TestFormatWritesStorageFromTheTemplate(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	rtDir := t.TempDir()
	template := readCheckpoint(t, "4.1.2")
	if err := os.WriteFile(filepath.Join(rtDir, bootstrapCheckpointFile), template, 0o644); err != nil {
		t.Fatal(err)
	}
	p.runtimes = fakeRuntimes{"4.1.2": rtDir}
	inst := testInstance(0, 1)
	inst.Version, inst.ClusterID = "4.1.2", "MkU3OEVBNTcwNTJENDM2Qg"

	ids := map[string]bool{}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if err := p.Format(context.Background(), inst, b, streamplane.Credentials{}); err != nil {
			t.Fatal(err)
		}
		dir := p.layout.dataDir(inst.ID, b.ID)
		got, err := os.ReadFile(filepath.Join(dir, bootstrapCheckpointFile))
		if err != nil || string(got) != string(template) {
			t.Errorf("broker %d: bootstrap.checkpoint is not the template (err %v)", b.ID, err)
		}
		if id, ok := formattedClusterID(dir); !ok || id != inst.ClusterID {
			t.Errorf("broker %d: formatted for %q, want %q", b.ID, id, inst.ClusterID)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, metaPropertiesFile))
		props, _ := kafkaconfig.Decode(string(raw))
		if props["node.id"] != [...]string{"0", "1"}[i] {
			t.Errorf("broker %d: node.id %q", b.ID, props["node.id"])
		}
		ids[props["directory.id"]] = true
		if err := checkFormattedDir(dir); err != nil {
			t.Errorf("broker %d: %v", b.ID, err)
		}
	}
	if len(ids) != 2 {
		t.Errorf("directory ids %v: want one per broker", ids)
	}

	// Formatting again changes nothing: the step may run twice.
	before, _ := os.ReadFile(filepath.Join(p.layout.dataDir(inst.ID, 0), metaPropertiesFile))
	if err := p.Format(context.Background(), inst, &inst.Brokers[0], streamplane.Credentials{}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(p.layout.dataDir(inst.ID, 0), metaPropertiesFile))
	if string(before) != string(after) {
		t.Error("a second Format rewrote meta.properties")
	}
}
