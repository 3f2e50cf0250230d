package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/wire"
)

// Topics and messages in the console, in a real browser on the suite's
// shared instance: a topic created through the form, its partitions and
// Kafka Manager's summary; a message sent through the form, found by time
// and shown pretty-printed; a hostile key and body shown as text; the live
// tail showing a record produced meanwhile; a batch deletion confirmed.
func TestConsoleTopics(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	topic := "console-topics-orders"
	extra := "console-topics-extra"
	t.Cleanup(func() {
		for _, name := range []string{topic, extra} {
			s.Client.DeleteTopic(context.Background(), inst.Name, name)
		}
	})
	i := "/instances/" + url.PathEscape(inst.Name)

	b := NewBrowser(t, s)
	b.SignInWithToken(s.Token)

	// Create through the form: a refusal first, beside its field.
	b.Open(i + "/create-topic")
	b.Do(
		chromedp.SendKeys(chromedp.ID("name"), "__reserved"),
		chromedp.Click(chromedp.CSS(`.topic-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("err-name")),
	)
	if got := b.Text("#err-name"); !strings.Contains(got, "reserved") {
		t.Errorf("the reserved name's refusal says %q", got)
	}
	b.Accessibility("create topic, refused")
	b.Do(
		chromedp.Clear(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), topic),
		chromedp.SetValue(chromedp.ID("partitions"), "3"),
		chromedp.SetValue(chromedp.ID("replicas"), "3"),
		chromedp.Click(chromedp.CSS(`.topic-form button[type="submit"]`)),
	)
	b.DoWithin(time.Minute, chromedp.Poll[chromedp.Void](`location.pathname.includes("/topics/`+topic+`") || location.pathname.startsWith("/tasks/")`,
		chromedp.WithPollingTimeout(time.Minute)))
	if loc := b.Location(); strings.Contains(loc, "/tasks/") {
		// A slow creation answers with its task (area A's page); follow it here.
		id := loc[strings.LastIndex(loc, "/")+1:]
		if _, err := s.Client.WaitTask(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
		b.Open(i + "/topics/" + topic)
	}
	b.Do(chromedp.WaitVisible(chromedp.CSS("#partitions table")))
	if h := b.Text("main h1"); !strings.Contains(h, topic) {
		t.Fatalf("after creating, the page says %q", h)
	}
	rows := Eval[[][]string](b, `[...document.querySelectorAll("#partitions tbody tr")].map(r => [...r.cells].map(c => c.textContent.trim()))`)
	if len(rows) != 3 {
		t.Fatalf("the topic page shows %d partitions, want 3: %q", len(rows), rows)
	}
	for _, r := range rows {
		if r[1] == "none" || r[1] == "" || len(strings.Split(r[2], ",")) != 3 || len(strings.Split(r[3], ",")) != 3 {
			t.Errorf("partition row %q: want a leader, 3 replicas and 3 in sync", r)
		}
	}
	gauges := Eval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll("[data-gauge]")].map(g => [g.dataset.gauge, g.querySelector(".value").textContent + " " + g.querySelector(".badge").className]))`)
	for name, want := range map[string]string{"Brokers spread": "100% badge ok", "Under-replicated": "0% badge ok", "Brokers skewed": "0% badge ok"} {
		if gauges[name] != want {
			t.Errorf("summary %s shows %q, want %q (all: %v)", name, gauges[name], want, gauges)
		}
	}
	if p := gauges["Preferred replicas"]; !strings.HasSuffix(p, "badge ok") && !strings.HasSuffix(p, "badge busy") {
		t.Errorf("preferred replicas shows %q", p)
	}
	if n := Eval[int](b, `document.querySelectorAll("#by-broker tbody tr").length`); n != 3 {
		t.Errorf("partitions by broker shows %d brokers, want 3", n)
	}
	if code := b.Text(".sample-code"); !strings.Contains(code, topic) {
		t.Errorf("the sample code does not name the topic:\n%s", code)
	}
	b.Accessibility("topic page")

	// Send a JSON message through the form; its page pretty-prints it.
	b.Open(i + "/topics/" + topic + "/send")
	before := time.Now().UTC().Add(-time.Minute)
	b.Do(
		chromedp.SendKeys(chromedp.ID("key"), "order-1"),
		chromedp.SetValue(chromedp.ID("value"), `{"id":1,"items":["tea","cake"]}`),
		chromedp.SetValue(chromedp.ID("headers"), "source: console-test"),
	)
	b.Screenshot("topics-send")
	b.Accessibility("send form")
	b.Do(chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("[data-message-body]")))
	if body := b.Text("[data-message-body]"); !strings.Contains(body, "\n  \"id\": 1,") {
		t.Errorf("the JSON body is not pretty-printed:\n%s", body)
	}

	// Find it in the browser by time range, oldest first, and open it.
	after := time.Now().UTC().Add(time.Minute)
	b.Open(i + "/messages")
	b.Do(
		chromedp.SetValue(chromedp.ID("topic"), topic),
		chromedp.SetValue(chromedp.ID("order"), "oldest"),
		chromedp.SetValue(chromedp.ID("from"), before.Format("2006-01-02T15:04:05")),
		chromedp.SetValue(chromedp.ID("to"), after.Format("2006-01-02T15:04:05")),
		chromedp.Click(chromedp.CSS(`.message-query button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".message-table tbody tr")),
	)
	if row := b.Text(".message-table tbody tr"); !strings.Contains(row, "order-1") || !strings.Contains(row, `"items"`) {
		t.Errorf("the browser's first row is %q, want the message sent", row)
	}
	b.Screenshot("topics-messages")
	b.Accessibility("message browser")
	b.Do(chromedp.Click(chromedp.CSS(".message-table tbody tr td:nth-child(2) a")), chromedp.WaitVisible(chromedp.CSS("[data-message-body]")))
	if body := b.Text("[data-message-body]"); !strings.Contains(body, "\"tea\"") {
		t.Errorf("the message opened from the browser shows:\n%s", body)
	}
	if h := b.Text("#headers-h + .table-wrap td"); h != "source" {
		t.Errorf("the first header is %q, want source", h)
	}
	b.Screenshot("topics-message")
	b.Accessibility("message page")

	// A hostile key and body stay text.
	hostileKey := `<script>window.pwnedKey=1</script>`
	hostileBody := `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`
	b.Open(i + "/topics/" + topic + "/send")
	b.Do(
		chromedp.SetValue(chromedp.ID("key"), hostileKey),
		chromedp.SetValue(chromedp.ID("value"), hostileBody),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-message-body]")),
	)
	checkInert(t, b, hostileBody, hostileKey)
	b.Open(i + "/messages?topic=" + topic)
	b.Do(chromedp.WaitVisible(chromedp.CSS(".message-table tbody tr")))
	checkInert(t, b, `<script>window.pwned=1</script>`, hostileKey)

	// A body over 4 KB is cut, with a download of the whole; it is found
	// by its offset too.
	big := strings.Repeat("0123456789", 500)
	sent, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Value: &big})
	if err != nil {
		t.Fatal(err)
	}
	b.Open(fmt.Sprintf("%s/messages?topic=%s&partition=%d&from_offset=%d&to_offset=%d", i, topic, sent.Partition, sent.Offset, sent.Offset))
	b.Do(chromedp.WaitVisible(chromedp.CSS(".message-table tbody tr")))
	if n := Eval[int](b, `document.querySelectorAll(".message-table tbody tr").length`); n != 1 {
		t.Errorf("the search by offset found %d rows, want 1", n)
	}
	b.Do(chromedp.Click(chromedp.CSS(".message-table tbody tr td:nth-child(2) a")), chromedp.WaitVisible(chromedp.CSS("[data-message-body]")))
	if got := b.Text("#body-h ~ .notice"); !strings.Contains(got, "first 4 KB") {
		t.Errorf("the cut body's notice says %q", got)
	}
	if n := len(b.Text("[data-message-body]")); n != 4096 {
		t.Errorf("the page shows %d bytes of the body, want 4096", n)
	}
	if got := Eval[string](b, `fetch(document.querySelector("#body-h ~ .notice a[download]").href).then(r => r.text())`); got != big {
		t.Errorf("the download is %d bytes, want the whole %d", len(got), len(big))
	}
	// Bytes that are not UTF-8 show as hex and base64.
	bin := base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0x00, 'A'})
	sent, err = s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{ValueBase64: &bin})
	if err != nil {
		t.Fatal(err)
	}
	b.Open(fmt.Sprintf("%s/topics/%s/messages/%d/%d", i, topic, sent.Partition, sent.Offset))
	if hex := b.Text(`pre[aria-label="body as hex"]`); !strings.Contains(hex, "ff fe 00 41") {
		t.Errorf("the binary body's hex is %q", hex)
	}
	if got := b.Text(`pre[aria-label="body as base64"]`); got != bin {
		t.Errorf("the binary body's base64 is %q, want %q", got, bin)
	}

	// The live tail shows a record produced while it runs.
	b.Open(i + "/topics/" + topic + "/live")
	b.DoWithin(30*time.Second, chromedp.Poll[chromedp.Void](`document.getElementById("tail-status").textContent.startsWith("Tailing")`,
		chromedp.WithPollingTimeout(30*time.Second)))
	nonce := fmt.Sprintf("tail-%d", time.Now().UnixNano())
	value := `<script>window.pwnedTail=1</script>` + nonce
	if _, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Value: &value}); err != nil {
		t.Fatal(err)
	}
	b.DoWithin(30*time.Second, chromedp.Poll[chromedp.Void](`[...document.querySelectorAll("tbody[data-tail] tr")].some(r => r.textContent.includes("`+nonce+`"))`,
		chromedp.WithPollingTimeout(30*time.Second)))
	checkInert(t, b, `<script>window.pwnedTail=1</script>`, "")
	if got := b.Text("#tail-status"); !strings.Contains(got, "1 record so far") {
		t.Errorf("the tail's status says %q", got)
	}
	b.Screenshot("topics-tail")
	b.Accessibility("live tail")

	// A group with an offset committed in one partition of three covers a
	// third of the topic.
	group := "console-topics-group"
	t.Cleanup(func() { s.Client.DeleteGroup(context.Background(), inst.Name, group) })
	one := int32(0)
	// On a fresh instance the group coordinator (__consumer_offsets) may
	// still be coming up.
	err = poll.Until(ctx, time.Second, time.Minute, func(ctx context.Context) error {
		_, err := s.Client.ResetOffsets(ctx, inst.Name, group, streamplane.OffsetResetRequest{Topic: topic, Partition: &one, To: streamplane.ResetEarliest})
		if err != nil && streamplane.ErrorCode(err) != streamplane.EUNAVAILABLE {
			return poll.Stop(err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	detail, err := s.Client.Topic(ctx, inst.Name, topic)
	if err != nil {
		t.Fatal(err)
	}
	lag := detail.Partitions[0].EndOffset - detail.Partitions[0].StartOffset
	b.Open(i + "/topics/" + topic)
	row := Eval[[]string](b, `[...document.querySelectorAll("#consumers tbody tr")].filter(r => r.cells[0].textContent.trim() === "`+group+`").flatMap(r => [...r.cells].map(c => c.textContent.trim()))`)
	if len(row) != 4 || !strings.HasPrefix(row[2], "33% (1 of 3 partitions)") || row[3] != fmt.Sprint(lag) {
		t.Errorf("the consumers table shows %q, want %s covering 33%% with lag %d", row, group, lag)
	}

	// The settings form changes the retention.
	b.Do(
		chromedp.SetValue(chromedp.CSS(`#settings input[name="retention_hours"]`), "48"),
		chromedp.Click(chromedp.CSS(`#settings button[type="submit"]`)),
	)
	b.DoWithin(time.Minute, chromedp.WaitVisible(chromedp.CSS(`.notice[role="status"]`)))
	if got := b.Text(`.notice[role="status"]`); !strings.Contains(got, "saved") {
		t.Errorf("after saving the page says %q", got)
	}
	if d, err := s.Client.Topic(ctx, inst.Name, topic); err != nil {
		t.Error(err)
	} else if d.Topic.RetentionHours != 48 {
		t.Errorf("after saving, the topic keeps data %d hours, want 48", d.Topic.RetentionHours)
	}
	b.Screenshot("topics-topic")

	// The list: filter, select every topic of the test, delete them after
	// the confirmation naming them.
	if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: extra, Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	b.Open(i + "/topics?name=console-topics")
	b.Do(chromedp.WaitVisible(chromedp.CSS(".topic-table tbody tr")))
	names := Eval[[]string](b, `[...document.querySelectorAll(".topic-table tbody input[name=topic]")].map(b => b.value)`)
	if !slices.Equal(names, []string{extra, topic}) {
		t.Fatalf("the filtered list offers %q, want the test's two topics", names)
	}
	if csv := Eval[string](b, `document.querySelector('a[download]').getAttribute("href")`); csv != i+"/topics.csv?name=console-topics&" {
		t.Errorf("the CSV link is %q", csv)
	}
	b.Screenshot("topics-list")
	b.Accessibility("topic list")
	b.AcceptDialogs()
	b.Do(
		chromedp.Click(chromedp.CSS(`[data-select-all="topic"]`)),
		chromedp.Click(chromedp.CSS(`form[data-confirm-topics] button.danger`)),
	)
	b.DoWithin(time.Minute, chromedp.WaitVisible(chromedp.CSS(`.notice[role="status"]`)))
	if got := b.Text(`.notice[role="status"]`); !strings.Contains(got, "Deleted 2 topics") {
		t.Errorf("after the deletion the list says %q", got)
	}
	dialogs := b.Dialogs()
	want := "Delete 2 topics: " + extra + ", " + topic + " of instance " + inst.Name + "? Their messages are lost."
	if len(dialogs) == 0 || dialogs[0] != want {
		t.Errorf("the confirmation asked %q, want %q", dialogs, want)
	}
	list, err := s.Client.Topics(ctx, inst.Name, client.TopicListOptions{Name: "console-topics"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Topics) != 0 {
		t.Errorf("after the deletion the instance still has %v", list.Topics)
	}
}

// checkInert fails unless the page's main holds no script element, no
// hostile image ran, and the hostile texts show as text.
func checkInert(t *testing.T, b *Browser, texts ...string) {
	t.Helper()
	if n := Eval[int](b, `document.querySelectorAll("main script, main img").length`); n != 0 {
		t.Errorf("%d script or img elements in main at %s", n, b.Location())
	}
	if Eval[bool](b, `Boolean(window.pwned || window.pwnedKey || window.pwnedTail)`) {
		t.Errorf("hostile script ran at %s", b.Location())
	}
	text := b.Text("main")
	for _, s := range texts {
		if s != "" && !strings.Contains(text, s) {
			t.Errorf("the page does not show %q as text at %s", s, b.Location())
		}
	}
}

// A ReadOnlyAccess user, signed in with a password, reads the topic list,
// a topic and its messages with no control that changes anything.
func TestConsoleTopicsReadOnly(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	const topic, user, password = "console-topics-read", "console-b-reader", "Reader-Pass-42"
	if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: topic, Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Client.DeleteTopic(context.Background(), inst.Name, topic) })
	if _, err := s.Client.CreateIAMUser(ctx, streamplane.AccountSpec{Name: user, Password: password}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Client.DeleteIAMUser(context.Background(), user) })
	if _, err := s.Client.AttachPolicy(ctx, user, wire.AttachmentSpec{Policy: iam.ReadOnlyAccess, Project: streamplane.AllProjects}); err != nil {
		t.Fatal(err)
	}
	b := NewBrowser(t, s)
	b.SignIn(user, password)
	i := "/instances/" + url.PathEscape(inst.Name)
	for _, path := range []string{i + "/topics", i + "/topics/" + topic, i + "/messages?topic=" + topic, i + "/topics/" + topic + "/send"} {
		b.Open(path)
		b.DoWithin(30*time.Second, chromedp.WaitVisible(chromedp.CSS("main h1")))
		if n := Eval[int](b, `document.querySelectorAll('main form[method="post"] button, main input[type="checkbox"][name="topic"], main a[href$="/create-topic"], main a[href$="/send"]').length`); n != 0 {
			t.Errorf("%s: a read-only user sees %d change controls", path, n)
		}
	}
	b.Open(i + "/topics/" + topic)
	if n := Eval[int](b, `document.querySelectorAll("#partitions tbody tr").length`); n != 2 {
		t.Errorf("a read-only user sees %d partitions, want 2", n)
	}
	b.Accessibility("topic page, read-only")
}
