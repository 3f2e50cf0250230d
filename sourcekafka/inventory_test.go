package sourcekafka

import (
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// TestInventory takes the inventory of a fake source with a busy topic,
// an empty one, a group with committed offsets and Kafka's own topics.
func TestInventory(t *testing.T) {
	_, src := fakeSource(t)
	ctx := testContext(t)
	kcl, err := kgo.NewClient(kgo.SeedBrokers(src.BootstrapServers...),
		kgo.SASL(scram.Auth{User: fakeUser, Pass: fakePassword}.AsSha512Mechanism()), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer kcl.Close()
	adm := kadm.NewClient(kcl)
	if _, err := adm.CreateTopic(ctx, 3, 1, map[string]*string{"retention.ms": kadm.StringPtr("3600000")}, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "idle"); err != nil {
		t.Fatal(err)
	}
	for range 30 {
		if err := kcl.ProduceSync(ctx, &kgo.Record{Value: make([]byte, 100)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	commit := kadm.Offsets{}
	commit.Add(kadm.Offset{Topic: "orders", Partition: 0, At: 0, LeaderEpoch: -1})
	if _, err := adm.CommitOffsets(ctx, "billing", commit); err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	wantLag := ends["orders"][0].Offset

	inv, err := dial(t, src).Inventory(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Brokers != 3 || inv.ClusterID == "" {
		t.Errorf("cluster: %d brokers, id %q; want 3 and an id", inv.Brokers, inv.ClusterID)
	}
	byName := map[string]streamplane.InventoryTopic{}
	for _, tp := range inv.Topics {
		byName[tp.Name] = tp
	}
	if len(inv.Topics) != 2 {
		t.Fatalf("topics %+v, want orders and idle only (no __consumer_offsets)", inv.Topics)
	}
	orders, idle := byName["orders"], byName["idle"]
	if orders.Partitions != 3 || orders.ReplicationFactor != 1 || orders.Records != 30 {
		t.Errorf("orders: %+v, want 3 partitions, RF 1, 30 records", orders)
	}
	if orders.Configs["retention.ms"] != "3600000" {
		t.Errorf("orders' configs %v, want its retention.ms", orders.Configs)
	}
	if orders.Inactive || orders.LastWrite == nil || time.Since(*orders.LastWrite) > time.Minute {
		t.Errorf("orders was just written: inactive %v, last write %v", orders.Inactive, orders.LastWrite)
	}
	if !idle.Inactive || idle.Records != 0 {
		t.Errorf("idle: %+v, want inactive and empty", idle)
	}
	if inv.Partitions != 5 {
		t.Errorf("partitions %d, want 5", inv.Partitions)
	}
	if len(inv.Groups) != 1 || inv.Groups[0].Group != "billing" || inv.Groups[0].Lag != wantLag ||
		len(inv.Groups[0].Topics) != 1 || inv.Groups[0].Topics[0] != "orders" {
		t.Errorf("groups %+v, want billing on orders with lag %d", inv.Groups, wantLag)
	}
	if !inv.ACLsReadable && inv.ACLsReason == "" {
		t.Errorf("ACLs unreadable without a reason")
	}
	t.Logf("size %d B, warnings %v, ACLs %v (%s)", inv.SizeBytes, inv.Warnings, inv.ACLsReadable, inv.ACLsReason)

	r := streamplane.RecommendFlavor(inv)
	if !r.Fits || r.Flavor != "kafka.2u4g.cluster" {
		t.Errorf("recommendation for a tiny source: %+v", r)
	}
}

func TestStatusHelpers(t *testing.T) {
	_, src := fakeSource(t)
	ctx := testContext(t)
	c := dial(t, src)
	if _, err := c.adm.CreateTopic(ctx, 2, 1, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.adm.CreateTopic(ctx, 1, 1, nil, "logs"); err != nil {
		t.Fatal(err)
	}
	commit := kadm.Offsets{}
	commit.Add(kadm.Offset{Topic: "orders", Partition: 1, At: 0, LeaderEpoch: -1})
	if _, err := c.adm.CommitOffsets(ctx, "billing", commit); err != nil {
		t.Fatal(err)
	}

	topics, err := c.MatchingTopics(ctx, streamplane.SelectionMatcher("ord.*,nothing"))
	if err != nil || len(topics) != 1 || topics[0] != "orders" {
		t.Errorf("MatchingTopics = %v, %v; want [orders]", topics, err)
	}
	groups, err := c.MatchingGroups(ctx, streamplane.SelectionMatcher("bill.*"))
	if err != nil || len(groups) != 1 || groups[0] != "billing" {
		t.Errorf("MatchingGroups = %v, %v; want [billing]", groups, err)
	}
	ends, err := c.EndOffsets(ctx, []string{"orders", "missing"})
	if err != nil || len(ends) != 1 || len(ends["orders"]) != 2 {
		t.Errorf("EndOffsets = %v, %v; want orders' 2 partitions", ends, err)
	}
	offs, err := c.GroupOffsets(ctx, []string{"billing", "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if b := offs["billing"]; b.State != "Empty" || b.Committed["orders"][1] != 0 || len(b.Committed["orders"]) != 1 {
		t.Errorf("billing: %+v, want Empty with orders/1 at 0", b)
	}
	if n := offs["nobody"]; n.State != "Dead" || len(n.Committed) != 0 {
		t.Errorf("nobody: %+v, want Dead without offsets", n)
	}
}

// TestInventoryRates samples a topic written to throughout the sample and
// one that is not.
func TestInventoryRates(t *testing.T) {
	_, src := fakeSource(t)
	ctx := testContext(t)
	kcl, err := kgo.NewClient(kgo.SeedBrokers(src.BootstrapServers...),
		kgo.SASL(scram.Auth{User: fakeUser, Pass: fakePassword}.AsSha512Mechanism()), kgo.DefaultProduceTopic("busy"))
	if err != nil {
		t.Fatal(err)
	}
	defer kcl.Close()
	adm := kadm.NewClient(kcl)
	for _, name := range []string{"busy", "quiet"} {
		if _, err := adm.CreateTopic(ctx, 1, 1, nil, name); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = kcl.ProduceSync(ctx, &kgo.Record{Value: make([]byte, 1000)}).FirstErr()
		}
	}()
	inv, err := dial(t, src).Inventory(ctx, 500*time.Millisecond)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range inv.Topics {
		switch tp.Name {
		case "busy":
			// Bytes are as stored: the producer's compressed batches.
			if tp.RecordsInPerSec <= 0 || tp.BytesInPerSec <= 0 {
				t.Errorf("busy: %.0f records/s, %.0f B/s; want both", tp.RecordsInPerSec, tp.BytesInPerSec)
			}
		case "quiet":
			if tp.RecordsInPerSec != 0 || tp.BytesInPerSec != 0 || !tp.Inactive {
				t.Errorf("quiet: %+v, want no rate and inactive", tp)
			}
		}
	}
	if inv.SampleSeconds != 0.5 || inv.BytesInPerSec <= 0 {
		t.Errorf("sample %.1f s, %.0f B/s in all", inv.SampleSeconds, inv.BytesInPerSec)
	}
}
