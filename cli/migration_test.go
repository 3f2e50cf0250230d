package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func migrationFakeWithDemo(t *testing.T) *fakeAPI {
	f := newFakeAPI(t)
	f.addInstance("demo")
	return f
}

func TestMigrationCreate(t *testing.T) {
	t.Parallel()
	t.Run("SASLWithWait", func(t *testing.T) {
		t.Parallel()
		f := migrationFakeWithDemo(t)
		res := f.runStdin("Src-pass-1\nnext line\n", "migration", "create", "--instance", "demo", "--name", "move-orders",
			"--source-bootstrap", "old1:9093, old2:9093", "--source-security", "sasl_ssl", "--source-mechanism", "scram-sha-256",
			"--source-user", "mirror", "--source-password-stdin", "--topics", "orders,payments.*", "--groups", "billing,ledger-.*",
			"--sync-acls", "--wait")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		if want := "Created migration move-orders on demo: RUNNING.\n"; res.stdout != want {
			t.Errorf("stdout %q, want %q", res.stdout, want)
		}
		if !strings.Contains(res.stderr, "Waiting for migration move-orders to leave CREATING") {
			t.Errorf("stderr %q", res.stderr)
		}
		var sent wire.MigrationCreateRequest
		json.Unmarshal(f.only(t, "POST /api/v1/instances/demo/migrations").Body, &sent)
		want := wire.MigrationCreateRequest{Name: "move-orders", Topics: "orders,payments.*", Groups: "billing,ledger-.*", SyncACLs: true,
			Source: wire.SourceRequest{BootstrapServers: []string{"old1:9093", "old2:9093"}, SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-256",
				Username: "mirror", Password: "Src-pass-1"}}
		if !equalJSON(sent, want) {
			t.Errorf("sent %+v\nwant %+v", sent, want)
		}
		if len(f.calls("GET /api/v1/instances/demo/migrations")) == 0 {
			t.Error("--wait never read the migration")
		}
	})
	t.Run("NoWait", func(t *testing.T) {
		t.Parallel()
		f := migrationFakeWithDemo(t)
		res := f.run("migration", "create", "--instance", "demo", "--name", "move-orders", "--source-bootstrap", "old1:9092", "--topics", "orders", "-o", "json")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		var m streamplane.Migration
		mustDecodeOne(t, res.stdout, &m)
		if m.State != streamplane.MigrationCreating || m.Source.SecurityProtocol != "PLAINTEXT" {
			t.Errorf("migration %+v", m)
		}
		if len(f.calls("GET ")) != 0 {
			t.Errorf("without --wait it read: %v", f.calls("GET "))
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		f := migrationFakeWithDemo(t)
		res := f.run("migration", "create", "--instance", "demo", "--name", "move-orders", "--topics", "orders")
		if res.code != 1 || !strings.Contains(res.stderr, "--source-bootstrap") {
			t.Errorf("no bootstrap: exit %d, stderr %q", res.code, res.stderr)
		}
		res = f.run("migration", "create", "--instance", "demo", "--name", "move-orders", "--source-bootstrap", "old1:9092", "--topics", "orders", "--source-password", "x")
		if res.code != 1 || !strings.Contains(res.stderr, "unknown flag: --source-password") {
			t.Errorf("a password flag: exit %d, stderr %q", res.code, res.stderr)
		}
		res = f.runStdin("\n", "migration", "create", "--instance", "demo", "--name", "move-orders", "--source-bootstrap", "old1:9092",
			"--source-security", "sasl_plaintext", "--source-user", "u", "--source-password-stdin", "--topics", "orders")
		if res.code != 1 || res.stderr != "error: --source-password-stdin: standard input holds no password\n" {
			t.Errorf("empty stdin: exit %d, stderr %q", res.code, res.stderr)
		}
		res = f.run("migration", "create", "--instance", "demo", "--name", "move-orders", "--source-bootstrap", "old1", "--topics", "orders")
		if res.code != 1 || !strings.Contains(res.stderr, "old1") {
			t.Errorf("bad address: exit %d, stderr %q", res.code, res.stderr)
		}
		if n := len(f.calls("POST ")); n != 1 {
			t.Errorf("%d creations sent, want only the one the server refused", n)
		}
	})
}

func TestMigrationReadCommands(t *testing.T) {
	t.Parallel()
	f := migrationFakeWithDemo(t)
	if res := f.run("migration", "create", "--instance", "demo", "--name", "move-orders", "--source-bootstrap", "old1:9092", "--topics", "orders", "--groups", "billing"); res.code != 0 {
		t.Fatalf("create: %q", res.stderr)
	}

	res := f.run("migration", "list", "demo")
	if got := rows(res.stdout); res.code != 0 || len(got) != 2 || !slices.Equal(got[0], []string{"NAME", "STATE", "SOURCE", "TOPICS", "GROUPS", "AGE"}) ||
		!slices.Equal(got[1][:5], []string{"move-orders", "CREATING", "old1:9092", "orders", "billing"}) {
		t.Errorf("list: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = f.run("migration", "list", "demo", "-o", "csv")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "name,state,source,topics,groups,age\nmove-orders,RUNNING,") {
		t.Errorf("list csv: %q %q", res.stdout, res.stderr)
	}

	res = f.run("migration", "show", "demo", "move-orders")
	for _, want := range []string{"State:", "RUNNING", "old1:9092 (PLAINTEXT)", "orders  3           50000       49000   1000    2.50 MB/s",
		"billing  Stable        25000          24990          3/3     1m ago", "MirrorSourceConnector  RUNNING"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, res.stdout)
		}
	}
	if res.code != 0 || res.stderr != "warning: source group ledger: not readable\n" {
		t.Errorf("show: exit %d, stderr %q", res.code, res.stderr)
	}

	res = f.run("migration", "cutover-check", "demo", "move-orders")
	got := res.stdout
	if res.code != 0 || !strings.Contains(got, "billing  READY      0               10          consumers may read up to 10 records again") ||
		!strings.Contains(got, "ledger   NOT READY  1000            0           1000 records behind; 2 of 3 partitions synced") {
		t.Errorf("cutover-check: exit %d\n%s", res.code, got)
	}
	res = f.run("migration", "cutover-check", "demo", "move-orders", "-o", "json")
	var checks struct{ Groups []streamplane.CutoverCheck }
	mustDecodeOne(t, res.stdout, &checks)
	if len(checks.Groups) != 2 || checks.Groups[1].Ready {
		t.Errorf("cutover-check json: %s", res.stdout)
	}

	res = f.run("migration", "logs", "demo", "move-orders", "--lines", "50")
	if res.code != 0 || res.stdout != "mm2 line one\nmm2 line two (lines=50)\n" {
		t.Errorf("logs: %q %q", res.stdout, res.stderr)
	}
	res = f.run("migration", "show", "demo", "nope")
	if res.code != 1 || !strings.Contains(res.stderr, `migration "nope" not found`) {
		t.Errorf("show of an unknown migration: exit %d, %q", res.code, res.stderr)
	}
}

func TestMigrationChanges(t *testing.T) {
	t.Parallel()
	f := migrationFakeWithDemo(t)
	if res := f.run("migration", "create", "--instance", "demo", "--name", "move-orders", "--source-bootstrap", "old1:9092", "--topics", "orders"); res.code != 0 {
		t.Fatalf("create: %q", res.stderr)
	}
	for verb, want := range map[string]string{"pause": "Paused migration move-orders on demo: PAUSED.\n", "resume": "Resumed migration move-orders on demo: RUNNING.\n"} {
		if res := f.run("migration", verb, "demo", "move-orders"); res.code != 0 || res.stdout != want {
			t.Errorf("%s: exit %d, %q %q", verb, res.code, res.stdout, res.stderr)
		}
	}

	res := f.run("migration", "update", "demo", "move-orders")
	if res.code != 1 || !strings.Contains(res.stderr, "needs --topics, --groups") {
		t.Errorf("an empty update: exit %d, %q", res.code, res.stderr)
	}
	res = f.runStdin("New-pass-2\n", "migration", "update", "demo", "move-orders", "--topics", "orders,refunds", "--groups", "", "--sync-acls=false", "--source-password-stdin")
	if res.code != 0 || res.stdout != "Updated migration move-orders on demo: RUNNING.\n" {
		t.Errorf("update: exit %d, %q %q", res.code, res.stdout, res.stderr)
	}
	var sent map[string]any
	json.Unmarshal(f.only(t, "PATCH /api/v1/instances/demo/migrations/move-orders").Body, &sent)
	if want := map[string]any{"topics": "orders,refunds", "groups": "", "sync_acls": false, "source_password": "New-pass-2"}; !equalJSON(sent, want) {
		t.Errorf("update sent %v, want %v", sent, want)
	}

	res = f.run("migration", "delete", "demo", "move-orders")
	if res.code != 0 || res.stdout != "Migration move-orders on demo is DELETING; follow it with 'streamplane migration show demo move-orders'.\n" {
		t.Errorf("delete: exit %d, %q %q", res.code, res.stdout, res.stderr)
	}
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var va, vb any
	json.Unmarshal(ja, &va)
	json.Unmarshal(jb, &vb)
	x, _ := json.Marshal(va)
	y, _ := json.Marshal(vb)
	return string(x) == string(y)
}
