package service

import (
	"context"
	"slices"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/notify"
)

// checkChannels refuses a rule naming a channel that does not exist.
func checkChannels(tx streamplane.Tx, names []string) error {
	for _, n := range names {
		if _, err := tx.AlarmChannel(n); err != nil {
			if streamplane.ErrorCode(err) == streamplane.ENOTFOUND {
				return streamplane.Invalid("channels", "no alarm channel named %q (streamplane alarm channel list shows them)", n)
			}
			return err
		}
	}
	return nil
}

// AlarmChannels lists the server's channels.
func (s *Service) AlarmChannels(ctx context.Context) ([]*streamplane.AlarmChannel, error) {
	var list []*streamplane.AlarmChannel
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		list, err = tx.AlarmChannels()
		return err
	})
	if list == nil {
		list = []*streamplane.AlarmChannel{}
	}
	return list, err
}

// AlarmChannel returns one channel by id or name.
func (s *Service) AlarmChannel(ctx context.Context, idOrName string) (*streamplane.AlarmChannel, error) {
	var c *streamplane.AlarmChannel
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		c, err = tx.AlarmChannel(idOrName)
		return err
	})
	return c, err
}

// CreateAlarmChannel adds a channel, sealing a webhook's secret.
func (s *Service) CreateAlarmChannel(ctx context.Context, req streamplane.AlarmChannelSpec) (*streamplane.AlarmChannel, error) {
	c := req.Channel()
	if c.HasSecret && (len(req.Secret) < notify.MinSecretLen || len(req.Secret) > notify.MaxSecretLen) {
		return nil, streamplane.Invalid("secret", "a signing secret is %d to %d bytes", notify.MinSecretLen, notify.MaxSecretLen)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.ID = newID()
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		if err := notify.SetSecret(tx, s.Vault, &c, req.Secret); err != nil {
			return err
		}
		return tx.CreateAlarmChannel(&c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// DeleteAlarmChannel removes a channel, refusing while a rule names it.
func (s *Service) DeleteAlarmChannel(ctx context.Context, idOrName string) error {
	return s.Store.Update(ctx, func(tx streamplane.Tx) error {
		c, err := tx.AlarmChannel(idOrName)
		if err != nil {
			return err
		}
		rules, err := tx.AlarmRules("")
		if err != nil {
			return err
		}
		for _, r := range rules {
			if slices.Contains(r.Channels, c.Name) {
				return streamplane.Errorf(streamplane.ESTATE, "alarm rule %s notifies channel %s; take it off the rule first", r.Name, c.Name)
			}
		}
		return tx.DeleteAlarmChannel(c.ID)
	})
}

// AlarmDeliveries is a channel's delivery log, newest first.
func (s *Service) AlarmDeliveries(ctx context.Context, idOrName string, f streamplane.AlarmDeliveryFilter) ([]*streamplane.AlarmDelivery, error) {
	switch f.Status {
	case "", streamplane.DeliveryPending, streamplane.DeliveryDelivered, streamplane.DeliveryFailed:
	default:
		return nil, streamplane.Invalid("status", "status %q must be pending, delivered or failed", f.Status)
	}
	var list []*streamplane.AlarmDelivery
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		c, err := tx.AlarmChannel(idOrName)
		if err != nil {
			return err
		}
		f.ChannelID = c.ID
		list, err = tx.Deliveries(f)
		return err
	})
	if list == nil {
		list = []*streamplane.AlarmDelivery{}
	}
	return list, err
}
