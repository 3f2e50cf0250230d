package poll_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streamplane/streamplane/poll"
)

func TestUntil(t *testing.T) {
	t.Parallel()

	t.Run("OK", func(t *testing.T) {
		calls := 0
		err := poll.Until(context.Background(), time.Millisecond, time.Minute, func(context.Context) error {
			calls++
			if calls < 3 {
				return fmt.Errorf("call %d: not yet", calls)
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Fatalf("Until = %v after %d calls, want nil after 3", err, calls)
		}
	})

	t.Run("Stop", func(t *testing.T) {
		gone := errors.New("the process exited")
		calls := 0
		err := poll.Until(context.Background(), time.Millisecond, time.Minute, func(context.Context) error {
			calls++
			return poll.Stop(gone)
		})
		if err != gone || calls != 1 {
			t.Fatalf("Until = %v after %d calls, want %v after 1", err, calls, gone)
		}
	})

	t.Run("StopNil", func(t *testing.T) {
		if err := poll.Until(context.Background(), time.Millisecond, 0, func(context.Context) error { return poll.Stop(nil) }); err != nil {
			t.Fatalf("Until = %v, want nil", err)
		}
	})

	t.Run("TimeoutCarriesLastError", func(t *testing.T) {
		calls := 0
		err := poll.Until(context.Background(), time.Millisecond, 50*time.Millisecond, func(context.Context) error {
			calls++
			return fmt.Errorf("broker 2 not registered (check %d)", calls)
		})
		var timeout *poll.TimeoutError
		if !errors.As(err, &timeout) {
			t.Fatalf("Until = %v, want a *TimeoutError", err)
		}
		if want := fmt.Sprintf("broker 2 not registered (check %d)", calls); timeout.Last.Error() != want {
			t.Errorf("Last = %q, want %q", timeout.Last, want)
		}
		if !strings.HasPrefix(err.Error(), "timed out after 50ms: broker 2 not registered") {
			t.Errorf("Error() = %q", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false", err)
		}
		if calls < 2 {
			t.Errorf("checked %d times in 50ms at a 1ms interval", calls)
		}
	})

	t.Run("CheckCutShortKeepsEarlierError", func(t *testing.T) {
		calls := 0
		err := poll.Until(context.Background(), time.Millisecond, 50*time.Millisecond, func(ctx context.Context) error {
			calls++
			if calls == 1 {
				return errors.New("quorum has no leader")
			}
			<-ctx.Done() // a request that hangs until the wait ends
			return ctx.Err()
		})
		if err == nil || err.Error() != "timed out after 50ms: quorum has no leader" {
			t.Fatalf("Until = %v, want the first check's error", err)
		}
	})

	t.Run("ContextEnds", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		err := poll.Until(ctx, time.Millisecond, 0, func(context.Context) error {
			calls++
			if calls == 2 {
				cancel()
			}
			return errors.New("task still running")
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Until = %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "task still running") {
			t.Errorf("Until = %q, want it to say what was awaited", err)
		}
		var timeout *poll.TimeoutError
		if errors.As(err, &timeout) {
			t.Errorf("a cancelled wait reported a timeout: %v", err)
		}
	})

	t.Run("CheckSeesTheDeadline", func(t *testing.T) {
		err := poll.Until(context.Background(), time.Millisecond, time.Minute, func(ctx context.Context) error {
			if d, ok := ctx.Deadline(); !ok || time.Until(d) > time.Minute {
				return poll.Stop(fmt.Errorf("check's context has deadline %v, %v", d, ok))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
