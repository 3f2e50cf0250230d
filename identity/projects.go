package identity

import (
	"context"
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
)

// Projects lists projects with their usage; names nil means all, else only
// those named (the projects the caller may see).
func (s *Service) Projects(ctx context.Context, names []string) ([]*streamplane.ProjectUsage, error) {
	var out []*streamplane.ProjectUsage
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		list, err := tx.Projects()
		if err != nil {
			return err
		}
		for _, p := range list {
			if names != nil && !contains(names, p.Name) {
				continue
			}
			u, err := ProjectUsage(tx, p)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// ProjectNames lists the projects' names only: authorising a read in
// "any project" needs no usage, which would read every instance.
func (s *Service) ProjectNames(ctx context.Context) ([]string, error) {
	var names []string
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		list, err := tx.Projects()
		for _, p := range list {
			names = append(names, p.Name)
		}
		return err
	})
	return names, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Project returns one project with its usage.
func (s *Service) Project(ctx context.Context, name string) (*streamplane.ProjectUsage, error) {
	var out *streamplane.ProjectUsage
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		p, err := tx.Project(name)
		if err != nil {
			return err
		}
		out, err = ProjectUsage(tx, p)
		return err
	})
	return out, err
}

// ProjectUsage counts what a project's instances (not deleted) take. The
// instance service checks a new instance against it in the transaction
// that creates the instance.
func ProjectUsage(tx streamplane.Tx, p *streamplane.Project) (*streamplane.ProjectUsage, error) {
	u := &streamplane.ProjectUsage{Project: *p}
	for offset := 0; ; {
		list, total, err := tx.Instances(streamplane.InstanceFilter{Projects: []string{p.Name}, Offset: offset, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, inst := range list {
			u.Usage.Instances++
			u.Usage.Brokers += inst.BrokerCount
			u.Usage.StorageGB += inst.BrokerCount * inst.StorageGBPerBroker
		}
		offset += len(list)
		if len(list) == 0 || offset >= total {
			return u, nil
		}
	}
}

// CreateProject adds a project.
func (s *Service) CreateProject(ctx context.Context, p streamplane.Project) (*streamplane.ProjectUsage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	audit.From(ctx).Describe("project", p.Name, p.Name, p.Name)
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		p.CreatedAt, p.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreateProject(&p); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusCreated)
	})
	if err != nil {
		return nil, err
	}
	return s.Project(ctx, p.Name)
}

// ProjectChange changes a project; nil fields stay. Lowering a limit below
// what is in use is allowed: it stops growth, it does not remove anything.
type ProjectChange struct {
	Description                            *string
	MaxInstances, MaxBrokers, MaxStorageGB *int
	IfMatch                                *int64
}

// UpdateProject applies a change to a project.
func (s *Service) UpdateProject(ctx context.Context, name string, c ProjectChange) (*streamplane.ProjectUsage, error) {
	audit.From(ctx).Describe("project", name, name, name)
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		p, err := tx.Project(name)
		if err != nil {
			return err
		}
		if c.IfMatch != nil && *c.IfMatch != p.ResourceVersion {
			return &streamplane.Error{Code: streamplane.ESTALE, Field: "If-Match", Message: "project " + name + " has changed since you read it; read it again and retry"}
		}
		set := func(dst *int, v *int) {
			if v != nil {
				*dst = *v
			}
		}
		if c.Description != nil {
			p.Description = *c.Description
		}
		set(&p.MaxInstances, c.MaxInstances)
		set(&p.MaxBrokers, c.MaxBrokers)
		set(&p.MaxStorageGB, c.MaxStorageGB)
		if err := p.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateProject(p); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusOK)
	})
	if err != nil {
		return nil, err
	}
	return s.Project(ctx, name)
}

// DeleteProject removes an empty project.
func (s *Service) DeleteProject(ctx context.Context, name string) error {
	audit.From(ctx).Describe("project", name, name, name)
	return s.Store.Update(ctx, func(tx streamplane.Tx) error {
		if _, err := tx.Project(name); err != nil {
			return err
		}
		accounts, err := tx.Accounts()
		if err != nil {
			return err
		}
		for _, a := range accounts {
			if a.Project == name {
				return streamplane.Errorf(streamplane.ESTATE, "project %s is the home project of user %s; move or delete the user first", name, a.Name)
			}
		}
		if err := tx.DeleteProject(name); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusNoContent)
	})
}
