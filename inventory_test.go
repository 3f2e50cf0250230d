package streamplane

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRecommendFlavor(t *testing.T) {
	t.Run("Idle", func(t *testing.T) {
		inv := &Inventory{Partitions: 30, SizeBytes: 2 * BytesPerGB, SampleSeconds: 30,
			Groups: make([]InventoryGroup, 5)}
		r := RecommendFlavor(inv)
		if !r.Fits || r.Flavor != "kafka.2u4g.cluster" || r.Brokers != 3 || r.StorageGBPerBroker != 100 {
			t.Fatalf("idle cluster: got %+v, want kafka.2u4g.cluster × 3 with 100 GB", r)
		}
		if !strings.Contains(r.Reason, "smallest") {
			t.Errorf("reason %q does not say why", r.Reason)
		}
	})
	t.Run("Busy", func(t *testing.T) {
		// 400 MB/s × 1.5 = 600 MB/s: 2u4g needs 6 brokers (12 vCPUs),
		// 4u8g needs 3 (12 vCPUs, fewer brokers): 4u8g × 3.
		inv := &Inventory{Partitions: 600, BytesInPerSec: 400 * mb, SizeBytes: 1000 * BytesPerGB, SampleSeconds: 60}
		r := RecommendFlavor(inv)
		if !r.Fits || r.Flavor != "kafka.4u8g.cluster" || r.Brokers != 3 {
			t.Fatalf("busy cluster: got %+v, want kafka.4u8g.cluster × 3", r)
		}
		// 1000 GB × 3 replicas × 1.5 / 3 brokers = 1500 GB each.
		if r.StorageGBPerBroker != 1500 {
			t.Errorf("storage %d GB per broker, want 1500", r.StorageGBPerBroker)
		}
	})
	t.Run("ManyPartitions", func(t *testing.T) {
		// 5,000 + 34 partitions: 2u4g needs 21 brokers (42 vCPUs), 4u8g 11
		// (44), 8u16g 6 (48), 16u32g 3 (48): 2u4g × 21.
		r := RecommendFlavor(&Inventory{Partitions: 5000})
		if !r.Fits || r.Flavor != "kafka.2u4g.cluster" || r.Brokers != 21 {
			t.Fatalf("got %+v, want kafka.2u4g.cluster × 21", r)
		}
	})
	t.Run("TooBig", func(t *testing.T) {
		inv := &Inventory{Partitions: 200000, BytesInPerSec: 100000 * mb}
		r := RecommendFlavor(inv)
		if r.Fits || r.Flavor != "" {
			t.Fatalf("got %+v, want no flavor", r)
		}
		if !strings.Contains(r.Reason, "no flavor holds the source") || !strings.Contains(r.Reason, "brokers") {
			t.Errorf("reason %q does not say what is too big", r.Reason)
		}
	})
	t.Run("TooMuchData", func(t *testing.T) {
		// 1 PB × 3 × 1.5 exceeds every flavor's 1,500,000 GB total.
		r := RecommendFlavor(&Inventory{SizeBytes: 1_000_000 * BytesPerGB})
		if r.Fits || !strings.Contains(r.Reason, "GB in all") {
			t.Fatalf("got %+v, want a refusal for storage", r)
		}
	})
}

func TestInventoryJSON(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	inv := Inventory{ClusterID: "abc", Brokers: 3, ACLsReadable: false, ACLsReason: "not authorized",
		Topics: []InventoryTopic{{Name: "orders", Partitions: 6, ReplicationFactor: 3, LastWrite: &at, Inactive: false,
			Configs: map[string]string{"retention.ms": "1000"}}}}
	b, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"cluster_id":"abc"`, `"acls_readable":false`, `"acls_reason":"not authorized"`,
		`"replication_factor":3`, `"last_write":"2026-01-02T03:04:05Z"`, `"bytes_in_per_sec":0`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
}
