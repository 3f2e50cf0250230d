package storetest

import (
	"fmt"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// The audit chain.

// appendAudit appends entries, one transaction each, and returns them as
// the store completed them.
func appendAudit(t *testing.T, s streamplane.Store, entries ...streamplane.AuditEntry) []streamplane.AuditEntry {
	t.Helper()
	for i := range entries {
		mustUpdate(t, s, func(tx streamplane.Tx) error { return tx.AppendAudit(&entries[i]) })
	}
	return entries
}

func auditEntries(t *testing.T, s streamplane.Store, f streamplane.AuditFilter) ([]*streamplane.AuditEntry, int) {
	t.Helper()
	var list []*streamplane.AuditEntry
	var total int
	if err := s.View(ctx, func(tx streamplane.Tx) (err error) { list, total, err = tx.AuditEntries(f); return }); err != nil {
		t.Fatal(err)
	}
	return list, total
}

func seqs(list []*streamplane.AuditEntry) string {
	out := make([]int64, len(list))
	for i, e := range list {
		out[i] = e.Seq
	}
	return fmt.Sprint(out)
}

// verifyChain checks that oldest-first entries each carry their own hash
// and link to the one before; it returns the hash of the last.
func verifyChain(t *testing.T, list []*streamplane.AuditEntry, prev string) string {
	t.Helper()
	for i, e := range list {
		if i > 0 && e.Seq != list[i-1].Seq+1 {
			t.Fatalf("seq %d follows %d", e.Seq, list[i-1].Seq)
		}
		if e.PrevHash != prev {
			t.Fatalf("entry %d: prev_hash %q, want %q", e.Seq, e.PrevHash, prev)
		}
		if want := e.ChainHash(e.PrevHash); e.Hash != want {
			t.Fatalf("entry %d: hash %q, want %q", e.Seq, e.Hash, want)
		}
		prev = e.Hash
	}
	return prev
}

func sampleAudit() []streamplane.AuditEntry {
	return []streamplane.AuditEntry{
		{User: "alice", Source: "10.0.0.1", Action: "instance:create", ResourceType: "instance", ResourceID: "i-1",
			ResourceName: "demo", Project: "default", Result: streamplane.AuditSuccess, Status: 202, RequestID: "r-1",
			TaskID: "t-1", Summary: `create instance "demo" (3 brokers)`},
		{User: "bob", Source: "10.0.0.2", Action: "instance:delete", ResourceType: "instance", ResourceID: "i-1",
			ResourceName: "demo", Project: "default", Result: streamplane.AuditDenied, Status: 403, RequestID: "r-2"},
		{User: "alice", Source: "10.0.0.1", Action: "topic:create", ResourceType: "topic", ResourceID: "i-2/orders",
			ResourceName: "orders", Project: "team-a", Result: streamplane.AuditSuccess, Status: 201, RequestID: "r-3"},
		{Source: "10.0.0.3", Action: "auth:login", ResourceType: "iam_user", ResourceName: "mallory",
			Result: streamplane.AuditFailure, Status: 401, RequestID: "r-4"},
		{User: "alice", Source: "10.0.0.1", Action: "instance:restart", ResourceType: "instance", ResourceID: "i-2",
			ResourceName: "prod", Project: "team-a", Result: streamplane.AuditSuccess, Status: 202, RequestID: "r-5"},
	}
}

func testAuditChain(t *testing.T, s streamplane.Store) {
	start := time.Now()
	appended := appendAudit(t, s, sampleAudit()...)
	prev := ""
	for i, e := range appended {
		if e.Seq != int64(i+1) || e.PrevHash != prev || e.Hash != e.ChainHash(prev) || e.At.Before(start.Truncate(time.Microsecond)) {
			t.Fatalf("appended entry %d = %+v", i, e)
		}
		if e.At.Nanosecond()%1000 != 0 {
			t.Fatalf("entry %d time %v is not in whole microseconds", e.Seq, e.At)
		}
		prev = e.Hash
	}
	list, total := auditEntries(t, s, streamplane.AuditFilter{})
	if total != 5 || seqs(list) != "[5 4 3 2 1]" {
		t.Fatalf("entries %s of %d, want newest first", seqs(list), total)
	}
	// Read back, every entry is what was appended: the time the hash
	// covers survives the round trip to the last digit.
	for _, got := range list {
		want := appended[got.Seq-1]
		if !got.At.Equal(want.At) || got.At.UTC().Format(time.RFC3339Nano) != want.At.UTC().Format(time.RFC3339Nano) {
			t.Fatalf("entry %d: at %v read back as %v", got.Seq, want.At, got.At)
		}
		if fmt.Sprint(*got) != fmt.Sprint(want) {
			t.Fatalf("entry %d read back as %+v, want %+v", got.Seq, *got, want)
		}
	}
	oldestFirst := make([]*streamplane.AuditEntry, len(list))
	for i, e := range list {
		oldestFirst[len(list)-1-i] = e
	}
	verifyChain(t, oldestFirst, "")
}

func testAuditFilters(t *testing.T, s streamplane.Store) {
	appended := appendAudit(t, s, sampleAudit()...)
	at := func(seq int) *time.Time { ts := appended[seq-1].At; return &ts }
	cases := []struct {
		name      string
		filter    streamplane.AuditFilter
		want      string
		wantTotal int
	}{
		{"user", streamplane.AuditFilter{User: "alice"}, "[5 3 1]", 3},
		{"unauthenticated user is not a wildcard", streamplane.AuditFilter{User: "mallory"}, "[]", 0},
		{"action", streamplane.AuditFilter{Action: "instance:delete"}, "[2]", 1},
		{"action prefix", streamplane.AuditFilter{Action: "instance:*"}, "[5 2 1]", 3},
		{"action is not a prefix without *", streamplane.AuditFilter{Action: "instance:"}, "[]", 0},
		{"short action prefix", streamplane.AuditFilter{Action: "auth*"}, "[4]", 1},
		{"every action", streamplane.AuditFilter{Action: "*"}, "[5 4 3 2 1]", 5},
		{"resource by id", streamplane.AuditFilter{Resource: "i-1"}, "[2 1]", 2},
		{"resource by name", streamplane.AuditFilter{Resource: "orders"}, "[3]", 1},
		{"result", streamplane.AuditFilter{Result: streamplane.AuditSuccess}, "[5 3 1]", 3},
		{"projects", streamplane.AuditFilter{Project: []string{"team-a", "nope"}}, "[5 3]", 2},
		{"combined", streamplane.AuditFilter{User: "alice", Action: "instance:*", Project: []string{"team-a"}}, "[5]", 1},
		{"page", streamplane.AuditFilter{Offset: 1, Limit: 2}, "[4 3]", 5},
		{"page past the end", streamplane.AuditFilter{Offset: 10, Limit: 2}, "[]", 5},
		{"offset without limit", streamplane.AuditFilter{Offset: 3}, "[2 1]", 5},
		{"after seq, oldest first", streamplane.AuditFilter{AfterSeq: 2}, "[3 4 5]", 3},
		{"after seq, paged", streamplane.AuditFilter{AfterSeq: 1, Limit: 2}, "[2 3]", 4},
		{"after seq with a filter", streamplane.AuditFilter{AfterSeq: 1, User: "alice"}, "[3 5]", 2},
	}
	// From and To compare with times the store chose, which entries
	// appended within one microsecond share: expect what the times say.
	for _, r := range [][2]int{{4, 0}, {0, 2}, {2, 4}} {
		f := streamplane.AuditFilter{}
		if r[0] > 0 {
			f.From = at(r[0])
		}
		if r[1] > 0 {
			f.To = at(r[1])
		}
		var want []*streamplane.AuditEntry
		for i := len(appended) - 1; i >= 0; i-- {
			if e := appended[i]; (f.From == nil || !e.At.Before(*f.From)) && (f.To == nil || !e.At.After(*f.To)) {
				want = append(want, &e)
			}
		}
		cases = append(cases, struct {
			name      string
			filter    streamplane.AuditFilter
			want      string
			wantTotal int
		}{fmt.Sprintf("time from entry %d to entry %d", r[0], r[1]), f, seqs(want), len(want)})
	}
	for _, c := range cases {
		list, total := auditEntries(t, s, c.filter)
		if seqs(list) != c.want || total != c.wantTotal {
			t.Errorf("%s: got %s of %d, want %s of %d", c.name, seqs(list), total, c.want, c.wantTotal)
		}
	}
}

func testAuditPrune(t *testing.T, s streamplane.Store) {
	appended := appendAudit(t, s, sampleAudit()...)
	// Everything before the third entry's time: the first two, unless the
	// clock put several entries in one microsecond.
	cut := appended[2].At
	want := 0
	for want < len(appended) && appended[want].At.Before(cut) {
		want++
	}
	var n int
	mustUpdate(t, s, func(tx streamplane.Tx) (err error) { n, err = tx.PruneAudit(cut); return })
	if n != want {
		t.Fatalf("pruned %d entries, want %d", n, want)
	}
	list, total := auditEntries(t, s, streamplane.AuditFilter{})
	reverse(list)
	if total != len(appended)-want || list[0].Seq != int64(want+1) {
		t.Fatalf("after pruning %d: entries %s of %d", want, seqs(list), total)
	}
	// What remains verifies from the first remaining entry's prev_hash,
	// which is the hash of the last entry pruned.
	anchor := ""
	if want > 0 {
		anchor = appended[want-1].Hash
	}
	last := verifyChain(t, list, anchor)

	// Pruning nothing changes nothing.
	mustUpdate(t, s, func(tx streamplane.Tx) (err error) { n, err = tx.PruneAudit(appended[0].At); return })
	if n != 0 {
		t.Fatalf("pruning before the oldest entry removed %d", n)
	}

	// Pruning everything still leaves the next entry chained to the last.
	mustUpdate(t, s, func(tx streamplane.Tx) (err error) { n, err = tx.PruneAudit(time.Now().Add(time.Hour)); return })
	if n != len(appended)-want {
		t.Fatalf("pruned %d of the remaining %d", n, len(appended)-want)
	}
	if _, total := auditEntries(t, s, streamplane.AuditFilter{}); total != 0 {
		t.Fatalf("%d entries left after pruning everything", total)
	}
	next := appendAudit(t, s, streamplane.AuditEntry{User: "alice", Action: "audit:prune", Result: streamplane.AuditSuccess})[0]
	if next.Seq != int64(len(appended)+1) || next.PrevHash != last || next.Hash != next.ChainHash(last) {
		t.Fatalf("entry after pruning everything = %+v, want seq %d after %s", next, len(appended)+1, last)
	}
}

func reverse(list []*streamplane.AuditEntry) {
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
}
