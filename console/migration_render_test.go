package console

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// A migration's progress needs a source and MirrorMaker to read, so the
// page is rendered here with crafted status: per topic and per group
// figures, a failed connector's folded trace, the cutover check; names
// from the source cluster are shown as text.
func TestMigrationTemplates(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	sync := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	m := streamplane.Migration{ID: "m-1", InstanceID: "i-1", Name: "move-orders", Topics: "orders,.*", Groups: "billing,.*",
		Source:      streamplane.MigrationSource{BootstrapServers: []string{"old-1:9092", "old-2:9092"}, SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-512", Username: "mm2"},
		State:       streamplane.MigrationServiceException,
		StateReason: "MirrorMaker's MirrorSourceConnector failed: org.apache.kafka.common.errors.SaslAuthenticationException",
		PID:         4242, Restarts: 3, ResourceVersion: 7, CreatedAt: sync}
	st := &streamplane.MigrationStatus{Migration: m,
		Topics: []streamplane.MigrationTopic{{Topic: "orders", Partitions: 6, SourceEnd: 1234567, Copied: 1234000, RecordsBehind: 567, BytesInPerSec: 2048},
			{Topic: evil, Partitions: 1, SourceEnd: 10, Copied: 10}},
		Groups: []streamplane.MigrationGroup{{Group: "billing", SourceState: "Empty", TargetState: "Empty", SourceOffset: 1000, TargetOffset: 990,
			Partitions: 6, Synced: 5, LastSync: &sync}, {Group: evil, SourceState: "Stable"}},
		Connectors: []streamplane.MirrorConnector{{Name: "MirrorSourceConnector", State: "FAILED", Trace: "org.apache.kafka...SaslAuthenticationException\n\tat " + evil},
			{Name: "MirrorCheckpointConnector", State: "RUNNING"}},
	}
	d := &migrationView{Instance: "demo", M: st, Live: migrationLive(st.State), Can: map[string]bool{"migration:update": true, "migration:delete": true},
		Checks: []streamplane.CutoverCheck{
			{Group: "billing", Ready: true, Reasons: []string{"about 10 records per partition are read again"}, Duplicates: 10},
			{Group: evil, Reasons: []string{"consumers of the group are still on the source", "1,200 records not yet copied"}, RecordsBehind: 1200}},
		Log: "ERROR " + evil}
	page := renderPage(t, "migration", &view{Instance: "demo", Tab: "migrations", Data: d, Form: url.Values{"topics": {m.Topics}, "groups": {m.Groups}}})
	if strings.Contains(page, evil) {
		t.Errorf("the migration page shows markup from the source unescaped")
	}
	for _, want := range []string{
		`<span class="badge bad">SERVICE_EXCEPTION</span>`,
		`<div class="reason">MirrorMaker&#39;s MirrorSourceConnector failed: org.apache.kafka.common.errors.SaslAuthenticationException</div>`,
		`process 4242`, `restarted 3 time(s)`,
		`<td class="num">567</td>`, `<td class="num">1,234,000 / 1,234,567</td>`, `<td class="num">2.0 KiB/s</td>`,
		`<td class="num">1,000</td>`, `<td class="num">990</td>`, `<td class="num">5 / 6</td>`, `<td>2026-11-21 10:00:00Z</td>`,
		`<span class="badge bad">FAILED</span> <span class="mono">MirrorSourceConnector</span>`,
		`<details><summary>Trace<span class="sr-only"> of MirrorSourceConnector</span></summary><pre tabindex="0" role="region"`,
		`<tr data-group="billing">`, `<span class="badge ok">READY</span>`, `<span class="badge busy">not yet</span>`,
		`<li>consumers of the group are still on the source</li>`,
		`action="/instances/demo/migrations/move-orders/pause"`, `>Retry</button>`,
		`action="/instances/demo/migrations/move-orders/delete"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the migration page lacks %s", want)
		}
	}
	// A failing migration is not live: nothing polls.
	if strings.Contains(page, `hx-trigger="every`) {
		t.Errorf("a SERVICE_EXCEPTION migration's page polls")
	}
	// Every table is a focusable, named region with a caption.
	if n, named := strings.Count(page, "<table"), len(regexp.MustCompile(`<div class="table-wrap" tabindex="0" role="region" aria-label="[^"]+">\s*<table[^>]*>\s*<caption`).FindAllString(page, -1)); n != 3 || named != n {
		t.Errorf("%d tables, %d of them in a named, focusable region with a caption; want 3 and 3", n, named)
	}

	d.Can = map[string]bool{}
	if page := renderPage(t, "migration", &view{Instance: "demo", Tab: "migrations", Data: d}); strings.Contains(page, `method="post" action="/instances/demo/migrations`) {
		t.Errorf("a caller who may not change the migration sees change buttons")
	}

	list := &migrationsView{Instance: "demo", Migrations: []*streamplane.Migration{&m}, Can: map[string]bool{}}
	page = renderPage(t, "migration-list", &view{Instance: "demo", Tab: "migrations", Data: list})
	if !strings.Contains(page, `<span class="badge bad">SERVICE_EXCEPTION</span><div class="reason">MirrorMaker&#39;s MirrorSourceConnector failed`) ||
		!strings.Contains(page, `<code>old-1:9092,old-2:9092</code>`) {
		t.Errorf("the list lacks the failing migration's reason or source:\n%s", page)
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
