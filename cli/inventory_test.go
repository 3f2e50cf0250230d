package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func TestMigrationInventory(t *testing.T) {
	t.Parallel()
	t.Run("Table", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.runStdin("Src-pass-1\n", "migration", "inventory", "--source-bootstrap", "old1:9093, old2:9093", "--source-security", "sasl_ssl",
			"--source-mechanism", "scram-sha-256", "--source-user", "mirror", "--source-password-stdin", "--sample-seconds", "45")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		var sent wire.InventoryRequest
		json.Unmarshal(f.only(t, "POST /api/v1/migration-inventory").Body, &sent)
		sample := 45
		want := wire.InventoryRequest{SampleSeconds: &sample, Source: wire.SourceRequest{BootstrapServers: []string{"old1:9093", "old2:9093"},
			SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-256", Username: "mirror", Password: "Src-pass-1"}}
		if !equalJSON(sent, want) {
			t.Errorf("sent %+v\nwant %+v", sent, want)
		}
		out := res.stdout
		for _, want := range []string{
			"Cluster:  src-cluster-1", "Brokers:  3 (controller 2)", "Topics:   2, 13 partitions", "Size:     12.5 GB", "In:       2.50 MB/s",
			"Sample:   45 s, ended 2026-11-21T13:00:00Z (0s ago)",
			"TOPIC    PARTITIONS  RF  SIZE     IN/S       LAST-WRITE  ACTIVITY  CONFIGS",
			"archive  1           3   500 MB   0 B/s      30d ago     INACTIVE  -",
			"orders   12          3   12.0 GB  2.50 MB/s  2m ago      active    cleanup.policy=delete,retention.ms=604800000",
			"GROUP    STATE   MEMBERS  LAG   TOPICS", "billing  Stable  4        1200  orders",
			`ACLs: not read: user "mirror" may not describe the source's ACLs (it needs Describe on the cluster).`,
			"Recommended: kafka.4u8g.cluster × 3 brokers, 60 GB storage per broker.",
			"Why: kafka.4u8g.cluster × 3 brokers with 60 GB each is the smallest instance that holds the source.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		// The summary, the topics, the groups, the ACLs, the recommendation.
		order := []string{"Cluster:", "TOPIC", "GROUP", "ACLs:", "Recommended:"}
		for i := 1; i < len(order); i++ {
			if strings.Index(out, order[i-1]) > strings.Index(out, order[i]) {
				t.Errorf("%q comes after %q:\n%s", order[i-1], order[i], out)
			}
		}
		if res.stderr != "Reading the source and sampling its traffic for 45 s...\nwarning: broker 3: log dirs not readable\n" {
			t.Errorf("stderr %q", res.stderr)
		}
		if strings.Contains(out+res.stderr, "Src-pass-1") {
			t.Error("the password shows in the output")
		}
	})
	t.Run("ReadableACLs", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("migration", "inventory", "--source-bootstrap", "old1:9092")
		if res.code != 0 || !strings.Contains(res.stdout, "PRINCIPAL  HOST  RESOURCE  NAME    PATTERN  OPERATION  PERMISSION\nUser:app   *     TOPIC     orders  LITERAL  READ       ALLOW\n") {
			t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
		var sent map[string]any
		json.Unmarshal(f.only(t, "POST /api/v1/migration-inventory").Body, &sent)
		if want := map[string]any{"source": map[string]any{"bootstrap_servers": []string{"old1:9092"}}, "sample_seconds": 30}; !equalJSON(sent, want) {
			t.Errorf("sent %v, want %v (the default sample, no credentials)", sent, want)
		}
	})
	t.Run("CSV", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("migration", "inventory", "--source-bootstrap", "old1:9092", "-o", "csv")
		want := "name,partitions,replication_factor,size_bytes,records,bytes_in_per_sec,records_in_per_sec,last_write,inactive,configs\n" +
			"archive,1,3,500000000,1000,0.0,0.0,2026-10-22T13:00:00Z,true,\n" +
			"orders,12,3,12000000000,9000000,2500000.0,5000.5,2026-11-21T12:58:00Z,false,\"cleanup.policy=delete,retention.ms=604800000\"\n"
		if res.code != 0 || res.stdout != want {
			t.Errorf("exit %d, stdout\n%s\nwant\n%s", res.code, res.stdout, want)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("migration", "inventory", "--source-bootstrap", "old1:9092", "-o", "json")
		var inv streamplane.Inventory
		mustDecodeOne(t, res.stdout, &inv)
		if res.code != 0 || inv.ClusterID != "src-cluster-1" || len(inv.Topics) != 2 || !inv.Topics[0].Inactive || !inv.ACLsReadable ||
			inv.Recommendation.Flavor != "kafka.4u8g.cluster" || inv.SampleSeconds != 30 {
			t.Errorf("exit %d, inventory %+v", res.code, inv)
		}
		// Every field the API answers, as it answers it.
		var fields map[string]any
		json.Unmarshal([]byte(res.stdout), &fields)
		for _, k := range []string{"cluster_id", "controller", "brokers", "topics", "groups", "acls", "acls_readable", "partitions", "size_bytes",
			"bytes_in_per_sec", "sample_seconds", "taken_at", "recommendation", "warnings"} {
			if _, ok := fields[k]; !ok {
				t.Errorf("the JSON lacks %s: %s", k, res.stdout)
			}
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		for _, tc := range []struct {
			stdin string
			args  []string
			want  string
		}{
			{"", nil, "--source-bootstrap"},
			{"", []string{"--source-bootstrap", "old1:9092", "--sample-seconds", "0"}, "--sample-seconds must be 1 or more"},
			{"", []string{"--source-bootstrap", "old1:9092", "--source-password", "x"}, "unknown flag: --source-password"},
			{"\n", []string{"--source-bootstrap", "old1:9092", "--source-security", "sasl_plaintext", "--source-user", "u", "--source-password-stdin"},
				"--source-password-stdin: standard input holds no password"},
			// The server's refusals, naming the field.
			{"", []string{"--source-bootstrap", "old1:9092", "--sample-seconds", "301"}, "(field sample_seconds)"},
			{"", []string{"--source-bootstrap", "old1"}, "(field source.bootstrap_servers)"},
			{"", []string{"--source-bootstrap", "old1:9092", "--source-security", "ssl"}, "(field source.security_protocol)"},
		} {
			res := f.runStdin(tc.stdin, append([]string{"migration", "inventory"}, tc.args...)...)
			if res.code != 1 || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, res.code, res.stderr, tc.want)
			}
		}
		if n := len(f.calls("POST ")); n != 3 {
			t.Errorf("%d inventories asked for, want only the three the server refused", n)
		}
	})
}

// The inventory is a subcommand of migration, with the source flags of
// create.
func TestMigrationInventoryFlags(t *testing.T) {
	t.Parallel()
	res := runWith(nil, nil, "migration", "inventory", "--help")
	for _, flag := range []string{"--source-bootstrap", "--source-security", "--source-mechanism", "--source-user", "--source-password-stdin",
		"--source-ca", "--sample-seconds"} {
		if !strings.Contains(res.stdout, flag) {
			t.Errorf("help lacks %s:\n%s", flag, res.stdout)
		}
	}
	if res := runWith(nil, nil, "migration", "--help"); !slices.ContainsFunc(strings.Split(res.stdout, "\n"), func(l string) bool {
		return strings.HasPrefix(strings.TrimSpace(l), "inventory ")
	}) {
		t.Errorf("migration's help lists no inventory:\n%s", res.stdout)
	}
}
