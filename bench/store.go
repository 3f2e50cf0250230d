package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/pgtest"
	"github.com/streamplane/streamplane/postgres"
	"github.com/streamplane/streamplane/sqlite"
)

const (
	storeTopicCreates = 30 // topic creations through the API, per store
	storeTakeovers    = 5  // kills of server A, each taken over by server B
)

// measureStore compares the PostgreSQL store with SQLite in one run: the
// instance list at 1,000 records (as measureAPI, same requests) and topic
// creation through real servers and brokers; then times how long server B
// takes to finish server A's task after A dies, both on one PostgreSQL
// store.
func measureStore(ctx context.Context, env *benchEnv) ([]row, error) {
	pg, err := pgtest.New()
	if err != nil {
		return nil, err
	}
	defer pg.Close()
	var rows []row

	lists := map[string][]time.Duration{}
	for _, kind := range []string{"SQLite", "PostgreSQL"} {
		var store apiStore
		dir, err := os.MkdirTemp("", "streamplane-bench-store-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if kind == "SQLite" {
			store, err = sqlite.Open(ctx, filepath.Join(dir, "streamplane.db"))
		} else {
			store, err = postgres.Open(ctx, pgDatabase(ctx, pg, "bench_list"))
		}
		if err != nil {
			return nil, err
		}
		seeded, err := newSeededAPIOn(ctx, store, dir, env.opts.records)
		if err != nil {
			store.Close()
			return nil, err
		}
		srv := httptest.NewServer(seeded.handler)
		lists[kind], err = timeGET(srv.URL+"/api/v1/instances", seeded.token, env.opts.requests, 50, nil)
		srv.Close()
		store.Close()
		if err != nil {
			return nil, err
		}
	}
	rows = append(rows, row{
		what:  fmt.Sprintf("GET /api/v1/instances, %d records, default page: PostgreSQL vs SQLite", env.opts.records),
		value: fmt.Sprintf("p99 %s vs %s", percentile(lists["PostgreSQL"], 99).Round(10*time.Microsecond), percentile(lists["SQLite"], 99).Round(10*time.Microsecond)),
		detail: fmt.Sprintf("p50 %s vs %s; %d sequential requests each over loopback HTTP, same process and machine; PostgreSQL is pgtest's local server (fsync off)",
			median(lists["PostgreSQL"]).Round(10*time.Microsecond), median(lists["SQLite"]).Round(10*time.Microsecond), env.opts.requests),
	})

	creates, err := topicCreatesByStore(ctx, env, pg)
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{
		what:  "topic create through the API (1-broker instance): PostgreSQL vs SQLite",
		value: fmt.Sprintf("p99 %s vs %s", percentile(creates["PostgreSQL"], 99).Round(time.Millisecond), percentile(creates["SQLite"], 99).Round(time.Millisecond)),
		detail: fmt.Sprintf("p50 %s vs %s; %d creations per store, alternating between a server on each; PostgreSQL with fsync off, SQLite with synchronous=NORMAL",
			median(creates["PostgreSQL"]).Round(time.Millisecond), median(creates["SQLite"]).Round(time.Millisecond), storeTopicCreates),
	})

	takeovers, err := measureTakeovers(ctx, env, pg)
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{
		what:   "server B finishes server A's task after A dies (PostgreSQL, two servers)",
		value:  fmt.Sprintf("median %s", median(takeovers).Round(100*time.Millisecond)),
		detail: fmt.Sprintf("%s over %d kills; a topic creation, A exits after its first step; task lease 12 s; target ≤ 15 s", durations(takeovers), len(takeovers)),
	})
	return rows, nil
}

// pgDatabase creates a new database on the bench's PostgreSQL server.
func pgDatabase(ctx context.Context, pg *pgtest.Server, name string) string {
	name = fmt.Sprintf("%s_%d", name, time.Now().UnixNano())
	db, err := sql.Open("pgx", pg.URL("postgres")) // pgtest registers the driver
	if err == nil {
		_, err = db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`)
		db.Close()
	}
	if err != nil {
		fail(fmt.Errorf("create database %s: %w", name, err))
	}
	return pg.URL(name)
}

// topicCreatesByStore times topic creations through a server on SQLite and
// one on PostgreSQL, each with a 1-broker instance, alternating.
func topicCreatesByStore(ctx context.Context, env *benchEnv, pg *pgtest.Server) (map[string][]time.Duration, error) {
	servers := map[string]*server{}
	insts := map[string]*streamplane.Instance{}
	ports := map[string]string{"SQLite": "36400-36599", "PostgreSQL": "36600-36799"}
	for _, kind := range []string{"SQLite", "PostgreSQL"} {
		dir, err := os.MkdirTemp("", "streamplane-bench-store-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		args := []string{"--port-range", ports[kind]}
		if kind == "PostgreSQL" {
			args = append(args, "--store", pgDatabase(ctx, pg, "bench_topics"))
		}
		srv, err := startServerAs(env.opts.binary, dir, "server.addr", "server.log", args...)
		if err != nil {
			return nil, err
		}
		defer func() { deleteAll(ctx, srv.client); srv.stop() }()
		if err := installRuntime(ctx, srv.client, kafkaruntime.Recommended().Version); err != nil {
			return nil, err
		}
		_, inst, err := timeCreate(ctx, srv.client, benchSpec("bench-store", 1))
		if err != nil {
			return nil, err
		}
		servers[kind], insts[kind] = srv, inst
	}
	out := map[string][]time.Duration{}
	for i := range storeTopicCreates {
		for _, kind := range []string{"SQLite", "PostgreSQL"} {
			start := time.Now()
			_, err := servers[kind].client.CreateTopic(ctx, insts[kind].ID, streamplane.TopicSpec{Name: fmt.Sprintf("t-%03d", i), Partitions: 3, Replicas: 1})
			if err != nil {
				return nil, fmt.Errorf("%s: create topic: %w", kind, err)
			}
			out[kind] = append(out[kind], time.Since(start))
		}
	}
	return out, nil
}

// measureTakeovers runs servers A and B on one PostgreSQL store and data
// directory; A is made to exit right after the first step of a topic
// creation, and the time from its exit to the task's success (seen
// through B) is measured.
func measureTakeovers(ctx context.Context, env *benchEnv, pg *pgtest.Server) ([]time.Duration, error) {
	dir, err := os.MkdirTemp("", "streamplane-bench-ha-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	store := pgDatabase(ctx, pg, "bench_ha")
	args := []string{"--store", store, "--port-range", "36800-36999"}
	a, err := startServerAs(env.opts.binary, dir, "server.addr", "server.log", args...)
	if err != nil {
		return nil, err
	}
	b, err := startServerAs(env.opts.binary, dir, "server.addr.2", "server-2.log", args...)
	if err != nil {
		a.stop()
		return nil, err
	}
	defer func() { deleteAll(ctx, b.client); b.stop() }()
	if err := installRuntime(ctx, b.client, kafkaruntime.Recommended().Version); err != nil {
		return nil, err
	}
	_, inst, err := timeCreate(ctx, b.client, benchSpec("bench-ha", 1))
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for i := range storeTakeovers {
		a.stop()
		if a, err = startServerAs(env.opts.binary, dir, "server.addr", "server.log",
			append(args, "--fault-exit-after-step", streamplane.TaskCreateTopic+":1")...); err != nil {
			return nil, err
		}
		exited := make(chan time.Time, 1)
		go func() { a.cmd.Wait(); exited <- time.Now() }()
		// A's answer never comes: it exits half way.
		go a.client.CreateTopic(ctx, inst.ID, streamplane.TopicSpec{Name: fmt.Sprintf("ha-%d", i), Partitions: 1, Replicas: 1})
		var died time.Time
		select {
		case died = <-exited:
		case <-time.After(2 * time.Minute):
			return nil, errors.New("server A did not exit after the first step")
		}
		took, err := waitTaskOf(ctx, b.client, inst.ID, fmt.Sprintf("ha-%d", i), died)
		if err != nil {
			return nil, err
		}
		out = append(out, took)
	}
	return out, nil
}

// waitTaskOf waits, polling every 50 ms, until the topic-creation task of
// topic has succeeded, and returns the time since since.
func waitTaskOf(ctx context.Context, c *client.Client, instance, topic string, since time.Time) (time.Duration, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		list, err := c.Tasks(ctx, client.TaskOptions{Instance: instance, Kind: streamplane.TaskCreateTopic})
		if err != nil {
			return 0, err
		}
		for _, t := range list.Tasks {
			if strings.Contains(string(t.Params), `"`+topic+`"`) {
				switch t.Status {
				case streamplane.TaskSucceeded:
					return t.FinishedAt.Sub(since), nil
				case streamplane.TaskFailed:
					return 0, fmt.Errorf("the creation of %s failed on server B: %s", topic, t.Error)
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("server B did not finish the creation of %s", topic)
}

func benchSpec(name string, brokers int) streamplane.InstanceSpec {
	return streamplane.InstanceSpec{Name: name, Version: kafkaruntime.Recommended().Version, Flavor: streamplane.DevFlavor,
		BrokerCount: brokers, StorageGBPerBroker: 10, Zones: []string{"az1"}}
}

// deleteAll deletes every instance of a server, waiting for each.
func deleteAll(ctx context.Context, c *client.Client) {
	list, err := c.Instances(ctx, client.ListOptions{})
	if err != nil {
		return
	}
	for _, inst := range list.Instances {
		deleteInstance(ctx, c, inst.ID) // best effort: the bench is ending
	}
}
