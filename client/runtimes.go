package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
)

// Runtime is a catalog entry and whether the server has it installed.
type Runtime struct {
	Version      string `json:"version"`
	Released     string `json:"released"`
	SupportStart string `json:"support_start"`
	SupportEnd   string `json:"support_end"`
	Recommended  bool   `json:"recommended"`
	Installed    bool   `json:"installed"`
	Path         string `json:"path,omitempty"`
}

// Runtimes returns the Kafka runtime catalog.
func (c *Client) Runtimes(ctx context.Context) ([]Runtime, error) {
	var out struct {
		Runtimes []Runtime `json:"runtimes"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/runtimes", nil, nil, &out)
	return out.Runtimes, err
}

// InstallRuntime starts installing a catalog version.
func (c *Client) InstallRuntime(ctx context.Context, version string) (*streamplane.Task, error) {
	return c.startTask(ctx, "POST", "/api/v1/runtimes/"+url.PathEscape(version)+"/install", nil)
}
