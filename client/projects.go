package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func projectPath(project string) string { return "/api/v1/projects/" + url.PathEscape(project) }

// Projects lists the projects with what their instances use of their quotas.
func (c *Client) Projects(ctx context.Context) (*wire.ProjectList, error) {
	var out wire.ProjectList
	_, err := c.do(ctx, "GET", "/api/v1/projects", nil, nil, &out)
	return &out, err
}

// Project returns a project with its usage.
func (c *Client) Project(ctx context.Context, name string) (*streamplane.ProjectUsage, error) {
	var out streamplane.ProjectUsage
	if _, err := c.do(ctx, "GET", projectPath(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateProject creates a project: its name, description and quotas (zero
// is no limit).
func (c *Client) CreateProject(ctx context.Context, p streamplane.Project) (*streamplane.ProjectUsage, error) {
	// Only the fields a caller sets: a version and times of zero would read
	// as if they meant something.
	body := struct {
		Name         string `json:"name"`
		Description  string `json:"description,omitempty"`
		MaxInstances int    `json:"max_instances"`
		MaxBrokers   int    `json:"max_brokers"`
		MaxStorageGB int    `json:"max_storage_gb"`
	}{p.Name, p.Description, p.MaxInstances, p.MaxBrokers, p.MaxStorageGB}
	var out streamplane.ProjectUsage
	if _, err := c.do(ctx, "POST", "/api/v1/projects", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateProject changes a project's description or quotas; nil fields stay.
func (c *Client) UpdateProject(ctx context.Context, name string, upd wire.ProjectUpdate, opts ...reqOpt) (*streamplane.ProjectUsage, error) {
	var out streamplane.ProjectUsage
	if _, err := c.do(ctx, "PATCH", projectPath(name), nil, upd, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteProject deletes a project that holds no instances.
func (c *Client) DeleteProject(ctx context.Context, name string) error {
	_, err := c.do(ctx, "DELETE", projectPath(name), nil, nil, nil)
	return err
}
