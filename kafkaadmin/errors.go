package kafkaadmin

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// kerrOf turns a Kafka error code and optional message into an error.
func kerrOf(code int16, msg *string) error {
	err := kerr.ErrorForCode(code)
	if err == nil {
		return nil
	}
	if msg != nil && *msg != "" {
		return fmt.Errorf("%w: %s", err, *msg)
	}
	return err
}
