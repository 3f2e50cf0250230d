package wire

// ClientCertificateRequest asks for a client certificate for mutual TLS.
// The password protects the private key in the keystore returned, so it
// travels in the body, never in the URL.
type ClientCertificateRequest struct {
	CN       string `json:"cn"`
	Format   string `json:"format"`
	Password string `json:"password"`
}

// Toggle turns an instance setting on or off. Enabled is required: a
// pointer, so that a missing field is not read as off.
type Toggle struct {
	Enabled *bool `json:"enabled"`
}
