package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/poll"
)

// Kafka users and topic permissions through the console, on the shared
// SASL_SSL instance, proven with a stock client signing in as the user:
// a user made in the browser signs in and uses the open topic; a read-only grant made in the
// browser closes the topic to its writes; read and write lets it through;
// revoking in the browser opens the topic again; deleting the user in the
// browser removes it.
func TestConsoleKafkaGrants(t *testing.T) {
	s, inst := sharedSecureInstance(t)
	ctx := context.Background()
	const topic = "console-grants-orders"
	u := kafkaUser{name: "console-grants-app", password: "Grants-Pass-42"}
	permTopic(t, s, inst, topic)
	cleanupUsers(t, s, inst, u.name)
	pool, _ := caPool(t, s, inst.Name)
	a := access{t: t, inst: inst, pool: pool, topic: topic, mechanism: streamplane.MechanismSCRAM}

	b := NewBrowser(t, s)
	b.SignInWithToken(s.Token)
	b.AcceptDialogs()
	users := "/instances/" + inst.Name + "/users"
	b.Open(users)
	b.set(`form[action$="/users"] button[type=submit]`, "ku-name", u.name, "ku-password", u.password)
	b.waitFor(time.Minute, "the user created", `location.pathname.startsWith("/tasks/") ? `+mainHas("SUCCEEDED")+` : document.querySelector('form[action$="/users/`+u.name+`/delete"]') !== null`)
	if _, err := s.Client.KafkaUser(ctx, inst.Name, u.name); err != nil {
		t.Fatalf("the user made in the browser: %v", err)
	}

	// A change answers at once, or as a task the console then shows
	// live: wait for either to be done, then for the API to agree.
	done := `location.pathname.startsWith("/tasks/") ? ` + mainHas("SUCCEEDED") + ` : location.search.includes("topic=")`
	grant := func(permission string) {
		t.Helper()
		b.Open(users)
		b.set(`form[action$="/grants"] button[type=submit]`, "g-user", u.name, "g-topic", topic, "g-permission", permission)
		b.waitFor(time.Minute, "the grant done", done)
		err := poll.Until(ctx, 500*time.Millisecond, 30*time.Second, func(ctx context.Context) error {
			tg, err := s.Client.TopicGrants(ctx, inst.Name, topic)
			if err == nil && (tg.Open || len(tg.Grants) != 1 || tg.Grants[0].User != u.name || string(tg.Grants[0].Permission) != permission) {
				err = fmt.Errorf("grants %+v", tg)
			}
			return err
		})
		if err != nil {
			t.Fatalf("the %s grant made in the browser: %v", permission, err)
		}
		b.Open(users + "?topic=" + topic + "#grants")
		row := `form[action$="/grants/revoke"]:has(input[name=user][value="` + u.name + `"])`
		if got := Eval[string](b, `document.querySelector('`+row+`').closest("tr").textContent`); !strings.Contains(got, permission) {
			t.Errorf("the grants table's row of %s says %q, want %s", u.name, got, permission)
		}
	}
	a.want(u, true, true) // the user signs in; the topic is open to every user
	grant(string(streamplane.PermissionSubscribe))
	a.want(u, false, true) // Kafka refuses its writes now
	grant(string(streamplane.PermissionPublishSubscribe))
	a.want(u, true, true)
	b.Screenshot("access-users-sasl")
	b.Accessibility("SASL users and grants")

	b.Do(chromedpClick(`form[action$="/grants/revoke"]:has(input[name=user][value="` + u.name + `"]) button`))
	b.waitFor(time.Minute, "the revoke done", done)
	err := poll.Until(ctx, 500*time.Millisecond, 30*time.Second, func(ctx context.Context) error {
		tg, err := s.Client.TopicGrants(ctx, inst.Name, topic)
		if err == nil && (!tg.Open || len(tg.Grants) > 0) {
			err = fmt.Errorf("grants %+v", tg)
		}
		return err
	})
	if err != nil {
		t.Fatalf("revoking in the browser: %v", err)
	}

	b.Open(users)
	b.Do(chromedpClick(`form[action$="/users/` + u.name + `/delete"] button`))
	b.waitFor(time.Minute, "the delete done", `location.pathname.startsWith("/tasks/") ? `+mainHas("SUCCEEDED")+` : document.querySelector('form[action$="/users/`+u.name+`/delete"]') === null`)
	err = poll.Until(ctx, 500*time.Millisecond, 30*time.Second, func(ctx context.Context) error {
		if _, err := s.Client.KafkaUser(ctx, inst.Name, u.name); !client.IsNotFound(err) {
			return fmt.Errorf("the API answers %v, want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Errorf("after deleting in the browser: %v", err)
	}
	if n := len(b.Dialogs()); n != 2 {
		t.Errorf("%d confirmations asked (%q), want one for the revoke and one for the delete", n, b.Dialogs())
	}
}
