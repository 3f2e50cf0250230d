package api

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/authn"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/provision/local"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/sqlite"
	"github.com/streamplane/streamplane/task"
	"github.com/streamplane/streamplane/workflow"
	"github.com/twmb/franz-go/pkg/kfake"
)

// guardRecords is how many instance records BenchmarkGuard's store holds;
// the bench command passes its own -records.
var guardRecords = flag.Int("guard.records", 1000, "instance records in BenchmarkGuard's store")

// BenchmarkGuard measures what authentication, authorisation and the audit
// trail cost a request: the same server (store, service, routes, handlers,
// middleware) is served twice over loopback HTTP, once through Handler()
// and once with every route registered without the guard, and each
// iteration sends the same request to both, one after the other, so that
// both see the same machine. Without the guard no audit entry is written
// (the handlers find no pending entry), which is the point: the difference
// is the guard and the trail. It reports p50 and p99 of each side in
// microseconds; ns/op is the time of the whole iteration.
func BenchmarkGuard(b *testing.B) {
	e := newGuardBench(b)
	b.Run("GET_instances", func(b *testing.B) {
		lat := e.measure(b, func(base, token string) ([]time.Duration, error) {
			took, err := e.do(base, token, "GET", "/api/v1/instances", "", http.StatusOK)
			return []time.Duration{took}, err
		})
		report(b, "", lat[0])
	})
	// Projects need no brokers, and creating one is a write that goes
	// through authorisation (a global action) and the audit chain.
	b.Run("POST+DELETE_projects", func(b *testing.B) {
		lat := e.measure(b, func(base, token string) ([]time.Duration, error) {
			post, err := e.do(base, token, "POST", "/api/v1/projects", `{"name":"bench-guard"}`, http.StatusCreated)
			if err != nil {
				return nil, err
			}
			del, err := e.do(base, token, "DELETE", "/api/v1/projects/bench-guard", "", http.StatusNoContent)
			return []time.Duration{post, del}, err
		})
		report(b, "post-", lat[0])
		report(b, "delete-", lat[1])
	})
	// A topic creation is a change inside an instance: a durable task whose
	// audit entry is written in the transaction that ends it. The
	// instance's brokers are franz-go's in-process kfake cluster, so Kafka
	// answers in microseconds and the guard's share is shown at its
	// largest; real brokers add tens of milliseconds to both sides alike.
	b.Run("POST+DELETE_topics", func(b *testing.B) {
		topics := "/api/v1/instances/" + guardKafkaInstance + "/topics"
		lat := e.measure(b, func(base, token string) ([]time.Duration, error) {
			post, err := e.do(base, token, "POST", topics, `{"name":"bench-guard","partitions":1}`, http.StatusCreated)
			if err != nil {
				return nil, err
			}
			del, err := e.do(base, token, "DELETE", topics+"/bench-guard", "", http.StatusOK)
			return []time.Duration{post, del}, err
		})
		report(b, "post-", lat[0])
		report(b, "delete-", lat[1])
	})
}

// guardKafkaInstance names the one instance of BenchmarkGuard's store
// whose brokers answer: a kfake cluster.
const guardKafkaInstance = "bench-kfake"

type guardBench struct {
	guarded, unguarded string // base URLs
	token              string // the admin's
}

func newGuardBench(b *testing.B) *guardBench {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "streamplane.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if err := seedInstances(ctx, store, *guardRecords); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cache := &kafkaruntime.Cache{Dir: dir}
	prov := local.New(local.Config{Root: dir, PortLo: 40000, PortHi: 40010, Zones: []string{"az1", "az2", "az3"}}, store, cache, log)
	fake, pool, err := kfakeInstance(ctx, store)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fake.Close)
	b.Cleanup(pool.Close)
	wf := (&workflow.Env{Store: store, Provisioner: prov, Runtimes: cache, Log: log}).Workflows()
	svc := &service.Service{Store: store, Provisioner: prov, Runtimes: cache, Admin: pool, Workflows: wf, Log: log}
	maps.Copy(wf, svc.ChangeWorkflows())
	engine := &task.Engine{Store: store, Owner: "bench", Log: log, Workflows: wf, StatusOf: StatusOf}
	svc.Engine = engine
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); engine.Run(runCtx) }()
	b.Cleanup(func() { stop(); <-stopped })
	ids := &identity.Service{Store: store, Throttle: authn.NewThrottle(), Log: log}
	if _, err := ids.Bootstrap(ctx, dir); err != nil {
		b.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(dir, identity.AdminTokenFile))
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{Service: svc, Identity: ids, Log: log}
	guarded := httptest.NewServer(s.Handler())
	b.Cleanup(guarded.Close)
	unguarded := httptest.NewServer(s.unguardedHandler())
	b.Cleanup(unguarded.Close)
	return &guardBench{guarded: guarded.URL, unguarded: unguarded.URL, token: strings.TrimSpace(string(token))}
}

// unguardedHandler is Handler() with the routes registered as they are
// but without the guard: same mux, handlers and middleware. Only this
// benchmark builds it.
func (s *Server) unguardedHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range Routes {
		h := rt.handler
		mux.HandleFunc(rt.Method+" "+rt.Pattern, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
	}
	return s.middleware(mux)
}

// measure runs warm-up rounds, then b.N rounds of op against each side,
// guarded first, and returns each timed request's latencies per side.
func (e *guardBench) measure(b *testing.B, op func(base, token string) ([]time.Duration, error)) [][2][]time.Duration {
	b.Helper()
	for range 20 {
		if _, err := op(e.guarded, e.token); err != nil {
			b.Fatal(err)
		}
		if _, err := op(e.unguarded, ""); err != nil {
			b.Fatal(err)
		}
	}
	var lat [][2][]time.Duration
	b.ResetTimer()
	for range b.N {
		for side, base := range []string{e.guarded, e.unguarded} {
			token := e.token
			if side == 1 {
				token = "" // nothing would read it
			}
			took, err := op(base, token)
			if err != nil {
				b.Fatal(err)
			}
			if lat == nil {
				lat = make([][2][]time.Duration, len(took))
			}
			for i, d := range took {
				lat[i][side] = append(lat[i][side], d)
			}
		}
	}
	b.StopTimer()
	return lat
}

// do sends one request, reads the whole answer and checks its status.
func (e *guardBench) do(base, token, method, path, body string, want int) (time.Duration, error) {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != want {
		return 0, fmt.Errorf("%s %s: HTTP %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	return took, nil
}

// report adds p50 and p99 of both sides, in microseconds, to the result.
func report(b *testing.B, prefix string, lat [2][]time.Duration) {
	for side, name := range []string{"guarded", "unguarded"} {
		b.ReportMetric(micros(nearestRank(lat[side], 50)), prefix+"p50-us-"+name)
		b.ReportMetric(micros(nearestRank(lat[side], 99)), prefix+"p99-us-"+name)
	}
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// nearestRank is the p-th percentile (0 < p ≤ 100) by nearest rank.
func nearestRank(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	idx := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(idx, len(s)-1))]
}

// kfakeInstance stores a RUNNING 1-broker instance named
// guardKafkaInstance and returns the kfake cluster that plays its brokers
// and an admin pool that reaches it.
func kfakeInstance(ctx context.Context, store streamplane.Store) (*kfake.Cluster, *kafkaadmin.Pool, error) {
	const user, password = "streamplane-admin", "bench-only"
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", user, password))
	if err != nil {
		return nil, nil, err
	}
	pool := kafkaadmin.NewPool(func(context.Context, *streamplane.Instance) ([]string, streamplane.Credentials, error) {
		return fake.ListenAddrs(), streamplane.Credentials{AdminUser: user, AdminPassword: password}, nil
	})
	inst := &streamplane.Instance{
		ID: "00000000-0000-4000-8000-ffffffffffff", Name: guardKafkaInstance, Version: kafkaruntime.Recommended().Version,
		Flavor: streamplane.DevFlavor, BrokerCount: 1, StorageGBPerBroker: 10, DiskType: "ultrahigh", Zones: []string{"az1"},
		Status: streamplane.InstanceRunning, SecurityProtocol: streamplane.ProtocolPlaintext, Project: streamplane.DefaultProject,
		Brokers: []streamplane.Broker{{ID: 0, Roles: []string{"broker", "controller"}, State: streamplane.BrokerActive, Rack: "az1", Host: "127.0.0.1"}},
	}
	inst.AppliedParameters = inst.StaticParams()
	if err := store.Update(ctx, func(tx streamplane.Tx) error { return tx.CreateInstance(inst) }); err != nil {
		fake.Close()
		pool.Close()
		return nil, nil, err
	}
	return fake, pool, nil
}

// seedInstances stores n RUNNING 3-broker instance records in the default
// project, as the bench command's API measurement does.
func seedInstances(ctx context.Context, store streamplane.Store, n int) error {
	return store.Update(ctx, func(tx streamplane.Tx) error {
		for i := range n {
			inst := &streamplane.Instance{
				ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("bench-%04d", i),
				Version: kafkaruntime.Recommended().Version, Flavor: "kafka.2u4g.cluster", BrokerCount: 3,
				StorageGBPerBroker: 100, DiskType: "ultrahigh", Zones: []string{"az1", "az2", "az3"},
				Tags: map[string]string{"team": []string{"payments", "search", "ads"}[i%3]}, Status: streamplane.InstanceRunning, Project: streamplane.DefaultProject,
			}
			for id := range 3 {
				port := 20000 + i*15 + id*5
				inst.Brokers = append(inst.Brokers, streamplane.Broker{ID: id, Roles: []string{"broker", "controller"},
					State: streamplane.BrokerActive, Rack: inst.Zones[id], Host: "127.0.0.1",
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
