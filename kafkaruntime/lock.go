package kafkaruntime

import (
	"context"
	"fmt"

	"github.com/streamplane/streamplane/maven"
)

// lockFile takes an exclusive flock on path (maven.LockFile).
func lockFile(ctx context.Context, path string, onWait func()) (func(), error) {
	unlock, err := maven.LockFile(ctx, path, onWait)
	if err != nil {
		return nil, fmt.Errorf("kafkaruntime: %w", err)
	}
	return unlock, nil
}
