// Package notify sends alarm notifications through channels: webhooks
// (signed JSON) and e-mail over SMTP. Deliveries are rows in the store,
// enqueued in the transaction that records the alarm; the Worker sends
// them, retries with backoff and keeps the log, so a notification failure
// never loses an alarm and a restarted server resumes what was pending.
package notify

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/secrets"
)

// Enqueue adds, in tx, a pending delivery of n to each named channel (id or
// name). Call it in the transaction that records the alarm, so both commit
// together, then Wake the worker. A channel that no longer exists is
// skipped and returned in missing: a notification's trouble must not roll
// back the alarm record.
func Enqueue(tx streamplane.Tx, n *streamplane.AlarmNotification, channels []string) (out []*streamplane.AlarmDelivery, missing []string, err error) {
	store, err := alarms(tx)
	if err != nil {
		return nil, nil, err
	}
	payload, err := json.Marshal(n)
	if err != nil {
		return nil, nil, fmt.Errorf("notify: encode notification: %w", err)
	}
	for _, name := range channels {
		ch, err := store.AlarmChannel(name)
		if streamplane.IsCode(err, streamplane.ENOTFOUND) {
			missing = append(missing, name)
			continue
		} else if err != nil {
			return nil, nil, err
		}
		d := &streamplane.AlarmDelivery{ID: uuid.NewString(), ChannelID: ch.ID, AlarmID: n.AlarmID, Payload: payload}
		if err := store.EnqueueDelivery(d); err != nil {
			return nil, nil, err
		}
		out = append(out, d)
	}
	return out, missing, nil
}

// Secret lengths accepted for a webhook's signing secret.
const (
	MinSecretLen = 16
	MaxSecretLen = 1024
)

// SetSecret seals a webhook channel's signing secret in the vault under the
// channel's id (or removes it, for "") and sets c.HasSecret. Call it in the
// transaction that creates or updates c, before saving c.
func SetSecret(tx streamplane.Tx, v *secrets.Vault, c *streamplane.AlarmChannel, secret string) error {
	if secret == "" {
		c.HasSecret = false
		return tx.DeleteSecret(c.ID, streamplane.ChannelSecretName)
	}
	if c.Kind != streamplane.ChannelWebhook {
		return streamplane.Invalid("secret", "only webhook channels sign their notifications")
	}
	if n := len(secret); n < MinSecretLen || n > MaxSecretLen {
		return streamplane.Invalid("secret", "a signing secret is %d to %d bytes; this one has %d", MinSecretLen, MaxSecretLen, n)
	}
	if c.ID == "" {
		return errors.New("notify: set secret: channel has no id yet")
	}
	if err := v.Put(tx, c.ID, streamplane.ChannelSecretName, secret); err != nil {
		return err
	}
	c.HasSecret = true
	return nil
}

// alarms is tx's channel and delivery store.
func alarms(tx streamplane.Tx) (streamplane.AlarmChannelStore, error) {
	s, ok := tx.(streamplane.AlarmChannelStore)
	if !ok {
		return nil, errors.New("notify: the store does not keep alarm channels")
	}
	return s, nil
}

// sendError is a failed attempt. Its text goes into the delivery log and
// the server log, so it never holds a secret or the channel's URL.
type sendError struct {
	msg       string
	permanent bool // retrying cannot help
}

func (e *sendError) Error() string { return e.msg }

func retryable(format string, args ...any) error {
	return &sendError{msg: fmt.Sprintf(format, args...)}
}

func permanent(format string, args ...any) error {
	return &sendError{msg: fmt.Sprintf(format, args...), permanent: true}
}

// IsPermanent reports whether a send failed for good: the receiver refused
// the notification, or the channel cannot work as configured.
func IsPermanent(err error) bool {
	var e *sendError
	return errors.As(err, &e) && e.permanent
}
