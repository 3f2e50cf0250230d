package main

import (
	"context"
	"fmt"
	"github.com/streamplane/streamplane/client"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// The upgrade measured: the last 3.9 onto the recommended release.
const benchUpgradeFrom, benchUpgradeTo = "3.9.2", "4.1.2"

// measureRolls times a rolling upgrade of a 3-broker instance, finalize
// included, and a flavor change of another, each under a 2,000 records/s
// acks=all producer whose every acknowledged record must be read back.
func measureRolls(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, err := env.Server(ctx)
	if err != nil {
		return nil, err
	}
	c := srv.client
	if err := installRuntime(ctx, c, benchUpgradeFrom); err != nil {
		return nil, err
	}
	upgraded, err := rollRow(ctx, c, fmt.Sprintf("rolling upgrade %s → %s under 2,000 rec/s, finalize included", benchUpgradeFrom, benchUpgradeTo),
		streamplane.InstanceSpec{Name: "bench-upgrade", Version: benchUpgradeFrom, Flavor: streamplane.DevFlavor,
			BrokerCount: 3, StorageGBPerBroker: 10, Zones: []string{"az1", "az2", "az3"}},
		func(ctx context.Context, id string) (*streamplane.Task, error) {
			return c.UpgradeInstance(ctx, id, streamplane.UpgradeRequest{Version: benchUpgradeTo})
		})
	if err != nil {
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	flavored, err := rollRow(ctx, c, "flavor change kafka.2u4g → kafka.4u8g, 3 brokers, under 2,000 rec/s",
		streamplane.InstanceSpec{Name: "bench-flavor", Version: benchUpgradeTo, Flavor: "kafka.2u4g.cluster",
			BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}},
		func(ctx context.Context, id string) (*streamplane.Task, error) {
			return c.ChangeFlavor(ctx, id, "kafka.4u8g.cluster")
		})
	if err != nil {
		return nil, fmt.Errorf("flavor change: %w", err)
	}
	return []row{upgraded, flavored}, nil
}

// rollRow creates an instance, times op on it under load and deletes it.
func rollRow(ctx context.Context, c *client.Client, what string, spec streamplane.InstanceSpec, op func(context.Context, string) (*streamplane.Task, error)) (row, error) {
	_, inst, err := timeCreate(ctx, c, spec)
	if err != nil {
		return row{}, err
	}
	defer deleteInstance(ctx, c, inst.ID)
	res, err := underLoad(ctx, c, inst.ID, "bench-load", func(ctx context.Context) (*streamplane.Task, error) { return op(ctx, inst.ID) })
	if err != nil {
		return row{}, err
	}
	return row{what, res.took.Round(100 * time.Millisecond).String(),
		fmt.Sprintf("%d records acked, %d failed writes, %d lost; produce p99 %s", res.acked, res.failed, res.lost, res.p99.Round(time.Millisecond))}, nil
}
