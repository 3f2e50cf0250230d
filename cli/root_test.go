package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestServerFlag(t *testing.T) {
	t.Parallel()
	flagged, env := newFakeAPI(t), newFakeAPI(t)

	t.Run("FlagOverEnv", func(t *testing.T) {
		res := runWith(map[string]string{"STREAMPLANE_SERVER": env.URL()}, nil, "zone", "list", "--server", flagged.URL())
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		if len(flagged.calls("GET /api/v1/zones")) != 1 || len(env.calls("")) != 0 {
			t.Errorf("--server did not win over STREAMPLANE_SERVER")
		}
	})

	t.Run("Env", func(t *testing.T) {
		res := runWith(map[string]string{"STREAMPLANE_SERVER": env.URL()}, nil, "zone", "list")
		if res.code != 0 || len(env.calls("GET /api/v1/zones")) != 1 {
			t.Errorf("exit %d, stderr %q: STREAMPLANE_SERVER not used", res.code, res.stderr)
		}
	})

	t.Run("Default", func(t *testing.T) {
		res := runWith(nil, nil, "zone", "list", "--help")
		if !strings.Contains(res.stdout, `--server string   URL of the Streamplane server (env STREAMPLANE_SERVER) (default "http://127.0.0.1:8080")`) {
			t.Errorf("help:\n%s", res.stdout)
		}
	})

	t.Run("ErrNotURL", func(t *testing.T) {
		res := runWith(nil, nil, "zone", "list", "--server", "localhost:8080")
		if res.code != 1 || !strings.HasPrefix(res.stderr, `error: invalid --server "localhost:8080"`) {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})

	t.Run("ErrUnreachable", func(t *testing.T) {
		res := runWith(nil, nil, "zone", "list", "--server", "http://127.0.0.1:1")
		if res.code != 1 || !strings.HasPrefix(res.stderr, "error: cannot reach the Streamplane server at http://127.0.0.1:1") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestOutputFlag(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.addInstance("orders")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrUnknown", []string{"zone", "list", "-o", "yaml"}, "error: invalid --output \"yaml\": use table, json or csv\n"},
		{"ErrCSVNotList", []string{"instance", "show", "orders", "-o", "csv"}, "error: -o csv is only for commands that show a list; use -o table or -o json for 'streamplane instance show'\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.run(tc.args...)
			if res.code != 1 || res.stderr != tc.want {
				t.Errorf("exit %d, stderr %q, want %q", res.code, res.stderr, tc.want)
			}
		})
	}
	if n := len(f.calls("")); n != 0 {
		t.Errorf("made %d requests for invalid flags", n)
	}
}

func TestCommandErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"UnknownCommand", []string{"instnce"}, `error: unknown command "instnce" for "streamplane"`},
		{"UnknownSubcommand", []string{"instance", "lst"}, `error: unknown command "lst" for "streamplane instance"; did you mean list?`},
		{"UnknownFlag", []string{"instance", "list", "--colour"}, "error: unknown flag: --colour (see 'streamplane instance list --help')"},
		{"MissingArg", []string{"instance", "show"}, "error: 'streamplane instance show' takes NAME_OR_ID; got 0 argument(s)"},
		{"ExtraArg", []string{"zone", "list", "az1"}, `error: 'streamplane zone list' takes no arguments; got ["az1"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runWith(nil, nil, tc.args...)
			if res.code != 1 || !strings.HasPrefix(res.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want it to start with %q", res.code, res.stderr, tc.want)
			}
		})
	}

	t.Run("GroupHelp", func(t *testing.T) {
		t.Parallel()
		res := runWith(nil, nil, "instance")
		if res.code != 0 || !strings.Contains(res.stdout, "clear-failed") {
			t.Errorf("exit %d, stdout %q", res.code, res.stdout)
		}
	})
}

func TestMainWritesToWriters(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"zone", "list", "-o", "csv"}, &stdout, &stderr,
		func(k string) string { return map[string]string{"STREAMPLANE_SERVER": f.URL()}[k] })
	if code != 0 || stdout.String() != "zone\naz1\naz2\naz3\n" || stderr.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

func TestRuntime(t *testing.T) {
	t.Parallel()
	t.Run("List", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("runtime", "list")
		want := `VERSION  RELEASED    SUPPORT-START  SUPPORT-END  RECOMMENDED  INSTALLED
3.9.1    2025-05-21  2025-06-01     2026-06-01   no           no
4.1.1    2025-11-12  2025-12-01     2027-12-01   yes          yes
`
		if res.code != 0 || res.stdout != want {
			t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", res.code, res.stderr, res.stdout, want)
		}
		res = f.run("runtime", "list", "-o", "csv")
		if !strings.HasPrefix(res.stdout, "version,released,support_start,support_end,recommended,installed\n3.9.1,") {
			t.Errorf("csv:\n%s", res.stdout)
		}
	})

	t.Run("Install", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("runtime", "install", "4.1.1")
		if res.code != 0 || res.stdout != "Installed Kafka 4.1.1.\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		if len(f.calls("POST /api/v1/runtimes/4.1.1/install")) != 1 {
			t.Error("no install request")
		}
	})
}

func TestFlavorList(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	res := f.run("flavor", "list")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 7 {
		t.Fatalf("got %d lines:\n%s", len(lines), res.stdout)
	}
	if got := strings.Join(strings.Fields(lines[1]), " "); got != "kafka.1u2g.dev 1 2 GB 1-3 250 20 1000 1-100 GB 50 MB/s" {
		t.Errorf("dev flavor row %q", got)
	}
	res = f.run("flavor", "list", "-o", "csv")
	if !strings.HasPrefix(res.stdout, "name,vcpus,memory,brokers,partitions_per_broker,") {
		t.Errorf("csv:\n%s", res.stdout)
	}
}
