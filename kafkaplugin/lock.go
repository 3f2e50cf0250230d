package kafkaplugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a waiting lock tries again: flock(2) cannot be
// interrupted by a context, so waiting polls with LOCK_NB.
const lockPoll = 100 * time.Millisecond

// lockFile takes an exclusive flock on path (created if need be) and
// returns its release. Each call opens the file anew, so it excludes other
// goroutines of this process as well as other processes. onWait, if not
// nil, runs once if the lock is busy. The file is never removed: a removed
// lock file lets two holders lock two different inodes.
func lockFile(ctx context.Context, path string, onWait func()) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kafkaplugin: opening lock: %w", err)
	}
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("kafkaplugin: locking %s: %w", path, err)
		}
		if !waited && onWait != nil {
			onWait()
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("kafkaplugin: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}
