package streamplane_test

import (
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestAlarmChannelValidate(t *testing.T) {
	ok := []streamplane.AlarmChannel{
		{Name: "ops", Kind: streamplane.ChannelWebhook, URL: "https://hooks.example.com/x?team=kafka", HasSecret: true},
		{Name: "local_hook-2", Kind: streamplane.ChannelWebhook, URL: "http://127.0.0.1:9000/alarm"},
		{Name: "oncall", Kind: streamplane.ChannelEmail, To: []string{"a@example.com", "b.c+kafka@example.org"}},
	}
	for _, c := range ok {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	web := func(name, url string) streamplane.AlarmChannel {
		return streamplane.AlarmChannel{Name: name, Kind: streamplane.ChannelWebhook, URL: url}
	}
	mail := func(to ...string) streamplane.AlarmChannel {
		return streamplane.AlarmChannel{Name: "oncall", Kind: streamplane.ChannelEmail, To: to}
	}
	bad := []struct {
		c     streamplane.AlarmChannel
		field string
	}{
		{web("", "https://h/x"), "name"},
		{web("o", "https://h/x"), "name"},
		{web("1ops", "https://h/x"), "name"},
		{web("ops team", "https://h/x"), "name"},
		{web(strings.Repeat("a", 65), "https://h/x"), "name"},
		{web("abcdef01-2345-6789-abcd-ef0123456789", "https://h/x"), "name"},
		{streamplane.AlarmChannel{Name: "ops", URL: "https://h/x"}, "kind"},
		{streamplane.AlarmChannel{Name: "ops", Kind: "sms"}, "kind"},
		{web("ops", ""), "url"},
		{web("ops", "ftp://h/x"), "url"},
		{web("ops", "/relative"), "url"},
		{web("ops", "https:///nohost"), "url"},
		{web("ops", "https://user:pw@h/x"), "url"},
		{web("ops", "https://h/x#frag"), "url"},
		{web("ops", "https://h/%zz"), "url"},
		{web("ops", "https://h/"+strings.Repeat("x", 2048)), "url"},
		{streamplane.AlarmChannel{Name: "ops", Kind: streamplane.ChannelWebhook, URL: "https://h/x", To: []string{"a@b.c"}}, "to"},
		{mail(), "to"},
		{mail("not-an-address"), "to"},
		{mail("Ops <ops@example.com>"), "to"},
		{mail("a@example.com", "a@example.com"), "to"},
		{mail("a@example.com\r\nBcc: x@evil.example"), "to"},
		{streamplane.AlarmChannel{Name: "oncall", Kind: streamplane.ChannelEmail, To: []string{"a@b.c"}, URL: "https://h/x"}, "url"},
		{streamplane.AlarmChannel{Name: "oncall", Kind: streamplane.ChannelEmail, To: []string{"a@b.c"}, HasSecret: true}, "secret"},
	}
	for _, tt := range bad {
		checkInvalid(t, tt.c.Validate(), tt.field)
	}
	many := make([]string, streamplane.MaxChannelRecipients+1)
	for i := range many {
		many[i] = strings.Repeat("a", i+1) + "@example.com"
	}
	tooMany := mail(many...)
	checkInvalid(t, tooMany.Validate(), "to")
	enough := mail(many[:streamplane.MaxChannelRecipients]...)
	if err := enough.Validate(); err != nil {
		t.Errorf("%d recipients: %v", streamplane.MaxChannelRecipients, err)
	}
}
