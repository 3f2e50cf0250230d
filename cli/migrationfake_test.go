package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// migrationFake holds the fake's migrations of instance demo, and the
// source passwords the server was given; fakeAPI's mutex guards it.
type migrationFake struct {
	list      []*streamplane.Migration
	passwords map[string]string // migration name → source password
}

// migrationRoutes serves the migration endpoints. A creation answers 202
// CREATING, and the migration is RUNNING from the next read on.
func (f *fakeAPI) migrationRoutes(mux *http.ServeMux) {
	f.migration = &migrationFake{passwords: map[string]string{}}
	mux.HandleFunc("GET /api/v1/instances/{instance}/migrations", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.instance(w, r); !ok {
			return
		}
		f.mu.Lock()
		out := wire.MigrationList{Migrations: []*streamplane.Migration{}}
		for _, m := range f.migration.list {
			copied := *m
			out.Migrations = append(out.Migrations, &copied)
			if m.State == streamplane.MigrationCreating {
				m.State = streamplane.MigrationRunning
			}
		}
		f.mu.Unlock()
		f.json(w, 200, out)
	})
	mux.HandleFunc("POST /api/v1/instances/{instance}/migrations", func(w http.ResponseWriter, r *http.Request) {
		inst, ok := f.instance(w, r)
		if !ok {
			return
		}
		var req wire.MigrationCreateRequest
		if err := json.Unmarshal(f.lastBody(), &req); err != nil {
			f.error(w, streamplane.Invalid("", "bad body: %v", err))
			return
		}
		spec := req.Spec()
		if err := spec.Normalize(); err != nil {
			f.error(w, err.(*streamplane.Error))
			return
		}
		f.mu.Lock()
		f.nextID++
		m := &streamplane.Migration{ID: fmt.Sprintf("mig-%d", f.nextID), InstanceID: inst.ID, Name: spec.Name, Source: spec.Source,
			Topics: spec.Topics, Groups: spec.Groups, SyncTopicConfigs: spec.SyncTopicConfigs, SyncACLs: spec.SyncACLs,
			State: streamplane.MigrationCreating, ResourceVersion: 1, CreatedAt: created, UpdatedAt: created}
		m.Source.Password = ""
		f.migration.list = append(f.migration.list, m)
		f.migration.passwords[m.Name] = spec.Source.Password
		f.mu.Unlock()
		f.json(w, 202, m)
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/migrations/{migration}", func(w http.ResponseWriter, r *http.Request) {
		m, ok := f.migrationOf(w, r)
		if !ok {
			return
		}
		synced := created.Add(179 * time.Minute)
		f.json(w, 200, streamplane.MigrationStatus{Migration: *m,
			Topics: []streamplane.MigrationTopic{{Topic: "orders", Partitions: 3, SourceEnd: 50000, Copied: 49000, RecordsBehind: 1000, BytesInPerSec: 2_500_000}},
			Groups: []streamplane.MigrationGroup{{Group: "billing", SourceState: "Stable", TargetState: "Empty", SourceOffset: 25000, TargetOffset: 24990,
				Partitions: 3, Synced: 3, LastSync: &synced}},
			Connectors: []streamplane.MirrorConnector{{Name: "MirrorSourceConnector", State: "RUNNING"}},
			Errors:     []string{"source group ledger: not readable"}})
	})
	change := func(state streamplane.MigrationState) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			m, ok := f.migrationOf(w, r)
			if !ok {
				return
			}
			f.mu.Lock()
			if r.Method == "PATCH" {
				var req wire.MigrationUpdateRequest
				json.Unmarshal(f.requests[len(f.requests)-1].Body, &req)
				req.MigrationUpdate.Apply(m)
				if req.SourcePassword != "" {
					f.migration.passwords[m.Name] = req.SourcePassword
				}
			}
			m.State = state
			m.ResourceVersion++
			copied := *m
			f.mu.Unlock()
			f.json(w, 200, &copied)
		}
	}
	mux.HandleFunc("PATCH /api/v1/instances/{instance}/migrations/{migration}", change(streamplane.MigrationRunning))
	mux.HandleFunc("POST /api/v1/instances/{instance}/migrations/{migration}/pause", change(streamplane.MigrationPaused))
	mux.HandleFunc("POST /api/v1/instances/{instance}/migrations/{migration}/resume", change(streamplane.MigrationRunning))
	mux.HandleFunc("DELETE /api/v1/instances/{instance}/migrations/{migration}", func(w http.ResponseWriter, r *http.Request) {
		m, ok := f.migrationOf(w, r)
		if !ok {
			return
		}
		f.mu.Lock()
		m.State = streamplane.MigrationDeleting
		copied := *m
		f.mu.Unlock()
		f.json(w, 202, &copied)
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/migrations/{migration}/cutover-check", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.migrationOf(w, r); ok {
			f.json(w, 200, wire.CutoverChecks{Groups: []streamplane.CutoverCheck{
				{Group: "billing", Ready: true, Reasons: []string{"consumers may read up to 10 records again"}, Duplicates: 10},
				{Group: "ledger", Ready: false, Reasons: []string{"1000 records behind", "2 of 3 partitions synced"}, RecordsBehind: 1000},
			}})
		}
	})
	mux.HandleFunc("GET /api/v1/instances/{instance}/migrations/{migration}/logs", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.migrationOf(w, r); ok {
			fmt.Fprintf(w, "mm2 line one\nmm2 line two (lines=%s)", r.URL.Query().Get("lines"))
		}
	})
}

// inventoryRoute serves POST /api/v1/migration-inventory with a fixed
// inventory taken "now": an active topic with configs, an inactive one, a
// group; the ACLs of a PLAINTEXT source, and for a SASL one the reason its
// user may not read them.
func (f *fakeAPI) inventoryRoute(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/migration-inventory", func(w http.ResponseWriter, r *http.Request) {
		var req wire.InventoryRequest
		if err := json.Unmarshal(f.lastBody(), &req); err != nil {
			f.error(w, streamplane.Invalid("", "bad body: %v", err))
			return
		}
		src := req.Source.Source()
		if err := src.Normalize("source", false); err != nil {
			f.error(w, err.(*streamplane.Error))
			return
		}
		sample := 30
		if req.SampleSeconds != nil {
			sample = *req.SampleSeconds
		}
		if sample < 1 || sample > 300 {
			f.error(w, streamplane.Invalid("sample_seconds", "must be 1–300 seconds, not %d", sample))
			return
		}
		taken := created.Add(3 * time.Hour)
		recent, old := taken.Add(-2*time.Minute), taken.Add(-30*24*time.Hour)
		inv := &streamplane.Inventory{ClusterID: "src-cluster-1", Controller: 2, Brokers: 3, Partitions: 13, SizeBytes: 12_500_000_000,
			BytesInPerSec: 2_500_000, SampleSeconds: float64(sample), TakenAt: taken,
			Topics: []streamplane.InventoryTopic{
				{Name: "archive", Partitions: 1, ReplicationFactor: 3, SizeBytes: 500_000_000, Records: 1000, LastWrite: &old, Inactive: true},
				{Name: "orders", Partitions: 12, ReplicationFactor: 3, SizeBytes: 12_000_000_000, Records: 9_000_000,
					Configs: map[string]string{"retention.ms": "604800000", "cleanup.policy": "delete"}, BytesInPerSec: 2_500_000, RecordsInPerSec: 5000.5, LastWrite: &recent},
			},
			Groups:   []streamplane.InventoryGroup{{Group: "billing", State: "Stable", ProtocolType: "consumer", Members: 4, Topics: []string{"orders"}, Lag: 1200}},
			ACLs:     []streamplane.InventoryACL{},
			Warnings: []string{"broker 3: log dirs not readable"},
			Recommendation: streamplane.Recommendation{Fits: true, Flavor: "kafka.4u8g.cluster", Brokers: 3, StorageGBPerBroker: 60,
				Reason: "kafka.4u8g.cluster × 3 brokers with 60 GB each is the smallest instance that holds the source."}}
		if src.SASL() {
			inv.ACLsReason = `user "` + src.Username + `" may not describe the source's ACLs (it needs Describe on the cluster)`
		} else {
			inv.ACLsReadable = true
			inv.ACLs = append(inv.ACLs, streamplane.InventoryACL{Principal: "User:app", Host: "*", ResourceType: "TOPIC", ResourceName: "orders",
				PatternType: "LITERAL", Operation: "READ", Permission: "ALLOW"})
		}
		f.json(w, 200, inv)
	})
}

func (f *fakeAPI) migrationOf(w http.ResponseWriter, r *http.Request) (*streamplane.Migration, bool) {
	if _, ok := f.instance(w, r); !ok {
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.migration.list {
		if m.Name == r.PathValue("migration") || m.ID == r.PathValue("migration") {
			return m, true
		}
	}
	f.error(w, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "migration", Message: fmt.Sprintf("migration %q not found", r.PathValue("migration"))})
	return nil, false
}
