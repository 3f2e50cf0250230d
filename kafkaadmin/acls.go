package kafkaadmin

import (
	"context"

	"github.com/twmb/franz-go/pkg/kadm"
)

// EnsureClusterACLs gives every client the harmless cluster operations
// (describe, describe configs, idempotent writes). Because the cluster
// resource then has ACLs, allow.everyone.if.no.acl.found no longer applies
// to it: no client can alter broker configs, ACLs, quotas or SCRAM users.
// The brokers' authorizer (kafkaconfig.AuthorizerClass) already holds
// clients to these operations from the first request on, before these
// ACLs exist; they show the grants in Kafka's own ACL listing and keep the
// rule on a broker whose authorizer an operator replaced.
// Creating the same binding again is a no-op, so this is idempotent.
func (c *Client) EnsureClusterACLs(ctx context.Context) error {
	b := kadm.NewACLs().Allow("User:*").AllowHosts().Clusters().
		Operations(kadm.OpDescribe, kadm.OpDescribeConfigs, kadm.OpIdempotentWrite).
		ResourcePatternType(kadm.ACLPatternLiteral)
	results, err := c.adm.CreateACLs(ctx, b)
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}
