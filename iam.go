package streamplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The control plane's own identities (SPEC §5, DMS ch. 3). An Account is a
// person or program that signs in to Streamplane ("IAM user" in the CLI and
// API); it is not a Kafka SASL user (KafkaUser), which lives in an instance.

// AdminAccount is the account the server creates on first start, with
// FullAccess in every project.
const AdminAccount = "admin"

// DefaultProject holds instances created without a project; it always exists.
const DefaultProject = "default"

// Account is a control-plane user.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// PasswordHash is the KDF output in its encoded form (authn package);
	// empty when the account signs in with tokens only. Never serialized.
	PasswordHash string `json:"-"`
	HasPassword  bool   `json:"has_password"`
	// Project is the account's home project: where an attachment given
	// without a project applies.
	Project         string       `json:"project"`
	Attachments     []Attachment `json:"attachments"`
	ResourceVersion int64        `json:"resource_version"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
}

// AccountSpec is what a caller gives to create an account. Password is
// write-only.
type AccountSpec struct {
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
	Project  string `json:"project,omitempty"` // home project; default "default"
}

// Attachment gives an account a policy within a project; Project "*" means
// every project.
type Attachment struct {
	AccountID string `json:"-"`
	Policy    string `json:"policy"`
	Project   string `json:"project"`
}

// AllProjects as an attachment's project means every project.
const AllProjects = "*"

// Token is an API token. The secret is shown once, when created; the store
// keeps only its SHA-256 hash.
type Token struct {
	ID          string     `json:"id"`
	AccountID   string     `json:"-"`
	Account     string     `json:"user"`
	Description string     `json:"description,omitempty"`
	Hash        string     `json:"-"` // hex SHA-256 of the secret
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	// Login says the token was issued by a password login rather than
	// created with `iam token create`.
	Login bool `json:"login"`
}

// Usable reports whether the token authenticates at now.
func (t *Token) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Policy is a named policy document: built-in or custom.
type Policy struct {
	Name            string         `json:"name"`
	Description     string         `json:"description,omitempty"`
	Builtin         bool           `json:"builtin"`
	Document        PolicyDocument `json:"document"`
	ResourceVersion int64          `json:"resource_version"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// PolicyDocument is a policy in the DMS/IAM JSON form:
//
//	{"Version": "1", "Statement": [{"Effect": "Deny", "Action": ["instance:delete"],
//	  "Resource": ["instance:prod-*"], "Condition": {"Bool": {"instance:ssl": "true"}}}]}
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement allows or denies actions on resources, when its conditions hold.
type Statement struct {
	Effect   string   `json:"Effect"` // Allow or Deny
	Action   []string `json:"Action"`
	Resource []string `json:"Resource,omitempty"` // none: every resource
	// Condition maps an operator (Bool, StringEquals, StringLike, …) to
	// keys and the values any of which satisfies it.
	Condition map[string]map[string]StringList `json:"Condition,omitempty"`
}

// Policy effects.
const (
	EffectAllow = "Allow"
	EffectDeny  = "Deny"
)

// Project groups instances under quotas (SPEC §1.5, DMS enterprise
// projects). Zero limits mean no limit.
type Project struct {
	Name            string    `json:"name"`
	Description     string    `json:"description,omitempty"`
	MaxInstances    int       `json:"max_instances"`
	MaxBrokers      int       `json:"max_brokers"`
	MaxStorageGB    int       `json:"max_storage_gb"`
	ResourceVersion int64     `json:"resource_version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// StringList is a JSON string or array of strings, as policy documents
// allow for a condition's values.
type StringList []string

// UnmarshalJSON accepts "a" as well as ["a", "b"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("a condition value must be a string or a list of strings")
	}
	*l = many
	return nil
}

// Login is a password sign-in request; the answer is a TokenSecret.
type Login struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// TokenSpec asks for an API token for a user; Expires is a Go duration
// ("720h"), empty for the server's default.
type TokenSpec struct {
	User        string `json:"user"`
	Expires     string `json:"expires,omitempty"`
	Description string `json:"description,omitempty"`
}

// TokenSecret is a token with its secret, answered once when it is made.
type TokenSecret struct {
	Secret string `json:"token"`
	Token
}

// ProjectUsage is a project with what its instances take of its quotas.
type ProjectUsage struct {
	Project
	Usage Usage `json:"usage"`
}

// Usage counts a project's instances not deleted, their brokers and their
// storage.
type Usage struct {
	Instances int `json:"instances"`
	Brokers   int `json:"brokers"`
	StorageGB int `json:"storage_gb"`
}

// Check refuses an instance of brokers×storageGB that would take the
// project past one of its limits.
func (p *ProjectUsage) Check(brokers, storageGB int) error {
	switch {
	case p.MaxInstances > 0 && p.Usage.Instances+1 > p.MaxInstances:
		return Errorf(ELIMIT, "project %s holds %d of its %d instances; delete one or raise its max_instances", p.Name, p.Usage.Instances, p.MaxInstances)
	case p.MaxBrokers > 0 && p.Usage.Brokers+brokers > p.MaxBrokers:
		return &Error{Code: ELIMIT, Field: "broker_count", Message: fmt.Sprintf("project %s has %d of its %d brokers in use; %d more do not fit", p.Name, p.Usage.Brokers, p.MaxBrokers, brokers)}
	case p.MaxStorageGB > 0 && p.Usage.StorageGB+brokers*storageGB > p.MaxStorageGB:
		return &Error{Code: ELIMIT, Field: "storage_gb_per_broker", Message: fmt.Sprintf("project %s has %d of its %d GB of storage in use; %d GB more do not fit", p.Name, p.Usage.StorageGB, p.MaxStorageGB, brokers*storageGB)}
	}
	return nil
}

var (
	accountNameRe = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,63}$`)
	projectNameRe = regexp.MustCompile(`^[a-z][a-z0-9-]{1,63}$`)
	policyNameRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{1,63}$`)
)

// ValidateAccountName checks a control-plane user's name.
func ValidateAccountName(field, name string) error {
	if !accountNameRe.MatchString(name) {
		return Invalid(field, "a user name is 2 to 64 characters: lowercase letters, digits, '.', '_' and '-', starting with a letter; got %q", name)
	}
	return nil
}

// ValidateProjectName checks a project's name.
func ValidateProjectName(field, name string) error {
	if name == AllProjects {
		return Invalid(field, `"*" means every project and cannot name one`)
	}
	if !projectNameRe.MatchString(name) {
		return Invalid(field, "a project name is 2 to 64 characters: lowercase letters, digits and '-', starting with a letter; got %q", name)
	}
	return nil
}

// ValidatePolicyName checks a custom policy's name.
func ValidatePolicyName(field, name string) error {
	if !policyNameRe.MatchString(name) {
		return Invalid(field, "a policy name is 2 to 64 characters: letters, digits, '_' and '-', starting with a letter; got %q", name)
	}
	return nil
}

// ValidateAccountPassword applies the password rules of SPEC §5 to a
// control-plane password, with a higher ceiling: 8 to 128 characters with
// at least three of lowercase, uppercase, digits and other characters, and
// not the user's name.
func ValidateAccountPassword(field, user, password string) error {
	if n := len([]rune(password)); n < 8 || n > 128 {
		return Invalid(field, "a password is 8 to 128 characters; this one has %d", n)
	}
	classes := passwordClasses(password)
	if classes < 3 {
		return Invalid(field, "a password needs at least three of: lowercase letters, uppercase letters, digits, other characters")
	}
	if strings.EqualFold(password, user) {
		return Invalid(field, "a password must not be the user's name")
	}
	return nil
}

// Validate checks a project's name and limits.
func (p *Project) Validate() error {
	if err := ValidateProjectName("name", p.Name); err != nil {
		return err
	}
	if err := ValidateDescription(p.Description); err != nil {
		return err
	}
	for _, l := range []struct {
		field string
		v     int
	}{{"max_instances", p.MaxInstances}, {"max_brokers", p.MaxBrokers}, {"max_storage_gb", p.MaxStorageGB}} {
		if l.v < 0 || l.v > 1_000_000 {
			return Invalid(l.field, "%s is 0 (no limit) to 1000000; got %d", l.field, l.v)
		}
	}
	return nil
}
