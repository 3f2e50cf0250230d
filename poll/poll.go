// Package poll waits for a condition that no event announces: a broker
// registering, a process exiting, a task ending. It checks at an interval
// until the condition holds, the context ends or a timeout passes, and says
// in its error what was still awaited.
package poll

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Until calls check at once and then every interval until check returns
// nil. check's error says what is still awaited; an error wrapped with Stop
// ends the wait at once and is returned as it is. When timeout passes
// (timeout <= 0: no timeout) Until returns a *TimeoutError carrying check's
// last error; when ctx ends, ctx's error joined with the last one.
//
// check gets a context that ends at the timeout, so a slow check cannot
// outlast the wait.
func Until(ctx context.Context, interval, timeout time.Duration, check func(ctx context.Context) error) error {
	parent := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	tick := time.NewTicker(max(interval, time.Millisecond))
	defer tick.Stop()
	var last error
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		var stop *stopError
		if errors.As(err, &stop) {
			return stop.err
		}
		// A check cut short by the end of the wait says less than the one
		// before it.
		if cut := ctx.Err() != nil && errors.Is(err, ctx.Err()); !cut || last == nil {
			last = err
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		if parent.Err() != nil {
			return fmt.Errorf("%w; still waiting: %w", parent.Err(), last)
		}
		return &TimeoutError{After: timeout, Last: last}
	}
}

// Stop wraps err so that Until returns it at once instead of checking again:
// for failures that waiting cannot cure.
func Stop(err error) error {
	if err == nil {
		return nil
	}
	return &stopError{err}
}

type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// TimeoutError is a wait that ran out of time; Last says what was still
// awaited.
type TimeoutError struct {
	After time.Duration
	Last  error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s: %v", e.After, e.Last)
}

// Unwrap lets errors.Is find both context.DeadlineExceeded and whatever the
// last check returned.
func (e *TimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.Last} }
