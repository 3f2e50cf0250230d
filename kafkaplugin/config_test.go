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

func TestJAASQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`/a/b`, `"/a/b"`},
		{`/a "b"`, `"/a \"b\""`},
		{`C:\x`, `"C:\\x"`},
		{"a\nb\rc", `"a\nb\rc"`},
		{`/a;b=c//d`, `"/a;b=c//d"`}, // the tokenizer takes these as text inside quotes
	} {
		if got := jaasQuote(tt.in); got != tt.want {
			t.Errorf("jaasQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
