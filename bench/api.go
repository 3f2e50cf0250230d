package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/authn"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/provision/local"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/task"
	"github.com/streamplane/streamplane/workflow"
)

// measureAPI fills a store with instance records (3 brokers each) and times
// GET /api/v1/instances over real HTTP. No brokers run: the records are
// what the API reads, and no supervisor acts on them.
func measureAPI(ctx context.Context, env *benchEnv) ([]row, error) {
	records, requests := env.opts.records, env.opts.requests
	seeded, err := newSeededAPI(ctx, records)
	if err != nil {
		return nil, err
	}
	defer seeded.close()
	token := seeded.token
	srv := httptest.NewServer(seeded.handler)
	defer srv.Close()

	var rows []row
	for _, q := range []struct{ label, query string }{
		{"default page (100)", ""},
		{"all in one page", "?limit=1000"},
		{"filtered by tag", "?tag=team=payments"},
	} {
		lat, err := timeGET(srv.URL+"/api/v1/instances"+q.query, token, requests, 50, nil)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{
			what:   fmt.Sprintf("GET /api/v1/instances, %d records, %s", records, q.label),
			value:  p50p99(lat, 10*time.Microsecond),
			detail: fmt.Sprintf("%d sequential requests over loopback HTTP, as admin", requests),
		})
	}
	guard, err := measureGuard(ctx, records, env.opts.guardRequests)
	if err != nil {
		return nil, err
	}
	return append(rows, guard...), nil
}

// seededAPI is the REST API over a store of n instance records (3 brokers
// each) with no task workers and no supervisor: the records are what is
// read, nothing acts on them. Every request is authenticated with the
// admin's token, as the server's first start makes it.
type seededAPI struct {
	dir     string
	store   apiStore
	handler http.Handler
	token   string
}

// apiStore is a store the seeded API can run on.
type apiStore interface {
	streamplane.Store
}

func newSeededAPI(ctx context.Context, records int) (_ *seededAPI, err error) {
	dir, err := os.MkdirTemp("", "streamplane-bench-api-")
	if err != nil {
		return nil, err
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "streamplane.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	a, err := newSeededAPIOn(ctx, store, dir, records)
	if err != nil {
		store.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	a.dir = dir
	return a, nil
}

// newSeededAPIOn seeds store and serves the API over it; dir keeps the
// admin's token. The caller closes the store and removes dir.
func newSeededAPIOn(ctx context.Context, store apiStore, dir string, records int) (*seededAPI, error) {
	a := &seededAPI{store: store}
	if err := seed(ctx, a.store, records); err != nil {
		return nil, err
	}
	var err error
	log := slog.New(slog.DiscardHandler)
	cache := &kafkaruntime.Cache{Dir: dir}
	prov := local.New(local.Config{Root: dir, PortLo: 40000, PortHi: 40010, Zones: []string{"az1", "az2", "az3"}}, a.store, cache, log)
	wf := (&workflow.Env{Store: a.store, Provisioner: prov, Runtimes: cache, Log: log}).Workflows()
	svc := &service.Service{Store: a.store, Provisioner: prov, Runtimes: cache, Engine: &task.Engine{}, Workflows: wf, Log: log}
	ids := &identity.Service{Store: a.store, Throttle: authn.NewThrottle(), Log: log}
	if _, err := ids.Bootstrap(ctx, dir); err != nil {
		return nil, err
	}
	if a.token, err = readToken(dir); err != nil {
		return nil, err
	}
	a.handler = (&api.Server{Service: svc, Identity: ids, Log: log}).Handler()
	return a, nil
}

func (a *seededAPI) close() {
	a.store.Close()
	os.RemoveAll(a.dir)
}

// timeGET times n sequential GETs of u with the API token after warmup
// more that do not count, checking each answer with check if given.
func timeGET(u, token string, n, warmup int, check func(body string) error) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, n)
	for i := range warmup + n {
		took, err := getTimed(u, token, check)
		if err != nil {
			return nil, err
		}
		if i >= warmup {
			lat = append(lat, took)
		}
	}
	return lat, nil
}

// getTimed times one GET of u with the API token, the whole answer read,
// and checks the answer with check if given.
func getTimed(u, token string, check func(body string) error) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	if check != nil {
		if err := check(string(body)); err != nil {
			return 0, fmt.Errorf("GET %s: %w", u, err)
		}
	}
	return took, nil
}

func seed(ctx context.Context, store streamplane.Store, n int) error {
	return store.Update(ctx, func(tx streamplane.Tx) error {
		for i := 0; i < n; i++ {
			inst := &streamplane.Instance{
				ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("bench-%04d", i),
				Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster", BrokerCount: 3,
				StorageGBPerBroker: 100, DiskType: "ultrahigh", Zones: []string{"az1", "az2", "az3"},
				Tags: map[string]string{"team": []string{"payments", "search", "ads"}[i%3], "env": "prod"}, Status: streamplane.InstanceRunning,
			}
			for b := 0; b < 3; b++ {
				port := 20000 + i*15 + b*5
				inst.Brokers = append(inst.Brokers, streamplane.Broker{ID: b, Roles: []string{"broker", "controller"},
					State: streamplane.BrokerActive, Rack: inst.Zones[b], Host: "127.0.0.1",
					Ports:     map[string]int{streamplane.PortPrivate: port},
					Endpoints: map[string]string{streamplane.ListenerPrivatePlaintext: fmt.Sprintf("127.0.0.1:%d", port)}})
			}
			if err := tx.CreateInstance(inst); err != nil {
				return err
			}
		}
		return nil
	})
}
