package sourcekafka

import (
	"context"
	"slices"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// What a migration's tasks read of the source besides its status: where
// the selected topics' logs start, and the ACLs a migration with sync_acls
// copies.

// Offsets returns each topic's partitions' log start and end offsets.
func (c *Client) Offsets(ctx context.Context, topics []string) (start, end map[string]map[int32]int64, err error) {
	if end, err = c.EndOffsets(ctx, topics); err != nil {
		return nil, nil, err
	}
	if len(topics) == 0 {
		return map[string]map[int32]int64{}, end, nil
	}
	starts, err := c.adm.ListStartOffsets(ctx, topics...)
	if err != nil && len(starts) == 0 {
		return nil, nil, c.classify(err)
	}
	return byTopic(starts), end, nil
}

// TopicACLs returns the source's ACLs that apply to the topics: on their
// literal names, or on a prefix of one of them. A source that does not let
// the migration's user read its ACLs is an error saying so.
func (c *Client) TopicACLs(ctx context.Context, topics []string) ([]streamplane.InventoryACL, error) {
	all, readable, reason := c.acls(ctx)
	if !readable {
		return nil, streamplane.Errorf(streamplane.EPRECONDITION, "sync_acls: %s", reason)
	}
	var out []streamplane.InventoryACL
	for _, a := range all {
		if a.ResourceType != "TOPIC" {
			continue
		}
		applies := false
		switch a.PatternType {
		case "LITERAL":
			applies = slices.Contains(topics, a.ResourceName) || a.ResourceName == "*"
		case "PREFIXED":
			applies = slices.ContainsFunc(topics, func(t string) bool { return strings.HasPrefix(t, a.ResourceName) })
		}
		if applies {
			out = append(out, a)
		}
	}
	return out, nil
}
