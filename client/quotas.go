package client

import (
	"context"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
)

func quotasPath(instance string) string { return instancePath(instance) + "/quotas" }

// Quotas lists an instance's client quotas.
func (c *Client) Quotas(ctx context.Context, instance string) (*streamplane.QuotaList, error) {
	var out streamplane.QuotaList
	if _, err := c.do(ctx, "GET", quotasPath(instance), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// QuotasCSV returns an instance's quota list as CSV.
func (c *Client) QuotasCSV(ctx context.Context, instance string) (string, error) {
	return c.csv(ctx, quotasPath(instance), url.Values{})
}

// CreateQuota sets the limits of an entity that has no quota yet.
func (c *Client) CreateQuota(ctx context.Context, instance string, spec streamplane.QuotaSpec) (*streamplane.Quota, error) {
	var out streamplane.Quota
	if _, err := c.do(ctx, "POST", quotasPath(instance), nil, spec, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateQuota changes the limits of an existing quota.
func (c *Client) UpdateQuota(ctx context.Context, instance string, upd streamplane.QuotaUpdate) (*streamplane.Quota, error) {
	var out streamplane.Quota
	if _, err := c.do(ctx, "PATCH", quotasPath(instance), nil, upd, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteQuota removes an entity's quota and returns it as it was.
func (c *Client) DeleteQuota(ctx context.Context, instance string, e streamplane.QuotaEntity) (*streamplane.Quota, error) {
	q := url.Values{}
	if e.User != "" {
		q.Set("user", e.User)
	}
	if e.ClientID != "" {
		q.Set("client_id", e.ClientID)
	}
	if e.DefaultUser {
		q.Set("default_user", "true")
	}
	if e.DefaultClient {
		q.Set("default_client", "true")
	}
	var out streamplane.QuotaDeletion
	if _, err := c.do(ctx, "DELETE", quotasPath(instance), q, nil, &out); err != nil {
		return nil, err
	}
	return &out.Deleted, nil
}

// QuotaUsage reports who moves the most bytes in one direction, against
// their quotas.
func (c *Client) QuotaUsage(ctx context.Context, instance string, f streamplane.QuotaUsageFilter) (*streamplane.QuotaUsage, error) {
	q := url.Values{"by": {string(f.By)}}
	if f.Top != 0 {
		q.Set("top", strconv.Itoa(f.Top))
	}
	if f.MinMBps != 0 {
		q.Set("min_mbps", strconv.FormatFloat(f.MinMBps, 'f', -1, 64))
	}
	if f.MinPercent != 0 {
		q.Set("min_percent", strconv.FormatFloat(f.MinPercent, 'f', -1, 64))
	}
	var out streamplane.QuotaUsage
	if _, err := c.do(ctx, "GET", quotasPath(instance)+"/usage", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
