package audit

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

// Verification is what checking the chain found.
type Verification struct {
	OK       bool   `json:"ok"`
	Entries  int    `json:"entries"`             // entries checked
	FirstSeq int64  `json:"first_seq,omitempty"` // oldest entry kept
	LastSeq  int64  `json:"last_seq,omitempty"`
	BadSeq   int64  `json:"bad_seq,omitempty"` // first entry that does not verify
	Problem  string `json:"problem,omitempty"`
}

// verifyPage is how many entries one read transaction checks.
const verifyPage = 1000

// Verify walks the whole chain, oldest first, and reports the first entry
// whose hash does not cover its contents, whose link to the previous entry
// is broken, or whose sequence number skips (an entry removed). The oldest
// entry kept after pruning is the chain's anchor.
func Verify(ctx context.Context, store streamplane.Store) (Verification, error) {
	var v Verification
	var prev *streamplane.AuditEntry
	for {
		var page []*streamplane.AuditEntry
		after := int64(0)
		if prev != nil {
			after = prev.Seq
		}
		err := store.View(ctx, func(tx streamplane.Tx) (err error) {
			page, _, err = tx.AuditEntries(streamplane.AuditFilter{AfterSeq: after, OldestFirst: true, Limit: verifyPage})
			return err
		})
		if err != nil {
			return v, err
		}
		for _, e := range page {
			if problem := check(prev, e); problem != "" {
				v.BadSeq, v.Problem = e.Seq, problem
				return v, nil
			}
			if v.Entries == 0 {
				v.FirstSeq = e.Seq
			}
			v.Entries++
			v.LastSeq = e.Seq
			prev = e
		}
		if len(page) < verifyPage {
			v.OK = true
			return v, nil
		}
	}
}

func check(prev, e *streamplane.AuditEntry) string {
	if prev != nil {
		if e.Seq != prev.Seq+1 {
			return fmt.Sprintf("entries %d to %d are missing", prev.Seq+1, e.Seq-1)
		}
		if e.PrevHash != prev.Hash {
			return fmt.Sprintf("entry %d does not link to entry %d", e.Seq, prev.Seq)
		}
	}
	if e.Hash != e.ChainHash(e.PrevHash) {
		return fmt.Sprintf("entry %d was changed after it was written", e.Seq)
	}
	return ""
}
