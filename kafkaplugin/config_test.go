package kafkaplugin

import (
	"reflect"
	"testing"
)

func TestListenerConfig(t *testing.T) {
	got := ListenerConfig("CLIENT", "/var/lib/streamplane/i-1/plain-users")
	want := map[string]string{
		"listener.name.client.plain.sasl.server.callback.handler.class": "dev.streamplane.kafka.PlainCredentialsCallbackHandler",
		"listener.name.client.plain.sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required ` +
			`streamplane.credentials.file="/var/lib/streamplane/i-1/plain-users";`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
