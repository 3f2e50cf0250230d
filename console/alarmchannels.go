package console

import (
	"net/http"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// The server's alarm channels: where notifications go. A webhook's signing
// secret is write-only: the form sends it, no page shows it again, and a
// refused form comes back without it.

type alarmChannelsView struct {
	Channels []*streamplane.AlarmChannel
	Kinds    []string
	Can      map[string]bool
	Done     string
}

func (s *Server) channelsPage(c *call) (*view, error) {
	list, err := c.api.AlarmChannels(c.r.Context())
	if err != nil {
		return nil, err
	}
	can, err := c.can("", "", "alarm:createChannel", "alarm:deleteChannel")
	if err != nil {
		return nil, err
	}
	return &view{Title: "Alarm channels", Section: "alarm-channels", Form: url.Values{"kind": {streamplane.ChannelWebhook}},
		Data: &alarmChannelsView{Channels: list.Channels, Kinds: streamplane.ChannelKinds, Can: can, Done: c.r.URL.Query().Get("done")}}, nil
}

func (s *Server) handleAlarmChannels(c *call) error {
	v, err := s.channelsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "alarm-channels", v)
}

// channelSpec reads the create form: AlarmChannelSpec's fields by their
// JSON names; to as addresses separated by commas, spaces or lines. Only
// the kind's own target is sent: the form keeps both inputs.
func channelSpec(form url.Values) streamplane.AlarmChannelSpec {
	spec := streamplane.AlarmChannelSpec{Name: form.Get("name"), Kind: form.Get("kind")}
	switch spec.Kind {
	case streamplane.ChannelEmail:
		spec.To = formList(form.Get("to"))
	default:
		spec.URL, spec.Secret = form.Get("url"), form.Get("secret")
	}
	return spec
}

func (s *Server) handleAlarmChannelCreate(c *call) error {
	spec := channelSpec(postForm(c))
	// A refused form comes back without the secret.
	postForm(c).Del("secret")
	if _, err := c.api.CreateAlarmChannel(c.r.Context(), spec); err != nil {
		v, perr := s.channelsPage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "alarm-channels", v, err)
	}
	return redirect(c, "/alarm-channels?"+url.Values{"done": {"Channel " + spec.Name + " created."}}.Encode())
}

func (s *Server) handleAlarmChannelDelete(c *call) error {
	name := c.r.PathValue("channel")
	if err := c.api.DeleteAlarmChannel(c.r.Context(), name); err != nil {
		v, perr := s.channelsPage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "alarm-channels", v, err)
	}
	return redirect(c, "/alarm-channels?"+url.Values{"done": {"Channel " + name + " deleted."}}.Encode())
}

type alarmChannelView struct {
	Channel    *streamplane.AlarmChannel
	Deliveries []*streamplane.AlarmDelivery
	Status     string
	Statuses   []streamplane.DeliveryStatus
}

// handleAlarmChannel shows a channel and its delivery log, by status.
func (s *Server) handleAlarmChannel(c *call) error {
	name := c.r.PathValue("channel")
	ch, err := c.api.AlarmChannel(c.r.Context(), name)
	if err != nil {
		return err
	}
	status := c.r.URL.Query().Get("status")
	list, err := c.api.AlarmDeliveries(c.r.Context(), ch.Name, client.DeliveryOptions{Status: streamplane.DeliveryStatus(status)})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "alarm-channel", &view{Title: "Alarm channel " + ch.Name, Section: "alarm-channels",
		Data: &alarmChannelView{Channel: ch, Deliveries: list.Deliveries, Status: status,
			Statuses: []streamplane.DeliveryStatus{streamplane.DeliveryPending, streamplane.DeliveryDelivered, streamplane.DeliveryFailed}}})
}
