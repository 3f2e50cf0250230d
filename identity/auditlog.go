package identity

import (
	"context"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
)

// AuditEntries returns a page of the audit trail.
func (s *Service) AuditEntries(ctx context.Context, f streamplane.AuditFilter) ([]*streamplane.AuditEntry, int, error) {
	var list []*streamplane.AuditEntry
	var total int
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		list, total, err = tx.AuditEntries(f)
		return err
	})
	return list, total, err
}

// VerifyAudit checks the whole hash chain.
func (s *Service) VerifyAudit(ctx context.Context) (audit.Verification, error) {
	return audit.Verify(ctx, s.Store)
}

// KeepTidy removes audit entries past the retention period and tokens
// expired or revoked for a day, once an hour, until ctx ends.
func (s *Service) KeepTidy(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		s.tidy(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Service) tidy(ctx context.Context) {
	now := s.now()
	var entries, tokens int
	err := s.Store.Update(ctx, func(tx streamplane.Tx) (err error) {
		if entries, err = tx.PruneAudit(now.Add(-orDefault(s.AuditRetention, DefaultAuditRetention))); err != nil {
			return err
		}
		tokens, err = tx.PruneTokens(now.Add(-24 * time.Hour))
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Warn("prune audit entries and old tokens", "err", err)
		}
		return
	}
	if entries+tokens > 0 {
		s.Log.Info("pruned", "audit_entries", entries, "tokens", tokens)
	}
}
