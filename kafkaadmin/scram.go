package kafkaadmin

import (
	"context"

	"github.com/twmb/franz-go/pkg/kadm"
)

// scramIterations is the PBKDF2 work of a SCRAM-SHA-512 credential: Kafka
// allows 4096–16384.
const scramIterations = 8192

// UpsertSCRAM creates or replaces a user's SCRAM-SHA-512 credential.
func (c *Client) UpsertSCRAM(ctx context.Context, user, password string) error {
	resp, err := c.adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: user, Mechanism: kadm.ScramSha512, Iterations: scramIterations, Password: password}})
	if err != nil {
		return err
	}
	return resp.Error()
}

// DeleteSCRAM removes a user's SCRAM-SHA-512 credential.
func (c *Client) DeleteSCRAM(ctx context.Context, user string) error {
	resp, err := c.adm.AlterUserSCRAMs(ctx, []kadm.DeleteSCRAM{{User: user, Mechanism: kadm.ScramSha512}}, nil)
	if err != nil {
		return err
	}
	return resp.Error()
}
