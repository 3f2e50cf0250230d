package cli

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/streamplane/streamplane/wire"
)

func TestAuditList(t *testing.T) {
	t.Parallel()
	t.Run("Table", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("audit", "list")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		got := rows(res.stdout)
		if want := []string{"TIME", "USER", "SOURCE", "ACTION", "RESOURCE", "RESULT", "STATUS", "SUMMARY"}; strings.Join(got[0], " ") != strings.Join(want, " ") {
			t.Errorf("header %q", got[0])
		}
		lines := strings.Split(res.stdout, "\n")
		for i, want := range []string{
			"2026-11-21T12:00:00Z  alice  10.0.0.7  instance:delete  instance:prod-orders  denied   403     denied by NoProdDelete, Statement[0]: very long explanation…",
			"2026-11-21T11:00:00Z  -      10.0.0.9  auth:login       iam_user:mallory      failure  401     wrong user or password",
		} {
			if strings.TrimRight(lines[i+1], " ") != want {
				t.Errorf("row %d\n got %q\nwant %q", i+1, lines[i+1], want)
			}
		}
		if res.stderr != "Showing 1-2 of 40; use --offset and --limit for the rest.\n" {
			t.Errorf("stderr %q", res.stderr)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("audit", "list", "--from", "-7d", "--to", "2026-11-21T12:30:00+01:00", "--user", "alice", "--action", "instance:*",
			"--resource", "prod-orders", "--result", "denied", "--project", "team-a,team-b", "--offset", "10", "--limit", "5", "-o", "json")
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		// o.now is created+3h, so -7d is 2026-11-14T13:00:00Z.
		want := url.Values{"from": {"2026-11-14T13:00:00Z"}, "to": {"2026-11-21T11:30:00Z"}, "user": {"alice"}, "action": {"instance:*"},
			"resource": {"prod-orders"}, "result": {"denied"}, "project": {"team-a", "team-b"}, "offset": {"10"}, "limit": {"5"}}
		if got := f.only(t, "GET /api/v1/audit").Query; got.Encode() != want.Encode() {
			t.Errorf("query\n got %s\nwant %s", got.Encode(), want.Encode())
		}
		var list wire.AuditList
		mustDecodeOne(t, res.stdout, &list)
		if len(list.Entries) != 2 || list.Total != 40 {
			t.Errorf("json %+v", list)
		}
	})

	t.Run("CSV", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("audit", "list", "--user", "alice", "-o", "csv")
		if res.code != 0 || res.stdout != "seq,time,user,action,result\n2,2026-11-21T12:00:00Z,alice,instance:delete,denied\n" {
			t.Errorf("exit %d, stderr %q, stdout %q", res.code, res.stderr, res.stdout)
		}
		if q := f.only(t, "GET /api/v1/audit").Query.Encode(); q != "format=csv&user=alice" {
			t.Errorf("query %q", q)
		}
	})

	t.Run("ErrFlags", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--result", "denyed"}, `error: invalid --result "denyed": use success, failure or denied` + "\n"},
			{[]string{"--from", "-7days"}, `error: invalid --from "-7days": a relative time is a duration before now, such as -15m, -2h or -7d` + "\n"},
			{[]string{"--to", "yesterday"}, `error: invalid --to "yesterday": use RFC 3339 (2026-11-21T10:00:00Z), Unix milliseconds, now, or -DURATION` + "\n"},
		} {
			if res := f.run(append([]string{"audit", "list"}, tc.args...)...); res.code != 1 || res.stderr != tc.want {
				t.Errorf("%q: exit %d, stderr %q, want %q", tc.args, res.code, res.stderr, tc.want)
			}
		}
		if n := len(f.calls("")); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		res := f.run("audit", "verify")
		f.only(t, "GET /api/v1/audit/verify")
		if res.code != 0 || res.stdout != "OK: 40 entries, seq 1 to 40; the chain is intact.\n" || res.stderr != "" {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
	})

	t.Run("Broken", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t)
		f.mu.Lock()
		f.iam.auditBroken = true
		f.mu.Unlock()
		res := f.run("audit", "verify")
		want := "BROKEN at seq 3: entry 3 was changed after it was written\n" +
			"The 2 entries from seq 1 to 2 verify; from seq 3 on, the log cannot be trusted.\n"
		if res.code != 1 || res.stdout != want || res.stderr != "" {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		res = f.run("audit", "verify", "-o", "json")
		var v wire.AuditVerification
		mustDecodeOne(t, res.stdout, &v)
		if res.code != 1 || v.OK || v.BadSeq != 3 {
			t.Errorf("json: exit %d, %+v", res.code, v)
		}
	})
}

func TestParseMessageTimeDays(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"-7d":  now.AddDate(0, 0, -7),
		"-0d":  now,
		"-90m": now.Add(-90 * time.Minute),
	} {
		got, err := parseMessageTime("--from", in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-d", "--7d", "-1.5d"} {
		if _, err := parseMessageTime("--from", in, now); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}
