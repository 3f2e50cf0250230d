package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// An inventory sends the source with its password and the sample (none for
// 0, the server's default), and outlasts the client's usual timeout: the
// server answers after the sample.
func TestInventory(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		bodies []map[string]any
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(raw, &body)
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		// Slower than the client's own timeout below: a sample.
		<-time.After(300 * time.Millisecond)
		json.NewEncoder(w).Encode(streamplane.Inventory{ClusterID: "src-1", Topics: []streamplane.InventoryTopic{{Name: "orders"}}})
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL)
	c.HTTP.Timeout = 100 * time.Millisecond
	src := streamplane.MigrationSource{BootstrapServers: []string{"old1:9093"}, SecurityProtocol: "SASL_SSL", Username: "mirror", Password: "Src-pass-1"}
	for _, sample := range []int{45, 0} {
		inv, err := c.Inventory(context.Background(), src, sample)
		if err != nil || inv.ClusterID != "src-1" || len(inv.Topics) != 1 {
			t.Fatalf("sample %d: %+v, %v", sample, inv, err)
		}
	}
	if c.HTTP.Timeout != 100*time.Millisecond {
		t.Errorf("the client's own timeout changed to %s", c.HTTP.Timeout)
	}
	source := map[string]any{"bootstrap_servers": []any{"old1:9093"}, "security_protocol": "SASL_SSL", "username": "mirror", "password": "Src-pass-1"}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || !sameJSON(bodies[0], map[string]any{"source": source, "sample_seconds": 45}) || !sameJSON(bodies[1], map[string]any{"source": source}) {
		t.Errorf("sent %v", bodies)
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
