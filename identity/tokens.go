package identity

import (
	"context"
	"net/http"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
)

// CreateToken issues an API token for a user. The secret is in the answer
// only.
func (s *Service) CreateToken(ctx context.Context, spec streamplane.TokenSpec) (*streamplane.TokenSecret, error) {
	ttl := orDefault(s.TokenTTL, DefaultTokenTTL)
	if spec.Expires != "" {
		d, err := time.ParseDuration(spec.Expires)
		if err != nil {
			return nil, streamplane.Invalid("expires", "expires is a duration such as 720h; got %q", spec.Expires)
		}
		ttl = d
	}
	if limit := orDefault(s.MaxTokenTTL, DefaultMaxTokenTTL); ttl < time.Minute || ttl > limit {
		return nil, streamplane.Invalid("expires", "a token lasts 1m to %s; got %s", limit, ttl)
	}
	if len(spec.Description) > 256 {
		return nil, streamplane.Invalid("description", "a token's description is at most 256 characters")
	}
	acct, err := s.Account(ctx, spec.User)
	if err != nil {
		return nil, withField(err, "user")
	}
	return s.issue(ctx, acct, s.now().Add(ttl), spec.Description, false, http.StatusCreated)
}

// Tokens lists a user's tokens, or everyone's for "".
func (s *Service) Tokens(ctx context.Context, user string) ([]*streamplane.Token, error) {
	var list []*streamplane.Token
	err := s.Store.View(ctx, func(tx streamplane.Tx) error {
		id := ""
		if user != "" {
			a, err := tx.Account(user)
			if err != nil {
				return withField(err, "user")
			}
			id = a.ID
		}
		var err error
		list, err = tx.Tokens(id)
		return err
	})
	return list, err
}

// RevokeToken ends a token at once. Revoking one already revoked is fine.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	audit.From(ctx).Describe("token", id, "", "")
	return s.Store.Update(ctx, func(tx streamplane.Tx) error {
		t, err := tx.Token(id)
		if err != nil {
			return err
		}
		audit.From(ctx).Describe("token", t.ID, t.Account, "")
		if t.RevokedAt == nil {
			now := tx.Now()
			t.RevokedAt = &now
			if err := tx.UpdateToken(t); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, http.StatusNoContent)
	})
}
