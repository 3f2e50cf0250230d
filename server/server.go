package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/authn"
	"github.com/streamplane/streamplane/certs"
	"github.com/streamplane/streamplane/console"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/kafkaplugin"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/server/listen"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/supervisor"
	"github.com/streamplane/streamplane/task"
	"github.com/streamplane/streamplane/workflow"
)

// Run starts the server and blocks until ctx ends, then shuts down. Brokers
// keep running: the next start adopts them.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	// The listener's rules and certificate are checked before anything
	// else starts, so that a bad setting fails at once.
	endpoint, err := listen.Prepare(listen.Config{Address: cfg.Listen, TLS: cfg.TLS, CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey,
		InsecureListen: cfg.InsecureListen, DataDir: cfg.DataDir}, time.Now())
	if err != nil {
		return err
	}
	slot, err := takeSlot(cfg.DataDir)
	if err != nil {
		return err
	}
	defer slot.release()
	owner := slot.ID
	store, storeKind, err := OpenStore(ctx, cfg.Store, cfg.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	key, err := loadKey(cfg, os.Getenv)
	if err != nil {
		return err
	}
	box, err := secrets.New(key)
	if err != nil {
		return err
	}
	vault := &secrets.Vault{Store: store, Box: box}
	if err := vault.CheckKey(ctx); err != nil {
		return err
	}
	// Servers sharing the store divide the instances; with the local
	// provisioner they must all run here, on this data directory.
	member, err := join(ctx, cfg, store, owner, log)
	if err != nil {
		return err
	}

	rts := &runtimes{cache: &kafkaruntime.Cache{Dir: cfg.RuntimeCache, MavenRepo: cfg.MavenRepo, Java: cfg.Java, Maven: cfg.Maven, Log: log}}
	if cfg.KafkaHome != "" {
		dist, err := kafkaruntime.FromDistribution(cfg.KafkaHome)
		if err != nil {
			return err
		}
		rts.dist = &dist
	}
	plugins := &kafkaplugin.Builder{Dir: filepath.Join(filepath.Dir(cfg.RuntimeCache), "plugins"), Maven: cfg.Maven, Java: cfg.Java, MavenRepo: cfg.MavenRepo, Log: log}
	prov, err := newProvisioner(ctx, cfg, store, rts, plugins, log)
	if err != nil {
		return err
	}
	// Pods run the runtime in their image; this server installs none.
	var serverRuntimes runtimeSource = rts
	if cfg.Provisioner == "kubernetes" {
		serverRuntimes = imageRuntimes{image: cfg.Kube.BrokerImage}
	}
	pool := kafkaadmin.NewPool(func(ctx context.Context, inst *streamplane.Instance) ([]string, streamplane.Credentials, error) {
		creds, err := vault.Credentials(ctx, inst.ID)
		return prov.ControlEndpoints(inst), creds, err
	})
	pool.Dial = streamplane.DialFunc(prov)
	defer pool.Close()

	authority := &certs.Authority{Vault: vault}
	env := &workflow.Env{Store: store, Provisioner: prov, Runtimes: serverRuntimes, Vault: vault, Certs: authority, Admin: pool, Log: log, ReadyTimeout: cfg.ReadyTimeout,
		StorageUnitBytes: cfg.StorageUnitBytes}
	workflows := env.Workflows()
	svc := &service.Service{
		Store: store, Provisioner: prov, Admin: pool, Runtimes: serverRuntimes, Vault: vault, Certs: authority, Files: env, Brokers: env, Plain: plainHasher{}, Workflows: workflows, Log: log,
		Limits:           service.Limits{MaxInstances: cfg.MaxInstances, MaxBrokers: cfg.MaxBrokers, MaxStorageGB: cfg.MaxStorageGB},
		StorageUnitBytes: cfg.StorageUnitBytes,
	}
	// Changes inside an instance are tasks on the same engine; their steps
	// are the service's own rules.
	maps.Copy(workflows, svc.ChangeWorkflows())
	maps.Copy(workflows, svc.MigrationWorkflows())
	engine := &task.Engine{Store: store, Owner: owner, Log: log, Workflows: workflows, FaultExitAfterStep: cfg.FaultExitAfterStep,
		StatusOf: api.StatusOf}
	svc.Engine = engine
	sup := &supervisor.Supervisor{Store: store, Provisioner: prov, Admin: pool, Log: log,
		Interval: cfg.SupervisorInterval, MaxRestarts: cfg.MaxBrokerRestarts,
		UsageInterval: cfg.UsageInterval, Capacity: svc.WatchCapacity, Watching: member.Watching, Fence: member.Fence}
	// Migrations' MirrorMaker processes, watched like brokers.
	var mirrors *supervisor.Mirrors
	if runner, ok := prov.(streamplane.MirrorRunner); ok {
		mirrors = &supervisor.Mirrors{Store: store, Runner: runner, Admin: pool, Log: log, Interval: cfg.SupervisorInterval,
			Watching: member.Watching, Fence: member.Fence}
	}

	mon, err := newMonitoring(cfg, store, prov, pool, vault, member.Watching, log)
	if err != nil {
		return err
	}
	svc.Metrics, env.Metrics = mon.history, mon.history

	ids := &identity.Service{Store: store, Throttle: authn.NewThrottle(), Log: log, AuditRetention: cfg.AuditRetention}
	tokenFile, err := ids.Bootstrap(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	if tokenFile != "" {
		log.Info("created the admin account; its API token is in the file named here (owner-only); set a password with 'streamplane iam user set-password admin'", "token_file", tokenFile)
	}

	listener, addr, err := endpoint.Listen()
	if err != nil {
		return err
	}
	// Tests and scripts that listen on port 0 read the address here.
	if err := os.WriteFile(slot.addrFile(cfg.DataDir), []byte(addr+"\n"), 0o600); err != nil {
		return err
	}
	apiHandler := (&api.Server{Service: svc, Identity: ids, Log: log, Latest: mon.latest}).Handler()
	httpServer := &http.Server{Handler: routes(apiHandler, &console.Server{API: apiHandler, Log: log}), ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: endpoint.TLSConfig()}
	logListener(log, cfg, endpoint)
	log.Info("streamplane server started", "address", addr, "data", cfg.DataDir, "store", storeKind, "runtime_cache", cfg.RuntimeCache, "owner", owner)

	if cfg.InstallRecommended {
		installRecommended(ctx, svc, serverRuntimes, log)
	}

	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(6)
	go func() { defer wg.Done(); member.Run(ctx) }()
	go func() { defer wg.Done(); engine.Run(ctx) }()
	go func() {
		defer wg.Done()
		if mirrors != nil {
			mirrors.Run(ctx)
		}
	}()
	go func() { defer wg.Done(); mon.run(ctx, log) }()
	go func() { defer wg.Done(); sup.Run(ctx) }()
	go func() { defer wg.Done(); ids.KeepTidy(ctx) }()

	serveErr := make(chan error, 1)
	go func() {
		if httpServer.TLSConfig != nil {
			serveErr <- httpServer.ServeTLS(listener, "", "")
		} else {
			serveErr <- httpServer.Serve(listener)
		}
	}()
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		cancel()
	}
	shutdown, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	httpServer.Shutdown(shutdown)
	cancel()
	wg.Wait()
	// Its tasks have stopped: the other servers sharing the store take
	// them, and its instances, over now rather than when its leases expire.
	member.Leave()
	log.Info("streamplane server stopped; brokers keep running")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// logListener says how the API is served: the certificate clients must
// trust (its path, never the key), or a warning for plain HTTP that other
// machines can reach.
func logListener(log *slog.Logger, cfg Config, e *listen.Endpoint) {
	switch {
	case e.CertFile != "" && e.Generated:
		log.Info("made a self-signed TLS certificate for the API; clients trust it with --ca", "cert", e.CertFile, "expires", e.Expires)
	case e.CertFile != "":
		log.Info("serving the API over TLS", "cert", e.CertFile, "expires", e.Expires)
	case cfg.InsecureListen:
		log.Warn("serving the API over plain HTTP (--insecure-listen): tokens and passwords cross the network in clear", "listen", cfg.Listen)
	}
	if e.CertFile != "" && time.Until(e.Expires) < 7*24*time.Hour {
		log.Warn("the API's TLS certificate expires soon", "cert", e.CertFile, "expires", e.Expires)
	}
}

// installRecommended queues an install of the recommended runtime if it is
// missing and no install of it is under way.
func installRecommended(ctx context.Context, svc *service.Service, rts runtimeSource, log *slog.Logger) {
	rec := kafkaruntime.Recommended()
	if _, ok := rts.Installed(rec.Version); ok {
		return
	}
	pending, _, err := svc.Tasks(ctx, "", streamplane.TaskFilter{Kind: streamplane.TaskInstallRuntime,
		Status: []streamplane.TaskStatus{streamplane.TaskPending, streamplane.TaskRunning}})
	if err != nil {
		log.Warn("check runtime installs", "err", err)
		return
	}
	for _, t := range pending {
		if t.Target == rec.Version {
			return
		}
	}
	t, err := svc.InstallRuntime(ctx, rec.Version)
	if err != nil {
		log.Warn("queue install of the recommended runtime", "version", rec.Version, "err", err)
		return
	}
	log.Info("installing the recommended Kafka runtime", "version", rec.Version, "task", t.ID)
}
