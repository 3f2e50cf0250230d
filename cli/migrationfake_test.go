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
