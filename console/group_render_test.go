package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// The group pages need brokers to reach through the API, so their
// templates are rendered here with crafted data: hostile names from Kafka
// (groups, topics, client ids, hosts) are shown as text, and a preview
// carries what applying it sends.
func TestGroupTemplatesEscape(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	off, lag, old := int64(4), int64(6), int64(4)
	part := int32(2)
	ts := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	g := &streamplane.GroupDetail{
		Group: streamplane.Group{Name: evil, State: streamplane.GroupEmpty, KafkaState: "Empty", Type: "classic", Coordinator: 1, Lag: 6},
		Members: []streamplane.GroupMember{{MemberID: "m-1", ClientID: evil, ClientHost: evil,
			Assignment: []streamplane.MemberAssignment{{Topic: evil, Partitions: []int32{0, 2}}}}},
		Topics: []streamplane.GroupTopic{{Topic: evil, Lag: 6, Partitions: []streamplane.GroupPartition{{Partition: 2, Offset: &off, EndOffset: 10, Lag: &lag}}}},
	}
	gv := &groupView{Instance: "demo", Group: g, Can: map[string]bool{"group:resetOffsets": true, "group:delete": true}, Targets: streamplane.ResetTargets,
		Request:  streamplane.OffsetResetRequest{Topic: evil, Partition: &part, To: streamplane.ResetTimestamp, Timestamp: &ts},
		Preview:  &streamplane.OffsetReset{Group: evil, Topic: evil, To: "timestamp", DryRun: true, Partitions: []streamplane.PartitionReset{{Partition: 2, OldOffset: &old, NewOffset: 0}}},
		LagChart: "/instances/demo/metrics/consumer_messages_remaining/chart.json?group=" + url.QueryEscape(evil)}
	page := renderPage(t, "group", &view{Instance: "demo", Tab: "groups", Data: gv, Form: url.Values{"topic": {evil}, "to": {"timestamp"}}})
	if strings.Contains(page, evil) {
		t.Errorf("the group page shows markup from Kafka unescaped")
	}
	for _, want := range []string{`id="reset-preview-result"`, `name="partition" value="2"`, `name="timestamp" value="2026-11-21T10:00:00Z"`,
		`class="num new-offset">0<`, `data-confirm="Delete consumer group &lt;script&gt;`, `<option value="timestamp" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the group page lacks %s", want)
		}
	}

	gv.Can = map[string]bool{}
	if page := renderPage(t, "group", &view{Instance: "demo", Tab: "groups", Data: gv}); strings.Contains(page, "Delete group") || strings.Contains(page, "reset-preview") {
		t.Errorf("a caller who may not change the group sees change buttons")
	}

	list := &wire.GroupList{Groups: []streamplane.Group{g.Group}, Total: 1, Limit: 50}
	page = renderPage(t, "group-list", &view{Instance: "demo", Tab: "groups", Data: groupListView{Instance: "demo", List: list, States: streamplane.GroupStates,
		Pager: newPager("/instances/demo/groups?", 0, 50, 1, 1), Deleted: evil}})
	if strings.Contains(page, evil) || !strings.Contains(page, `<td class="num lag">6</td>`) {
		t.Errorf("group list:\n%s", page)
	}
}

func renderPage(t *testing.T, name string, v *view) string {
	t.Helper()
	rec := httptest.NewRecorder()
	c := &call{w: rec, r: httptest.NewRequest("GET", "/", nil), user: &streamplane.Account{Name: "ann"}, token: "tok"}
	if err := (&Server{}).render(c, http.StatusOK, name, v); err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	return rec.Body.String()
}
