package kafkaadmin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// SetClusterDefaults sets broker settings as cluster-wide dynamic defaults:
// every broker applies them live, and brokers started later inherit them
// from the metadata log.
func (c *Client) SetClusterDefaults(ctx context.Context, values map[string]string) error {
	if len(values) == 0 {
		return nil
	}
	resps, err := c.adm.AlterBrokerConfigs(ctx, setConfigs(values))
	if err != nil {
		return err
	}
	for _, r := range resps {
		if r.Err != nil {
			return withMessage(r.Err, r.ErrMessage)
		}
	}
	return nil
}

// setConfigs returns the operations that set values, in key order.
func setConfigs(values map[string]string) []kadm.AlterConfig {
	var ops []kadm.AlterConfig
	for _, k := range slices.Sorted(maps.Keys(values)) {
		ops = append(ops, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: kadm.StringPtr(values[k])})
	}
	return ops
}

// BrokerConfigs returns the named settings as each broker reports them
// (DescribeConfigs on the broker itself: the values it runs with).
func (c *Client) BrokerConfigs(ctx context.Context, brokers []int32, names []string) (map[int32]map[string]string, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[int32]map[string]string{}
	for _, b := range brokers {
		rcs, err := c.adm.DescribeBrokerConfigs(ctx, b)
		if err != nil {
			return nil, err
		}
		vals := map[string]string{}
		for _, rc := range rcs {
			if rc.Err != nil {
				return nil, fmt.Errorf("describe broker %d configs: %w", b, rc.Err)
			}
			for _, cfg := range rc.Configs {
				if want[cfg.Key] && cfg.Value != nil {
					vals[cfg.Key] = *cfg.Value
				}
			}
		}
		out[b] = vals
	}
	return out, nil
}

// ReloadKeystores makes one broker reload the TLS keystores of its client
// listeners: setting a keystore location again, even to the same file,
// reloads it (KAFKA-14136). It must be a per-broker config: Kafka refuses
// listener SSL settings as cluster-wide defaults.
func (c *Client) ReloadKeystores(ctx context.Context, broker int32) error {
	rcs, err := c.adm.DescribeBrokerConfigs(ctx, broker)
	if err != nil {
		return err
	}
	var ops []kadm.AlterConfig
	for _, rc := range rcs {
		for _, cfg := range rc.Configs {
			if strings.HasSuffix(cfg.Key, ".ssl.keystore.location") && strings.HasPrefix(cfg.Key, "listener.name.") && cfg.Value != nil {
				v := *cfg.Value
				ops = append(ops, kadm.AlterConfig{Op: kadm.SetConfig, Name: cfg.Key, Value: &v})
			}
		}
	}
	if len(ops) == 0 {
		return fmt.Errorf("broker %d has no TLS keystore to reload", broker)
	}
	resps, err := c.adm.AlterBrokerConfigs(ctx, ops, broker)
	if err != nil {
		return err
	}
	for _, r := range resps {
		if r.Err != nil {
			return fmt.Errorf("broker %d: %w", broker, withMessage(r.Err, r.ErrMessage))
		}
	}
	return nil
}
