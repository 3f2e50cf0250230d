package service

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
)

func (s *Service) migrationStatus(ctx context.Context, instance, name string) (*streamplane.MigrationStatus, error) {
	m, err := s.Migration(ctx, instance, name)
	if err != nil {
		return nil, err
	}
	return &streamplane.MigrationStatus{Migration: *m}, nil
}

func (s *Service) cutoverCheck(ctx context.Context, instance, name string) ([]streamplane.CutoverCheck, error) {
	if _, err := s.Migration(ctx, instance, name); err != nil {
		return nil, err
	}
	return nil, nil
}
