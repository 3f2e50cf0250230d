package streamplane

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: clients match on them, and the HTTP layer
// maps each to exactly one status (api/errors.go).
const (
	EINVALID      = "INVALID_ARGUMENT"    // the request is malformed or breaks a rule
	ENOTFOUND     = "NOT_FOUND"           // the resource does not exist
	ECONFLICT     = "CONFLICT"            // a name or other unique value is taken
	EBUSY         = "INSTANCE_BUSY"       // another task holds the instance
	ESTATE        = "INVALID_STATE"       // the resource's state forbids the operation
	ESTALE        = "STALE_VERSION"       // If-Match named an older resource version
	ELIMIT        = "LIMIT_EXCEEDED"      // a quota or flavor limit would be exceeded
	EUNAVAILABLE  = "UNAVAILABLE"         // a dependency (brokers, Maven, Java) is not reachable
	ESTOREDOWN    = "STORE_UNAVAILABLE"   // the store (PostgreSQL) cannot be reached; retry
	EINTERNAL     = "INTERNAL"            // a bug or an unexpected failure
	EPRECONDITION = "FAILED_PRECONDITION" // the machine lacks something the operation needs

	EUNAUTHENTICATED = "UNAUTHENTICATED"   // no, or no valid, credentials
	EDENIED          = "PERMISSION_DENIED" // the caller's policies do not allow the action
	ETHROTTLED       = "TOO_MANY_ATTEMPTS" // sign-ins from this address are slowed or locked
)

// Error is an application error: a code for programs, a message for people
// and, for validation errors, the field at fault.
type Error struct {
	Code    string
	Message string
	Field   string // JSON name of the offending field, if any
	TaskID  string // the task holding the instance, for EBUSY
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the field and the rule it broke.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the application error in err's chain, or
// EINTERNAL for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of an application error, or a
// generic text for other errors so internals never reach users.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsCode reports whether err carries the given application error code.
func IsCode(err error, code string) bool {
	return err != nil && ErrorCode(err) == code
}
