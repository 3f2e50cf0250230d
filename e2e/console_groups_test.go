// Not in kfake: a real browser on real brokers, with the server's metric collection running.

package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The console's consumer groups, metrics and alarms in a browser: a group
// left behind with lag shows it on the list and its page, a reset to the
// earliest offsets is previewed (nothing changes) and then applied, the
// metrics tab and the group's lag chart draw collected points, DMS's
// default alarm rules go in with one click, and an alarm channel made in
// the browser delivers a rule's alarm to a webhook.
func TestConsoleGroupsAndMetrics(t *testing.T) {
	s, inst := sharedInstance(t)
	c := s.Client
	ctx := context.Background()
	const topic, group, clientID = "console-groups-orders", "console-groups-app", "console-groups-client"
	createTopic(t, inst, topic, 3, 3, nil)
	producer := kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p := range int32(3) {
		produceTo(t, producer, topic, p, "c", 10)
	}
	// Read everything, commit 4 of each partition's 10, leave: lag 18.
	consumer := groupConsumer(t, inst, group, topic, clientID)
	var commit []*kgo.Record
	for _, r := range pollRecords(t, consumer, 30) {
		if r.Offset == 3 {
			commit = append(commit, r)
		}
	}
	if err := consumer.CommitRecords(ctx, commit...); err != nil {
		t.Fatalf("commit: %v", err)
	}
	consumer.Close()
	if g := waitGroupEmpty(t, c, inst.Name, group); g.Lag != 18 {
		t.Fatalf("group lag %d after committing 4 of 10 in 3 partitions, want 18", g.Lag)
	}

	b := NewBrowser(t, s)
	b.SignInWithToken(s.Token)
	b.AcceptDialogs()
	i := url.PathEscape(inst.Name)

	// The list: the group with its state and lag.
	b.Open("/instances/" + i + "/groups?name=console-groups")
	row := `tr[data-group="` + group + `"]`
	within(t, b, 30*time.Second, chromedp.WaitVisible(chromedp.CSS(row)))
	if lag := b.Text(row + " td.lag"); lag != "18" {
		t.Errorf("the list shows lag %q, want 18", lag)
	}
	if state := b.Text(row + " .badge"); state != "EMPTY" {
		t.Errorf("the list shows state %q, want EMPTY", state)
	}
	b.Accessibility("consumer group list")
	b.Screenshot("groups-list")

	// The group's page: lag, per-partition offsets.
	within(t, b, 30*time.Second, chromedp.Click(chromedp.CSS(row+" a")), chromedp.WaitVisible(chromedp.ID("group-lag")))
	if lag := b.Text("#group-lag"); lag != "18" {
		t.Errorf("the group page shows lag %q, want 18", lag)
	}
	offsets := Eval[[]string](b, `Array.from(document.querySelectorAll('table.offsets tbody tr')).map(tr => Array.from(tr.cells).slice(0, 4).map(td => td.textContent.trim()).join(" "))`)
	if want := []string{"0 4 10 6", "1 4 10 6", "2 4 10 6"}; !slices.Equal(offsets, want) {
		t.Errorf("partition rows %q, want %q (partition, committed, end, lag)", offsets, want)
	}
	b.Accessibility("consumer group page")
	b.Screenshot("groups-group")

	// Preview a reset to the earliest offsets: the new offsets show, and
	// nothing is committed.
	within(t, b, 30*time.Second, chromedp.SetValue(chromedp.ID("reset-to"), streamplane.ResetEarliest),
		chromedp.Click(chromedp.ID("reset-preview")), chromedp.WaitVisible(chromedp.ID("reset-preview-result")))
	if news := Eval[[]string](b, `Array.from(document.querySelectorAll('#reset-preview-result td.new-offset')).map(td => td.textContent.trim())`); !slices.Equal(news, []string{"0", "0", "0"}) {
		t.Errorf("the preview's new offsets are %q, want 0 in each partition", news)
	}
	if g, err := c.Group(ctx, inst.Name, group); err != nil || g.Lag != 18 {
		t.Fatalf("after the dry run the group's lag is %v (%v), want 18 still", g, err)
	}
	b.Accessibility("offset reset preview")
	b.Screenshot("groups-reset-preview")

	// Apply it, confirming: every record is unread again.
	within(t, b, 30*time.Second, chromedp.Click(chromedp.ID("reset-apply")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if lag := b.Text("#group-lag"); lag != "30" {
		t.Errorf("after the reset the page shows lag %q, want 30", lag)
	}
	if g, err := c.Group(ctx, inst.Name, group); err != nil || g.Lag != 30 {
		t.Errorf("after the reset the group's lag is %v (%v), want 30", g, err)
	}
	wantDialog(t, b, "Reset the offsets of group "+group+" in topic "+topic+" of instance "+inst.Name)
	t.Logf("confirmations so far: %q", b.Dialogs())

	// The group's lag over time: the collector's points for the group.
	waitChartPoints(t, b, "/instances/"+i+"/groups/"+url.PathEscape(group), "#group-lag-chart")

	// The metrics tab draws collected points.
	waitChartPoints(t, b, "/instances/"+i+"/metrics", `.chart[data-metric="current_topics"]`)
	b.Accessibility("metrics")
	b.Screenshot("metrics")
	waitChartPoints(t, b, "/instances/"+i+"/metrics?level=topic&range=6h&top=topic_messages&topic="+topic, `.chart[data-metric="topic_messages"]`)
	if ranked := Eval[string](b, `(document.querySelector("table.metric-top") || {}).textContent || ""`); !strings.Contains(ranked, topic) {
		t.Errorf("the topic ranking does not list %s", topic)
	}
	b.Accessibility("metrics, topic level")
	b.Screenshot("metrics-topics")

	// DMS's default alarm rules in one click.
	before, err := c.AlarmRules(ctx, inst.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteRulesAdded(t, s, inst.Name, before.Rules) })
	b.Open("/instances/" + i + "/alarms")
	within(t, b, 30*time.Second, chromedp.Click(chromedp.ID("create-defaults")), chromedp.WaitVisible(chromedp.ID("defaults-added")))
	after, err := c.AlarmRules(ctx, inst.Name)
	if err != nil || len(after.Rules) < 3 {
		t.Fatalf("after the click the instance has %d rules (%v), want DMS's defaults", len(after.Rules), err)
	}
	listed := Eval[[]string](b, `Array.from(document.querySelectorAll('tr[data-rule]')).map(tr => tr.dataset.rule)`)
	for _, r := range after.Rules {
		if !slices.Contains(listed, r.Name) {
			t.Errorf("rule %s is not listed (%q)", r.Name, listed)
		}
	}
	b.Accessibility("alarms")
	b.Screenshot("alarms")

	// An alarm channel to a local webhook, made in the browser.
	rc := &receiver{secret: "console-groups-signing-secret"}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	const channel = "console-groups-hook"
	// The rules go first: a channel a rule names cannot be deleted.
	t.Cleanup(func() {
		deleteRulesAdded(t, s, inst.Name, before.Rules)
		if err := c.DeleteAlarmChannel(context.Background(), channel); err != nil && !client.IsNotFound(err) {
			t.Errorf("delete channel %s: %v", channel, err)
		}
	})
	b.Open("/alarm-channels")
	within(t, b, 30*time.Second,
		chromedp.SendKeys(chromedp.ID("channel-name"), channel),
		chromedp.SetValue(chromedp.ID("channel-kind"), streamplane.ChannelWebhook),
		chromedp.SendKeys(chromedp.ID("channel-url"), hook.URL+"/alarms"),
		chromedp.SendKeys(chromedp.ID("channel-secret"), rc.secret),
		chromedp.Submit(chromedp.ID("channel-name")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-channel="`+channel+`"]`)),
	)
	if strings.Contains(Eval[string](b, `document.body.innerHTML`), rc.secret) {
		t.Errorf("the channel list shows the webhook's secret")
	}
	ch, err := c.AlarmChannel(ctx, channel)
	if err != nil || !ch.HasSecret || ch.URL != hook.URL+"/alarms" {
		t.Fatalf("channel %+v (%v)", ch, err)
	}
	b.Accessibility("alarm channels")
	b.Screenshot("alarm-channels")

	// A rule made in the browser that holds at once fires to the channel;
	// the channel's page shows the delivery.
	const rule = "console-groups-topics"
	b.Open("/instances/" + i + "/alarms")
	within(t, b, 30*time.Second,
		chromedp.Click(chromedp.CSS("details.card summary")),
		chromedp.SendKeys(chromedp.ID("rule-name"), rule),
		chromedp.SetValue(chromedp.ID("rule-metric"), "current_topics"),
		chromedp.SetValue(chromedp.ID("rule-op"), ">"),
		chromedp.SetValue(chromedp.ID("rule-threshold"), "0"),
		chromedp.SetValue(chromedp.ID("rule-periods"), "1"),
		chromedp.Click(chromedp.CSS(`.rule-form input[name="channels"][value="`+channel+`"]`)),
		chromedp.Submit(chromedp.ID("rule-name")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-rule="`+rule+`"]`)),
	)
	eventually(t, 6*metricsInterval, func() (bool, string) {
		got := rc.states()
		return slices.Contains(got, "firing "), fmt.Sprintf("webhook got %q, want a firing alarm", got)
	})
	b.Open("/alarm-channels/" + channel + "?status=delivered")
	if st := b.Text("table .badge"); st != "delivered" {
		t.Errorf("the channel's delivery log shows %q, want delivered", st)
	}
	b.Accessibility("alarm channel deliveries")
	b.Screenshot("alarm-channel")
	b.Open("/instances/" + i + "/alarms?state=firing")
	if !strings.Contains(b.Text("table.alarms"), rule) {
		t.Errorf("the alarm history lists no firing alarm of %s", rule)
	}
	b.Screenshot("alarms-history")

	// Deleting the group, confirmed by name: the list says it went.
	b.Open("/instances/" + i + "/groups/" + url.PathEscape(group))
	within(t, b, 30*time.Second, chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	wantDialog(t, b, "Delete consumer group "+group+" of instance "+inst.Name+"?")
	if _, err := c.Group(ctx, inst.Name, group); !client.IsNotFound(err) {
		t.Errorf("after the deletion the group answers %v, want NOT_FOUND", err)
	}
}

// within runs browser steps that wait for a page's answer, for at most
// d; on failure it shows what the page says instead.
func within(t *testing.T, b *Browser, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		show, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		text, _ := chromedp.Run(show, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("browser (within %s): %v at %s; the page says:\n%s", d, err, b.Location(), text)
	}
}

// wantDialog checks that a confirmation naming what it asked about was
// shown.
func wantDialog(t *testing.T, b *Browser, prefix string) {
	t.Helper()
	if !slices.ContainsFunc(b.Dialogs(), func(d string) bool { return strings.HasPrefix(d, prefix) }) {
		t.Errorf("no confirmation %q…; confirmations: %q", prefix, b.Dialogs())
	}
}

// waitChartPoints opens a page until the chart sel has drawn points (app.js
// sets data-points once it has the data), for at most 90 s: the collector
// adds a point every metricsInterval.
func waitChartPoints(t *testing.T, b *Browser, path, sel string) {
	t.Helper()
	eventually(t, 90*time.Second, func() (bool, string) {
		b.Open(path)
		// In the page: wait up to 10 s for the chart's data to arrive.
		n := Eval[int](b, `new Promise(done => {
			const t0 = Date.now();
			(function check() {
				const el = document.querySelector(`+"`"+sel+"`"+`);
				if (el && el.hasAttribute("data-points")) return done(parseInt(el.getAttribute("data-points"), 10));
				if (Date.now() - t0 > 10000) return done(-1);
				setTimeout(check, 100);
			})();
		})`)
		return n > 0, fmt.Sprintf("chart %s on %s has %d points (-1: not loaded)", sel, path, n)
	})
}

// deleteRulesAdded removes the alarm rules a test added to the shared
// instance, so no other test meets their alarms.
func deleteRulesAdded(t *testing.T, s *Server, instance string, before []*streamplane.AlarmRule) {
	ctx := context.Background()
	now, err := s.Client.AlarmRules(ctx, instance)
	if err != nil {
		t.Errorf("alarm rules: %v", err)
		return
	}
	for _, r := range now.Rules {
		if !slices.ContainsFunc(before, func(o *streamplane.AlarmRule) bool { return o.ID == r.ID }) {
			if err := s.Client.DeleteAlarmRule(ctx, instance, r.ID); err != nil {
				t.Errorf("delete rule %s: %v", r.Name, err)
			}
		}
	}
}
