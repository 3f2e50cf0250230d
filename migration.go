package streamplane

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MigrationState is the state of a migration task (SPEC §8, the AutoMQ
// migration seed).
type MigrationState string

const (
	MigrationCreating         MigrationState = "CREATING"
	MigrationRunning          MigrationState = "RUNNING"
	MigrationModifying        MigrationState = "MODIFYING"
	MigrationPaused           MigrationState = "PAUSED"
	MigrationServiceException MigrationState = "SERVICE_EXCEPTION"
	MigrationDeleting         MigrationState = "DELETING"
	MigrationDeleted          MigrationState = "DELETED"
)

// MigrationStates lists every state, for validation of filters.
var MigrationStates = []MigrationState{MigrationCreating, MigrationRunning, MigrationModifying, MigrationPaused,
	MigrationServiceException, MigrationDeleting, MigrationDeleted}

// Busy reports whether a change of the migration is under way: no other
// change may start meanwhile.
func (s MigrationState) Busy() bool {
	return s == MigrationCreating || s == MigrationModifying || s == MigrationDeleting
}

// Security protocols and mechanisms of a source cluster.
const (
	SourcePlaintext     = "PLAINTEXT"
	SourceSASLPlaintext = "SASL_PLAINTEXT"
	SourceSASLSSL       = "SASL_SSL"

	SourcePlain       = "PLAIN"
	SourceSCRAMSHA256 = "SCRAM-SHA-256"
	SourceSCRAMSHA512 = "SCRAM-SHA-512"
)

// SourceProtocols and SourceMechanisms are the values a source may have.
var (
	SourceProtocols  = []string{SourcePlaintext, SourceSASLPlaintext, SourceSASLSSL}
	SourceMechanisms = []string{SourcePlain, SourceSCRAMSHA256, SourceSCRAMSHA512}
)

// MigrationSource is how to reach the Kafka cluster a migration copies from.
// Its password is never stored in the clear, shown, logged or audited: the
// store keeps it sealed under the migration.
type MigrationSource struct {
	BootstrapServers []string `json:"bootstrap_servers"`
	SecurityProtocol string   `json:"security_protocol"`
	SASLMechanism    string   `json:"sasl_mechanism,omitempty"`
	Username         string   `json:"username,omitempty"`
	Password         string   `json:"-"`
	// CA is a PEM bundle the source's TLS certificates chain to; empty
	// means the system's roots.
	CA string `json:"ca_pem,omitempty"`
}

// SASL reports whether the source authenticates its clients.
func (s MigrationSource) SASL() bool { return s.SecurityProtocol != SourcePlaintext }

// TLS reports whether the source's listener speaks TLS.
func (s MigrationSource) TLS() bool { return s.SecurityProtocol == SourceSASLSSL }

// Normalize fills defaults and checks the source. field prefixes the
// names of the fields it refuses ("source" in a request body). A password
// is required with SASL unless keepPassword (an update that keeps the
// stored one).
func (s *MigrationSource) Normalize(field string, keepPassword bool) error {
	if len(s.BootstrapServers) == 0 {
		return Invalid(field+".bootstrap_servers", "at least one host:port of the source cluster is required")
	}
	if len(s.BootstrapServers) > 50 {
		return Invalid(field+".bootstrap_servers", "at most 50 addresses, not %d", len(s.BootstrapServers))
	}
	for i, a := range s.BootstrapServers {
		s.BootstrapServers[i] = strings.TrimSpace(a)
		if !hostPortRE.MatchString(s.BootstrapServers[i]) {
			return Invalid(field+".bootstrap_servers", "%q is not a host:port (a host name or IP address, then a port 1–65535)", a)
		}
	}
	if s.SecurityProtocol == "" {
		s.SecurityProtocol = SourcePlaintext
	}
	s.SecurityProtocol = strings.ToUpper(s.SecurityProtocol)
	if !slices.Contains(SourceProtocols, s.SecurityProtocol) {
		return Invalid(field+".security_protocol", "must be one of %s, not %q", strings.Join(SourceProtocols, ", "), s.SecurityProtocol)
	}
	if !s.SASL() {
		if s.SASLMechanism != "" || s.Username != "" || s.Password != "" {
			return Invalid(field+".security_protocol", "sasl_mechanism, username and password need security_protocol %s or %s", SourceSASLPlaintext, SourceSASLSSL)
		}
	} else {
		if s.SASLMechanism == "" {
			s.SASLMechanism = SourceSCRAMSHA512
		}
		s.SASLMechanism = strings.ToUpper(s.SASLMechanism)
		if !slices.Contains(SourceMechanisms, s.SASLMechanism) {
			return Invalid(field+".sasl_mechanism", "must be one of %s, not %q", strings.Join(SourceMechanisms, ", "), s.SASLMechanism)
		}
		if s.Username == "" || len(s.Username) > 255 || strings.ContainsAny(s.Username, "\"\\\n\r") {
			return Invalid(field+".username", "a user name of 1–255 characters without quotes, backslashes or line breaks is required with SASL")
		}
		if s.Password == "" && !keepPassword {
			return Invalid(field+".password", "a password is required with SASL")
		}
		if len(s.Password) > 1024 || strings.ContainsAny(s.Password, "\"\\\n\r") {
			return Invalid(field+".password", "a password must be at most 1,024 characters, without quotes, backslashes or line breaks")
		}
	}
	if s.CA != "" {
		if !s.TLS() {
			return Invalid(field+".ca_pem", "a CA bundle needs security_protocol %s", SourceSASLSSL)
		}
		if len(s.CA) > 64<<10 || !strings.Contains(s.CA, "-----BEGIN CERTIFICATE-----") {
			return Invalid(field+".ca_pem", "must be PEM certificates (-----BEGIN CERTIFICATE-----), at most 64 KiB")
		}
	}
	return nil
}

// hostPortRE matches host:port with a DNS name, an IPv4 address or a
// bracketed IPv6 address, and a port of 1–5 digits (range checked apart).
var hostPortRE = regexp.MustCompile(`^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$`)

// Migration copies topics and consumer-group offsets from a source cluster
// into an instance with MirrorMaker 2 (DESIGN §12): a supervised process
// of the instance's own runtime, like a broker.
type Migration struct {
	ID         string          `json:"id"`
	InstanceID string          `json:"instance_id"`
	Name       string          `json:"name"`
	Source     MigrationSource `json:"source"`
	// Topics and Groups select what is copied: comma-separated Java
	// regular expressions, each matching a whole name.
	Topics           string `json:"topics"`
	Groups           string `json:"groups,omitempty"`
	SyncTopicConfigs bool   `json:"sync_topic_configs"`
	SyncACLs         bool   `json:"sync_acls"`

	State       MigrationState `json:"state"`
	StateReason string         `json:"state_reason,omitempty"`
	TaskID      string         `json:"task_id,omitempty"` // the task changing it, if any

	// The MirrorMaker 2 process, as last observed.
	PID       int        `json:"pid,omitempty"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	Restarts  int        `json:"restarts"` // by the supervisor, since the last change

	ResourceVersion int64      `json:"resource_version"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	DeletedAt       *time.Time `json:"deleted_at,omitempty"`
}

// migrationNameRE: the name is also MirrorMaker's alias of the source
// cluster, in its internal topics' names and its configuration keys.
var migrationNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{2,47}$`)

// ValidateMigrationName checks a migration's name.
func ValidateMigrationName(field, name string) error {
	if !migrationNameRE.MatchString(name) {
		return Invalid(field, "name %q must be 3–48 characters: lower-case letters, digits and '-', starting with a letter", name)
	}
	if strings.HasSuffix(name, "-target") {
		return Invalid(field, "names ending in -target are reserved (MirrorMaker's alias of the instance)")
	}
	return nil
}

// SourceAlias and TargetAlias are MirrorMaker's names of the two clusters:
// they name its internal topics, so that migrations into one instance
// never share them.
func (m *Migration) SourceAlias() string { return m.Name }
func (m *Migration) TargetAlias() string { return m.Name + "-target" }

// Principal is the Kafka user MirrorMaker signs in to a SASL_SSL instance
// as: one of Streamplane's reserved names, with ACLs for what it copies.
func (m *Migration) Principal() string { return reservedUserPrefix + "mm2-" + m.Name }

// InternalTopics are the topics MirrorMaker keeps in the instance for this
// migration: its Connect configs, offsets and status, its offset syncs and
// its checkpoints.
func (m *Migration) InternalTopics() []string {
	s, t := m.SourceAlias(), m.TargetAlias()
	return []string{"mm2-configs." + s + ".internal", "mm2-offsets." + s + ".internal", "mm2-status." + s + ".internal",
		"mm2-offset-syncs." + t + ".internal", s + ".checkpoints.internal", "heartbeats"}
}

// WorkerGroup is the consumer group of MirrorMaker's Connect worker.
func (m *Migration) WorkerGroup() string { return m.SourceAlias() + "-mm2" }

// Selection is a topic or group selection split into its patterns.
func Selection(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ValidateSelection checks a comma-separated list of patterns: each must
// compile (Go's RE2 accepts a subset of Java's syntax, so a pattern valid
// here means the same to MirrorMaker) and none may hold a line break.
func ValidateSelection(field, list string, required bool) error {
	patterns := Selection(list)
	if len(patterns) == 0 {
		if required {
			return Invalid(field, "at least one topic name or pattern is required, e.g. 'orders,payments.*'")
		}
		return nil
	}
	if len(list) > 4096 {
		return Invalid(field, "at most 4,096 characters")
	}
	for _, p := range patterns {
		if strings.ContainsAny(p, "\n\r") {
			return Invalid(field, "pattern %q holds a line break", p)
		}
		if _, err := regexp.Compile("^(?:" + p + ")$"); err != nil {
			return Invalid(field, "pattern %q is not a regular expression: %v", p, err)
		}
	}
	return nil
}

// SelectionMatcher returns whether a name is selected by the list.
func SelectionMatcher(list string) func(name string) bool {
	var res []*regexp.Regexp
	for _, p := range Selection(list) {
		if re, err := regexp.Compile("^(?:" + p + ")$"); err == nil {
			res = append(res, re)
		}
	}
	return func(name string) bool {
		for _, re := range res {
			if re.MatchString(name) {
				return true
			}
		}
		return false
	}
}

// MigrationSpec is what a user asks for when creating a migration.
type MigrationSpec struct {
	Name             string          `json:"name"`
	Source           MigrationSource `json:"source"`
	Topics           string          `json:"topics"`
	Groups           string          `json:"groups"`
	SyncTopicConfigs bool            `json:"sync_topic_configs"`
	SyncACLs         bool            `json:"sync_acls"`
}

// Normalize checks a new migration's spec.
func (s *MigrationSpec) Normalize() error {
	if err := ValidateMigrationName("name", s.Name); err != nil {
		return err
	}
	if err := s.Source.Normalize("source", false); err != nil {
		return err
	}
	if err := ValidateSelection("topics", s.Topics, true); err != nil {
		return err
	}
	return ValidateSelection("groups", s.Groups, false)
}

// MigrationUpdate changes a migration's selection; nil leaves a field.
type MigrationUpdate struct {
	Topics           *string `json:"topics,omitempty"`
	Groups           *string `json:"groups,omitempty"`
	SyncTopicConfigs *bool   `json:"sync_topic_configs,omitempty"`
	SyncACLs         *bool   `json:"sync_acls,omitempty"`
}

// Apply checks the update and applies it to m.
func (u MigrationUpdate) Apply(m *Migration) error {
	if u.Topics == nil && u.Groups == nil && u.SyncTopicConfigs == nil && u.SyncACLs == nil {
		return Invalid("topics", "nothing to change: give topics, groups, sync_topic_configs or sync_acls")
	}
	if u.Topics != nil {
		if err := ValidateSelection("topics", *u.Topics, true); err != nil {
			return err
		}
		m.Topics = *u.Topics
	}
	if u.Groups != nil {
		if err := ValidateSelection("groups", *u.Groups, false); err != nil {
			return err
		}
		m.Groups = *u.Groups
	}
	if u.SyncTopicConfigs != nil {
		m.SyncTopicConfigs = *u.SyncTopicConfigs
	}
	if u.SyncACLs != nil {
		m.SyncACLs = *u.SyncACLs
	}
	return nil
}

// CheckChange refuses a change while another is under way (409) and
// changes of a deleted migration.
func (m *Migration) CheckChange(action string) error {
	switch {
	case m.State == MigrationDeleted:
		return Errorf(ESTATE, "migration %s is deleted", m.Name)
	case m.State.Busy():
		return &Error{Code: ECONFLICT, Field: "state", Message: fmt.Sprintf("migration %s is %s; %s it when that ends", m.Name, m.State, action)}
	}
	return nil
}

// MigrationFilter selects migrations in a list.
type MigrationFilter struct {
	InstanceID     string
	IncludeDeleted bool
}

// MigrationStore keeps migrations.
type MigrationStore interface {
	// Migration returns an instance's migration by id or by name: the one
	// not yet deleted, else the one of that name deleted last; ENOTFOUND
	// (field "migration") otherwise.
	Migration(instanceID, idOrName string) (*Migration, error)
	// Migrations lists migrations, oldest first; an empty InstanceID lists
	// every instance's.
	Migrations(f MigrationFilter) ([]*Migration, error)
	// CreateMigration inserts m; ECONFLICT if the instance has a migration
	// of that name not yet deleted.
	CreateMigration(m *Migration) error
	// UpdateMigration saves m and increments its resource version; ESTALE
	// if the stored version is not m's.
	UpdateMigration(m *Migration) error
	// SaveMigrationObserved saves state, reason and process without
	// changing the resource version.
	SaveMigrationObserved(m *Migration) error
	// (PurgeInstance removes an instance's migrations and their secrets.)
}

// MigrationStatus is a migration with how far along it is, read live from
// both clusters.
type MigrationStatus struct {
	Migration
	Topics     []MigrationTopic  `json:"topics_status"`
	Groups     []MigrationGroup  `json:"groups_status"`
	Connectors []MirrorConnector `json:"connectors"`
	// Errors are what could not be read (the source unreachable, say); the
	// rest of the status is still shown.
	Errors []string `json:"errors,omitempty"`
}

// MigrationTopic is one selected topic's progress.
type MigrationTopic struct {
	Topic      string `json:"topic"`
	Partitions int    `json:"partitions"`
	// SourceEnd is the sum of the source partitions' end offsets; Copied
	// the sum of the source offsets MirrorMaker has copied up to.
	SourceEnd     int64   `json:"source_end_offset"`
	Copied        int64   `json:"copied_offset"`
	RecordsBehind int64   `json:"records_behind"`
	BytesInPerSec float64 `json:"bytes_in_per_sec"` // into the instance's topic, recently
}

// MigrationGroup is one selected group's offset sync.
type MigrationGroup struct {
	Group       string `json:"group"`
	SourceState string `json:"source_state"` // Stable, Empty, ... as the source says
	TargetState string `json:"target_state"` // Empty or Dead until consumers switch
	// Sums over the group's partitions: its committed offset on the
	// source, and the translated offset MirrorMaker committed for it on
	// the instance.
	SourceOffset int64      `json:"source_offset"`
	TargetOffset int64      `json:"target_offset"`
	Partitions   int        `json:"partitions"`
	Synced       int        `json:"synced_partitions"` // partitions with a translated offset
	LastSync     *time.Time `json:"last_sync,omitempty"`
}

// MirrorConnector is one of MirrorMaker's connectors or tasks, as its
// status topic has it.
type MirrorConnector struct {
	Name  string `json:"name"`
	State string `json:"state"` // RUNNING, PAUSED, FAILED, UNASSIGNED
	Trace string `json:"trace,omitempty"`
}

// CutoverCheck says, per group, whether its consumers may switch to the
// instance now.
type CutoverCheck struct {
	Group string `json:"group"`
	Ready bool   `json:"ready"`
	// Reasons are what is not ready yet, or, when ready, what to expect.
	Reasons []string `json:"reasons"`
	// RecordsBehind is how many records of the group's topics the
	// instance lacks; Duplicates how many records the group's consumers
	// would read again after switching (the translated offsets are
	// conservative: never past the source's).
	RecordsBehind int64 `json:"records_behind"`
	Duplicates    int64 `json:"duplicates"`
}
