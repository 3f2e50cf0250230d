package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/service/servicetest"
	"github.com/streamplane/streamplane/task"
)

// migSourcePassword is the source password the forms send: no page may
// ever show it.
const migSourcePassword = "Src-pass-7f3k"

// migrationEnv is newEnv whose migration tasks run with a stand-in for
// MirrorMaker, as the API's tests do (api/migrations_test.go): each change
// ends as the real one does (RUNNING, PAUSED or DELETED), except for
// migrations named stuck-*, whose task fails and leaves them busy. It
// holds two instances marked RUNNING without brokers: "demo" (SASL_SSL)
// and "plain" (PLAINTEXT). The status of a migration reads a source that
// refuses connections (127.0.0.1:1) and an instance that cannot be
// reached: the pages show what could not be read.
func migrationEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	svc := e.svc
	servicetest.StandInMirrors(svc)
	svc.Engine = &task.Engine{Store: svc.Store, Owner: "test", Workflows: svc.Workflows, StatusOf: api.StatusOf}
	svc.Admin = kafkaadmin.NewPool(func(context.Context, *streamplane.Instance) ([]string, streamplane.Credentials, error) {
		return nil, streamplane.Credentials{}, errors.New("the test's instance has no brokers")
	})
	for _, spec := range []streamplane.InstanceSpec{instanceSpec("demo", true), instanceSpec("plain", false)} {
		inst, create, err := svc.CreateInstance(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		// The create task is left aside and the instance marked RUNNING,
		// as if its brokers had started.
		err = svc.Store.Update(context.Background(), func(tx streamplane.Tx) error {
			tk, err := tx.Task(create.ID)
			if err != nil {
				return err
			}
			tk.Status = streamplane.TaskFailed
			if err := tx.UpdateTask(tk); err != nil {
				return err
			}
			i, err := tx.Instance(inst.ID)
			if err != nil {
				return err
			}
			i.Status = streamplane.InstanceRunning
			return tx.UpdateInstance(i)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func instanceSpec(name string, sasl bool) streamplane.InstanceSpec {
	spec := streamplane.InstanceSpec{Name: name, Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster",
		BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
	if sasl {
		spec.SecurityProtocol, spec.KafkaUser, spec.KafkaPassword = streamplane.ProtocolSASLSSL, "appuser", "App-pass-42x"
	}
	return spec
}

// migrationForm is a valid new migration from a SASL_SSL source.
func migrationForm(csrf, name string) url.Values {
	return url.Values{"_csrf": {csrf}, "name": {name}, "source.bootstrap_servers": {"127.0.0.1:1"},
		"source.security_protocol": {"SASL_SSL"}, "source.sasl_mechanism": {"SCRAM-SHA-256"}, "source.username": {"mirror"},
		"source.password": {migSourcePassword}, "topics": {"orders,payments\\..*"}, "groups": {"billing"}, "sync_topic_configs": {"true"}}
}

// Every refusal of the new-migration form is shown beside the field the
// API names, with what the user typed kept, but never the password.
func TestMigrationFormRefusals(t *testing.T) {
	e := migrationEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")

	resp, page := b.get("/instances/demo/migrations")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "No migrations into this instance") {
		t.Fatalf("the empty list answered %d:\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `href="/instances/demo/migrations" aria-current="page">Migrations</a>`) {
		t.Errorf("the instance's tabs lack a current Migrations tab:\n%s", page)
	}
	checkNoInline(t, "/instances/demo/migrations", page)
	checkLabelled(t, "/instances/demo/migrations", page)
	if !strings.Contains(page, `name="source.password" type="password"`) {
		t.Errorf("the password field is not a password input:\n%s", page)
	}

	cases := []struct {
		name   string
		mutate func(url.Values)
		field  string
		status int
	}{
		{"Name", func(f url.Values) { f.Set("name", "Move") }, "name", 400},
		{"BootstrapNoPort", func(f url.Values) { f.Set("source.bootstrap_servers", "old-kafka.example") }, "source.bootstrap_servers", 400},
		{"NoUser", func(f url.Values) { f.Del("source.username") }, "source.username", 400},
		{"NoPassword", func(f url.Values) { f.Del("source.password") }, "source.password", 400},
		{"CAWithoutTLS", func(f url.Values) {
			f.Set("source.security_protocol", "SASL_PLAINTEXT")
			f.Set("source.ca_pem", "-----BEGIN CERTIFICATE-----")
		}, "source.ca_pem", 400},
		{"Topics", func(f url.Values) { f.Set("topics", "orders,(") }, "topics", 400},
		{"Groups", func(f url.Values) { f.Set("groups", "[") }, "groups", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := migrationForm(csrf, "move-orders")
			tc.mutate(form)
			resp, page := b.do("POST", "/instances/demo/migrations", form)
			wantFieldError(t, tc.name, resp, page, tc.status, tc.field)
			if strings.Contains(page, migSourcePassword) {
				t.Errorf("the refused form shows the source password")
			}
			if !strings.Contains(page, `value="`+form.Get("name")+`"`) || !strings.Contains(page, `value="`+form.Get("topics")+`"`) {
				t.Errorf("the refused form lost the name or the topics typed:\n%s", page)
			}
			if !strings.Contains(page, "<details class=\"card\" open>") {
				t.Errorf("the refused form is folded away")
			}
		})
	}

	// A source with credentials into a PLAINTEXT instance: the API's 424
	// names the protocol.
	resp, page = b.do("POST", "/instances/plain/migrations", migrationForm(csrf, "move-orders"))
	wantFieldError(t, "a SASL source into a PLAINTEXT instance", resp, page, http.StatusFailedDependency, "source.security_protocol")
	if strings.Contains(page, migSourcePassword) {
		t.Errorf("the refused form shows the source password")
	}

	// Without the session's CSRF token nothing is created.
	form := migrationForm("forged", "move-orders")
	if resp, _ := b.do("POST", "/instances/demo/migrations", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a create with a forged CSRF token answered %d, want 403", resp.StatusCode)
	}
	if _, page := b.get("/instances/demo/migrations"); !strings.Contains(page, "No migrations into this instance") {
		t.Errorf("refused forms left a migration:\n%s", page)
	}
}

// A migration's life in the console: created and shown RUNNING with its
// status updating live, paused, its selection changed (refusals beside
// the fields), resumed, deleted; the source password never shows.
func TestMigrationPages(t *testing.T) {
	e := migrationEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	const show = "/instances/demo/migrations/move-orders"

	resp, _ := b.do("POST", "/instances/demo/migrations", migrationForm(csrf, "move-orders"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != show {
		t.Fatalf("create answered %d to %q, want 303 to the migration", resp.StatusCode, resp.Header.Get("Location"))
	}
	var pages []string
	_, list := b.get("/instances/demo/migrations")
	pages = append(pages, list)
	row := regexp.MustCompile(`(?s)<tr data-migration="move-orders">.*?</tr>`).FindString(list)
	for _, want := range []string{`href="` + show + `"`, `<span class="badge ok">RUNNING</span>`, "127.0.0.1:1", "SASL_SSL", `orders,payments\..*`, "billing"} {
		if !strings.Contains(row, want) {
			t.Errorf("the list's row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(list, `hx-trigger="every`) {
		t.Errorf("the list polls with no change under way")
	}

	// The log's tail, as MirrorMaker wrote it, escaped.
	m := migrationOf(t, e, "demo", "move-orders")
	dir := e.svc.Provisioner.(streamplane.MirrorRunner).MirrorDir(m)
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "logs", "server.log"), []byte("INFO started <MirrorSourceConnector>\nWARN lag\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	resp, page := b.get(show)
	pages = append(pages, page)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the migration's page answered %d:\n%s", resp.StatusCode, page)
	}
	checkNoInline(t, show, page)
	checkLabelled(t, show, page)
	for _, want := range []string{
		`data-state="RUNNING"`,
		`hx-get="` + show + `?fragment=status&state=RUNNING" hx-trigger="every 5s"`,
		"Part of the progress could not be read", // the source refuses connections
		`action="` + show + `/pause"`,
		`data-confirm="Delete migration move-orders of instance demo?`,
		`name="topics" value="orders,payments\..*"`,
		`name="sync_topic_configs" value="true" checked`,
		`INFO started &lt;MirrorSourceConnector&gt;`,
		`<pre class="log" tabindex="0" role="region"`,
		`id="migration-cutover"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the running migration's page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `action="`+show+`/resume"`) {
		t.Errorf("a running migration offers Resume")
	}

	// The poll answers the status part alone; when the state it showed
	// is no longer the migration's, it reloads the page.
	resp, frag := b.do("GET", show+"?fragment=status&state=RUNNING", nil, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag), `<div id="migration-status"`) || resp.Header.Get("HX-Refresh") != "" {
		t.Fatalf("the status poll answered %d %v:\n%s", resp.StatusCode, resp.Header, frag)
	}
	if resp, _ := b.do("GET", show+"?fragment=status&state=CREATING", nil, "HX-Request", "true"); resp.Header.Get("HX-Refresh") != "true" {
		t.Errorf("a poll that showed another state did not reload the page")
	}
	// The log and the cutover check are read again on their own.
	for part, want := range map[string]string{"log": `<div id="migration-log">`, "cutover": `<div id="migration-cutover">`} {
		resp, frag := b.do("GET", show+"?fragment="+part, nil, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag), want) || strings.Contains(frag, "migration-status") {
			t.Errorf("fragment %s answered %d:\n%s", part, resp.StatusCode, frag)
		}
	}

	resp, _ = b.do("POST", show+"/pause", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), show+"?done=") {
		t.Fatalf("pause answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.get(show)
	pages = append(pages, page)
	if !strings.Contains(page, `data-state="PAUSED"`) || !strings.Contains(page, `action="`+show+`/resume"`) ||
		strings.Contains(page, `action="`+show+`/pause"`) || strings.Contains(page, `hx-trigger="every`) {
		t.Errorf("the paused migration's page: want PAUSED, Resume, no Pause, no polling:\n%s", page)
	}
	// A pause of a paused migration: the API's 409 above the page.
	resp, page = b.do("POST", show+"/pause", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `<div class="alert" role="alert">migration move-orders is paused already</div>`) {
		t.Errorf("a second pause answered %d:\n%s", resp.StatusCode, page)
	}

	// The selection: a refusal beside its field, with what was typed;
	// a stale form refused above it; then saved.
	version := regexp.MustCompile(`name="resource_version" value="(\d+)"`).FindStringSubmatch(page)
	if version == nil {
		t.Fatalf("the update form carries no resource version:\n%s", page)
	}
	upd := url.Values{"_csrf": {csrf}, "resource_version": {version[1]}, "topics": {"orders,("}, "groups": {"billing"}, "source_password": {"New-pass-9z"}}
	resp, page = b.do("POST", show, upd)
	wantFieldError(t, "an update with a bad pattern", resp, page, http.StatusBadRequest, "topics")
	if !strings.Contains(page, `name="topics" value="orders,("`) || strings.Contains(page, "New-pass-9z") {
		t.Errorf("the refused update lost the topics typed, or shows the password:\n%s", page)
	}
	upd.Set("topics", "orders")
	upd.Set("resource_version", "1")
	resp, page = b.do("POST", show, upd)
	if resp.StatusCode != http.StatusPreconditionFailed || !strings.Contains(page, "has changed since you read it") {
		t.Errorf("a stale update answered %d:\n%s", resp.StatusCode, page)
	}
	upd.Set("resource_version", version[1])
	if resp, _ := b.do("POST", show, upd); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the update answered %d", resp.StatusCode)
	}
	_, page = b.get(show)
	pages = append(pages, page)
	if !strings.Contains(page, `data-state="RUNNING"`) || !strings.Contains(page, `<dt>Topics</dt><dd><code>orders</code>`) ||
		strings.Contains(page, `name="sync_topic_configs" value="true" checked`) {
		t.Errorf("after the update: want RUNNING, topics orders, configs no longer copied:\n%s", page)
	}

	resp, _ = b.do("POST", show+"/delete", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete answered %d", resp.StatusCode)
	}
	_, page = b.get(show)
	pages = append(pages, page)
	if !strings.Contains(page, `data-state="DELETED"`) || strings.Contains(page, "<form method=\"post\" action=\""+show) || strings.Contains(page, `hx-trigger="every`) {
		t.Errorf("the deleted migration's page: want DELETED, no change, no polling:\n%s", page)
	}
	for _, p := range pages {
		if strings.Contains(p, migSourcePassword) || strings.Contains(p, "New-pass-9z") {
			t.Fatalf("a page shows a source password")
		}
	}
}

// A change under way: the list and the migration poll, and the page
// offers no change until it ends.
func TestMigrationBusy(t *testing.T) {
	e := migrationEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	const show = "/instances/demo/migrations/stuck-one"
	if resp, _ := b.do("POST", "/instances/demo/migrations", migrationForm(csrf, "stuck-one")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create answered %d", resp.StatusCode)
	}
	if _, list := b.get("/instances/demo/migrations"); !strings.Contains(list, `hx-get="/instances/demo/migrations?fragment=list" hx-trigger="every 3s"`) ||
		!strings.Contains(list, `<span class="badge busy">CREATING</span>`) {
		t.Errorf("the list with a CREATING migration does not poll:\n%s", list)
	}
	_, page := b.get(show)
	if !strings.Contains(page, `hx-trigger="every 5s" hx-swap="outerHTML" aria-busy="true"`) || !strings.Contains(page, `data-state="CREATING"`) {
		t.Errorf("the CREATING migration's page does not poll:\n%s", page)
	}
	for _, action := range []string{"/pause", "/resume", "/delete", `"`} {
		if strings.Contains(page, `action="`+show+action) {
			t.Errorf("the CREATING migration's page offers %s", action)
		}
	}
	// Posted anyway (an old page): the API's 409 above the page.
	resp, page := b.do("POST", show+"/delete", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "migration stuck-one is CREATING; delete it when that ends") ||
		strings.Contains(page, "see the field marked below") {
		t.Errorf("a delete while CREATING answered %d:\n%s", resp.StatusCode, page)
	}
}

// A user who may only look sees the migrations and their progress, with
// no form and no button; a change posted anyway is the API's refusal.
func TestMigrationPagesReadOnly(t *testing.T) {
	e := migrationEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.user(t, "rob", iam.ReadOnlyAccess)
	admin := e.browser(t)
	if resp, _ := admin.do("POST", "/instances/demo/migrations", migrationForm(admin.signIn("ann"), "move-orders")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create answered %d", resp.StatusCode)
	}
	b := e.browser(t)
	csrf := b.signIn("rob")
	_, list := b.get("/instances/demo/migrations")
	if !strings.Contains(list, `data-migration="move-orders"`) || strings.Contains(list, "New migration") || strings.Contains(list, `action="/instances/demo/migrations"`) {
		t.Errorf("a read-only user's list: want the migration, no form:\n%s", list)
	}
	const show = "/instances/demo/migrations/move-orders"
	_, page := b.get(show)
	if !strings.Contains(page, `data-state="RUNNING"`) || strings.Contains(page, `action="`+show) {
		t.Errorf("a read-only user's migration page: want its state, no change:\n%s", page)
	}
	resp, page := b.do("POST", show+"/pause", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "migration:update") {
		t.Errorf("a read-only user's pause answered %d:\n%s", resp.StatusCode, page)
	}
	if resp, _ := b.do("POST", "/instances/demo/migrations", migrationForm(csrf, "other")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a read-only user's create answered %d, want 403", resp.StatusCode)
	}
}

func migrationOf(t *testing.T, e *env, instance, name string) *streamplane.Migration {
	t.Helper()
	m, err := e.svc.Migration(context.Background(), instance, name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var (
	formControl = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`)
	controlID   = regexp.MustCompile(`\bid="([^"]+)"`)
)

// checkLabelled fails on a form control a screen reader cannot name: each
// needs a <label for> its id, a wrapping label, or an aria-label (hidden
// inputs need none).
func checkLabelled(t *testing.T, path, page string) {
	t.Helper()
	for _, loc := range formControl.FindAllStringIndex(page, -1) {
		tag := page[loc[0]:loc[1]]
		if strings.Contains(tag, `type="hidden"`) || strings.Contains(tag, "aria-label=") {
			continue
		}
		if id := controlID.FindStringSubmatch(tag); id != nil && strings.Contains(page, `for="`+id[1]+`"`) {
			continue
		}
		before := page[:loc[0]]
		if open := strings.LastIndex(before, "<label"); open >= 0 && !strings.Contains(before[open:], "</label>") {
			continue
		}
		t.Errorf("%s: a form control without a label: %s", path, tag)
	}
}
