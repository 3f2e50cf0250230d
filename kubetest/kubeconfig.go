package kubetest

import (
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// kubeconfig is a client configuration for one identity, with the CA and
// the client certificate embedded so the file stands alone. JSON is YAML,
// so a kubeconfig needs no YAML encoder.
const kubeconfig = `{
  "apiVersion": "v1",
  "kind": "Config",
  "clusters": [{"name": "kubetest", "cluster": {"server": %q, "certificate-authority-data": %q}}],
  "users": [{"name": %q, "user": {"client-certificate-data": %q, "client-key-data": %q}}],
  "contexts": [{"name": "kubetest", "context": {"cluster": "kubetest", "user": %q}}],
  "current-context": "kubetest"
}
`

// writeKubeconfig issues a client certificate for subject and writes a
// kubeconfig for it as dir/name.kubeconfig.
func (c *Cluster) writeKubeconfig(name string, subject pkix.Name) (string, error) {
	pair, err := c.ca.issue(subject)
	if err != nil {
		return "", fmt.Errorf("kubetest: issue %s's certificate: %w", name, err)
	}
	return c.writeKubeconfigFor(name, subject.CommonName, pair)
}

// writeKubeconfigFor writes a kubeconfig for user's certificate pair as
// dir/name.kubeconfig.
func (c *Cluster) writeKubeconfigFor(name, user string, pair keyPair) (string, error) {
	b64 := base64.StdEncoding.EncodeToString
	text := fmt.Sprintf(kubeconfig, c.url, b64(c.ca.pem), user, b64(pair.cert), b64(pair.key), user)
	path := filepath.Join(c.dir, name+".kubeconfig")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", fmt.Errorf("kubetest: %w", err)
	}
	return path, nil
}

// nodeName is what a node's name may be: a DNS subdomain.
var nodeName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// NodeKubeconfig writes a kubeconfig for the kubelet of node name (user
// system:node:NAME in group system:nodes, the identity the Node authorizer
// knows) and returns its path. A kubelet, real or virtual, registers with it:
// it may create and update its own Node and Lease, update the status of the
// pods bound to it, and read what those pods reference.
//
// For pods/log, exec, attach and port-forward the API server connects to
// the node's kubelet at the node's status.addresses InternalIP (else its
// Hostname) on status.daemonEndpoints.kubeletEndpoint.Port, over TLS. It
// shows a client certificate with CN kube-apiserver-kubelet-client (group
// system:masters) signed by CAFile, and does not check the kubelet's
// serving certificate (no --kubelet-certificate-authority), so a
// self-signed one will do.
func (c *Cluster) NodeKubeconfig(name string) (string, error) {
	if len(name) > 253 || !nodeName.MatchString(name) {
		return "", fmt.Errorf("kubetest: %q is not a node name (a DNS subdomain)", name)
	}
	return c.writeKubeconfig("node-"+name, pkix.Name{
		CommonName:   "system:node:" + name,
		Organization: []string{"system:nodes"},
	})
}
