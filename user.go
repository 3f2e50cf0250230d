package streamplane

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// SASL users (DMS ch. 10): the rules of their names and passwords, and how
// the API shows them.
const (
	MaxKafkaUsers        = 20 // per instance, the initial user included
	reservedUserPrefix   = "streamplane-"
	minPasswordLen       = 8
	maxPasswordLen       = 32
	passwordSpecialChars = "`~!@#$%^&*()-_=+\\|[{}];:'\",<.>/? "
)

var kafkaUserRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)

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

// IsReservedUser reports whether a principal name is one of Streamplane's own.
func IsReservedUser(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), reservedUserPrefix)
}

// ValidateKafkaUserName checks a Kafka user's name (DMS access_user rule);
// names of Streamplane's own principals are reserved.
func ValidateKafkaUserName(field, name string) error {
	switch {
	case name == "":
		return Invalid(field, "a user name is required")
	case !kafkaUserRE.MatchString(name):
		return Invalid(field, "user name %q must be 4–64 characters, start with a letter and contain only letters, digits, '-' and '_'", name)
	case IsReservedUser(name):
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
	for _, r := range password {
		if !unicode.IsLower(r) && !unicode.IsUpper(r) && !unicode.IsDigit(r) && !strings.ContainsRune(passwordSpecialChars, r) {
			return Invalid(field, "the password may contain only letters, digits, spaces and %s", strings.TrimSpace(passwordSpecialChars))
		}
	}
	kinds := passwordClasses(password)
	if kinds < 3 {
		return Invalid(field, "the password must contain at least three of: lower-case letters, upper-case letters, digits, special characters")
	}
	if user != "" && (strings.EqualFold(password, user) || strings.EqualFold(password, reverse(user))) {
		return Invalid(field, "the password must differ from the user name")
	}
	return nil
}

// passwordClasses counts the kinds of characters a password has, of
// lower-case letters, upper-case letters, digits and any other.
func passwordClasses(password string) int {
	var lower, upper, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, has := range []bool{lower, upper, digit, other} {
		if has {
			n++
		}
	}
	return n
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// reservedUserNames are Kafka's own principal names: a SASL user named so
// would share the principal of unauthenticated clients.
var reservedUserNames = []string{"ANONYMOUS"}

// ValidateNewKafkaUserName checks the name of a user being created: the
// rules of every user name, and none of Kafka's own principal names.
func ValidateNewKafkaUserName(field, name string) error {
	if err := ValidateKafkaUserName(field, name); err != nil {
		return err
	}
	for _, r := range reservedUserNames {
		if strings.EqualFold(name, r) {
			return Invalid(field, "user name %q is reserved: it is Kafka's principal for unauthenticated clients", name)
		}
	}
	return nil
}

// KafkaUserInfo is a SASL user as the API shows it: with the mechanisms it
// can sign in with, never a password or a hash.
type KafkaUserInfo struct {
	KafkaUser
	Mechanisms []string `json:"mechanisms"`
}

// KafkaUserList is an instance's SASL users, by name.
type KafkaUserList struct {
	Users []KafkaUserInfo `json:"users"`
	Limit int             `json:"limit"` // most users an instance may have, the initial one included
}

// NewKafkaUserInfo describes a user: SCRAM-SHA-512 always, PLAIN when the
// user has a PLAIN credential (the instance offers PLAIN).
func NewKafkaUserInfo(u KafkaUser) KafkaUserInfo {
	info := KafkaUserInfo{KafkaUser: u, Mechanisms: []string{MechanismSCRAM}}
	if len(u.PlainHash) > 0 {
		info.Mechanisms = append(info.Mechanisms, MechanismPlain)
	}
	return info
}

// CheckKafkaUserLimit refuses an instance's next user once it has the most
// it may have.
func CheckKafkaUserLimit(instance string, users int) error {
	if users >= MaxKafkaUsers {
		return Errorf(ELIMIT, "instance %s already has %d SASL users, the most an instance may have (%d, the initial user included); delete one first",
			instance, users, MaxKafkaUsers)
	}
	return nil
}
