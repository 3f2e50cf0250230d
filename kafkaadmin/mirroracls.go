package kafkaadmin

import (
	"context"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/twmb/franz-go/pkg/kadm"
)

// MirrorMaker signs in to a SASL_SSL instance as a principal of its own,
// never a super user: it gets ACLs on the literal names of what it copies
// and keeps, and nothing else. The cluster operations it needs (describe)
// every client has already (EnsureClusterACLs).

// mirrorTopicOps are what MirrorMaker does to a topic it copies into:
// create it, write records, keep its configs in step with the source, and
// read and commit group offsets on it (offset sync).
var mirrorTopicOps = []kadm.ACLOperation{kadm.OpDescribe, kadm.OpCreate, kadm.OpWrite, kadm.OpRead,
	kadm.OpDescribeConfigs, kadm.OpAlterConfigs}

// mirrorGroupOps: committing translated offsets for a group, and its
// Connect worker's own group.
var mirrorGroupOps = []kadm.ACLOperation{kadm.OpRead, kadm.OpDescribe}

// GrantMirror allows principal what a migration's MirrorMaker does on the
// topics and groups named (literal names), waiting until every broker
// applies them. Granting again is a no-op.
func (c *Client) GrantMirror(ctx context.Context, principal string, topics, groups []string) error {
	if len(topics) == 0 && len(groups) == 0 {
		return nil
	}
	allow := func() *kadm.ACLBuilder {
		return kadm.NewACLs().Allow("User:" + principal).AllowHosts().ResourcePatternType(kadm.ACLPatternLiteral)
	}
	var builders []*kadm.ACLBuilder
	if len(topics) > 0 {
		builders = append(builders, allow().Topics(topics...).Operations(mirrorTopicOps...))
	}
	if len(groups) > 0 {
		builders = append(builders, allow().Groups(groups...).Operations(mirrorGroupOps...))
	}
	for _, b := range builders {
		results, err := c.adm.CreateACLs(ctx, b)
		if err != nil {
			return fmt.Errorf("grant MirrorMaker's ACLs: %w", err)
		}
		for _, r := range results {
			if r.Err != nil {
				return fmt.Errorf("grant MirrorMaker's ACLs on %s %s: %w", r.Type, r.Name, r.Err)
			}
		}
	}
	for _, topic := range topics {
		if err := c.waitACLs(ctx, topicFilter(topic, "User:"+principal), "MirrorMaker's ACLs on topic "+topic, func(acls []acl) bool {
			return len(acls) >= len(mirrorTopicOps)
		}); err != nil {
			return err
		}
	}
	return nil
}

// CopyTopicACLs creates on the instance the topic ACLs a migration copies
// from its source (sync_acls). Creating one again is a no-op.
func (c *Client) CopyTopicACLs(ctx context.Context, acls []streamplane.InventoryACL) error {
	var creations []kmsg.CreateACLsRequestCreation
	for _, a := range acls {
		op, err := kmsg.ParseACLOperation(strings.ToLower(a.Operation))
		if err != nil {
			return fmt.Errorf("copy ACL on topic %s: %w", a.ResourceName, err)
		}
		perm, err := kmsg.ParseACLPermissionType(strings.ToLower(a.Permission))
		if err != nil {
			return fmt.Errorf("copy ACL on topic %s: %w", a.ResourceName, err)
		}
		pattern, err := kmsg.ParseACLResourcePatternType(strings.ToLower(a.PatternType))
		if err != nil {
			return fmt.Errorf("copy ACL on topic %s: %w", a.ResourceName, err)
		}
		cr := kmsg.NewCreateACLsRequestCreation()
		cr.ResourceType, cr.ResourceName, cr.ResourcePatternType = kmsg.ACLResourceTypeTopic, a.ResourceName, pattern
		cr.Principal, cr.Host, cr.Operation, cr.PermissionType = a.Principal, a.Host, op, perm
		creations = append(creations, cr)
	}
	if len(creations) == 0 {
		return nil
	}
	req := kmsg.NewPtrCreateACLsRequest()
	req.Creations = creations
	resp, err := req.RequestWith(ctx, c.kcl)
	if err != nil {
		return fmt.Errorf("copy topic ACLs: %w", err)
	}
	for i, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return fmt.Errorf("copy ACL on topic %s: %w", acls[i].ResourceName, withMessage(err, deref(r.ErrorMessage)))
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
