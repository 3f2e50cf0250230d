package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// wizardForm is a valid create form as the wizard's defaults fill it, with
// the version the page offers checked.
func wizardForm(t *testing.T, b *browser, csrf, name string) url.Values {
	t.Helper()
	resp, page := b.get("/instances/new")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/instances/new answered %d:\n%s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`name="version" value="([^"]+)" checked`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the wizard checks no version:\n%s", page)
	}
	return url.Values{"_csrf": {csrf}, "name": {name}, "version": {m[1]}, "flavor": {streamplane.DevFlavor},
		"broker_count": {"1"}, "storage_gb_per_broker": {"10"}, "disk_type": {"ultrahigh"}, "zones": {"az1"},
		"security_protocol": {"PLAINTEXT"}, "capacity_policy": {"auto_delete"}, "project": {"default"}}
}

// The wizard offers the API's catalog, shows a refusal beside the field it
// names with the user's values kept, and a valid form creates the
// instance and shows its page with the creation task live.
func TestInstanceWizard(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")

	_, page := b.get("/instances/new")
	for _, want := range []string{streamplane.DevFlavor, "kafka.4u8g.cluster", `name="zones" value="az3"`, "Supported", "SASL_SSL", `name="deletion_protection"`, "recommended"} {
		if !strings.Contains(page, want) {
			t.Errorf("the wizard lacks %q", want)
		}
	}
	checkNoInline(t, "/instances/new", page)

	refusals := []struct {
		field string
		value []string
		want  string
	}{
		{"name", []string{"x"}, "4–64 characters"},
		{"broker_count", []string{"abc"}, "whole number"},
		{"broker_count", []string{"7"}, "allows 1–3 brokers"},
		{"storage_gb_per_broker", []string{"1000"}, "GB per broker"},
		{"zones", []string{"az1", "az2"}, "never 2"},
		{"tags", []string{"no-equals-sign"}, "key=value"},
		{"tags", []string{"env=a*b"}, "must not contain"},
	}
	for _, r := range refusals {
		form := wizardForm(t, b, csrf, "wizard-kept")
		form.Set("description", "kept <b>as typed</b>")
		form[r.field] = r.value
		resp, page := b.do("POST", "/instances/new", form)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s=%q answered %d, want 400", r.field, r.value, resp.StatusCode)
			continue
		}
		errBlock := regexp.MustCompile(`<p class="field-error" id="err-` + regexp.QuoteMeta(r.field) + `" role="alert">([^<]*)</p>`).FindStringSubmatch(page)
		if errBlock == nil || !strings.Contains(html.UnescapeString(errBlock[1]), r.want) {
			t.Errorf("%s=%q: no refusal saying %q beside the field:\n%s", r.field, r.value, r.want, page)
		}
		if !strings.Contains(page, `aria-describedby="err-`+r.field+`"`) {
			t.Errorf("%s=%q: the field is not marked invalid", r.field, r.value)
		}
		if !strings.Contains(page, `value="`+form.Get("name")+`"`) || !strings.Contains(page, "kept &lt;b&gt;as typed&lt;/b&gt;") {
			t.Errorf("%s=%q: the user's values were not kept (escaped)", r.field, r.value)
		}
	}
	// A SASL_SSL refusal keeps the user but never sends the password back.
	form := wizardForm(t, b, csrf, "wizard-sasl")
	form.Set("security_protocol", "SASL_SSL")
	form.Set("kafka_user", "app_user")
	form.Set("kafka_password", "short")
	_, page = b.do("POST", "/instances/new", form)
	if !strings.Contains(page, `id="err-kafka_password"`) || !strings.Contains(page, `value="app_user"`) || strings.Contains(page, `value="short"`) {
		t.Errorf("a refused SASL password: want its refusal, the user kept and the password not echoed:\n%s", page)
	}

	// Without the CSRF token nothing is created.
	form = wizardForm(t, b, csrf, "console-wizard")
	form.Del("_csrf")
	if resp, _ := b.do("POST", "/instances/new", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a create without the CSRF token answered %d, want 403", resp.StatusCode)
	}

	form = wizardForm(t, b, csrf, "console-wizard")
	form.Set("tags", "env=prod\nteam=\"'&;x")
	form.Set("description", `<script>alert("d")</script>`)
	resp, _ := b.do("POST", "/instances/new", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/instances/console-wizard" {
		t.Fatalf("a valid create answered %d to %q, want 303 to the instance page", resp.StatusCode, resp.Header.Get("Location"))
	}
	// htmx gets the same as HX-Location.
	form.Set("name", "console-wizard-hx")
	resp, _ = b.do("POST", "/instances/new", form, "HX-Request", "true")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("HX-Location") != "/instances/console-wizard-hx" {
		t.Errorf("an htmx create answered %d with HX-Location %q", resp.StatusCode, resp.Header.Get("HX-Location"))
	}

	_, page = b.get("/instances")
	if !strings.Contains(page, `href="/instances/console-wizard"`) || !strings.Contains(page, `badge busy">CREATING`) {
		t.Errorf("the list does not show the new instance CREATING:\n%s", page)
	}
	if !strings.Contains(page, "team=&#34;&#39;&amp;;x") {
		t.Errorf("the list does not show the hostile tag escaped:\n%s", page)
	}
	if !strings.Contains(page, "fragment=list") || !strings.Contains(page, `hx-trigger="every 3s"`) {
		t.Errorf("the list does not follow a CREATING instance live")
	}
	resp, frag := b.do("GET", "/instances?fragment=list", nil, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag), `<div id="instance-list"`) {
		t.Errorf("the list fragment answered %d:\n%s", resp.StatusCode, frag)
	}
	_, page = b.get("/instances?tag=team")
	if !strings.Contains(page, "console-wizard") {
		t.Errorf("the tag filter lost the instance")
	}
	_, page = b.get("/instances?status=RUNNING")
	if strings.Contains(page, `href="/instances/console-wizard"`) {
		t.Errorf("the status filter kept a CREATING instance")
	}
	resp, csv := b.get("/instances.csv?tag=env%3Dprod")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "instances.csv") || !strings.Contains(csv, "console-wizard") {
		t.Errorf("CSV export answered %d %q:\n%s", resp.StatusCode, resp.Header.Get("Content-Disposition"), csv)
	}

	resp, page = b.get("/instances/console-wizard")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the instance page answered %d:\n%s", resp.StatusCode, page)
	}
	checkNoInline(t, "/instances/console-wizard", page)
	for _, want := range []string{`hx-get="/instances/console-wizard?fragment=live"`, `hx-trigger="every 2s"`, "create_instance", `class="mini-steps"`, `data-confirm="Delete instance console-wizard?`,
		"&lt;script&gt;alert(&#34;d&#34;)&lt;/script&gt;", `action="/instances/console-wizard/restart"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the instance page lacks %q", want)
		}
	}
	if strings.Contains(page, `<script>alert`) {
		t.Errorf("the instance page carries the description as markup")
	}
	// The live section alone, for htmx's polling.
	resp, frag = b.do("GET", "/instances/console-wizard?fragment=live", nil, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag), `<div id="live"`) || strings.Contains(frag, "<html") {
		t.Errorf("the live fragment answered %d:\n%s", resp.StatusCode, frag)
	}

	// The creation task: in the task list and on its own page, live.
	_, page = b.get("/tasks?instance=console-wizard")
	m := regexp.MustCompile(`href="/tasks/([^"]+)">create_instance`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the task list lacks the creation task:\n%s", page)
	}
	_, page = b.get("/tasks/" + m[1])
	for _, want := range []string{"Task create_instance", `hx-trigger="every 2s"`, `class="steps"`, `href="/instances/console-wizard"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the task page lacks %q:\n%s", want, page)
		}
	}
	_, page = b.get("/tasks?status=SUCCEEDED")
	if strings.Contains(page, ">create_instance<") {
		t.Errorf("the status filter kept a pending task")
	}

	// An update from the instance page: the API's refusal lands beside the
	// tags field; a valid one changes the instance.
	upd := url.Values{"_csrf": {csrf}, "description": {"new"}, "tags": {"env=prod\nbad=a|b"}, "capacity_policy": {"auto_delete"}}
	resp, page = b.do("POST", "/instances/console-wizard/update", upd)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-tags"`) {
		t.Errorf("a bad tag update answered %d, want 400 beside tags:\n%s", resp.StatusCode, page)
	}
	upd.Set("tags", "env=staging")
	upd.Set("deletion_protection", "true")
	if resp, page := b.do("POST", "/instances/console-wizard/update", upd); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an update answered %d:\n%s", resp.StatusCode, page)
	}
	inst, err := e.svc.Instance(context.Background(), "console-wizard")
	if err != nil {
		t.Fatal(err)
	}
	if inst.Description != "new" || len(inst.Tags) != 1 || inst.Tags["env"] != "staging" || !inst.DeletionProtection {
		t.Errorf("after the update: description %q, tags %v, protection %v", inst.Description, inst.Tags, inst.DeletionProtection)
	}
	// A change the instance's state refuses is shown above the page.
	resp, page = b.do("POST", "/instances/console-wizard/restart", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `class="alert" role="alert"`) {
		t.Errorf("restarting a CREATING instance answered %d, want 409 with the refusal shown:\n%s", resp.StatusCode, page)
	}
}

// A ReadOnlyAccess user sees the instance pages without a button that
// changes anything, and is refused (the API's 403) when posting anyway.
func TestInstancesReadOnly(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	e.user(t, "rita", iam.ReadOnlyAccess)
	admin := e.browser(t)
	form := wizardForm(t, admin, admin.signIn("ann"), "console-ro")
	if resp, page := admin.do("POST", "/instances/new", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create answered %d:\n%s", resp.StatusCode, page)
	}
	_, page := admin.get("/instances")
	if !strings.Contains(page, `href="/instances/new"`) {
		t.Errorf("a FullAccess user sees no Create button")
	}

	b := e.browser(t)
	csrf := b.signIn("rita")
	_, page = b.get("/instances")
	if strings.Contains(page, `href="/instances/new"`) {
		t.Errorf("a read-only user sees the Create button")
	}
	resp, page := b.get("/instances/console-ro")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "console-ro") {
		t.Fatalf("a read-only user's instance page answered %d", resp.StatusCode)
	}
	if n := strings.Count(page, `method="post"`); n != 1 { // sign-out only
		t.Errorf("a read-only user's instance page has %d post forms, want only sign-out:\n%s", n, page)
	}
	for _, unwanted := range []string{"Delete instance", "Restart", "Scale", "Upgrade", "Save"} {
		if strings.Contains(page, ">"+unwanted+"<") {
			t.Errorf("a read-only user sees %q", unwanted)
		}
	}
	for _, path := range []string{"/instances/console-ro/delete", "/instances/console-ro/restart", "/instances/console-ro/update", "/instances/new"} {
		f := url.Values{"_csrf": {csrf}, "description": {"x"}}
		if path == "/instances/new" {
			f = wizardForm(t, b, csrf, "console-ro2")
		}
		resp, page := b.do("POST", path, f)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "role=\"alert\"") {
			t.Errorf("a read-only post to %s answered %d, want 403 with the refusal shown:\n%s", path, resp.StatusCode, page)
		}
	}
	// Tasks: listed and shown, but no delete.
	_, page = b.get("/tasks")
	m := regexp.MustCompile(`href="/tasks/([^"]+)">create_instance`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("a read-only user's task list lacks the creation task:\n%s", page)
	}
	if _, page := b.get("/tasks/" + m[1]); strings.Contains(page, "/delete") || !strings.Contains(page, "Task create_instance") {
		t.Errorf("a read-only user's task page offers a delete or is missing:\n%s", page)
	}
	if resp, _ := b.do("POST", "/tasks/"+m[1]+"/delete", url.Values{"_csrf": {csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a read-only task delete answered %d, want 403", resp.StatusCode)
	}
	// The admin may delete finished task records only: a pending one is
	// refused, and the refusal shown.
	_, page = admin.get("/instances")
	if resp, page := admin.do("POST", "/tasks/"+m[1]+"/delete", url.Values{"_csrf": {csrfOf(t, page)}}); resp.StatusCode < 400 || !strings.Contains(page, `role="alert"`) {
		t.Errorf("deleting a pending task answered %d, want the API's refusal:\n%s", resp.StatusCode, page)
	}
	if _, err := e.svc.Instance(context.Background(), "console-ro2"); !client.IsNotFound(err) && streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
		t.Errorf("a read-only user's create made an instance: %v", err)
	}
}

// The certificate download of a SASL_SSL instance: a truststore password
// the API refuses is shown beside the field, never echoed; a PLAINTEXT
// instance has no certificate form and the API's refusal is shown.
func TestInstanceCertificate(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	form := wizardForm(t, b, csrf, "console-sasl")
	form.Set("security_protocol", "SASL_SSL")
	form.Set("kafka_user", "app_user")
	form.Set("kafka_password", "Kafka-Pass-42")
	if resp, page := b.do("POST", "/instances/new", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create answered %d:\n%s", resp.StatusCode, page)
	}
	_, page := b.get("/instances/console-sasl")
	if !strings.Contains(page, `action="/instances/console-sasl/ca-bundle"`) || !strings.Contains(page, "SCRAM-SHA-512") {
		t.Fatalf("a SASL_SSL instance's page lacks the certificate form:\n%s", page)
	}
	resp, page := b.do("POST", "/instances/console-sasl/ca-bundle", url.Values{"_csrf": {csrf}, "format": {"jks"}, "password": {"abc"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-password"`) || strings.Contains(page, `value="abc"`) {
		t.Errorf("a short truststore password answered %d, want 400 beside the field without the password:\n%s", resp.StatusCode, page)
	}

	form = wizardForm(t, b, csrf, "console-plain")
	if resp, page := b.do("POST", "/instances/new", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create answered %d:\n%s", resp.StatusCode, page)
	}
	if _, page := b.get("/instances/console-plain"); strings.Contains(page, "/ca-bundle") {
		t.Errorf("a PLAINTEXT instance offers a certificate")
	}
	if resp, page := b.do("POST", "/instances/console-plain/ca-bundle", url.Values{"_csrf": {csrf}, "format": {"pem"}}); resp.StatusCode < 400 || !strings.Contains(page, `role="alert"`) {
		t.Errorf("a PLAINTEXT instance's certificate answered %d, want the API's refusal:\n%s", resp.StatusCode, page)
	}
}

// The CSV export link keeps the list's filters as a query, not escaped into
// one value.
func TestInstanceCSVLinkKeepsFilters(t *testing.T) {
	e := newEnv(t)
	e.user(t, "ann", iam.ReadOnlyAccess)
	b := e.browser(t)
	b.signIn("ann")
	_, page := b.get("/instances?status=RUNNING&tag=env%3Dprod")
	if !strings.Contains(page, `href="/instances.csv?status=RUNNING&amp;tag=env%3Dprod&amp;"`) {
		t.Errorf("the CSV link does not carry the filters:\n%s", page)
	}
}

// The runtimes page lists the catalog; a broker page of an instance that
// has no brokers yet is not found; clearing failed creations goes
// through the API and back to the list.
func TestRuntimesBrokerAndClearFailed(t *testing.T) {
	e := newEnv(t)
	e.instance(t, "demo")
	e.user(t, "ann", iam.FullAccess)
	b := e.browser(t)
	csrf := b.signIn("ann")
	resp, page := b.get("/runtimes")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, kafkaruntime.Recommended().Version) || !strings.Contains(page, "recommended") {
		t.Errorf("the runtimes page answered %d:\n%s", resp.StatusCode, page)
	}
	if resp, _ := b.get("/instances/demo/brokers/7"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a broker the instance does not have answered %d, want 404", resp.StatusCode)
	}
	resp, _ = b.do("POST", "/instances/clear-failed", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/instances?cleared=0" {
		t.Errorf("clearing failed creations answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
