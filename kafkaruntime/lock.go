package kafkaruntime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a waiting lockFile tries again. flock(2) cannot be
// interrupted by a context, so waiting polls with LOCK_NB instead.
const lockPoll = 100 * time.Millisecond

// lockFile takes an exclusive flock on path, creating the file if needed,
// and returns the function that releases it. It serialises goroutines as
// well as processes: every call opens its own file description. onWait, if
// not nil, runs once if the lock is busy. The file is never deleted:
// removing a lock file lets two holders lock two different inodes.
func lockFile(ctx context.Context, path string, onWait func()) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kafkaruntime: opening lock: %w", err)
	}
	fd := int(f.Fd())
	for waited := false; ; waited = true {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(fd, syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("kafkaruntime: locking %s: %w", path, err)
		}
		if !waited && onWait != nil {
			onWait()
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("kafkaruntime: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}
