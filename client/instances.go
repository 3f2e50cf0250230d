package client

import (
	"context"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// ListOptions filter and page an instance list.
type ListOptions struct {
	Name           string
	ID             string
	Status         []string
	Tags           []string // key=value or key
	Address        string
	Project        string
	IncludeDeleted bool
	Offset, Limit  int
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("name", o.Name)
	set("id", o.ID)
	set("address", o.Address)
	set("project", o.Project)
	for _, s := range o.Status {
		q.Add("status", s)
	}
	for _, t := range o.Tags {
		q.Add("tag", t)
	}
	if o.IncludeDeleted {
		q.Set("include_deleted", "true")
	}
	setPage(q, o.Offset, o.Limit)
	return q
}

// instancePath is the path of an instance, by id or name; its resources
// (topics, groups, users, ...) live under it.
func instancePath(instance string) string { return "/api/v1/instances/" + url.PathEscape(instance) }

// CreateInstance asks for a new instance; the returned task creates it.
func (c *Client) CreateInstance(ctx context.Context, spec streamplane.InstanceSpec) (*streamplane.Instance, *streamplane.Task, error) {
	var out wire.InstanceCreated
	_, err := c.do(ctx, "POST", "/api/v1/instances", nil, spec, &out)
	return out.Instance, out.Task, err
}

// Instances lists instances.
func (c *Client) Instances(ctx context.Context, opts ListOptions) (*wire.InstanceList, error) {
	var out wire.InstanceList
	_, err := c.do(ctx, "GET", "/api/v1/instances", opts.query(), nil, &out)
	return &out, err
}

// InstancesCSV returns the instance list as CSV.
func (c *Client) InstancesCSV(ctx context.Context, opts ListOptions) (string, error) {
	return c.csv(ctx, "/api/v1/instances", opts.query())
}

// Instance returns an instance by id or name.
func (c *Client) Instance(ctx context.Context, idOrName string) (*streamplane.Instance, error) {
	var out streamplane.Instance
	_, err := c.do(ctx, "GET", instancePath(idOrName), nil, nil, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateInstance changes an instance's name, description or tags.
func (c *Client) UpdateInstance(ctx context.Context, idOrName string, upd streamplane.InstanceUpdate, opts ...reqOpt) (*streamplane.Instance, error) {
	var out streamplane.Instance
	_, err := c.do(ctx, "PATCH", instancePath(idOrName), nil, upd, &out, opts...)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RestartInstance starts a safe rolling restart (or a forced full one).
func (c *Client) RestartInstance(ctx context.Context, idOrName string, force bool, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/restart", wire.RestartRequest{Force: force}, opts...)
}

// Scale adds brokers to an instance or removes some (a scale_instance task).
func (c *Client) Scale(ctx context.Context, idOrName string, req streamplane.ScaleRequest, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/scale", req, opts...)
}

// Advertise sets the address a broker gives clients on a listener ("" for
// its own), through a rolling restart.
func (c *Client) Advertise(ctx context.Context, idOrName string, req streamplane.AdvertiseRequest, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/advertise", req, opts...)
}

// ChangeFlavor starts running an instance on another flavor (a rolling
// restart).
func (c *Client) ChangeFlavor(ctx context.Context, idOrName, flavor string, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/change-flavor", streamplane.FlavorChangeRequest{Flavor: flavor}, opts...)
}

// ExpandStorage starts growing an instance's storage per broker.
func (c *Client) ExpandStorage(ctx context.Context, idOrName string, gb int, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/expand-storage", streamplane.StorageExpansionRequest{StorageGBPerBroker: gb}, opts...)
}

// UpgradeInstance starts moving an instance onto another Kafka version.
func (c *Client) UpgradeInstance(ctx context.Context, idOrName string, req streamplane.UpgradeRequest, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/upgrade", req, opts...)
}

// FinalizeUpgrade starts raising an instance's metadata.version to its
// version's own.
func (c *Client) FinalizeUpgrade(ctx context.Context, idOrName string, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/finalize-upgrade", nil, opts...)
}

// RollbackUpgrade starts returning an instance to the version before an
// upgrade not yet finalized.
func (c *Client) RollbackUpgrade(ctx context.Context, idOrName string, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", instancePath(idOrName)+"/rollback-upgrade", nil, opts...)
}

// DeleteInstance starts deleting an instance.
func (c *Client) DeleteInstance(ctx context.Context, idOrName string, opts ...reqOpt) (*streamplane.Task, error) {
	return c.startTask(ctx, "DELETE", instancePath(idOrName), nil, opts...)
}

// ClearFailed removes the records of instances whose creation failed.
func (c *Client) ClearFailed(ctx context.Context) ([]string, error) {
	var out wire.InstancesCleared
	_, err := c.do(ctx, "POST", "/api/v1/instances/clear-failed", nil, nil, &out)
	return out.Cleared, err
}

// BrokerLog returns the last lines of a broker's log.
func (c *Client) BrokerLog(ctx context.Context, idOrName string, broker, lines int) (string, error) {
	var out string
	q := url.Values{"lines": {strconv.Itoa(lines)}}
	_, err := c.do(ctx, "GET", instancePath(idOrName)+"/brokers/"+strconv.Itoa(broker)+"/log", q, nil, &out)
	return out, err
}

// Flavors lists the broker flavors.
func (c *Client) Flavors(ctx context.Context) ([]streamplane.Flavor, error) {
	var out wire.FlavorList
	_, err := c.do(ctx, "GET", "/api/v1/flavors", nil, nil, &out)
	return out.Flavors, err
}

// Zones lists the zones.
func (c *Client) Zones(ctx context.Context) ([]string, error) {
	var out wire.ZoneList
	_, err := c.do(ctx, "GET", "/api/v1/zones", nil, nil, &out)
	return out.Zones, err
}
