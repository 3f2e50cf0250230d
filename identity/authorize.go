package identity

import (
	"context"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

// Simulate evaluates what a user's policies decide for an action on a
// resource, as Authorize would for that user's request.
func (s *Service) Simulate(ctx context.Context, user, action, resource, project string) (iam.Decision, error) {
	if _, ok := iam.Lookup(action); !ok {
		return iam.Decision{}, streamplane.Invalid("action", "no such action %q; 'streamplane iam policy simulate --help' lists them", action)
	}
	req := iam.Request{Action: action, Resource: resource, Project: project}
	var gs []iam.Grant
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		acct, err := tx.Account(user)
		if err != nil {
			return withField(err, "user")
		}
		if gs, err = grants(tx, acct); err != nil {
			return err
		}
		if name, ok := strings.CutPrefix(resource, "instance:"); ok {
			if inst, err := tx.Instance(name); err == nil {
				req.Instance = iam.Facts(inst)
				if req.Project == "" {
					req.Project = inst.Project
				}
			} else if !streamplane.IsCode(err, streamplane.ENOTFOUND) {
				return err
			}
		} else if resource != "" {
			return streamplane.Invalid("resource", "a resource is instance:<name>; got %q", resource)
		}
		if req.Project == "" {
			req.Project = acct.Project
		}
		return nil
	})
	if err != nil {
		return iam.Decision{}, err
	}
	return iam.Evaluate(req, gs), nil
}
