package identity

import (
	"context"
	"fmt"
	"net/http"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/authn"
)

// lastUsedEvery bounds how often a token's last use is written: once a
// minute is precise enough to show, and keeps reads free of writes.
const lastUsedEvery = time.Minute

func unauthenticated(format string, args ...any) error {
	return streamplane.Errorf(streamplane.EUNAUTHENTICATED, format, args...)
}

// Authenticate finds the caller a token secret belongs to.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Caller, error) {
	if !authn.LooksLikeToken(secret) {
		return nil, unauthenticated("the API token is not valid; sign in with 'streamplane login' or use a token from 'streamplane iam token create'")
	}
	now := s.now()
	var c Caller
	var tok *streamplane.Token
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		if tok, err = tx.TokenByHash(authn.HashToken(secret)); streamplane.IsCode(err, streamplane.ENOTFOUND) {
			return unauthenticated("the API token is not valid")
		} else if err != nil {
			return err
		}
		switch {
		case tok.RevokedAt != nil:
			return unauthenticated("the API token was revoked")
		case !tok.Usable(now):
			return unauthenticated("the API token expired at %s", tok.ExpiresAt.UTC().Format(time.RFC3339))
		}
		if c.Account, err = tx.Account(tok.AccountID); err != nil {
			return err
		}
		c.Grants, err = grants(tx, c.Account)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.TokenID = tok.ID
	s.noteUse(ctx, tok, now)
	return &c, nil
}

// noteUse records a token's last use, at most once a minute per token.
func (s *Service) noteUse(ctx context.Context, tok *streamplane.Token, now time.Time) {
	if last, ok := s.lastUsed.Load(tok.ID); ok && now.Sub(last.(time.Time)) < lastUsedEvery {
		return
	}
	s.lastUsed.Store(tok.ID, now)
	err := s.Store.Update(context.WithoutCancel(ctx), func(tx streamplane.Tx) error {
		t, err := tx.Token(tok.ID)
		if err != nil {
			return err
		}
		t.LastUsedAt = &now
		return tx.UpdateToken(t)
	})
	if err != nil && !streamplane.IsCode(err, streamplane.ENOTFOUND) {
		s.Log.Warn("record token use", "token", tok.ID, "err", err)
	}
}

// dummyHash is checked against when the user does not exist, so a wrong
// name costs as long as a wrong password and names cannot be probed.
var dummyHash, _ = authn.HashPassword("not a password of anyone")

// Login checks a user's password and issues a token for LoginTTL. Failed
// attempts from source are throttled; each attempt is audited.
func (s *Service) Login(ctx context.Context, source string, l streamplane.Login) (*streamplane.TokenSecret, error) {
	p := audit.From(ctx)
	if p != nil {
		p.SetUser(l.User)
		p.Describe("iam_user", "", l.User, "")
	}
	if ok, retry, locked := s.Throttle.Allow(source); !ok {
		what := "slowed after failed sign-ins"
		if locked {
			what = "locked after too many failed sign-ins"
		}
		return nil, &RetryError{After: retry, Err: streamplane.Errorf(streamplane.ETHROTTLED,
			"sign-ins from %s are %s; try again in %s", source, what, retry.Round(time.Second))}
	}
	var acct *streamplane.Account
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		acct, err = tx.Account(l.User)
		return err
	})
	if err != nil && !streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return nil, err
	}
	hash := dummyHash
	if acct != nil && acct.PasswordHash != "" {
		hash = acct.PasswordHash
	}
	match, err := authn.CheckPassword(hash, l.Password)
	if err != nil {
		return nil, fmt.Errorf("check password of %s: %w", l.User, err)
	}
	if acct == nil || acct.PasswordHash == "" || !match {
		s.Throttle.Failed(source)
		return nil, unauthenticated("wrong user name or password")
	}
	s.Throttle.Succeeded(source)
	return s.issue(ctx, acct, s.now().Add(orDefault(s.LoginTTL, DefaultLoginTTL)), "login", true, http.StatusOK)
}

// issue creates a token for acct and writes the request's audit entry in
// the same transaction.
func (s *Service) issue(ctx context.Context, acct *streamplane.Account, expires time.Time, description string, login bool, status int) (*streamplane.TokenSecret, error) {
	secret, hash, err := authn.NewToken()
	if err != nil {
		return nil, err
	}
	t := streamplane.Token{ID: newID(), AccountID: acct.ID, Account: acct.Name, Description: description, Hash: hash, ExpiresAt: &expires, Login: login}
	err = s.Store.Update(ctx, func(tx streamplane.Tx) error {
		t.CreatedAt = tx.Now()
		if err := tx.CreateToken(&t); err != nil {
			return err
		}
		if !login {
			audit.From(ctx).Describe("token", t.ID, acct.Name, "")
		}
		return audit.Append(ctx, tx, streamplane.AuditSuccess, status)
	})
	if err != nil {
		return nil, err
	}
	return &streamplane.TokenSecret{Secret: secret, Token: t}, nil
}

// RetryError is a refusal that can be retried after a while; the API
// answers it with a Retry-After header.
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }
