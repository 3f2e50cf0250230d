package streamplane

import (
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Alarm notifications (issue 10): an alarm that fires or resolves is sent
// to the channels its rule names. Each send is an AlarmDelivery kept in the
// store, enqueued in the transaction that records the alarm, so a failed or
// interrupted notification never loses the alarm and a restarted server
// resumes the deliveries still pending.

// Channel kinds.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// ChannelKinds lists the kinds a channel may have.
var ChannelKinds = []string{ChannelWebhook, ChannelEmail}

// MaxChannelRecipients is the most addresses an e-mail channel may send to.
const MaxChannelRecipients = 20

// AlarmChannel is where alarm notifications go: a webhook URL, or e-mail
// recipients reached through the server's SMTP relay. A webhook's HMAC
// secret is kept sealed in the vault (owner: the channel's id, name
// ChannelSecretName); the channel only records that it has one.
type AlarmChannel struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Kind            string    `json:"kind"`
	URL             string    `json:"url,omitempty"` // webhook
	To              []string  `json:"to,omitempty"`  // email
	HasSecret       bool      `json:"has_secret"`
	ResourceVersion int64     `json:"resource_version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// ChannelSecretName names a webhook channel's signing secret in the vault,
// under the channel's id.
const ChannelSecretName = "webhook-secret"

var channelNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{1,63}$`)

// ValidateChannelName checks an alarm channel's name. A name shaped like an
// id is refused: channels are looked up by id or name.
func ValidateChannelName(field, name string) error {
	if !channelNameRe.MatchString(name) {
		return Invalid(field, "a channel name is 2 to 64 characters: letters, digits, '_' and '-', starting with a letter; got %q", name)
	}
	if uuidLikeRE.MatchString(name) {
		return Invalid(field, "channel name %q must not have the form of an id", name)
	}
	return nil
}

// Validate checks the channel's name, kind and target.
func (c *AlarmChannel) Validate() error {
	if err := ValidateChannelName("name", c.Name); err != nil {
		return err
	}
	switch c.Kind {
	case ChannelWebhook:
		if len(c.To) > 0 {
			return Invalid("to", "a webhook channel has no e-mail recipients")
		}
		return ValidateWebhookURL("url", c.URL)
	case ChannelEmail:
		if c.URL != "" {
			return Invalid("url", "an e-mail channel has no URL")
		}
		if c.HasSecret {
			return Invalid("secret", "only webhook channels sign their notifications")
		}
		return ValidateRecipients("to", c.To)
	case "":
		return Invalid("kind", "kind is required; one of %s", strings.Join(ChannelKinds, ", "))
	default:
		return Invalid("kind", "unknown channel kind %q; one of %s", c.Kind, strings.Join(ChannelKinds, ", "))
	}
}

// ValidateWebhookURL checks a webhook's address: an absolute http or https
// URL with a host. Credentials in the URL are refused: they would show in
// every listing of the channel; the signing secret authenticates us.
func ValidateWebhookURL(field, raw string) error {
	if raw == "" {
		return Invalid(field, "a webhook channel needs a URL")
	}
	if len(raw) > 2048 {
		return Invalid(field, "a webhook URL is at most 2048 characters, got %d", len(raw))
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return Invalid(field, "webhook URL does not parse")
	case u.Scheme != "http" && u.Scheme != "https":
		return Invalid(field, "a webhook URL starts with http:// or https://")
	case u.Host == "" || u.Hostname() == "":
		return Invalid(field, "a webhook URL names a host")
	case u.User != nil:
		return Invalid(field, "a webhook URL must not carry credentials; use the channel's signing secret")
	case u.Fragment != "":
		return Invalid(field, "a webhook URL has no #fragment")
	}
	return nil
}

// ValidateRecipients checks an e-mail channel's addresses: plain addresses
// (no display names), at least one, none twice.
func ValidateRecipients(field string, to []string) error {
	if len(to) == 0 {
		return Invalid(field, "an e-mail channel needs at least one recipient")
	}
	if len(to) > MaxChannelRecipients {
		return Invalid(field, "an e-mail channel has at most %d recipients, got %d", MaxChannelRecipients, len(to))
	}
	for i, addr := range to {
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Name != "" || a.Address != addr {
			return Invalid(field, "%q is not a plain e-mail address like ops@example.com", addr)
		}
		if slices.Contains(to[:i], addr) {
			return Invalid(field, "%s is listed twice", addr)
		}
	}
	return nil
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting for its next attempt
	DeliveryDelivered DeliveryStatus = "delivered" // the channel accepted it
	DeliveryFailed    DeliveryStatus = "failed"    // refused for good, or out of attempts
)

// AlarmDelivery is one notification to one channel and the record of its
// attempts: the delivery log.
type AlarmDelivery struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	// AlarmID is the alarm event notified of.
	AlarmID string `json:"alarm_id"`
	// Payload is the JSON body sent (an AlarmNotification).
	Payload       json.RawMessage `json:"payload"`
	Status        DeliveryStatus  `json:"status"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt time.Time       `json:"next_attempt_at"`
	// LastError says why the last attempt failed. It never holds secrets:
	// no signing secret, SMTP password or webhook URL.
	LastError   string     `json:"last_error,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// AlarmDeliveryFilter selects deliveries; empty fields match all.
type AlarmDeliveryFilter struct {
	ChannelID string
	AlarmID   string
	Status    DeliveryStatus
	Limit     int // 0: 100
}

// Alarm states a notification reports.
const (
	AlarmFiring   = "firing"
	AlarmResolved = "resolved"
)

// AlarmNotification is what a delivery carries: the JSON body of a webhook
// and the facts of an e-mail.
type AlarmNotification struct {
	AlarmID      string            `json:"alarm_id"`
	State        string            `json:"state"` // firing or resolved
	RuleID       string            `json:"rule_id"`
	RuleName     string            `json:"rule_name"`
	InstanceID   string            `json:"instance_id"`
	InstanceName string            `json:"instance_name"`
	Metric       string            `json:"metric"`
	Labels       map[string]string `json:"labels,omitempty"` // the series' dimensions: broker, topic, group…
	Value        float64           `json:"value"`
	Op           string            `json:"op"`
	Threshold    float64           `json:"threshold"`
	Periods      int               `json:"periods"`
	Severity     string            `json:"severity"`
	At           time.Time         `json:"at"`
}

// AlarmChannelStore is the part of Tx that keeps channels and deliveries.
type AlarmChannelStore interface {
	// AlarmChannel returns the channel with this id or, failing that, this
	// name; ENOTFOUND (field "channel") otherwise.
	AlarmChannel(idOrName string) (*AlarmChannel, error)
	// AlarmChannels lists every channel by name.
	AlarmChannels() ([]*AlarmChannel, error)
	// CreateAlarmChannel inserts a channel; ECONFLICT if the name is taken.
	CreateAlarmChannel(c *AlarmChannel) error
	// UpdateAlarmChannel saves name, URL, recipients and HasSecret and
	// increments the resource version; ESTALE on a version mismatch,
	// ECONFLICT if the new name is taken.
	UpdateAlarmChannel(c *AlarmChannel) error
	// DeleteAlarmChannel removes a channel, its pending deliveries and its
	// sealed secrets; finished deliveries stay in the log. ENOTFOUND if none.
	DeleteAlarmChannel(id string) error

	// EnqueueDelivery inserts a pending delivery (d.ID set by the caller)
	// due at d.NextAttemptAt, or now when zero. ENOTFOUND if its channel
	// does not exist; EINVALID if the payload is not JSON.
	EnqueueDelivery(d *AlarmDelivery) error
	// Delivery returns one delivery; ENOTFOUND (field "delivery") if none.
	Delivery(id string) (*AlarmDelivery, error)
	// DueDeliveries returns up to limit pending deliveries due at or before
	// now, the longest waiting first.
	DueDeliveries(now time.Time, limit int) ([]*AlarmDelivery, error)
	// UpdateDelivery saves status, attempts, next attempt, last error and
	// delivery time. ENOTFOUND if the delivery is gone.
	UpdateDelivery(d *AlarmDelivery) error
	// Deliveries returns matching deliveries, newest first.
	Deliveries(f AlarmDeliveryFilter) ([]*AlarmDelivery, error)
	// PruneDeliveries removes delivered and failed deliveries created
	// before t and returns how many went.
	PruneDeliveries(before time.Time) (int, error)
}
