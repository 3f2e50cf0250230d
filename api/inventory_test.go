package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/wire"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

const inventoryPath = "/api/v1/migration-inventory"

// Every rule of an inventory request answers 400 naming its field, before
// the server dials anything.
func TestInventoryValidation(t *testing.T) {
	c, _ := newAPI(t)
	router := loadRouter(t)
	ctx := context.Background()
	sasl := streamplane.MigrationSource{BootstrapServers: []string{"old-kafka.example:9092"}, SecurityProtocol: "SASL_SSL",
		Username: "mirror", Password: sourcePassword}
	cases := []struct {
		name   string
		mutate func(*streamplane.MigrationSource)
		field  string
	}{
		{"NoBootstrap", func(s *streamplane.MigrationSource) { s.BootstrapServers = nil }, "source.bootstrap_servers"},
		{"BootstrapNoPort", func(s *streamplane.MigrationSource) { s.BootstrapServers = []string{"old-kafka.example"} }, "source.bootstrap_servers"},
		{"Protocol", func(s *streamplane.MigrationSource) { s.SecurityProtocol = "SSL" }, "source.security_protocol"},
		{"Mechanism", func(s *streamplane.MigrationSource) { s.SASLMechanism = "GSSAPI" }, "source.sasl_mechanism"},
		{"NoUser", func(s *streamplane.MigrationSource) { s.Username = "" }, "source.username"},
		{"NoPassword", func(s *streamplane.MigrationSource) { s.Password = "" }, "source.password"},
		{"PlaintextWithUser", func(s *streamplane.MigrationSource) { s.SecurityProtocol, s.Password = "PLAINTEXT", "" }, "source.security_protocol"},
		{"CANotPEM", func(s *streamplane.MigrationSource) { s.CA = "not a certificate" }, "source.ca_pem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := sasl
			tc.mutate(&src)
			_, err := c.Inventory(ctx, src, 5)
			wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, tc.field)
			if strings.Contains(err.Error(), sourcePassword) {
				t.Errorf("the refusal shows the password: %v", err)
			}
		})
	}

	// The sample's range is the document's, both ends; an explicit 0 is
	// refused rather than read as the default.
	sample := loadDoc(t).Components.Schemas["InventoryRequest"].Value.Properties["sample_seconds"].Value
	lo, hi := int(*sample.Min), int(*sample.Max)
	if lo != 1 || hi != 300 || sample.Default != float64(30) {
		t.Errorf("the document's sample_seconds is %d–%d, default %v; want 1–300, default 30", lo, hi, sample.Default)
	}
	for _, n := range []int{hi + 1, -5, 1 << 40} {
		_, err := c.Inventory(ctx, sasl, n)
		wantAPIError(t, err, http.StatusBadRequest, streamplane.EINVALID, "sample_seconds")
	}
	for _, tc := range []struct{ body, field string }{
		// The client sends no sample for 0 (the default): this body does.
		{`{"source":{"bootstrap_servers":["h:1"]},"sample_seconds":` + strconv.Itoa(lo-1) + `}`, "sample_seconds"},
		{`{"source":{"bootstrap_servers":["h:1"]},"sample_seconds":1.5}`, "sample_seconds"},
		{`{"source":{"bootstrap_servers":["h:1"]},"sample_seconds":"30"}`, "sample_seconds"},
		{`{"source":{"bootstrap_servers":["h:1"],"pasword":"x"}}`, "pasword"},
		{`{"source":{"bootstrap_servers":"h:1"}}`, "source.bootstrap_servers"},
		{`{}`, "source.bootstrap_servers"},
	} {
		status, header, body := do(t, c.BaseURL, "POST", inventoryPath, tc.body)
		if status != 400 || !strings.Contains(body, `"field": "`+tc.field+`"`) {
			t.Errorf("%s: HTTP %d %s, want 400 naming %s", tc.body, status, body, tc.field)
		}
		checkResponse(t, router, "POST", inventoryPath, tc.body, status, header, body)
	}
}

// A source nobody listens on answers 503 naming the bootstrap servers and
// the address, promptly, in an answer the document allows.
func TestInventoryUnreachable(t *testing.T) {
	c, _ := newAPI(t)
	router := loadRouter(t)
	start := time.Now()
	_, err := c.Inventory(context.Background(), streamplane.MigrationSource{BootstrapServers: []string{"127.0.0.1:1"}}, 1)
	wantAPIError(t, err, http.StatusServiceUnavailable, streamplane.EUNAVAILABLE, "source.bootstrap_servers")
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("the error does not name the address: %v", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the refusal took %s", took)
	}
	body := `{"source":{"bootstrap_servers":["127.0.0.1:1"]},"sample_seconds":1}`
	status, header, answer := do(t, c.BaseURL, "POST", inventoryPath, body)
	if status != 503 {
		t.Errorf("HTTP %d %s, want 503", status, answer)
	}
	checkResponse(t, router, "POST", inventoryPath, body, status, header, answer)
}

// An inventory of a SASL source (franz-go's in-process kfake cluster): its
// topics with records and partitions, an empty one flagged inactive, its
// groups, and a recommendation, in an answer the document allows.
func TestInventoryOfASource(t *testing.T) {
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "mirror", sourcePassword),
		kfake.SeedTopics(3, "orders"), kfake.SeedTopics(1, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	src := streamplane.MigrationSource{BootstrapServers: fake.ListenAddrs(), SecurityProtocol: "SASL_PLAINTEXT", SASLMechanism: "SCRAM-SHA-256",
		Username: "mirror", Password: sourcePassword}
	fillSource(t, src, "orders", 300, "billing")

	c, _ := newAPI(t)
	inv, err := c.Inventory(context.Background(), src, 1)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]streamplane.InventoryTopic{}
	for _, tp := range inv.Topics {
		byName[tp.Name] = tp
	}
	orders, archive := byName["orders"], byName["archive"]
	if orders.Partitions != 3 || orders.Records != 300 || orders.Inactive || orders.LastWrite == nil {
		t.Errorf("orders: %+v", orders)
	}
	if archive.Partitions != 1 || archive.Records != 0 || !archive.Inactive {
		t.Errorf("archive, empty, is not flagged inactive: %+v", archive)
	}
	if inv.Brokers != 1 || inv.Partitions != 4 || inv.SampleSeconds != 1 || inv.TakenAt.IsZero() {
		t.Errorf("totals: brokers %d, partitions %d, sample %v, taken %v", inv.Brokers, inv.Partitions, inv.SampleSeconds, inv.TakenAt)
	}
	i := slices.IndexFunc(inv.Groups, func(g streamplane.InventoryGroup) bool { return g.Group == "billing" })
	if i < 0 || !slices.Equal(inv.Groups[i].Topics, []string{"orders"}) || inv.Groups[i].Lag != 0 {
		t.Errorf("groups: %+v", inv.Groups)
	}
	if r := inv.Recommendation; !r.Fits || r.Flavor == "" || r.Brokers < 1 || r.StorageGBPerBroker < 1 || r.Reason == "" {
		t.Errorf("recommendation: %+v", r)
	}

	router := loadRouter(t)
	req, _ := json.Marshal(wire.NewInventoryRequest(src, 1))
	raw := string(req)
	status, header, body := do(t, c.BaseURL, "POST", inventoryPath, raw)
	if status != 200 || strings.Contains(body, sourcePassword) {
		t.Errorf("HTTP %d, or the answer shows the password: %s", status, body)
	}
	checkResponse(t, router, "POST", inventoryPath, raw, status, header, body)
}

// fillSource writes n records to topic, spread over its partitions, and
// commits them all for group.
func fillSource(t *testing.T, src streamplane.MigrationSource, topic string, n int, group string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	auth := kgo.SASL(scram.Auth{User: src.Username, Pass: src.Password}.AsSha256Mechanism())
	cl, err := kgo.NewClient(kgo.SeedBrokers(src.BootstrapServers...), auth, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := range n {
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(src.BootstrapServers...), auth, kgo.ConsumeTopics(topic), kgo.ConsumerGroup(group),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	for read := 0; read < n; {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d of %d records: %v", read, n, err)
		}
		read += fetches.NumRecords()
	}
	if err := consumer.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
}

// A user whose policies allow the inventory in one project only may take
// one: it concerns no instance. A read-only user may not.
func TestInventoryAccess(t *testing.T) {
	e, base := guarded(t)
	if _, err := e.ids.CreateProject(context.Background(), streamplane.Project{Name: "team-a"}); err != nil {
		t.Fatal(err)
	}
	user := newCaller(t, e, base, "alice", streamplane.Attachment{Policy: iam.UserAccess, Project: "team-a"})
	reader := newCaller(t, e, base, "reader", streamplane.Attachment{Policy: iam.ReadOnlyAccess, Project: streamplane.AllProjects})
	body := `{"source":{"bootstrap_servers":["h:1"]},"sample_seconds":0}`
	if status, code := call(t, base, user, "POST", inventoryPath, body); status != 400 || code != streamplane.EINVALID {
		t.Errorf("a UserAccess user of team-a: %d %s, want the request read (400 for its sample)", status, code)
	}
	if status, code := call(t, base, reader, "POST", inventoryPath, body); status != 403 || code != streamplane.EDENIED {
		t.Errorf("a read-only user: %d %s, want 403", status, code)
	}
}
