package workflow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

func TestWait(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		calls := 0
		err := wait(context.Background(), time.Millisecond, time.Minute, func() (bool, string) {
			calls++
			return calls == 3, "broker 2 is not running"
		})
		if err != nil || calls != 3 {
			t.Fatalf("wait = %v after %d checks, want nil after 3", err, calls)
		}
	})
	t.Run("TimeoutIsUnavailable", func(t *testing.T) {
		err := wait(context.Background(), time.Millisecond, 20*time.Millisecond, func() (bool, string) {
			return false, "2 of 3 brokers registered"
		})
		if streamplane.ErrorCode(err) != streamplane.EUNAVAILABLE || !strings.Contains(err.Error(), "timed out after 20ms: 2 of 3 brokers registered") {
			t.Fatalf("wait = %v, want %s saying what was awaited", err, streamplane.EUNAVAILABLE)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := wait(ctx, time.Millisecond, time.Minute, func() (bool, string) { return false, "no leader" })
		if !errors.Is(err, context.Canceled) || streamplane.ErrorCode(err) == streamplane.EUNAVAILABLE {
			t.Fatalf("wait = %v, want context.Canceled", err)
		}
	})
}
