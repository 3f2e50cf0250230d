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
// never a super user. Its own topics and its worker's group get ACLs for
// it alone, which also keeps every other user out of them: its Connect
// configs hold the source's credentials. The topics and groups it copies
// get its ACLs only where they have ACLs already: a resource with none is
// open to every user (allow.everyone.if.no.acl.found), MirrorMaker
// included, and an ACL of MirrorMaker's would close it to everyone else —
// the consumers that switch over first. The cluster operations it needs
// (describe) every client has already (EnsureClusterACLs).

// mirrorTopicOps are what MirrorMaker does to a topic it copies into:
// create it, write records, keep its configs in step with the source, and
// read and commit group offsets on it (offset sync).
var mirrorTopicOps = []kadm.ACLOperation{kadm.OpDescribe, kadm.OpCreate, kadm.OpWrite, kadm.OpRead,
	kadm.OpDescribeConfigs, kadm.OpAlterConfigs}

// mirrorGroupOps: committing translated offsets for a group, and its
// Connect worker's own group.
var mirrorGroupOps = []kadm.ACLOperation{kadm.OpRead, kadm.OpDescribe}

// MirrorGrants are what a migration's MirrorMaker is granted.
type MirrorGrants struct {
	Principal string
	// Own are its internal topics and its worker's group: granted always.
	OwnTopics, OwnGroups []string
	// Copied are the topics and groups it copies: granted where guarded.
	CopiedTopics, CopiedGroups []string
}

// GrantMirror grants g, waiting until every broker applies the grants,
// and returns how many copied topics and groups needed one. Granting again
// is a no-op.
func (c *Client) GrantMirror(ctx context.Context, g MirrorGrants) (guarded int, err error) {
	topics, err := c.guarded(ctx, kmsg.ACLResourceTypeTopic, g.CopiedTopics)
	if err != nil {
		return 0, err
	}
	groups, err := c.guarded(ctx, kmsg.ACLResourceTypeGroup, g.CopiedGroups)
	if err != nil {
		return 0, err
	}
	guarded = len(topics) + len(groups)
	topics, groups = append(topics, g.OwnTopics...), append(groups, g.OwnGroups...)
	allow := func() *kadm.ACLBuilder {
		return kadm.NewACLs().Allow("User:" + g.Principal).AllowHosts().ResourcePatternType(kadm.ACLPatternLiteral)
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
			return 0, fmt.Errorf("grant MirrorMaker's ACLs: %w", err)
		}
		for _, r := range results {
			if r.Err != nil {
				return 0, fmt.Errorf("grant MirrorMaker's ACLs on %s %s: %w", r.Type, r.Name, r.Err)
			}
		}
	}
	for _, topic := range topics {
		if err := c.waitACLs(ctx, topicFilter(topic, "User:"+g.Principal), "MirrorMaker's ACLs on topic "+topic, func(acls []acl) bool {
			return len(acls) >= len(mirrorTopicOps)
		}); err != nil {
			return 0, err
		}
	}
	return guarded, nil
}

// guarded returns the names that some ACL applies to: on the literal
// name, the wildcard, or a prefix of it.
func (c *Client) guarded(ctx context.Context, typ kmsg.ACLResourceType, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	acls, err := c.describeACLs(ctx, nil, aclFilter{Type: typ, Pattern: kmsg.ACLResourcePatternTypeAny})
	if err != nil {
		return nil, fmt.Errorf("describe ACLs: %w", err)
	}
	var out []string
	for _, n := range names {
		for _, a := range acls {
			if a.Name == n || a.Name == "*" || (a.Pattern == kmsg.ACLResourcePatternTypePrefixed && strings.HasPrefix(n, a.Name)) {
				out = append(out, n)
				break
			}
		}
	}
	return out, nil
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
