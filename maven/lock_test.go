package maven

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestLockFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "repo.lock")
	unlock, err := LockFile(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}

	// A second holder waits, says so once, and gets the lock when the
	// first lets go.
	waiting := make(chan struct{}, 2)
	got := make(chan error, 1)
	go func() {
		unlock2, err := LockFile(context.Background(), path, func() { waiting <- struct{}{} })
		if err == nil {
			unlock2()
		}
		got <- err
	}()
	<-waiting
	select {
	case err := <-got:
		t.Fatalf("second LockFile returned %v while the lock was held", err)
	default:
	}
	unlock()
	if err := <-got; err != nil {
		t.Fatalf("second LockFile: %v", err)
	}
	if len(waiting) != 0 {
		t.Error("onWait ran more than once")
	}

	// A wait ends with its context.
	unlock, err = LockFile(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := LockFile(ctx, path, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("LockFile under a held lock = %v, want context.DeadlineExceeded", err)
	}
}
