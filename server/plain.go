package server

import (
	"encoding/json"

	"github.com/streamplane/streamplane/kafkaplugin"
)

// brokerPlugin gives the local provisioner Streamplane's broker plugin.
type brokerPlugin struct{ *kafkaplugin.Builder }

func (p brokerPlugin) ListenerConfig(listener, credentialsFile string) map[string]string {
	return kafkaplugin.ListenerConfig(listener, credentialsFile)
}

// plainHasher hashes PLAIN passwords the way the plugin checks them.
type plainHasher struct{}

func (plainHasher) Hash(password string) ([]byte, error) {
	c, err := kafkaplugin.HashPassword(password)
	if err != nil {
		return nil, err
	}
	return json.Marshal(c)
}
