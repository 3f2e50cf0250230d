package wire

import streamplane "github.com/streamplane/streamplane"

// MigrationList is an instance's migrations, oldest first. No migration
// carries its source's password.
type MigrationList struct {
	Migrations []*streamplane.Migration `json:"migrations"`
}

// SourceRequest is how to reach a source cluster, as a request gives it:
// streamplane.MigrationSource keeps its password out of JSON, so that no
// answer can carry it, and requests need a type of their own to bring it.
type SourceRequest struct {
	BootstrapServers []string `json:"bootstrap_servers"`
	SecurityProtocol string   `json:"security_protocol,omitempty"`
	SASLMechanism    string   `json:"sasl_mechanism,omitempty"`
	Username         string   `json:"username,omitempty"`
	Password         string   `json:"password,omitempty"`
	CA               string   `json:"ca_pem,omitempty"`
}

// NewSourceRequest carries s, its password included, in a request.
func NewSourceRequest(s streamplane.MigrationSource) SourceRequest {
	return SourceRequest{BootstrapServers: s.BootstrapServers, SecurityProtocol: s.SecurityProtocol, SASLMechanism: s.SASLMechanism,
		Username: s.Username, Password: s.Password, CA: s.CA}
}

// Source is the source the request names, password included.
func (r SourceRequest) Source() streamplane.MigrationSource {
	return streamplane.MigrationSource{BootstrapServers: r.BootstrapServers, SecurityProtocol: r.SecurityProtocol,
		SASLMechanism: r.SASLMechanism, Username: r.Username, Password: r.Password, CA: r.CA}
}

// MigrationCreateRequest starts a migration into an instance.
type MigrationCreateRequest struct {
	Name             string        `json:"name"`
	Source           SourceRequest `json:"source"`
	Topics           string        `json:"topics"`
	Groups           string        `json:"groups,omitempty"`
	SyncTopicConfigs bool          `json:"sync_topic_configs,omitempty"`
	SyncACLs         bool          `json:"sync_acls,omitempty"`
}

// NewMigrationCreateRequest carries spec, its source's password included.
func NewMigrationCreateRequest(spec streamplane.MigrationSpec) MigrationCreateRequest {
	return MigrationCreateRequest{Name: spec.Name, Source: NewSourceRequest(spec.Source), Topics: spec.Topics, Groups: spec.Groups,
		SyncTopicConfigs: spec.SyncTopicConfigs, SyncACLs: spec.SyncACLs}
}

// Spec is the migration the request asks for.
func (r MigrationCreateRequest) Spec() streamplane.MigrationSpec {
	return streamplane.MigrationSpec{Name: r.Name, Source: r.Source.Source(), Topics: r.Topics, Groups: r.Groups,
		SyncTopicConfigs: r.SyncTopicConfigs, SyncACLs: r.SyncACLs}
}

// MigrationUpdateRequest changes a migration's selection, and with
// source_password the password it signs in to the source with.
type MigrationUpdateRequest struct {
	streamplane.MigrationUpdate
	SourcePassword string `json:"source_password,omitempty"`
}

// CutoverChecks says, per selected group, whether its consumers may switch
// to the instance now.
type CutoverChecks struct {
	Groups []streamplane.CutoverCheck `json:"groups"`
}

// InventoryRequest asks for an inventory of a source cluster: what it
// holds and how busy it is over sample_seconds (absent: the server's
// default). The password is used for this read only; nothing keeps it.
type InventoryRequest struct {
	Source        SourceRequest `json:"source"`
	SampleSeconds *int          `json:"sample_seconds,omitempty"`
}

// NewInventoryRequest carries src, its password included, and a sample of
// sampleSeconds (0: the server's default).
func NewInventoryRequest(src streamplane.MigrationSource, sampleSeconds int) InventoryRequest {
	r := InventoryRequest{Source: NewSourceRequest(src)}
	if sampleSeconds != 0 {
		r.SampleSeconds = &sampleSeconds
	}
	return r
}
