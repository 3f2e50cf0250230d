package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// Runtimes returns the Kafka runtime catalog.
func (c *Client) Runtimes(ctx context.Context) ([]wire.Runtime, error) {
	var out wire.RuntimeList
	_, err := c.do(ctx, "GET", "/api/v1/runtimes", nil, nil, &out)
	return out.Runtimes, err
}

// InstallRuntime starts installing a catalog version.
func (c *Client) InstallRuntime(ctx context.Context, version string) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", "/api/v1/runtimes/"+url.PathEscape(version)+"/install", nil)
}
