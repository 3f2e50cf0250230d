package main

import "context"

func measureGroups(ctx context.Context, env *benchEnv) ([]row, error) { return nil, nil }
