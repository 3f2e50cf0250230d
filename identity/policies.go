package identity

import (
	"context"
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/iam"
)

// Policies lists the built-in policies, then the custom ones.
func (s *Service) Policies(ctx context.Context) ([]*streamplane.Policy, error) {
	var list []*streamplane.Policy
	for _, p := range iam.Builtins() {
		list = append(list, &p)
	}
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		custom, err := tx.Policies()
		list = append(list, custom...)
		return err
	})
	return list, err
}

// Policy returns a built-in or custom policy.
func (s *Service) Policy(ctx context.Context, name string) (*streamplane.Policy, error) {
	var p *streamplane.Policy
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		p, err = policy(tx, name)
		return err
	})
	return p, err
}

// CreatePolicy adds a custom policy.
func (s *Service) CreatePolicy(ctx context.Context, p streamplane.Policy) (*streamplane.Policy, error) {
	if err := streamplane.ValidatePolicyName("name", p.Name); err != nil {
		return nil, err
	}
	if _, ok := iam.Builtin(p.Name); ok {
		return nil, &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: p.Name + " is a built-in policy"}
	}
	if err := streamplane.ValidateDescription(p.Description); err != nil {
		return nil, err
	}
	if err := iam.Validate(p.Document); err != nil {
		return nil, err
	}
	p.Builtin = false
	audit.From(ctx).Describe("policy", p.Name, p.Name, "")
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		p.CreatedAt, p.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreatePolicy(&p); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusCreated)
	})
	if err != nil {
		return nil, err
	}
	return s.Policy(ctx, p.Name)
}

// UpdatePolicy replaces a custom policy's description and document; it
// takes effect on the next request of every user it is attached to.
func (s *Service) UpdatePolicy(ctx context.Context, name, description string, doc streamplane.PolicyDocument, ifMatch *int64) (*streamplane.Policy, error) {
	if err := streamplane.ValidateDescription(description); err != nil {
		return nil, err
	}
	if err := iam.Validate(doc); err != nil {
		return nil, err
	}
	audit.From(ctx).Describe("policy", name, name, "")
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		p, err := s.customPolicy(tx, name)
		if err != nil {
			return err
		}
		if ifMatch != nil && *ifMatch != p.ResourceVersion {
			return &streamplane.Error{Code: streamplane.ESTALE, Field: "If-Match", Message: "policy " + name + " has changed since you read it; read it again and retry"}
		}
		p.Description, p.Document = description, doc
		if err := tx.UpdatePolicy(p); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusOK)
	})
	if err != nil {
		return nil, err
	}
	return s.Policy(ctx, name)
}

// DeletePolicy removes a custom policy that no user has attached.
func (s *Service) DeletePolicy(ctx context.Context, name string) error {
	audit.From(ctx).Describe("policy", name, name, "")
	return s.Store.Update(ctx, func(tx streamplane.Tx) error {
		if _, err := s.customPolicy(tx, name); err != nil {
			return err
		}
		if err := tx.DeletePolicy(name); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusNoContent)
	})
}

func (s *Service) customPolicy(tx streamplane.Tx, name string) (*streamplane.Policy, error) {
	if _, ok := iam.Builtin(name); ok {
		return nil, streamplane.Errorf(streamplane.ESTATE, "%s is a built-in policy and cannot be changed", name)
	}
	return tx.Policy(name)
}
