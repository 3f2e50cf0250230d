package kafkaplugin

import (
	"path/filepath"
	"strings"

	"github.com/streamplane/streamplane/kafkaconfig"
)

// HandlerClass is the plugin's callback handler, for
// listener.name.<l>.plain.sasl.server.callback.handler.class.
const HandlerClass = "dev.streamplane.kafka.PlainCredentialsCallbackHandler"

// FileOption is the JAAS option that names the credentials file.
const FileOption = "streamplane.credentials.file"

// plainLoginModule must stay in the JAAS entry: loading it is what
// registers Kafka's PLAIN SaslServer.
const plainLoginModule = "org.apache.kafka.common.security.plain.PlainLoginModule"

// ListenerConfig returns the broker properties that make PLAIN logins on
// listenerName check the credentials file. The broker also needs PLAIN in
// the listener's sasl.enabled.mechanisms and the plugin jar on its
// classpath.
//
// The login module gets no username or password: the broker only needs
// those to log in to another broker, so this listener must not be the
// inter-broker or controller one. credentialsFile is made absolute, since
// the broker runs in its own working directory.
func ListenerConfig(listenerName, credentialsFile string) map[string]string {
	if abs, err := filepath.Abs(credentialsFile); err == nil {
		credentialsFile = abs
	}
	// Kafka lower-cases the listener name in its config prefixes.
	prefix := "listener.name." + strings.ToLower(listenerName) + ".plain."
	return map[string]string{
		prefix + "sasl.server.callback.handler.class": HandlerClass,
		prefix + "sasl.jaas.config":                   plainLoginModule + " required " + FileOption + "=" + kafkaconfig.JAASQuote(credentialsFile) + ";",
	}
}
