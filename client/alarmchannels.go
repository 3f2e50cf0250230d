package client

import (
	"context"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

func alarmChannelPath(channel string) string {
	return "/api/v1/alarm-channels/" + url.PathEscape(channel)
}

// AlarmChannels lists the server's notification channels by name.
func (c *Client) AlarmChannels(ctx context.Context) (*wire.AlarmChannelList, error) {
	var out wire.AlarmChannelList
	if _, err := c.do(ctx, "GET", "/api/v1/alarm-channels", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AlarmChannel returns one channel, by id or name.
func (c *Client) AlarmChannel(ctx context.Context, channel string) (*streamplane.AlarmChannel, error) {
	var out streamplane.AlarmChannel
	if _, err := c.do(ctx, "GET", alarmChannelPath(channel), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateAlarmChannel adds a notification channel: a webhook URL, with the
// secret to sign its requests by, or e-mail recipients. The server seals
// the secret and never shows it again.
func (c *Client) CreateAlarmChannel(ctx context.Context, spec streamplane.AlarmChannelSpec) (*streamplane.AlarmChannel, error) {
	var out streamplane.AlarmChannel
	if _, err := c.do(ctx, "POST", "/api/v1/alarm-channels", nil, spec, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAlarmChannel removes a channel no rule names, with its pending
// deliveries.
func (c *Client) DeleteAlarmChannel(ctx context.Context, channel string) error {
	_, err := c.do(ctx, "DELETE", alarmChannelPath(channel), nil, nil, nil)
	return err
}

// DeliveryOptions filter a channel's delivery log.
type DeliveryOptions struct {
	Status streamplane.DeliveryStatus // "" for every status
	Alarm  string                     // an alarm's id
	Limit  int                        // 0: the server's 100
}

// AlarmDeliveries lists a channel's notifications and their attempts,
// newest first.
func (c *Client) AlarmDeliveries(ctx context.Context, channel string, opts DeliveryOptions) (*wire.AlarmDeliveryList, error) {
	q := url.Values{}
	if opts.Status != "" {
		q.Set("status", string(opts.Status))
	}
	if opts.Alarm != "" {
		q.Set("alarm", opts.Alarm)
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	var out wire.AlarmDeliveryList
	if _, err := c.do(ctx, "GET", alarmChannelPath(channel)+"/deliveries", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
