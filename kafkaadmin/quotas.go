package kafkaadmin

import (
	"context"
	"fmt"
	"math"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka's quota entity types.
const (
	entityUser     = "user"
	entityClientID = "client-id"
)

// ClientQuotas returns every user and client-id quota entity with a byte
// rate, in bytes per second, keyed by entity. Entities of other kinds (IP
// connection rates) and entities with only other limits are left out.
func (c *Client) ClientQuotas(ctx context.Context) (map[streamplane.QuotaEntity]ByteRates, error) {
	described, err := c.adm.DescribeClientQuotas(ctx, false, nil)
	if err != nil {
		return nil, err
	}
	out := map[streamplane.QuotaEntity]ByteRates{}
	for _, d := range described {
		e, ok := entityOf(d.Entity)
		if !ok {
			continue
		}
		r := ratesOf(d.Values)
		if r.Produce != nil || r.Consume != nil {
			out[e] = r
		}
	}
	return out, nil
}

// ByteRates are an entity's limits in bytes per second; nil is no limit.
type ByteRates struct {
	Produce, Consume *float64
}

func ratesOf(values kadm.ClientQuotaValues) ByteRates {
	var r ByteRates
	for _, v := range values {
		switch v.Key {
		case streamplane.QuotaKeyProduce:
			r.Produce = &v.Value
		case streamplane.QuotaKeyConsume:
			r.Consume = &v.Value
		}
	}
	return r
}

func entityOf(components kadm.ClientQuotaEntity) (streamplane.QuotaEntity, bool) {
	var e streamplane.QuotaEntity
	for _, c := range components {
		switch c.Type {
		case entityUser:
			if c.Name == nil {
				e.DefaultUser = true
			} else {
				e.User = *c.Name
			}
		case entityClientID:
			if c.Name == nil {
				e.DefaultClient = true
			} else {
				e.ClientID = *c.Name
			}
		default:
			return e, false
		}
	}
	return e, e.HasUser() || e.HasClient()
}

func componentsOf(e streamplane.QuotaEntity) kadm.ClientQuotaEntity {
	var out kadm.ClientQuotaEntity
	switch {
	case e.DefaultUser:
		out = append(out, kadm.ClientQuotaEntityComponent{Type: entityUser})
	case e.User != "":
		out = append(out, kadm.ClientQuotaEntityComponent{Type: entityUser, Name: kmsg.StringPtr(e.User)})
	}
	switch {
	case e.DefaultClient:
		out = append(out, kadm.ClientQuotaEntityComponent{Type: entityClientID})
	case e.ClientID != "":
		out = append(out, kadm.ClientQuotaEntityComponent{Type: entityClientID, Name: kmsg.StringPtr(e.ClientID)})
	}
	return out
}

// SetClientQuota makes an entity's byte-rate limits r: it sets those
// given and removes the others. Kafka keeps a quota entity only while it
// has a limit, so removing both deletes it.
func (c *Client) SetClientQuota(ctx context.Context, e streamplane.QuotaEntity, r ByteRates) error {
	var ops []kadm.AlterClientQuotaOp
	for _, k := range []struct {
		key  string
		rate *float64
	}{{streamplane.QuotaKeyProduce, r.Produce}, {streamplane.QuotaKeyConsume, r.Consume}} {
		if k.rate != nil {
			ops = append(ops, kadm.AlterClientQuotaOp{Key: k.key, Value: math.Round(*k.rate)})
		} else {
			ops = append(ops, kadm.AlterClientQuotaOp{Key: k.key, Remove: true})
		}
	}
	altered, err := c.adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{Entity: componentsOf(e), Ops: ops}})
	if err != nil {
		return err
	}
	for _, a := range altered {
		if a.Err != nil {
			return withMessage(a.Err, a.ErrMessage)
		}
	}
	return nil
}

// WaitClientQuota waits until every broker describes the entity with the
// limits r. The controller accepts a change before brokers learn it from
// the metadata log; each broker answers DescribeClientQuotas, and enforces
// quotas, from its own copy.
func (c *Client) WaitClientQuota(ctx context.Context, e streamplane.QuotaEntity, r ByteRates) error {
	req := kmsg.NewPtrDescribeClientQuotasRequest()
	req.Strict = true
	for _, comp := range componentsOf(e) {
		rc := kmsg.NewDescribeClientQuotasRequestComponent()
		rc.EntityType, rc.Match, rc.MatchType = comp.Type, comp.Name, kmsg.QuotasMatchTypeExact
		if comp.Name == nil {
			rc.MatchType = kmsg.QuotasMatchTypeDefault
		}
		req.Components = append(req.Components, rc)
	}
	return c.waitBrokers(ctx, 15*time.Second, fmt.Sprintf("the quota of %s", e), func(ctx context.Context, b *kgo.Broker) bool {
		resp, err := b.Request(ctx, req)
		return err == nil && quotaApplied(resp.(*kmsg.DescribeClientQuotasResponse), r)
	})
}

func quotaApplied(resp *kmsg.DescribeClientQuotasResponse, want ByteRates) bool {
	if kerr.ErrorForCode(resp.ErrorCode) != nil || len(resp.Entries) > 1 {
		return false
	}
	var got ByteRates
	if len(resp.Entries) == 1 {
		var values kadm.ClientQuotaValues
		for _, v := range resp.Entries[0].Values {
			values = append(values, kadm.ClientQuotaValue{Key: v.Key, Value: v.Value})
		}
		got = ratesOf(values)
	}
	same := func(a, b *float64) bool {
		return a == nil && b == nil || a != nil && b != nil && math.Round(*a) == math.Round(*b)
	}
	return same(got.Produce, want.Produce) && same(got.Consume, want.Consume)
}
