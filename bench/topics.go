package main

import "context"

func measureTopics(ctx context.Context, env *benchEnv) ([]row, error) { return nil, nil }
