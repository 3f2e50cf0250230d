package main

import "context"

func measureMessages(ctx context.Context, env *benchEnv) ([]row, error) { return nil, nil }
