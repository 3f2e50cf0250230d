// Package identity is the control plane's own security: who calls
// (accounts, passwords, tokens), what they may do (policies attached per
// project, evaluated by package iam), projects with their quotas, and the
// audit trail's queries. The REST API authenticates and authorises every
// request through it; every change it makes writes its audit entry in the
// same transaction.
package identity

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/authn"
	"github.com/streamplane/streamplane/iam"
)

// Service implements the identity use cases.
type Service struct {
	Store    streamplane.Store
	Throttle *authn.Throttle
	Log      *slog.Logger
	// LoginTTL is how long a token from a password login lasts.
	LoginTTL time.Duration
	// TokenTTL is the default lifetime of a created token; MaxTokenTTL the
	// longest one may ask for.
	TokenTTL, MaxTokenTTL time.Duration
	// AuditRetention is how long audit entries are kept.
	AuditRetention time.Duration
	Now            func() time.Time

	lastUsed sync.Map // token id → time.Time of the last LastUsedAt write
}

// Defaults for the zero fields of a Service.
const (
	DefaultLoginTTL       = 12 * time.Hour
	DefaultTokenTTL       = 90 * 24 * time.Hour
	DefaultMaxTokenTTL    = 366 * 24 * time.Hour
	DefaultAuditRetention = 365 * 24 * time.Hour
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func newID() string { return uuid.NewString() }

// Caller is an authenticated request's account and what it may do.
type Caller struct {
	Account *streamplane.Account
	TokenID string
	Grants  []iam.Grant
}

type callerKey struct{}

// WithCaller returns ctx carrying the caller.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns ctx's caller, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// grants resolves an account's attachments to their policies.
func grants(tx streamplane.Tx, acct *streamplane.Account) ([]iam.Grant, error) {
	out := make([]iam.Grant, 0, len(acct.Attachments))
	for _, a := range acct.Attachments {
		p, err := policy(tx, a.Policy)
		if streamplane.IsCode(err, streamplane.ENOTFOUND) {
			continue // the store refuses to delete an attached policy; be safe anyway
		} else if err != nil {
			return nil, err
		}
		out = append(out, iam.Grant{Policy: *p, Project: a.Project})
	}
	return out, nil
}

// policy finds a built-in or custom policy by name.
func policy(tx streamplane.Tx, name string) (*streamplane.Policy, error) {
	if p, ok := iam.Builtin(name); ok {
		return &p, nil
	}
	return tx.Policy(name)
}
