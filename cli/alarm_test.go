package cli

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// alarmFakeWithOps is a fake with instance demo and a signed webhook
// channel ops.
func alarmFakeWithOps(t *testing.T) *fakeAPI {
	f := newFakeAPI(t)
	f.addInstance("demo")
	f.addChannel(&streamplane.AlarmChannel{Name: "ops", Kind: streamplane.ChannelWebhook, URL: "https://hooks.example/ops", HasSecret: true})
	return f
}

func TestAlarmRuleCreate(t *testing.T) {
	t.Parallel()
	t.Run("Rule", func(t *testing.T) {
		t.Parallel()
		f := alarmFakeWithOps(t)
		res := f.run("alarm", "rule", "create", "demo", "--name", "disk", "--metric", "broker_disk_usage", "--op", ">", "--threshold", "80",
			"--periods", "2", "--severity", "critical", "--broker", "0", "--description", "disk nearly full", "--channel", "ops")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		if want := "Created alarm rule disk on demo: broker_disk_usage > 80% for 2 periods on broker=0, critical, notifying ops.\n"; res.stdout != want {
			t.Errorf("stdout %q, want %q", res.stdout, want)
		}
		var sent streamplane.AlarmRule
		json.Unmarshal(f.only(t, "POST /api/v1/instances/demo/alarm-rules").Body, &sent)
		zero := 0
		want := streamplane.AlarmRule{Name: "disk", Description: "disk nearly full", Metric: "broker_disk_usage", Broker: &zero, Op: ">",
			Threshold: 80, Periods: 2, Severity: "critical", Enabled: true, Channels: []string{"ops"}}
		if !reflect.DeepEqual(sent, want) {
			t.Errorf("sent %+v\nwant %+v", sent, want)
		}
	})

	t.Run("WordsAndDefaults", func(t *testing.T) {
		t.Parallel()
		f := alarmFakeWithOps(t)
		res := f.run("alarm", "rule", "create", "demo", "--name", "lag", "--metric", "messages_remained", "--group", "billing", "--topic", "orders",
			"--op", "GE", "--threshold", "1e4", "--disabled", "-o", "json")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		var rule streamplane.AlarmRule
		mustDecodeOne(t, res.stdout, &rule)
		if rule.Op != ">=" || rule.Threshold != 10000 || rule.Periods != 1 || rule.Severity != "major" || rule.Enabled ||
			*rule.Group != "billing" || *rule.Topic != "orders" || rule.Broker != nil || len(rule.Channels) != 0 {
			t.Errorf("rule %+v", rule)
		}
	})

	t.Run("Notify", func(t *testing.T) {
		t.Parallel()
		f := alarmFakeWithOps(t)
		// The URL of an existing channel finds it; a new URL makes one, once.
		res := f.run("alarm", "rule", "create", "demo", "--name", "dead", "--metric", "broker_alive", "--op", "lt", "--threshold", "1",
			"--notify", "webhook:https://hooks.example/ops", "--notify", "webhook:https://hooks.example/new", "--channel", "ops")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		made := f.calls("POST /api/v1/alarm-channels")
		if len(made) != 1 {
			t.Fatalf("%d channels made, want 1", len(made))
		}
		var spec map[string]any
		json.Unmarshal(made[0].Body, &spec)
		name, _ := spec["name"].(string)
		if !strings.HasPrefix(name, "webhook-") || spec["url"] != "https://hooks.example/new" || spec["kind"] != "webhook" || spec["secret"] != nil {
			t.Errorf("channel made %v", spec)
		}
		if res.stderr != "Created webhook channel "+name+" for --notify (unsigned).\n" {
			t.Errorf("stderr %q", res.stderr)
		}
		var sent streamplane.AlarmRule
		json.Unmarshal(f.only(t, "POST /api/v1/instances/demo/alarm-rules").Body, &sent)
		if want := []string{"ops", name}; !reflect.DeepEqual(sent.Channels, want) {
			t.Errorf("channels %q, want %q", sent.Channels, want)
		}
		res = f.run("alarm", "rule", "create", "demo", "--name", "dead2", "--metric", "broker_alive", "--op", "lt", "--threshold", "1",
			"--notify", "webhook:https://hooks.example/new")
		if res.code != 0 || res.stderr != "" || len(f.calls("POST /api/v1/alarm-channels")) != 1 {
			t.Errorf("the same URL again: exit %d, stderr %q, %d channels made", res.code, res.stderr, len(f.calls("POST /api/v1/alarm-channels")))
		}
	})

	t.Run("Defaults", func(t *testing.T) {
		t.Parallel()
		f := alarmFakeWithOps(t)
		res := f.run("alarm", "rule", "create", "demo", "--defaults", "--group-messages-limit", "5000", "--channel", "ops")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		if body := string(f.only(t, "POST /api/v1/instances/demo/alarm-rules/defaults").Body); body != `{"group_messages_limit":5000,"channels":["ops"]}` {
			t.Errorf("body %s", body)
		}
		want := "Added 2 recommended alarm rules to demo:\n" +
			"NAME        METRIC                       SERIES  CONDITION             SEVERITY  ENABLED  CHANNELS\n" +
			"disk_usage  broker_disk_usage            all     > 85% for 1 period    critical  yes      ops\n" +
			"group_lag   consumer_messages_remaining  all     > 4500 for 3 periods  major     yes      ops\n"
		if res.stdout != want {
			t.Errorf("stdout\n%s\nwant\n%s", res.stdout, want)
		}
		res = f.run("alarm", "rule", "create", "demo", "--defaults")
		if res.code != 0 || res.stdout != "Instance demo has every recommended rule already; none added.\n" {
			t.Errorf("again: exit %d, stdout %q", res.code, res.stdout)
		}
	})

	t.Run("ErrFlags", func(t *testing.T) {
		t.Parallel()
		f := alarmFakeWithOps(t)
		rule := []string{"--name", "disk", "--metric", "broker_disk_usage", "--op", ">", "--threshold", "80"}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--name", "disk"}, "error: 'streamplane alarm rule create' needs --metric, --op, --threshold\n"},
			{append(rule[:6:6], "--op", "=>", "--threshold", "80"), `error: invalid --op "=>": use one of > >= < <= == != (or gt, ge, lt, le, eq, ne)` + "\n"},
			{append(rule, "--severity", "urgent"), `error: invalid --severity "urgent": use critical, major, minor, info` + "\n"},
			{append(rule, "--periods", "61"), "error: invalid --periods 61: from 1 to 60 collections\n"},
			{append(rule, "--broker", "-1"), "error: invalid --broker -1: a broker is a node id, 0 or more\n"},
			{append(rule, "--group-messages-limit", "10"), "error: --group-messages-limit is for --defaults; a rule of your own has --threshold\n"},
			{[]string{"--defaults", "--threshold", "3"}, "error: --defaults makes DMS's recommended rules; it takes no --threshold (only --channel, --notify and the two limits)\n"},
			{[]string{"--defaults", "--topic-messages-limit", "-5"}, "error: a messages limit is a number of messages, or 0 for the default\n"},
			{append(rule, "--notify", "mailto:ops@example.com"), `error: invalid --notify "mailto:ops@example.com": use webhook:URL (for e-mail, 'alarm channel create --email' and then --channel)` + "\n"},
			{append(rule, "--notify", "webhook:ftp://x"), `error: invalid --notify "webhook:ftp://x": a webhook URL starts with http:// or https://` + "\n"},
		} {
			res := f.run(append([]string{"alarm", "rule", "create", "demo"}, tc.args...)...)
			if res.code != 1 || res.stderr != tc.want {
				t.Errorf("%v: exit %d, stderr %q\nwant %q", tc.args, res.code, res.stderr, tc.want)
			}
		}
		if calls := f.calls("POST"); len(calls) != 0 {
			t.Errorf("flags were wrong, yet the server was asked: %v", calls)
		}
		// What only the server knows comes back as its error.
		res := f.run(append([]string{"alarm", "rule", "create", "demo", "--channel", "pager"}, rule...)...)
		if res.code != 1 || res.stderr != "error: INVALID_ARGUMENT: no alarm channel \"pager\" (field channels)\n" {
			t.Errorf("unknown channel: exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

// addRule creates the rule disk on demo through the CLI.
func addRule(t *testing.T, f *fakeAPI) {
	t.Helper()
	res := f.run("alarm", "rule", "create", "demo", "--name", "disk", "--metric", "broker_disk_usage", "--op", ">", "--threshold", "80",
		"--broker", "0", "--channel", "ops")
	if res.code != 0 {
		t.Fatalf("create: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestAlarmRuleUpdate(t *testing.T) {
	t.Parallel()
	f := alarmFakeWithOps(t)
	addRule(t, f)
	for _, tc := range []struct {
		args    []string
		body    string
		ifMatch string
		stdout  string
	}{
		{[]string{"--threshold", "90", "--clear-broker", "--if-match", "1"}, `{"clear_broker":true,"threshold":90}`, `"1"`,
			"Changed alarm rule disk on demo: broker_disk_usage > 90% for 1 period on every series, major, notifying ops.\n"},
		{[]string{"--op", "ge", "--periods", "3", "--severity", "CRITICAL", "--description", ""}, `{"description":"","op":"\u003e=","periods":3,"severity":"critical"}`, "",
			"Changed alarm rule disk on demo: broker_disk_usage >= 90% for 3 periods on every series, critical, notifying ops.\n"},
		{[]string{"--no-channels", "--broker", "2", "--disabled"}, `{"broker":2,"enabled":false,"channels":[]}`, "",
			"Changed alarm rule disk on demo: broker_disk_usage >= 90% for 3 periods on broker=2, critical, disabled.\n"},
		{[]string{"--name", "disk-usage", "--channel", "ops", "--disabled=false"}, `{"name":"disk-usage","enabled":true,"channels":["ops"]}`, "",
			"Changed alarm rule disk-usage on demo: broker_disk_usage >= 90% for 3 periods on broker=2, critical, notifying ops.\n"},
	} {
		before := len(f.calls("PATCH"))
		rule := "disk"
		if strings.Contains(tc.stdout, "disk-usage") {
			rule = "rule-disk" // by id: the name is the one changing
		}
		res := f.run(append([]string{"alarm", "rule", "update", "demo", rule}, tc.args...)...)
		if res.code != 0 || res.stdout != tc.stdout {
			t.Errorf("%v: exit %d, stderr %q\n got %q\nwant %q", tc.args, res.code, res.stderr, res.stdout, tc.stdout)
		}
		calls := f.calls("PATCH")
		if len(calls) != before+1 {
			t.Fatalf("%v: %d PATCH requests", tc.args, len(calls)-before)
		}
		if got := calls[before]; string(got.Body) != tc.body || got.IfMatch != tc.ifMatch {
			t.Errorf("%v: sent %s If-Match %q, want %s If-Match %q", tc.args, got.Body, got.IfMatch, tc.body, tc.ifMatch)
		}
	}

	res := f.run("alarm", "rule", "update", "demo", "disk-usage", "--threshold", "1", "--if-match", "1")
	if res.code != 1 || !strings.HasPrefix(res.stderr, "error: STALE_VERSION: alarm rule disk-usage is at version 5") {
		t.Errorf("stale: exit %d, stderr %q", res.code, res.stderr)
	}

	before := len(f.calls("PATCH"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "error: 'streamplane alarm rule update' needs a flag to change; see --help\n"},
		{[]string{"--broker", "1", "--clear-broker"}, "error: --broker and --clear-broker contradict each other\n"},
		{[]string{"--no-channels", "--channel", "ops"}, "error: --no-channels and --channel or --notify contradict each other\n"},
		{[]string{"--op", "~"}, `error: invalid --op "~": use one of > >= < <= == != (or gt, ge, lt, le, eq, ne)` + "\n"},
		{[]string{"--metric", "broker_alive"}, "error: unknown flag: --metric (see 'streamplane alarm rule update --help')\n"},
	} {
		res := f.run(append([]string{"alarm", "rule", "update", "demo", "disk-usage"}, tc.args...)...)
		if res.code != 1 || res.stderr != tc.want {
			t.Errorf("%v: exit %d, stderr %q\nwant %q", tc.args, res.code, res.stderr, tc.want)
		}
	}
	if n := len(f.calls("PATCH")) - before; n != 0 {
		t.Errorf("flags were wrong, yet %d PATCH requests went", n)
	}
}

func TestAlarmRuleEnableDisable(t *testing.T) {
	t.Parallel()
	f := alarmFakeWithOps(t)
	addRule(t, f)
	for _, tc := range []struct{ verb, body, stdout string }{
		{"disable", `{"enabled":false}`, "Disabled alarm rule disk of demo.\n"},
		{"enable", `{"enabled":true}`, "Enabled alarm rule disk of demo.\n"},
	} {
		before := len(f.calls("PATCH"))
		res := f.run("alarm", "rule", tc.verb, "demo", "disk")
		if res.code != 0 || res.stdout != tc.stdout {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.verb, res.code, res.stdout, res.stderr)
		}
		if calls := f.calls("PATCH /api/v1/instances/demo/alarm-rules/disk"); len(calls) != before+1 || string(calls[before].Body) != tc.body {
			t.Errorf("%s: sent %v", tc.verb, calls[before:])
		}
	}
	if res := f.run("alarm", "rule", "enable", "demo"); res.code != 1 || res.stderr != "error: 'streamplane alarm rule enable' takes INSTANCE RULE; got 1 argument(s)\n" {
		t.Errorf("one argument: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestAlarmRuleListShowDelete(t *testing.T) {
	t.Parallel()
	f := alarmFakeWithOps(t)
	res := f.run("alarm", "rule", "list", "demo")
	if res.code != 0 || res.stdout != "" || res.stderr != "Instance demo has no alarm rules; 'alarm rule create demo --defaults' adds the recommended ones.\n" {
		t.Errorf("empty: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	addRule(t, f)
	res = f.run("alarm", "rule", "list", "demo")
	want := "NAME  METRIC             SERIES    CONDITION           SEVERITY  ENABLED  CHANNELS\n" +
		"disk  broker_disk_usage  broker=0  > 80% for 1 period  major     yes      ops\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("list: exit %d, stderr %q\n%s", res.code, res.stderr, res.stdout)
	}
	res = f.run("alarm", "rule", "list", "demo", "-o", "csv")
	if res.stdout != "name,metric,series,condition,severity,enabled,channels\ndisk,broker_disk_usage,broker=0,> 80% for 1 period,major,yes,ops\n" {
		t.Errorf("csv %q", res.stdout)
	}
	res = f.run("alarm", "rule", "list", "demo", "-o", "json")
	var list wire.AlarmRuleList
	mustDecodeOne(t, res.stdout, &list)
	if len(list.Rules) != 1 || list.Rules[0].Name != "disk" {
		t.Errorf("json %+v", list)
	}

	res = f.run("alarm", "rule", "show", "demo", "disk")
	for _, s := range []string{"Name:", "disk", "Series:     broker=0", "Condition:  > 80% for 1 period", "Channels:   ops", "Version:    1",
		"Created:    2026-11-21T10:00:00Z (3h ago)"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("show lacks %q:\n%s", s, res.stdout)
		}
	}

	res = f.run("alarm", "rule", "delete", "demo", "disk")
	if res.code != 0 || res.stdout != "Deleted alarm rule disk of demo.\n" {
		t.Errorf("delete: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = f.run("alarm", "rule", "show", "demo", "disk")
	if res.code != 1 || res.stderr != "error: NOT_FOUND: alarm rule \"disk\" not found\n" {
		t.Errorf("after delete: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestAlarmList(t *testing.T) {
	t.Parallel()
	f := alarmFakeWithOps(t)
	res := f.run("alarm", "list", "demo")
	want := "FIRED                 STATE     SEVERITY  RULE  METRIC             SERIES                      VALUE  CONDITION  RESOLVED\n" +
		"2026-11-21T12:50:00Z  firing    critical  disk  broker_disk_usage  broker=0                    91.5%  > 80%      -\n" +
		"2026-11-21T12:00:00Z  resolved  major     lag   messages_remained  topic=orders,group=billing  12000  >= 10000   2026-11-21T12:30:00Z\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("exit %d, stderr %q\n%s\nwant\n%s", res.code, res.stderr, res.stdout, want)
	}

	res = f.run("alarm", "list", "demo", "--state", "resolved", "--from", "-7d", "--to", "now", "--limit", "20", "-o", "json")
	var list wire.AlarmList
	mustDecodeOne(t, res.stdout, &list)
	if len(list.Alarms) != 1 || list.Alarms[0].ID != "al-1" {
		t.Errorf("json %+v", list)
	}
	q := f.calls("GET /api/v1/instances/demo/alarms")[1].Query
	if want := (url.Values{"state": {"resolved"}, "from": {"2026-11-14T13:00:00Z"}, "to": {"2026-11-21T13:00:00Z"}, "limit": {"20"}}); q.Encode() != want.Encode() {
		t.Errorf("query %s, want %s", q.Encode(), want.Encode())
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--state", "open"}, `error: invalid --state "open": use firing or resolved` + "\n"},
		{[]string{"--from", "-1w"}, `error: invalid --from "-1w": a relative time is a duration before now, such as -15m, -2h or -7d` + "\n"},
		{[]string{"--limit", "0"}, "error: invalid --limit 0: from 1 to 1000\n"},
	} {
		res := f.run(append([]string{"alarm", "list", "demo"}, tc.args...)...)
		if res.code != 1 || res.stderr != tc.want {
			t.Errorf("%v: exit %d, stderr %q", tc.args, res.code, res.stderr)
		}
	}
	if n := len(f.calls("GET /api/v1/instances/demo/alarms")); n != 2 {
		t.Errorf("%d alarm requests, want 2", n)
	}
}

func TestAlarmChannelCreate(t *testing.T) {
	t.Parallel()
	t.Run("WebhookSecretStdin", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.runStdin("s3cret-Key-of-20-bytes\r\nsecond line\n", "alarm", "channel", "create", "ops", "--webhook", "https://hooks.example/x", "--secret-stdin")
		if res.code != 0 || res.stdout != "Created webhook channel ops (https://hooks.example/x, signed).\n" {
			t.Fatalf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		f.mu.Lock()
		secret := f.alarm.secrets["ops"]
		f.mu.Unlock()
		if secret != "s3cret-Key-of-20-bytes" {
			t.Errorf("server got secret %q, want the first line of stdin", secret)
		}
		if strings.Contains(res.stdout+res.stderr, "s3cret") {
			t.Errorf("the secret shows: stdout %q, stderr %q", res.stdout, res.stderr)
		}
		// The server's refusal of a short secret does not echo it.
		res = f.runStdin("s3cret-Key\n", "alarm", "channel", "create", "ops2", "--webhook", "https://hooks.example/x", "--secret-stdin", "-o", "json")
		if res.code != 1 || res.stderr != "error: INVALID_ARGUMENT: a signing secret is 16 to 1024 bytes; this one has 10 (field secret)\n" {
			t.Errorf("short secret: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		res = f.runStdin("\n", "alarm", "channel", "create", "ops2", "--webhook", "https://hooks.example/x", "--secret-stdin")
		if res.code != 1 || res.stderr != "error: --secret-stdin: standard input holds no secret\n" {
			t.Errorf("empty stdin: exit %d, stderr %q", res.code, res.stderr)
		}
		res = f.run("alarm", "channel", "create", "plain", "--webhook", "http://10.0.0.1:9000/hook")
		if res.code != 0 || res.stdout != "Created webhook channel plain (http://10.0.0.1:9000/hook, unsigned).\n" {
			t.Errorf("unsigned: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		if n := len(f.calls("POST /api/v1/alarm-channels")); n != 3 {
			t.Errorf("%d channels asked for, want 3", n)
		}
	})

	t.Run("Email", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("alarm", "channel", "create", "oncall", "--email", "--to", "ops@example.com", "--to", "dba@example.com")
		if res.code != 0 || res.stdout != "Created email channel oncall (to ops@example.com, dba@example.com).\n" {
			t.Fatalf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		var sent streamplane.AlarmChannelSpec
		json.Unmarshal(f.only(t, "POST /api/v1/alarm-channels").Body, &sent)
		want := streamplane.AlarmChannelSpec{Name: "oncall", Kind: "email", To: []string{"ops@example.com", "dba@example.com"}}
		if !reflect.DeepEqual(sent, want) {
			t.Errorf("sent %+v", sent)
		}
	})

	t.Run("ErrFlags", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{nil, "error: 'streamplane alarm channel create' needs --webhook URL or --email --to ADDRESS\n"},
			{[]string{"--webhook", "https://x.example", "--email"}, "error: a channel is --webhook URL or --email, not both\n"},
			{[]string{"--webhook", "https://x.example", "--to", "a@example.com"}, "error: --to is for --email channels; a webhook channel has only its URL\n"},
			{[]string{"--email"}, "error: an --email channel needs --to ADDRESS, once or more\n"},
			{[]string{"--email", "--to", "a@example.com", "--secret-stdin"}, "error: --secret-stdin is for --webhook channels: only webhooks sign their notifications\n"},
			{[]string{"--webhook", "https://x.example", "--secret", "hunter2"}, "error: unknown flag: --secret (see 'streamplane alarm channel create --help')\n"},
		} {
			res := f.runStdin("secret\n", append([]string{"alarm", "channel", "create", "ops"}, tc.args...)...)
			if res.code != 1 || res.stderr != tc.want {
				t.Errorf("%v: exit %d, stderr %q\nwant %q", tc.args, res.code, res.stderr, tc.want)
			}
		}
		if calls := f.calls("POST"); len(calls) != 0 {
			t.Errorf("flags were wrong, yet the server was asked: %v", calls)
		}
		res := f.run("alarm", "channel", "create", "ops", "--webhook", "https://user:pw@x.example/")
		if res.code != 1 || !strings.HasPrefix(res.stderr, "error: INVALID_ARGUMENT: a webhook URL must not carry credentials") {
			t.Errorf("server check: exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestAlarmChannelListShowDelete(t *testing.T) {
	t.Parallel()
	f := alarmFakeWithOps(t)
	f.addChannel(&streamplane.AlarmChannel{Name: "oncall", Kind: streamplane.ChannelEmail, To: []string{"a@example.com", "b@example.com"}})
	res := f.run("alarm", "channel", "list")
	want := "NAME    KIND     TARGET                       SIGNED  CREATED\n" +
		"oncall  email    a@example.com,b@example.com  -       2026-11-21T10:00:00Z\n" +
		"ops     webhook  https://hooks.example/ops    yes     2026-11-21T10:00:00Z\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("list: exit %d, stderr %q\n%s\nwant\n%s", res.code, res.stderr, res.stdout, want)
	}
	res = f.run("alarm", "channel", "show", "oncall")
	for _, s := range []string{"Kind:              email", "To:                a@example.com, b@example.com", "Resource version:  1"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("show lacks %q:\n%s", s, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "Signed") {
		t.Errorf("an e-mail channel shows Signed:\n%s", res.stdout)
	}
	res = f.run("alarm", "channel", "delete", "oncall", "-o", "json")
	if res.code != 0 || res.stdout != "{\n  \"deleted\": \"oncall\"\n}\n" {
		t.Errorf("delete: exit %d, stdout %q", res.code, res.stdout)
	}
	if got := f.channelNames(); !reflect.DeepEqual(got, []string{"ops"}) {
		t.Errorf("channels left %q", got)
	}
}

func TestAlarmChannelDeliveries(t *testing.T) {
	t.Parallel()
	f := alarmFakeWithOps(t)
	res := f.run("alarm", "channel", "deliveries", "ops", "--status", "Failed", "--alarm", "al-2", "--limit", "5")
	want := "CREATED               ALARM  EVENT        STATUS     ATTEMPTS  NEXT-ATTEMPT          DELIVERED             LAST-ERROR\n" +
		"2026-11-21T12:50:00Z  al-2   disk firing  pending    2         2026-11-21T13:00:00Z  -                     HTTP 503 from the webhook\n" +
		"2026-11-21T12:00:00Z  al-1   -            delivered  1         -                     2026-11-21T12:50:01Z  -\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("exit %d, stderr %q\n%s\nwant\n%s", res.code, res.stderr, res.stdout, want)
	}
	if q := f.only(t, "GET /api/v1/alarm-channels/ops/deliveries").Query.Encode(); q != "alarm=al-2&limit=5&status=failed" {
		t.Errorf("query %q", q)
	}
	res = f.run("alarm", "channel", "deliveries", "ops", "--status", "lost")
	if res.code != 1 || res.stderr != `error: invalid --status "lost": use pending, delivered or failed`+"\n" {
		t.Errorf("bad status: exit %d, stderr %q", res.code, res.stderr)
	}
	res = f.run("alarm", "channel", "deliveries", "nope")
	if res.code != 1 || res.stderr != "error: NOT_FOUND: alarm channel \"nope\" not found\n" {
		t.Errorf("unknown channel: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestInstanceShowAlarms(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.addInstance("demo")
	res := f.run("instance", "show", "demo")
	if res.code != 0 || !strings.Contains(res.stdout, "\nAlarms firing:        disk (critical, broker=0)\n") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", res.code, res.stderr, res.stdout)
	}
	if q := f.only(t, "GET /api/v1/instances/demo/alarms").Query.Encode(); q != "limit=6&state=firing" {
		t.Errorf("query %q", q)
	}

	// Many firing: the first five, and where the rest are.
	f.mu.Lock()
	f.alarm.history = nil
	for _, name := range []string{"a1", "a2", "a3", "a4", "a5", "a6"} {
		f.alarm.history = append(f.alarm.history, &streamplane.Alarm{RuleName: name, Severity: "minor", State: streamplane.AlarmFiring})
	}
	f.mu.Unlock()
	res = f.run("instance", "show", "demo")
	if want := "a1 (minor); a2 (minor); a3 (minor); a4 (minor); a5 (minor); more with 'alarm list demo --state firing'\n"; !strings.Contains(res.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
	}

	f.mu.Lock()
	f.alarm.history = f.alarm.history[:0]
	f.mu.Unlock()
	if res = f.run("instance", "show", "demo"); !strings.Contains(res.stdout, "\nAlarms firing:        none\n") {
		t.Errorf("none firing:\n%s", res.stdout)
	}

	// A server that will not show the alarms still shows the instance.
	f.mu.Lock()
	f.alarm.hidden = true
	f.mu.Unlock()
	res = f.run("instance", "show", "demo")
	if res.code != 0 || res.stderr != "" || strings.Contains(res.stdout, "Alarms") || !strings.Contains(res.stdout, "Status:") {
		t.Errorf("alarms refused: exit %d, stderr %q, stdout:\n%s", res.code, res.stderr, res.stdout)
	}
	// JSON is the instance alone, as before.
	res = f.run("instance", "show", "demo", "-o", "json")
	var inst streamplane.Instance
	mustDecodeOne(t, res.stdout, &inst)
	if inst.Name != "demo" {
		t.Errorf("json %+v", inst)
	}
}
