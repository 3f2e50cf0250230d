package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic permissions are Kafka ACLs on the topic's literal name, allowed
// from any host: publishing is WRITE and DESCRIBE, subscribing READ and
// DESCRIBE (DMS 8.9; see streamplane.Permission). Consumer groups get no
// ACLs, so allow.everyone.if.no.acl.found keeps them open to every user.
//
// Kafka applies an ACL change on each broker when that broker reads it from
// the metadata log, a moment after the controller accepted it. Every change
// here returns only once each broker describes the ACLs as changed, so a
// client connecting right after finds the new rights wherever it lands.

// aclWait bounds how long a change waits for every broker to apply it.
const aclWait = 10 * time.Second

// grantOperations are the ACL operations of a permission.
func grantOperations(p streamplane.Permission) []kmsg.ACLOperation {
	var ops []kmsg.ACLOperation
	if p.Publish() {
		ops = append(ops, kmsg.ACLOperationWrite)
	}
	if p.Subscribe() {
		ops = append(ops, kmsg.ACLOperationRead)
	}
	if len(ops) > 0 {
		ops = append(ops, kmsg.ACLOperationDescribe)
	}
	return ops
}

// acl is one described ACL.
type acl struct {
	Type       kmsg.ACLResourceType
	Name       string
	Pattern    kmsg.ACLResourcePatternType
	Principal  string
	Host       string
	Operation  kmsg.ACLOperation
	Permission kmsg.ACLPermissionType
}

// aclFilter selects ACLs by resource and, optionally, principal; any host,
// operation and permission.
type aclFilter struct {
	Type      kmsg.ACLResourceType
	Name      *string // nil: any name
	Pattern   kmsg.ACLResourcePatternType
	Principal *string // nil: any principal
}

// topicFilter selects the ACLs on a topic's literal name, of one principal
// or ("") of every principal.
func topicFilter(topic, principal string) aclFilter {
	f := aclFilter{Type: kmsg.ACLResourceTypeTopic, Name: kmsg.StringPtr(topic), Pattern: kmsg.ACLResourcePatternTypeLiteral}
	if principal != "" {
		f.Principal = kmsg.StringPtr(principal)
	}
	return f
}

func (f aclFilter) describeRequest() *kmsg.DescribeACLsRequest {
	req := kmsg.NewPtrDescribeACLsRequest()
	req.ResourceType, req.ResourceName, req.ResourcePatternType = f.Type, f.Name, f.Pattern
	req.Principal, req.Operation, req.PermissionType = f.Principal, kmsg.ACLOperationAny, kmsg.ACLPermissionTypeAny
	return req
}

func (f aclFilter) deleteFilter() kmsg.DeleteACLsRequestFilter {
	d := kmsg.NewDeleteACLsRequestFilter()
	d.ResourceType, d.ResourceName, d.ResourcePatternType = f.Type, f.Name, f.Pattern
	d.Principal, d.Operation, d.PermissionType = f.Principal, kmsg.ACLOperationAny, kmsg.ACLPermissionTypeAny
	return d
}

// exactFilter deletes exactly one ACL.
func (a acl) exactFilter() kmsg.DeleteACLsRequestFilter {
	d := kmsg.NewDeleteACLsRequestFilter()
	d.ResourceType, d.ResourceName, d.ResourcePatternType = a.Type, kmsg.StringPtr(a.Name), a.Pattern
	d.Principal, d.Host = kmsg.StringPtr(a.Principal), kmsg.StringPtr(a.Host)
	d.Operation, d.PermissionType = a.Operation, a.Permission
	return d
}

// describeACLs describes the ACLs f selects, as broker b knows them (any
// broker when b is nil).
func (c *Client) describeACLs(ctx context.Context, b *kgo.Broker, f aclFilter) ([]acl, error) {
	req := f.describeRequest()
	var kresp kmsg.Response
	var err error
	if b != nil {
		kresp, err = b.Request(ctx, req)
	} else {
		kresp, err = c.kcl.Request(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	resp := kresp.(*kmsg.DescribeACLsResponse)
	if err := kerrOf(resp.ErrorCode, resp.ErrorMessage); err != nil {
		return nil, err
	}
	var out []acl
	for _, r := range resp.Resources {
		for _, a := range r.ACLs {
			out = append(out, acl{Type: r.ResourceType, Name: r.ResourceName, Pattern: r.ResourcePatternType,
				Principal: a.Principal, Host: a.Host, Operation: a.Operation, Permission: a.PermissionType})
		}
	}
	return out, nil
}

// deleteACLs deletes what the filters match and returns how many ACLs went.
func (c *Client) deleteACLs(ctx context.Context, filters ...kmsg.DeleteACLsRequestFilter) (int, error) {
	if len(filters) == 0 {
		return 0, nil
	}
	req := kmsg.NewPtrDeleteACLsRequest()
	req.Filters = filters
	resp, err := req.RequestWith(ctx, c.kcl)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, r := range resp.Results {
		if err := kerrOf(r.ErrorCode, r.ErrorMessage); err != nil {
			return deleted, err
		}
		for _, m := range r.MatchingACLs {
			if err := kerrOf(m.ErrorCode, m.ErrorMessage); err != nil {
				return deleted, err
			}
			deleted++
		}
	}
	return deleted, nil
}

// waitACLs waits until every broker describes the ACLs f selects as done
// wants them.
func (c *Client) waitACLs(ctx context.Context, f aclFilter, what string, done func([]acl) bool) error {
	return c.waitBrokers(ctx, aclWait, what, func(ctx context.Context, b *kgo.Broker) bool {
		acls, err := c.describeACLs(ctx, b, f)
		return err == nil && done(acls)
	})
}

// TopicGrants reads a topic's grants from its ACLs. The topic is open when
// no ACL applies to it at all, literal, prefixed or wildcard: Kafka then
// allows every user (allow.everyone.if.no.acl.found). ACLs that are not
// grants (denials, single hosts, other principal types) close the topic
// but show as no grant.
func (c *Client) TopicGrants(ctx context.Context, topic string) (streamplane.TopicGrants, error) {
	out := streamplane.TopicGrants{Topic: topic, Grants: []streamplane.TopicGrant{}}
	f := aclFilter{Type: kmsg.ACLResourceTypeTopic, Name: kmsg.StringPtr(topic), Pattern: kmsg.ACLResourcePatternTypeMatch}
	acls, err := c.describeACLs(ctx, nil, f)
	if err != nil {
		return out, err
	}
	// The production stop (production.go) closes no topic.
	acls = slices.DeleteFunc(acls, isStopACL)
	out.Open = len(acls) == 0
	type rights struct{ publish, subscribe bool }
	byPrincipal := map[string]*rights{}
	for _, a := range acls {
		if a.Pattern != kmsg.ACLResourcePatternTypeLiteral || a.Name != topic ||
			a.Permission != kmsg.ACLPermissionTypeAllow || a.Host != "*" {
			continue
		}
		r := byPrincipal[a.Principal]
		if r == nil {
			r = &rights{}
			byPrincipal[a.Principal] = r
		}
		switch a.Operation {
		case kmsg.ACLOperationWrite:
			r.publish = true
		case kmsg.ACLOperationRead:
			r.subscribe = true
		case kmsg.ACLOperationAll:
			r.publish, r.subscribe = true, true
		}
	}
	for principal, r := range byPrincipal {
		g, ok := streamplane.GrantFromPrincipal(principal)
		if !ok {
			continue
		}
		if g.Permission, ok = streamplane.PermissionOf(r.publish, r.subscribe); ok {
			out.Grants = append(out.Grants, g)
		}
	}
	streamplane.SortGrants(out.Grants)
	return out, nil
}

// SetTopicGrant gives a principal exactly a permission on a topic,
// replacing whatever ACLs it had there. The new ACLs are created before the
// old ones go, so the topic never passes through having no ACL at all,
// which would open it to everyone.
func (c *Client) SetTopicGrant(ctx context.Context, topic, principal string, p streamplane.Permission) error {
	want := grantOperations(p)
	if len(want) == 0 {
		return fmt.Errorf("kafkaadmin: permission %q grants nothing", p)
	}
	f := topicFilter(topic, principal)
	cur, err := c.describeACLs(ctx, nil, f)
	if err != nil {
		return err
	}
	b := kadm.NewACLs().Allow(principal).AllowHosts("*").Topics(topic).Operations(want...).ResourcePatternType(kadm.ACLPatternLiteral)
	results, err := c.adm.CreateACLs(ctx, b)
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.Err != nil {
			return withMessage(r.Err, r.ErrMessage)
		}
	}
	wanted := func(a acl) bool {
		return a.Permission == kmsg.ACLPermissionTypeAllow && a.Host == "*" && slices.Contains(want, a.Operation)
	}
	var stale []kmsg.DeleteACLsRequestFilter
	for _, a := range cur {
		if !wanted(a) {
			stale = append(stale, a.exactFilter())
		}
	}
	if _, err := c.deleteACLs(ctx, stale...); err != nil {
		return err
	}
	return c.waitACLs(ctx, f, fmt.Sprintf("%s's new permission on topic %s", principal, topic), func(acls []acl) bool {
		if len(acls) != len(want) {
			return false
		}
		for _, a := range acls {
			if !wanted(a) {
				return false
			}
		}
		return true
	})
}

// RevokeTopicGrant removes every ACL of a principal on a topic and reports
// whether there was any.
func (c *Client) RevokeTopicGrant(ctx context.Context, topic, principal string) (bool, error) {
	f := topicFilter(topic, principal)
	n, err := c.deleteACLs(ctx, f.deleteFilter())
	if err != nil || n == 0 {
		return false, err
	}
	return true, c.waitACLs(ctx, f, fmt.Sprintf("%s's permission on topic %s revoked", principal, topic), noACLs)
}

// DeletePrincipalACLs removes every ACL of a principal, on any resource: a
// deleted user's grants go with it.
func (c *Client) DeletePrincipalACLs(ctx context.Context, principal string) error {
	f := aclFilter{Type: kmsg.ACLResourceTypeAny, Pattern: kmsg.ACLResourcePatternTypeAny, Principal: kmsg.StringPtr(principal)}
	n, err := c.deleteACLs(ctx, f.deleteFilter())
	if err != nil || n == 0 {
		return err
	}
	return c.waitACLs(ctx, f, "no ACL of "+principal, noACLs)
}

// DeleteTopicACLs removes every grant on the topics (every ACL on their
// literal names). Kafka keeps a deleted topic's ACLs, which would pass to a
// new topic of the same name: call this when topics are deleted.
func (c *Client) DeleteTopicACLs(ctx context.Context, topics ...string) error {
	var filters []kmsg.DeleteACLsRequestFilter
	for _, t := range topics {
		filters = append(filters, topicFilter(t, "").deleteFilter())
	}
	n, err := c.deleteACLs(ctx, filters...)
	if err != nil || n == 0 {
		return err
	}
	for _, t := range topics {
		if err := c.waitACLs(ctx, topicFilter(t, ""), "no ACL on topic "+t, noACLs); err != nil {
			return err
		}
	}
	return nil
}

func noACLs(acls []acl) bool { return len(acls) == 0 }

// WaitSCRAM waits until every broker knows a user's SCRAM credential
// (present) or no longer knows it. A password change cannot be told apart
// this way: Kafka describes a credential's mechanism and iterations only.
func (c *Client) WaitSCRAM(ctx context.Context, user string, present bool) error {
	what := "the SCRAM credential of " + user
	if !present {
		what = "the deletion of " + what
	}
	return c.waitBrokers(ctx, aclWait, what, func(ctx context.Context, b *kgo.Broker) bool {
		req := kmsg.NewPtrDescribeUserSCRAMCredentialsRequest()
		u := kmsg.NewDescribeUserSCRAMCredentialsRequestUser()
		u.Name = user
		req.Users = append(req.Users, u)
		kresp, err := b.Request(ctx, req)
		if err != nil {
			return false
		}
		resp := kresp.(*kmsg.DescribeUserSCRAMCredentialsResponse)
		if len(resp.Results) != 1 {
			return false
		}
		r := resp.Results[0]
		err = kerrOf(r.ErrorCode, r.ErrorMessage)
		switch {
		case err == nil:
			return present == slices.ContainsFunc(r.CredentialInfos, func(ci kmsg.DescribeUserSCRAMCredentialsResponseResultCredentialInfo) bool {
				return ci.Mechanism == int8(kadm.ScramSha512)
			})
		case errors.Is(err, kerr.ResourceNotFound):
			return !present
		}
		return false
	})
}
