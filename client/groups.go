package client

import (
	"context"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// GroupOptions filter and page a group list.
type GroupOptions struct {
	Name          string   // substring of the name, any case
	States        []string // e.g. STABLE, EMPTY
	Offset, Limit int
}

func (o GroupOptions) query() url.Values {
	q := url.Values{}
	if o.Name != "" {
		q.Set("name", o.Name)
	}
	for _, s := range o.States {
		q.Add("state", s)
	}
	setPage(q, o.Offset, o.Limit)
	return q
}

func groupsPath(instance string) string {
	return instancePath(instance) + "/groups"
}

// Groups lists an instance's consumer groups with state, coordinator,
// member count and total lag.
func (c *Client) Groups(ctx context.Context, instance string, opts GroupOptions) (*wire.GroupList, error) {
	var out wire.GroupList
	_, err := c.do(ctx, "GET", groupsPath(instance), opts.query(), nil, &out)
	return &out, err
}

// GroupsCSV returns the group list as CSV.
func (c *Client) GroupsCSV(ctx context.Context, instance string, opts GroupOptions) (string, error) {
	return c.csv(ctx, groupsPath(instance), opts.query())
}

// Group describes a consumer group: members and per-partition offsets and
// lag.
func (c *Client) Group(ctx context.Context, instance, group string) (*streamplane.GroupDetail, error) {
	var out streamplane.GroupDetail
	if _, err := c.do(ctx, "GET", groupsPath(instance)+"/"+url.PathEscape(group), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ResetOffsets moves a group's committed offsets in a topic or one of its
// partitions. The group must have no members.
func (c *Client) ResetOffsets(ctx context.Context, instance, group string, req streamplane.OffsetResetRequest) (*streamplane.OffsetReset, error) {
	var out streamplane.OffsetReset
	if _, err := c.do(ctx, "POST", groupsPath(instance)+"/"+url.PathEscape(group)+"/reset-offsets", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGroup deletes one EMPTY group.
func (c *Client) DeleteGroup(ctx context.Context, instance, group string) error {
	_, err := c.do(ctx, "DELETE", groupsPath(instance)+"/"+url.PathEscape(group), nil, nil, nil)
	return err
}

// DeleteGroups deletes several EMPTY groups, each with its own outcome; the
// error is for the request as a whole (for instance a busy instance).
func (c *Client) DeleteGroups(ctx context.Context, instance string, groups ...string) ([]wire.GroupDeletion, error) {
	var out wire.GroupDeleteResults
	_, err := c.do(ctx, "POST", groupsPath(instance)+"/delete", nil, wire.GroupDeleteRequest{Groups: groups}, &out)
	return out.Results, err
}
