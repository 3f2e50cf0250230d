package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// Migrations copy topics and group offsets from another Kafka cluster into
// an instance. A change answers with the migration: done, or still
// CREATING, MODIFYING or DELETING when it outlasted the server's short
// deadline (its TaskID names the task); poll Migration to see it end.

func migrationsPath(instance string) string { return instancePath(instance) + "/migrations" }

func migrationPath(instance, migration string) string {
	return migrationsPath(instance) + "/" + url.PathEscape(migration)
}

// Migrations lists an instance's migrations, oldest first.
func (c *Client) Migrations(ctx context.Context, instance string) ([]*streamplane.Migration, error) {
	var out wire.MigrationList
	if _, err := c.do(ctx, "GET", migrationsPath(instance), nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Migrations, nil
}

// CreateMigration starts a migration into an instance. spec.Source.Password
// travels in the request body only.
func (c *Client) CreateMigration(ctx context.Context, instance string, spec streamplane.MigrationSpec) (*streamplane.Migration, error) {
	return c.migrationChange(ctx, "POST", migrationsPath(instance), wire.NewMigrationCreateRequest(spec))
}

// Migration returns a migration with its progress, read live from the
// source and the instance.
func (c *Client) Migration(ctx context.Context, instance, migration string) (*streamplane.MigrationStatus, error) {
	var out streamplane.MigrationStatus
	if _, err := c.do(ctx, "GET", migrationPath(instance, migration), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateMigration changes what a migration copies; a non-empty
// sourcePassword replaces the source's. IfMatch(v) makes it conditional
// on the migration's version.
func (c *Client) UpdateMigration(ctx context.Context, instance, migration string, u streamplane.MigrationUpdate, sourcePassword string, opts ...reqOpt) (*streamplane.Migration, error) {
	body := wire.MigrationUpdateRequest{MigrationUpdate: u, SourcePassword: sourcePassword}
	return c.migrationChange(ctx, "PATCH", migrationPath(instance, migration), body, opts...)
}

// PauseMigration stops MirrorMaker; its position stays in the instance.
func (c *Client) PauseMigration(ctx context.Context, instance, migration string) (*streamplane.Migration, error) {
	return c.migrationChange(ctx, "POST", migrationPath(instance, migration)+"/pause", nil)
}

// ResumeMigration starts MirrorMaker again where it stopped.
func (c *Client) ResumeMigration(ctx context.Context, instance, migration string) (*streamplane.Migration, error) {
	return c.migrationChange(ctx, "POST", migrationPath(instance, migration)+"/resume", nil)
}

// DeleteMigration stops a migration for good; what it copied stays.
func (c *Client) DeleteMigration(ctx context.Context, instance, migration string) (*streamplane.Migration, error) {
	return c.migrationChange(ctx, "DELETE", migrationPath(instance, migration), nil)
}

// CutoverCheck says, per selected group, whether its consumers may switch
// to the instance now.
func (c *Client) CutoverCheck(ctx context.Context, instance, migration string) ([]streamplane.CutoverCheck, error) {
	var out wire.CutoverChecks
	if _, err := c.do(ctx, "GET", migrationPath(instance, migration)+"/cutover-check", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// MigrationLogs returns the last lines of a migration's MirrorMaker log
// (lines <= 0: the server's 200).
func (c *Client) MigrationLogs(ctx context.Context, instance, migration string, lines int) (string, error) {
	var q url.Values
	if lines > 0 {
		q = url.Values{"lines": {strconv.Itoa(lines)}}
	}
	var out string
	_, err := c.do(ctx, "GET", migrationPath(instance, migration)+"/logs", q, nil, &out)
	return out, err
}

// Inventory reads what a source cluster holds and how busy it is over a
// sample of sampleSeconds (0: the server's default, 30), with the instance
// it would take. src.Password travels in the request body only, and the
// server keeps nothing. The call lasts the sample and more: it waits
// past the client's usual timeout.
func (c *Client) Inventory(ctx context.Context, src streamplane.MigrationSource, sampleSeconds int) (*streamplane.Inventory, error) {
	long := *c
	if c.HTTP != nil && c.HTTP.Timeout > 0 {
		hc := *c.HTTP
		hc.Timeout = max(hc.Timeout, time.Duration(max(sampleSeconds, 30))*time.Second+inventoryReads)
		long.HTTP = &hc
	}
	var out streamplane.Inventory
	if _, err := long.do(ctx, "POST", "/api/v1/migration-inventory", nil, wire.NewInventoryRequest(src, sampleSeconds), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// inventoryReads is how long an inventory may take beyond its sample: the
// server's probe of the source and its rounds of reads, each bounded.
const inventoryReads = 3 * time.Minute

func (c *Client) migrationChange(ctx context.Context, method, path string, body any, opts ...reqOpt) (*streamplane.Migration, error) {
	var out streamplane.Migration
	if _, err := c.do(ctx, method, path, nil, body, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}
