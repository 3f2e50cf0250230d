package streamplane

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Security protocols of an instance's client listeners (SPEC §5). It is
// fixed at creation, as in DMS.
const (
	ProtocolPlaintext = "PLAINTEXT"
	ProtocolSASLSSL   = "SASL_SSL"
)

// SASL mechanisms of a SASL_SSL instance: SCRAM-SHA-512 always, PLAIN if
// chosen at creation.
const (
	MechanismSCRAM = "SCRAM-SHA-512"
	MechanismPlain = "PLAIN"
)

// Client listener names, as keys of bootstrap_servers and endpoints.
const (
	ListenerPrivateSASLSSL   = "private_sasl_ssl"
	ListenerPublicPlaintext  = "public_plaintext"
	ListenerPublicSASLSSL    = "public_sasl_ssl"
	reservedUserPrefix       = "streamplane-"
	MaxKafkaUsers            = 20
	minPasswordLen           = 8
	maxPasswordLen           = 32
	passwordSpecialChars     = "`~!@#$%^&*()-_=+\\|[{}];:'\",<.>/? "
	defaultInitialMechanisms = MechanismSCRAM
)

var kafkaUserRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)

// SASL reports whether the instance's clients authenticate with SASL over TLS.
func (inst *Instance) SASL() bool { return inst.SecurityProtocol == ProtocolSASLSSL }

// PrivateListener is the bootstrap_servers key of the private listener.
func (inst *Instance) PrivateListener() string {
	if inst.SASL() {
		return ListenerPrivateSASLSSL
	}
	return ListenerPrivatePlaintext
}

// PublicListener is the bootstrap_servers key of the public listener.
func (inst *Instance) PublicListener() string {
	if inst.SASL() {
		return ListenerPublicSASLSSL
	}
	return ListenerPublicPlaintext
}

// HasMechanism reports whether clients may use a SASL mechanism.
func (inst *Instance) HasMechanism(m string) bool { return slices.Contains(inst.SASLMechanisms, m) }

// ValidateKafkaUserName checks a Kafka user's name (DMS access_user rule);
// names of Streamplane's own principals are reserved.
func ValidateKafkaUserName(field, name string) error {
	switch {
	case name == "":
		return Invalid(field, "a user name is required")
	case !kafkaUserRE.MatchString(name):
		return Invalid(field, "user name %q must be 4–64 characters, start with a letter and contain only letters, digits, '-' and '_'", name)
	case strings.HasPrefix(strings.ToLower(name), reservedUserPrefix):
		return Invalid(field, "user names starting with %q are reserved for Streamplane", reservedUserPrefix)
	}
	return nil
}

// ValidateKafkaPassword checks the SPEC §5 password rule: 8–32 characters,
// at least three of lower case, upper case, digits and special characters,
// not starting with '-', and not the user name (forwards or backwards).
func ValidateKafkaPassword(field, user, password string) error {
	n := len([]rune(password))
	if n < minPasswordLen || n > maxPasswordLen {
		return Invalid(field, "the password must be %d–%d characters, got %d", minPasswordLen, maxPasswordLen, n)
	}
	if strings.HasPrefix(password, "-") {
		return Invalid(field, "the password must not start with '-'")
	}
	var lower, upper, digit, special bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(passwordSpecialChars, r):
			special = true
		default:
			return Invalid(field, "the password may contain only letters, digits, spaces and %s", strings.TrimSpace(passwordSpecialChars))
		}
	}
	kinds := 0
	for _, b := range []bool{lower, upper, digit, special} {
		if b {
			kinds++
		}
	}
	if kinds < 3 {
		return Invalid(field, "the password must contain at least three of: lower-case letters, upper-case letters, digits, special characters")
	}
	if user != "" && (strings.EqualFold(password, user) || strings.EqualFold(password, reverse(user))) {
		return Invalid(field, "the password must differ from the user name")
	}
	return nil
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// normalizeSecurity fills and checks the security part of a spec.
func (s *InstanceSpec) normalizeSecurity() error {
	if s.SecurityProtocol == "" {
		s.SecurityProtocol = ProtocolPlaintext
	}
	switch s.SecurityProtocol {
	case ProtocolPlaintext:
		if len(s.SASLMechanisms) > 0 || s.KafkaUser != "" || s.KafkaPassword != "" {
			return Invalid("security_protocol", "sasl_mechanisms, kafka_user and kafka_password need security_protocol %s", ProtocolSASLSSL)
		}
		return nil
	case ProtocolSASLSSL:
	default:
		return Invalid("security_protocol", "security_protocol must be %s or %s, got %q", ProtocolPlaintext, ProtocolSASLSSL, s.SecurityProtocol)
	}
	if len(s.SASLMechanisms) == 0 {
		s.SASLMechanisms = []string{defaultInitialMechanisms}
	}
	seen := map[string]bool{}
	for _, m := range s.SASLMechanisms {
		if m != MechanismSCRAM && m != MechanismPlain {
			return Invalid("sasl_mechanisms", "unknown SASL mechanism %q; choose %s and optionally %s", m, MechanismSCRAM, MechanismPlain)
		}
		if seen[m] {
			return Invalid("sasl_mechanisms", "SASL mechanism %s is listed twice", m)
		}
		seen[m] = true
	}
	if !seen[MechanismSCRAM] {
		return Invalid("sasl_mechanisms", "SASL_SSL instances always offer %s; add it", MechanismSCRAM)
	}
	s.SASLMechanisms = []string{MechanismSCRAM}
	if seen[MechanismPlain] {
		s.SASLMechanisms = append(s.SASLMechanisms, MechanismPlain)
	}
	if err := ValidateNewKafkaUserName("kafka_user", s.KafkaUser); err != nil {
		return err
	}
	if s.KafkaPassword == "" {
		return Invalid("kafka_password", "a SASL_SSL instance needs the initial user's password")
	}
	return ValidateKafkaPassword("kafka_password", s.KafkaUser, s.KafkaPassword)
}

// KafkaUser is a SASL user of an instance (DMS ch. 10). Its password is
// never stored: Kafka keeps SCRAM credentials, and Streamplane a salted
// hash for PLAIN.
type KafkaUser struct {
	InstanceID string    `json:"-"`
	Name       string    `json:"name"`
	Initial    bool      `json:"initial"` // created with the instance; cannot be deleted
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// PlainHash is the PLAIN credential (JSON of a salted hash), sealed by
	// the vault before it reaches the store. Empty without PLAIN.
	PlainHash []byte `json:"-"`
}

func (u KafkaUser) String() string { return fmt.Sprintf("%s/%s", u.InstanceID, u.Name) }
