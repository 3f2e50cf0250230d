package kafkaadmin

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The capacity policy stop_production refuses writes with one ACL: DENY
// WRITE on every topic (the literal wildcard "*") to every user from every
// host. A denial wins over any grant, so producers get
// TOPIC_AUTHORIZATION_FAILED, which no client retries; the control plane's
// principals are super users and go on writing (offsets, transactions,
// the topic policy). Kafka's StandardAuthorizer would also deny everything
// else on a topic that had no ACL of its own (one ACL on the resource ends
// allow.everyone.if.no.acl.found for it); the brokers' authorizer
// (kafkaplugin.ClusterGuardAuthorizer) decides those as if this ACL were
// not there, so reads go on.

// stopFilter selects the production stop ACL exactly.
func stopFilter() aclFilter {
	return aclFilter{Type: kmsg.ACLResourceTypeTopic, Name: kmsg.StringPtr("*"), Pattern: kmsg.ACLResourcePatternTypeLiteral,
		Principal: kmsg.StringPtr("User:*")}
}

// stopACL is the production stop ACL.
var stopACL = acl{Type: kmsg.ACLResourceTypeTopic, Name: "*", Pattern: kmsg.ACLResourcePatternTypeLiteral,
	Principal: "User:*", Host: "*", Operation: kmsg.ACLOperationWrite, Permission: kmsg.ACLPermissionTypeDeny}

// isStopACL reports whether a is the production stop ACL.
func isStopACL(a acl) bool { return a == stopACL }

func hasStopACL(acls []acl) bool {
	for _, a := range acls {
		if isStopACL(a) {
			return true
		}
	}
	return false
}

// StopProduction refuses every client's writes, and returns once every
// broker applies it. Creating it again is a no-op.
func (c *Client) StopProduction(ctx context.Context) error {
	req := kmsg.NewPtrCreateACLsRequest()
	cr := kmsg.NewCreateACLsRequestCreation()
	cr.ResourceType, cr.ResourceName, cr.ResourcePatternType = stopACL.Type, stopACL.Name, stopACL.Pattern
	cr.Principal, cr.Host, cr.Operation, cr.PermissionType = stopACL.Principal, stopACL.Host, stopACL.Operation, stopACL.Permission
	req.Creations = append(req.Creations, cr)
	resp, err := req.RequestWith(ctx, c.kcl)
	if err != nil {
		return err
	}
	for _, r := range resp.Results {
		if err := kerrOf(r.ErrorCode, r.ErrorMessage); err != nil {
			return err
		}
	}
	return c.waitACLs(ctx, stopFilter(), "every broker to refuse writes", hasStopACL)
}

// ResumeProduction lifts StopProduction, and returns once every broker
// applies it. Lifting it when it is not there is a no-op.
func (c *Client) ResumeProduction(ctx context.Context) error {
	if _, err := c.deleteACLs(ctx, stopACL.exactFilter()); err != nil {
		return err
	}
	return c.waitACLs(ctx, stopFilter(), "every broker to accept writes", func(acls []acl) bool { return !hasStopACL(acls) })
}

// ProductionStopped reports whether the production stop ACL is in place.
func (c *Client) ProductionStopped(ctx context.Context) (bool, error) {
	acls, err := c.describeACLs(ctx, nil, stopFilter())
	return err == nil && hasStopACL(acls), err
}
