package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
)

// Partition reassignment in the console, on real brokers, then a broker's
// page and the Kafka versions: a topic of one
// replica per partition is previewed onto brokers 0 and 1 with two
// replicas (nothing moves), then applied after the confirmation, and the
// topic ends with two replicas of every partition on those brokers.
func TestConsoleReassign(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	const topic = "console-reassign"
	if _, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: topic, Partitions: 3, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Client.DeleteTopic(context.Background(), inst.Name, topic) })

	b := NewBrowser(t, s)
	b.SignInWithToken(s.Token)
	b.AcceptDialogs()
	b.Open("/instances/" + inst.Name + "/topics/" + topic)
	b.Do(chromedpClick(`a[href$="/topics/` + topic + `/reassign"]`))
	b.waitFor(30*time.Second, "the reassignment form", `document.getElementById("ra-replicas") !== null`)
	choose := `(() => {
		document.querySelectorAll('input[name=brokers]').forEach(c => { c.checked = c.value === "0" || c.value === "1"; });
		document.getElementById("ra-replicas").value = "2";
		document.querySelector('button[name=dry_run][value=%s]').click();
		return true; })()`
	Eval[bool](b, fmt.Sprintf(choose, "true"))
	b.waitFor(30*time.Second, "the preview", mainHas("Preview: nothing has moved yet"))
	if d, err := s.Client.Topic(ctx, inst.Name, topic); err != nil || len(d.Partitions[0].Replicas) != 1 {
		t.Fatalf("after the preview the topic has %+v (%v); want it untouched", d, err)
	}
	b.Screenshot("topics-reassign-preview")
	b.Accessibility("reassignment preview")

	Eval[bool](b, fmt.Sprintf(choose, "false"))
	b.waitFor(2*time.Minute, "the moves applied", `location.pathname.startsWith("/tasks/") ? `+mainHas("SUCCEEDED")+` : `+mainHas("Applied"))
	err := poll.Until(ctx, time.Second, time.Minute, func(ctx context.Context) error {
		d, err := s.Client.Topic(ctx, inst.Name, topic)
		if err != nil {
			return err
		}
		for _, p := range d.Partitions {
			if len(p.Replicas) != 2 || !slices.ContainsFunc(p.Replicas, func(r int32) bool { return r == 0 }) || !slices.ContainsFunc(p.Replicas, func(r int32) bool { return r == 1 }) {
				return fmt.Errorf("partition %d has replicas %v, want 0 and 1", p.Partition, p.Replicas)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("after applying in the browser: %v", err)
	}
	if d := b.Dialogs(); len(d) != 1 || d[0] != "Move the replicas of topic "+topic+" of instance "+inst.Name+" as planned?" {
		t.Errorf("confirmations asked: %q, want one naming the topic and the instance", d)
	}
	b.Open("/instances/" + inst.Name + "/reassignments")
	b.Accessibility("moves in progress")

	// A broker's page shows its log, as the API reads it.
	b.Open("/instances/" + inst.Name)
	b.Do(chromedpClick(`a[href$="/brokers/0"]`))
	b.waitFor(30*time.Second, "broker 0's log", `document.querySelector("main pre") !== null && document.querySelector("main pre").textContent.includes("INFO")`)
	b.Screenshot("instance-broker")
	b.Accessibility("broker page")
	b.Open("/runtimes")
	if got := b.Text("main tbody"); !strings.Contains(got, inst.Version) {
		t.Errorf("the Kafka versions page does not list %s:\n%s", inst.Version, got)
	}
	b.Screenshot("runtimes")
	b.Accessibility("Kafka versions")
}
