package kafkaadmin

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// UnregisterBroker removes a stopped broker's registration from the
// cluster metadata (KIP-631; kadm has no helper). Without it a removed
// broker stays registered as fenced for ever and blocks finalizing a later
// upgrade. A broker already unregistered counts as done.
func (c *Client) UnregisterBroker(ctx context.Context, id int32) error {
	req := kmsg.NewPtrUnregisterBrokerRequest()
	req.BrokerID = id
	resp, err := req.RequestWith(ctx, c.kcl)
	if err != nil {
		return err
	}
	err = kerr.ErrorForCode(resp.ErrorCode)
	if errors.Is(err, kerr.BrokerIDNotRegistered) {
		return nil
	}
	if err != nil && resp.ErrorMessage != nil {
		return errors.Join(err, errors.New(*resp.ErrorMessage))
	}
	return err
}
