package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/wire"

	"github.com/chromedp/chromedp"
)

// An instance's whole life in the console, in a real browser: the wizard
// refuses a bad name beside the field, creates a 1-broker PLAINTEXT
// instance whose task page and instance page go live to RUNNING; the
// instance page shows its broker and a copyable bootstrap address; a
// parameter changes live; the instance is deleted through its
// confirmation and its delete task runs to the end.
func TestConsoleInstances(t *testing.T) {
	s, _ := sharedInstance(t)
	const name = "console-wizard"
	t.Cleanup(func() { deleteIfLeft(t, s, name) })

	b := NewBrowser(t, s)
	b.SignInWithToken(s.Token)
	b.Open("/instances")
	b.Screenshot("instances-list")
	b.Accessibility("instance list")

	// The wizard: a refusal first, beside its field, the values kept.
	b.Open("/instances/new")
	b.Do(
		chromedp.SendKeys(chromedp.ID("name"), "x"),
		chromedp.SendKeys(chromedp.ID("description"), "made by the console test"),
		chromedp.Click(chromedp.CSS(`input[name="version"][value="`+kafkaVersion+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="flavor"][value="`+streamplane.DevFlavor+`"]`)),
		chromedp.SetValue(chromedp.ID("broker_count"), "1"),
		chromedp.SetValue(chromedp.ID("storage_gb_per_broker"), "10"),
	)
	// One broker, one zone.
	for _, z := range []string{"az2", "az3"} {
		if Eval[bool](b, `document.querySelector('input[name="zones"][value="`+z+`"]').checked`) {
			b.Do(chromedp.Click(chromedp.CSS(`input[name="zones"][value="` + z + `"]`)))
		}
	}
	if !Eval[bool](b, `document.querySelector('input[name="zones"][value="az1"]').checked`) {
		b.Do(chromedp.Click(chromedp.CSS(`input[name="zones"][value="az1"]`)))
	}
	if Eval[bool](b, `!document.querySelector("[data-sasl-fields]").hidden`) {
		t.Errorf("the SASL fields show while PLAINTEXT is chosen")
	}
	b.Screenshot("instance-wizard")
	b.Accessibility("create wizard")
	b.Do(chromedp.Click(chromedp.CSS(`form.wizard button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("err-name")))
	if got := b.Text("#err-name"); !strings.Contains(got, "4–64 characters") {
		t.Errorf("the name's refusal says %q", got)
	}
	// The page's scripts move the focus once it has loaded, a moment
	// after the refusal shows.
	b.waitFor(10*time.Second, "the focus on the refused name field", `document.activeElement !== null && document.activeElement.id === "name"`)
	if d := Eval[string](b, `document.getElementById("description").value`); d != "made by the console test" {
		t.Errorf("after the refusal the description is %q, want the user's", d)
	}
	b.Screenshot("instance-wizard-refused")
	b.Accessibility("create wizard with a refusal")

	// Now valid: the instance page follows the creation live.
	b.Do(
		chromedp.Clear(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.Click(chromedp.CSS(`form.wizard button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#live table.tasks a`)),
	)
	if loc := b.Location(); !strings.HasSuffix(loc, "/instances/"+name) {
		t.Fatalf("after creating, the browser is at %s", loc)
	}
	b.Screenshot("instance-creating")
	b.Do(chromedp.Click(chromedp.CSS(`#live table.tasks a`)), chromedp.WaitVisible(chromedp.CSS(`ol.steps`)))
	if h := b.Text("main h1"); h != "Task create_instance" {
		t.Errorf("the task link opened %q", h)
	}
	b.Screenshot("task-running")
	b.DoWithin(4*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#task [data-status="SUCCEEDED"]`)))
	if n := Eval[int](b, `document.querySelectorAll("ol.steps li.ok").length`); n == 0 {
		t.Errorf("the finished task shows no done steps")
	}
	b.Screenshot("task")
	b.Accessibility("task page")

	b.Open("/instances/" + name)
	b.DoWithin(time.Minute, chromedp.WaitVisible(chromedp.CSS(`#live [data-status="RUNNING"]`)))
	inst, err := s.Client.Instance(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if n := Eval[int](b, `document.querySelectorAll("table.brokers tbody tr").length`); n != 1 {
		t.Errorf("the instance page shows %d brokers, want 1", n)
	}
	if state := b.Text("table.brokers tbody tr .badge"); state != "ACTIVE" {
		t.Errorf("the broker is shown %q, want ACTIVE", state)
	}
	addr := Eval[string](b, `document.querySelector(".listeners [data-copy]").getAttribute("data-copy")`)
	if want := inst.BootstrapServers[streamplane.ListenerPrivatePlaintext]; addr == "" || addr != want {
		t.Errorf("the copy button copies %q, want the bootstrap servers %q", addr, want)
	}
	if Eval[bool](b, `document.getElementById("live").hasAttribute("hx-trigger")`) {
		t.Errorf("the live section still polls with nothing running")
	}
	b.Screenshot("instance")
	b.Accessibility("instance page")

	// A dynamic parameter, changed live.
	b.Open("/instances/" + name + "/parameters")
	b.Do(
		chromedp.SetValue(chromedp.CSS(`input[name="max.connections.per.ip"]`), "1500"),
		chromedp.Click(chromedp.CSS(`#params-form .actions button.primary`)),
	)
	b.DoWithin(2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`.notice[role="status"]`)))
	if got := b.Text(`.notice[role="status"]`); !strings.Contains(got, "max.connections.per.ip") {
		t.Errorf("after saving, the page says %q", got)
	}
	params, err := s.Client.Parameters(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := params.Parameter("max.connections.per.ip"); p.Value != "1500" {
		t.Errorf("max.connections.per.ip is %q after the change, want 1500", p.Value)
	}
	b.Screenshot("parameters")
	b.Accessibility("parameters page")

	b.Open("/tasks")
	b.Screenshot("task-list")
	b.Accessibility("task list")

	// Delete through the page's confirmation; its task runs to the end.
	b.AcceptDialogs()
	b.Open("/instances/" + name)
	b.Do(chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)), chromedp.WaitVisible(chromedp.CSS(`ol.steps`)))
	if !slices.ContainsFunc(b.Dialogs(), func(m string) bool { return strings.HasPrefix(m, "Delete instance "+name+"?") }) {
		t.Errorf("the delete asked %q, want a confirmation naming the instance", b.Dialogs())
	}
	b.DoWithin(3*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#task [data-status="SUCCEEDED"]`)))
	gone, err := s.Client.Instance(context.Background(), name)
	if err == nil && gone.Status != streamplane.InstanceDeleted {
		t.Errorf("after its delete task the instance is %s", gone.Status)
	} else if err != nil && !client.IsNotFound(err) {
		t.Error(err)
	}
}

// A ReadOnlyAccess user, signed in with a password in the browser, sees
// the shared instance's page and parameters without one button that
// changes anything, and the Create button is gone from the list.
func TestConsoleInstancesReadOnly(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	const user, password = "console-a-reader", "Reader-Pass-42"
	if _, err := s.Client.CreateIAMUser(ctx, streamplane.AccountSpec{Name: user, Password: password}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Client.DeleteIAMUser(context.Background(), user) })
	if _, err := s.Client.AttachPolicy(ctx, user, wire.AttachmentSpec{Policy: iam.ReadOnlyAccess, Project: streamplane.AllProjects}); err != nil {
		t.Fatal(err)
	}
	b := NewBrowser(t, s)
	b.SignIn(user, password)
	b.Open("/instances")
	if n := Eval[int](b, `document.querySelectorAll('a[href="/instances/new"]').length`); n != 0 {
		t.Errorf("a read-only user sees %d Create links", n)
	}
	for _, path := range []string{"/instances/" + inst.Name, "/instances/" + inst.Name + "/parameters"} {
		b.Open(path)
		b.DoWithin(30*time.Second, chromedp.WaitVisible(chromedp.CSS("main h1")))
		if n := Eval[int](b, `document.querySelectorAll('main form[method="post"], main input:not([type="hidden"]):not([name="name"]), main select').length`); n != 0 {
			t.Errorf("%s: a read-only user sees %d change controls", path, n)
		}
	}
	if n := Eval[int](b, `document.querySelectorAll("table.params tbody tr").length`); n == 0 {
		t.Errorf("a read-only user sees no parameters")
	}
	b.Screenshot("parameters-read-only")
	b.Accessibility("parameters page, read-only")
}

// deleteIfLeft deletes an instance a failed test left behind, once it is
// in a state that can be deleted.
func deleteIfLeft(t *testing.T, s *Server, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var inst *streamplane.Instance
	err := poll.Until(ctx, time.Second, 0, func(context.Context) error {
		var err error
		inst, err = s.Client.Instance(ctx, name)
		if err != nil {
			return poll.Stop(err)
		}
		if inst.Status.CanDelete() || inst.Status == streamplane.InstanceDeleted || inst.Status == streamplane.InstanceDeleting {
			return nil
		}
		return fmt.Errorf("instance %s is %s", name, inst.Status)
	})
	if err != nil || inst.Status == streamplane.InstanceDeleted || inst.Status == streamplane.InstanceDeleting {
		return
	}
	if inst.DeletionProtection {
		off := false
		s.Client.UpdateInstance(ctx, name, streamplane.InstanceUpdate{DeletionProtection: &off})
	}
	if task, err := s.Client.DeleteInstance(ctx, name); err == nil {
		s.Client.WaitTask(ctx, task.ID, nil)
	}
}
