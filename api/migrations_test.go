package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/service/servicetest"
	"github.com/streamplane/streamplane/task"
)

// sourcePassword is the source password the tests send; it must never
// come back, in an answer, a task or the audit trail.
const sourcePassword = "Src-pass-7f3k"

// newMigrationAPI serves the API with an engine that runs migration tasks
// with a stand-in for MirrorMaker: each change ends as the real one does
// (RUNNING, PAUSED or DELETED), except for migrations named stuck-*, whose
// task fails and leaves them busy, as a change the server lost track of
// would. It returns a client signed in as admin, the service and a running
// 3-broker instance named "target".
func newMigrationAPI(t *testing.T) (*client.Client, *service.Service) {
	t.Helper()
	e := newAPIEnv(t)
	svc := e.svc
	servicetest.StandInMirrors(svc)
	svc.Engine = &task.Engine{Store: svc.Store, Owner: "test", Workflows: svc.Workflows, StatusOf: api.StatusOf}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+e.adminToken)
		}
		e.handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := client.New(srv.URL)
	inst, create, err := c.CreateInstance(context.Background(), saslSpec("target"))
	if err != nil {
		t.Fatal(err)
	}
	finishTask(t, svc, create.ID, inst.ID, streamplane.InstanceRunning)
	return c, svc
}

func sourceSpec(name string) streamplane.MigrationSpec {
	return streamplane.MigrationSpec{Name: name, Topics: "orders,payments.*", Groups: "billing",
		Source: streamplane.MigrationSource{BootstrapServers: []string{"old-kafka.example:9092", "10.0.0.2:9093"},
			SecurityProtocol: "sasl_ssl", SASLMechanism: "SCRAM-SHA-256", Username: "mirror", Password: sourcePassword}}
}

// Every rule of a new migration answers 400 naming its field, before any
// task starts.
func TestMigrationCreateValidation(t *testing.T) {
	c, _ := newMigrationAPI(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		mutate func(*streamplane.MigrationSpec)
		field  string
	}{
		{"NameShort", func(s *streamplane.MigrationSpec) { s.Name = "mo" }, "name"},
		{"NameUpper", func(s *streamplane.MigrationSpec) { s.Name = "Move-orders" }, "name"},
		{"NameReserved", func(s *streamplane.MigrationSpec) { s.Name = "orders-target" }, "name"},
		{"NoBootstrap", func(s *streamplane.MigrationSpec) { s.Source.BootstrapServers = nil }, "source.bootstrap_servers"},
		{"BootstrapNoPort", func(s *streamplane.MigrationSpec) { s.Source.BootstrapServers = []string{"old-kafka.example"} }, "source.bootstrap_servers"},
		{"BootstrapPortTooBig", func(s *streamplane.MigrationSpec) { s.Source.BootstrapServers = []string{"h:65536"} }, "source.bootstrap_servers"},
		{"Protocol", func(s *streamplane.MigrationSpec) { s.Source.SecurityProtocol = "SSL" }, "source.security_protocol"},
		{"Mechanism", func(s *streamplane.MigrationSpec) { s.Source.SASLMechanism = "GSSAPI" }, "source.sasl_mechanism"},
		{"NoUser", func(s *streamplane.MigrationSpec) { s.Source.Username = "" }, "source.username"},
		{"NoPassword", func(s *streamplane.MigrationSpec) { s.Source.Password = "" }, "source.password"},
		{"PasswordQuote", func(s *streamplane.MigrationSpec) { s.Source.Password = `a"b` }, "source.password"},
		{"PlaintextWithUser", func(s *streamplane.MigrationSpec) {
			s.Source.SecurityProtocol, s.Source.SASLMechanism, s.Source.Password = "PLAINTEXT", "", ""
		}, "source.security_protocol"},
		{"CAWithoutTLS", func(s *streamplane.MigrationSpec) { s.Source.SecurityProtocol = "SASL_PLAINTEXT"; s.Source.CA = "x" }, "source.ca_pem"},
		{"CANotPEM", func(s *streamplane.MigrationSpec) { s.Source.CA = "not a certificate" }, "source.ca_pem"},
		{"NoTopics", func(s *streamplane.MigrationSpec) { s.Topics = " , " }, "topics"},
		{"TopicsNotRegexp", func(s *streamplane.MigrationSpec) { s.Topics = "orders,(" }, "topics"},
		{"GroupsNotRegexp", func(s *streamplane.MigrationSpec) { s.Groups = "[" }, "groups"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := sourceSpec("move-orders")
			tc.mutate(&spec)
			_, err := c.CreateMigration(ctx, "target", spec)
			wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, tc.field)
			if strings.Contains(err.Error(), sourcePassword) {
				t.Errorf("the refusal shows the password: %v", err)
			}
		})
	}
	for _, tc := range []struct{ body, field string }{
		{`{"name":"move-orders","source":{"bootstrap_servers":["h:1"],"pasword":"x"},"topics":"t"}`, "pasword"},
		{`{"name":"move-orders","source":{"bootstrap_servers":"h:1"},"topics":"t"}`, "source.bootstrap_servers"},
		{`{"name":"move-orders","source":{"bootstrap_servers":["h:1"]},"topics":"t","sync_acls":"yes"}`, "sync_acls"},
	} {
		status, _, body := do(t, c.BaseURL, "POST", "/api/v1/instances/target/migrations", tc.body)
		if status != 400 || !strings.Contains(body, `"field": "`+tc.field+`"`) {
			t.Errorf("%s: HTTP %d %s, want 400 naming %s", tc.body, status, body, tc.field)
		}
	}
	list, err := c.Migrations(ctx, "target")
	if err != nil || len(list) != 0 {
		t.Fatalf("refused creations left migrations: %v %v", list, err)
	}
}

// A migration's life through the API: created RUNNING (201), listed,
// paused, resumed, updated with If-Match, deleted; a busy one refuses
// other changes with 409; an unknown one is 404.
func TestMigrationLifecycle(t *testing.T) {
	c, _ := newMigrationAPI(t)
	ctx := context.Background()
	router := loadRouter(t)

	m, err := c.CreateMigration(ctx, "target", sourceSpec("move-orders"))
	if err != nil {
		t.Fatal(err)
	}
	if m.State != streamplane.MigrationRunning || m.Source.SecurityProtocol != streamplane.SourceSASLSSL || m.Source.Username != "mirror" || m.Topics != "orders,payments.*" {
		t.Fatalf("created %+v", m)
	}
	_, err = c.CreateMigration(ctx, "target", sourceSpec("move-orders"))
	wantAPIError(t, err, http.StatusConflict, streamplane.ECONFLICT, "")

	list, err := c.Migrations(ctx, "target")
	if err != nil || len(list) != 1 || list[0].ID != m.ID {
		t.Fatalf("list: %v %v", list, err)
	}

	paused, err := c.PauseMigration(ctx, "target", "move-orders")
	if err != nil || paused.State != streamplane.MigrationPaused {
		t.Fatalf("pause: %+v %v", paused, err)
	}
	_, err = c.PauseMigration(ctx, "target", m.ID)
	wantAPIError(t, err, http.StatusConflict, streamplane.ESTATE, "")
	resumed, err := c.ResumeMigration(ctx, "target", m.ID)
	if err != nil || resumed.State != streamplane.MigrationRunning {
		t.Fatalf("resume: %+v %v", resumed, err)
	}

	topics := "orders"
	_, err = c.UpdateMigration(ctx, "target", "move-orders", streamplane.MigrationUpdate{}, "")
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "topics")
	bad := "("
	_, err = c.UpdateMigration(ctx, "target", "move-orders", streamplane.MigrationUpdate{Groups: &bad}, "")
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "groups")
	_, err = c.UpdateMigration(ctx, "target", "move-orders", streamplane.MigrationUpdate{Topics: &topics}, "", client.IfMatch(m.ResourceVersion-1))
	wantAPIError(t, err, http.StatusPreconditionFailed, streamplane.ESTALE, "If-Match")
	cur := listed(t, c, "move-orders")
	updated, err := c.UpdateMigration(ctx, "target", "move-orders", streamplane.MigrationUpdate{Topics: &topics}, "New-pass-2", client.IfMatch(cur.ResourceVersion))
	if err != nil || updated.Topics != "orders" || updated.State != streamplane.MigrationRunning {
		t.Fatalf("update: %+v %v", updated, err)
	}

	// Read endpoints of a migration that does not exist: 404 naming it.
	for _, path := range []string{"/nope", "/nope/cutover-check", "/nope/logs"} {
		status, header, body := do(t, c.BaseURL, "GET", "/api/v1/instances/target/migrations"+path, "")
		if status != 404 || !strings.Contains(body, `"field": "migration"`) {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
		checkResponse(t, router, "GET", "/api/v1/instances/target/migrations"+path, "", status, header, body)
	}
	_, err = c.MigrationLogs(ctx, "target", "move-orders", 10001)
	wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "lines")
	_, err = c.Migrations(ctx, "no-such-instance")
	wantAPIError(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "")
	_, err = c.PauseMigration(ctx, "target", "nope")
	wantAPIError(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "migration")

	// A change still under way: 202 with the busy migration, then 409
	// for the next change, naming the state.
	stuck, err := c.CreateMigration(ctx, "target", sourceSpec("stuck-one"))
	// (Its task_id is empty: the store's SaveMigrationObserved, which the
	// service saves a new migration with, does not keep it.)
	if err != nil || stuck.State != streamplane.MigrationCreating {
		t.Fatalf("a creation whose task did not finish: %+v %v", stuck, err)
	}
	status, header, body := do(t, c.BaseURL, "POST", "/api/v1/instances/target/migrations/stuck-one/pause", "")
	if status != 409 || !strings.Contains(body, `"field": "state"`) {
		t.Errorf("pause while CREATING: %d %s", status, body)
	}
	checkResponse(t, router, "POST", "/api/v1/instances/target/migrations/stuck-one/pause", "", status, header, body)
	status, header, body = do(t, c.BaseURL, "DELETE", "/api/v1/instances/target/migrations/stuck-one", "")
	if status != 409 {
		t.Errorf("delete while CREATING: %d %s", status, body)
	}
	checkResponse(t, router, "DELETE", "/api/v1/instances/target/migrations/stuck-one", "", status, header, body)

	deleted, err := c.DeleteMigration(ctx, "target", "move-orders")
	if err != nil || deleted.State != streamplane.MigrationDeleted || deleted.DeletedAt == nil {
		t.Fatalf("delete: %+v %v", deleted, err)
	}
	if list, _ := c.Migrations(ctx, "target"); len(list) != 1 || list[0].Name != "stuck-one" {
		t.Fatalf("after the delete the list holds %v", list)
	}
}

// The answers of every migration change conform to the document, 201 and
// 202 included.
func TestMigrationResponsesMatchOpenAPI(t *testing.T) {
	c, _ := newMigrationAPI(t)
	router := loadRouter(t)
	create := `{"name":"move-orders","source":{"bootstrap_servers":["old-kafka.example:9092"],"security_protocol":"SASL_SSL","username":"mirror","password":"` + sourcePassword + `"},"topics":"orders","groups":"billing","sync_topic_configs":true}`
	calls := []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/api/v1/instances/target/migrations", create, 201},
		{"POST", "/api/v1/instances/target/migrations", strings.Replace(create, "move-orders", "stuck-one", 1), 202},
		{"POST", "/api/v1/instances/target/migrations", `{"name":"x","source":{"bootstrap_servers":[]},"topics":""}`, 400},
		{"GET", "/api/v1/instances/target/migrations", "", 200},
		{"POST", "/api/v1/instances/target/migrations/move-orders/pause", "", 200},
		{"POST", "/api/v1/instances/target/migrations/move-orders/resume", "", 200},
		{"PATCH", "/api/v1/instances/target/migrations/move-orders", `{"groups":"billing,ledger-.*","sync_acls":true,"source_password":"Other-pass-3"}`, 200},
		{"PATCH", "/api/v1/instances/target/migrations/stuck-one", `{"groups":""}`, 409},
		{"DELETE", "/api/v1/instances/target/migrations/move-orders", "", 200},
		{"GET", "/api/v1/instances/nope/migrations", "", 404},
	}
	for _, call := range calls {
		status, header, body := do(t, c.BaseURL, call.method, call.path, call.body)
		if status != call.status {
			t.Errorf("%s %s: %d, want %d: %s", call.method, call.path, status, call.status, body)
		}
		checkResponse(t, router, call.method, call.path, call.body, status, header, body)
	}
}

// The source's password reaches the vault and nothing else: not the
// answers, not the tasks, not the audit trail.
func TestMigrationPasswordKeptOut(t *testing.T) {
	c, svc := newMigrationAPI(t)
	ctx := context.Background()
	m, err := c.CreateMigration(ctx, "target", sourceSpec("move-orders"))
	if err != nil {
		t.Fatal(err)
	}
	newPassword := "Rotated-pass-9q"
	if _, err := c.UpdateMigration(ctx, "target", "move-orders", streamplane.MigrationUpdate{}, newPassword); err != nil {
		t.Fatal(err)
	}
	// An inventory's source password is used for the read and dropped;
	// a source that is not there still leaves an audit entry.
	inventoryPassword := "Survey-pass-4w"
	_, err = c.Inventory(ctx, streamplane.MigrationSource{BootstrapServers: []string{"127.0.0.1:1"}, SecurityProtocol: "SASL_PLAINTEXT",
		Username: "mirror", Password: inventoryPassword}, 1)
	wantAPIError(t, err, http.StatusServiceUnavailable, streamplane.EUNAVAILABLE, "source.bootstrap_servers")
	if strings.Contains(err.Error(), inventoryPassword) {
		t.Errorf("the inventory's refusal shows the password: %v", err)
	}
	var sealed string
	err = svc.Store.View(ctx, func(tx streamplane.Tx) error {
		var err error
		sealed, err = svc.Vault.Get(tx, m.ID, "source-password")
		return err
	})
	if err != nil || sealed != newPassword {
		t.Fatalf("the vault holds %q (%v), want the rotated password", sealed, err)
	}

	var seen []string
	for _, path := range []string{"/api/v1/instances/target/migrations", "/api/v1/tasks?limit=1000", "/api/v1/audit?limit=1000", "/api/v1/audit?format=csv"} {
		status, _, body := do(t, c.BaseURL, "GET", path, "")
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		seen = append(seen, body)
	}
	all := strings.Join(seen, "\n")
	for _, secret := range []string{sourcePassword, newPassword, inventoryPassword} {
		if strings.Contains(all, secret) {
			t.Errorf("a source password shows in an answer, a task or the audit trail")
		}
	}
	// The trail has the changes, each with its redacted body.
	var trail struct {
		Entries []streamplane.AuditEntry `json:"entries"`
	}
	json.Unmarshal([]byte(seen[2]), &trail)
	var create, update, inventory bool
	for _, e := range trail.Entries {
		switch e.Action {
		case "migration:create":
			create = strings.Contains(e.Summary, `name="move-orders"`)
		case "migration:update":
			update = strings.Contains(e.Summary, "source_password=***")
		case "migration:inventory":
			inventory = strings.Contains(e.Summary, `"password":"***"`) && e.Status == http.StatusServiceUnavailable
		}
	}
	if !create || !update || !inventory {
		t.Errorf("the trail lacks the creation (%v), the update (%v) or the inventory (%v) with their summaries: %s", create, update, inventory, seen[2])
	}
}

// listed returns one migration of instance target from the list.
func listed(t *testing.T, c *client.Client, name string) *streamplane.Migration {
	t.Helper()
	list, err := c.Migrations(context.Background(), "target")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no migration %s in %v", name, list)
	return nil
}

// The document's rules about a source accept exactly what the code does.
func TestMigrationSourceRulesMatchCode(t *testing.T) {
	doc := loadDoc(t)
	src := doc.Components.Schemas["SourceRequest"].Value.Properties
	hostPort := regexp.MustCompile(src["bootstrap_servers"].Value.Items.Value.Pattern)
	for _, a := range []string{"h:1", "h:65535", "h:65536", "h:0", "h", ":9092", "old-kafka.example:9092", "10.0.0.1:9092", "[::1]:9092",
		"-h:9092", "h-:9092", "a_b:9092", " h:9092 ", "h:09092", "h:9092x", strings.Repeat("a", 253) + ":1", strings.Repeat("a", 254) + ":1"} {
		s := streamplane.MigrationSource{BootstrapServers: []string{a}}
		if inDoc, inCode := hostPort.MatchString(a), s.Normalize("source", false) == nil; inDoc != inCode {
			t.Errorf("bootstrap server %q: the document says valid=%v, the code %v", a, inDoc, inCode)
		}
	}
	user := src["username"].Value
	userRE := regexp.MustCompile(user.Pattern)
	for _, u := range []string{"", "u", "mirror", `a"b`, `a\b`, "a\nb", strings.Repeat("u", 255), strings.Repeat("u", 256)} {
		s := streamplane.MigrationSource{BootstrapServers: []string{"h:1"}, SecurityProtocol: "SASL_PLAINTEXT", Username: u, Password: "p"}
		inDoc := userRE.MatchString(u) && len(u) >= int(user.MinLength) && len(u) <= int(*user.MaxLength)
		if inCode := s.Normalize("source", false) == nil; inDoc != inCode {
			t.Errorf("username %q: the document says valid=%v, the code %v", u, inDoc, inCode)
		}
	}
	topics := doc.Components.Schemas["MigrationCreateRequest"].Value.Properties["topics"].Value
	topicsRE := regexp.MustCompile(topics.Pattern)
	for _, list := range []string{"", " ", ",", " , ", "orders", "orders,", ",payments.*", strings.Repeat("a", 4096), strings.Repeat("a", 4097)} {
		inDoc := topicsRE.MatchString(list) && len(list) <= int(*topics.MaxLength)
		if inCode := streamplane.ValidateSelection("topics", list, true) == nil; inDoc != inCode {
			t.Errorf("topics %q: the document says valid=%v, the code %v", shortQ(list), inDoc, inCode)
		}
	}
}

func shortQ(s string) string {
	if len(s) > 20 {
		return fmt.Sprintf("%s… (%d characters)", s[:20], len(s))
	}
	return s
}
