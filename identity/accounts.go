package identity

import (
	"context"
	"errors"
	"net/http"
	"slices"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/authn"
)

// Accounts lists control-plane users.
func (s *Service) Accounts(ctx context.Context) ([]*streamplane.Account, error) {
	var list []*streamplane.Account
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		list, err = tx.Accounts()
		return err
	})
	return list, err
}

// Account returns one user by name or id.
func (s *Service) Account(ctx context.Context, name string) (*streamplane.Account, error) {
	var a *streamplane.Account
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		a, err = tx.Account(name)
		return err
	})
	return a, err
}

// CreateAccount adds a user, with a password if one is given.
func (s *Service) CreateAccount(ctx context.Context, spec streamplane.AccountSpec) (*streamplane.Account, error) {
	if err := streamplane.ValidateAccountName("name", spec.Name); err != nil {
		return nil, err
	}
	if spec.Project == "" {
		spec.Project = streamplane.DefaultProject
	}
	if err := streamplane.ValidateProjectName("project", spec.Project); err != nil {
		return nil, err
	}
	a := &streamplane.Account{ID: newID(), Name: spec.Name, Project: spec.Project}
	if spec.Password != "" {
		if err := streamplane.ValidateAccountPassword("password", spec.Name, spec.Password); err != nil {
			return nil, err
		}
		hash, err := authn.HashPassword(spec.Password)
		if err != nil {
			return nil, err
		}
		a.PasswordHash = hash
	}
	audit.From(ctx).Describe("iam_user", a.ID, a.Name, a.Project)
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		if _, err := tx.Project(spec.Project); err != nil {
			return withField(err, "project")
		}
		a.CreatedAt, a.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreateAccount(a); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusCreated)
	})
	if err != nil {
		return nil, err
	}
	return s.Account(ctx, a.ID)
}

// DeleteAccount removes a user with its tokens. The admin account stays:
// it is how a locked-out team gets back in.
func (s *Service) DeleteAccount(ctx context.Context, name string) error {
	return s.editAccount(ctx, name, http.StatusNoContent, func(tx streamplane.Tx, a *streamplane.Account) error {
		if a.Name == streamplane.AdminAccount {
			return streamplane.Errorf(streamplane.ESTATE, "the %s account cannot be deleted", streamplane.AdminAccount)
		}
		return tx.DeleteAccount(a.ID)
	})
}

// SetPassword sets or replaces a user's password. Tokens stay valid.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	var hash string
	return s.editAccount(ctx, name, http.StatusNoContent, func(tx streamplane.Tx, a *streamplane.Account) error {
		if err := streamplane.ValidateAccountPassword("password", a.Name, password); err != nil {
			return err
		}
		var err error
		if hash == "" { // hash once even if the transaction is retried
			if hash, err = authn.HashPassword(password); err != nil {
				return err
			}
		}
		a.PasswordHash = hash
		return tx.UpdateAccount(a)
	})
}

// Attach gives a user a policy in a project: "" is the user's home project,
// "*" every project.
func (s *Service) Attach(ctx context.Context, name string, at streamplane.Attachment) (*streamplane.Account, error) {
	err := s.editAccount(ctx, name, http.StatusOK, func(tx streamplane.Tx, a *streamplane.Account) error {
		if at.Project == "" {
			at.Project = a.Project
		}
		if err := checkAttachment(tx, at); err != nil {
			return err
		}
		at.AccountID = a.ID
		return tx.Attach(at)
	})
	if err != nil {
		return nil, err
	}
	return s.Account(ctx, name)
}

// Detach takes a policy from a user in a project.
func (s *Service) Detach(ctx context.Context, name string, at streamplane.Attachment) (*streamplane.Account, error) {
	err := s.editAccount(ctx, name, http.StatusOK, func(tx streamplane.Tx, a *streamplane.Account) error {
		if at.Project == "" {
			at.Project = a.Project
		}
		if !slices.ContainsFunc(a.Attachments, func(x streamplane.Attachment) bool { return x.Policy == at.Policy && x.Project == at.Project }) {
			return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "policy",
				Message: "user " + a.Name + " has no policy " + at.Policy + " in project " + at.Project}
		}
		at.AccountID = a.ID
		return tx.Detach(at)
	})
	if err != nil {
		return nil, err
	}
	return s.Account(ctx, name)
}

func checkAttachment(tx streamplane.Tx, at streamplane.Attachment) error {
	if _, err := policy(tx, at.Policy); err != nil {
		return withField(err, "policy")
	}
	if at.Project == streamplane.AllProjects {
		return nil
	}
	if err := streamplane.ValidateProjectName("project", at.Project); err != nil {
		return err
	}
	_, err := tx.Project(at.Project)
	return withField(err, "project")
}

// editAccount runs edit on the named account in one transaction with the
// request's audit entry.
func (s *Service) editAccount(ctx context.Context, name string, status int, edit func(streamplane.Tx, *streamplane.Account) error) error {
	audit.From(ctx).Describe("iam_user", "", name, "")
	return s.Store.Update(ctx, func(tx streamplane.Tx) error {
		a, err := tx.Account(name)
		if err != nil {
			return err
		}
		audit.From(ctx).Describe("iam_user", a.ID, a.Name, a.Project)
		if err := edit(tx, a); err != nil {
			return err
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, status)
	})
}

// withField names the request field a not-found error is about.
func withField(err error, field string) error {
	var e *streamplane.Error
	if streamplane.IsCode(err, streamplane.ENOTFOUND) && errors.As(err, &e) {
		c := *e
		c.Field = field
		return &c
	}
	return err
}
