package kafkaadmin

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// fakePartition answers fetches as a partition's leader would, without
// I/O: from the first entry at or after the offset asked, at most
// perFetch entries below the high watermark. Control entries
// (transaction markers) move the next offset on but are no records.
type fakePartition struct {
	entries  []fakeEntry
	hw       int64
	perFetch int
	asked    []int32 // the bytes each fetch asked for
}

type fakeEntry struct {
	offset  int64
	control bool
}

// records returns entries at the offsets given.
func records(offsets ...int64) []fakeEntry {
	var out []fakeEntry
	for _, o := range offsets {
		out = append(out, fakeEntry{offset: o})
	}
	return out
}

// dense returns entries at every offset of [from, to).
func dense(from, to int64) []fakeEntry {
	var out []fakeEntry
	for o := from; o < to; o++ {
		out = append(out, fakeEntry{offset: o})
	}
	return out
}

// entryBytes is what one entry costs the byte budget.
const entryBytes = 100

func (f *fakePartition) fetch(from int64, maxBytes int32) fetched {
	f.asked = append(f.asked, maxBytes)
	got := fetched{next: from, highWatermark: f.hw}
	n := 0
	for _, e := range f.entries {
		if e.offset < from || e.offset >= f.hw {
			continue
		}
		if n == f.perFetch {
			break
		}
		n++
		got.next = e.offset + 1
		if !e.control {
			got.records = append(got.records, &kgo.Record{Offset: e.offset, Timestamp: time.Unix(e.offset, 0)})
		}
	}
	got.bytes = n * entryBytes
	return got
}

// scanDecider is what forwardScan and backwardScan have in common.
type scanDecider interface {
	nextFetch(b *ScanBudget) (int64, int32, bool)
	take(from int64, f fetched, b *ScanBudget) error
}

// drive runs a scan's decisions against the fake partition, as
// TopicLog.ScanForward and ScanBackward run them against a broker.
func drive(s scanDecider, f *fakePartition, b *ScanBudget) error {
	for {
		from, maxBytes, ok := s.nextFetch(b)
		if !ok {
			return nil
		}
		if err := s.take(from, f.fetch(from, maxBytes), b); err != nil {
			return err
		}
	}
}

func atLeast(sec int64) func(time.Time) bool {
	return func(ts time.Time) bool { return ts.Unix() >= sec }
}

type scanCase struct {
	name       string
	part       fakePartition
	start, end int64
	want       int
	match      func(time.Time) bool
	records    int64 // record budget; 0: plenty
	bytes      int64 // byte budget; 0: plenty
	found      []int64
	next       int64
	done       bool
	stopped    string // part of the budget's reason; "" not stopped
	examined   int64
	err        error
}

func runScanCases(t *testing.T, cases []scanCase, newScan func(tc scanCase) (scanDecider, func() ([]int64, int64, bool))) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.part.perFetch == 0 {
				tc.part.perFetch = 4
			}
			records, bytes := tc.records, tc.bytes
			if records == 0 {
				records = 1 << 20
			}
			if bytes == 0 {
				bytes = 1 << 30
			}
			b := NewScanBudget(records, bytes)
			scan, result := newScan(tc)
			err := drive(scan, &tc.part, b)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			found, next, done := result()
			if !slices.Equal(found, tc.found) || next != tc.next || done != tc.done {
				t.Errorf("found %v, next %d, done %v; want %v, next %d, done %v", found, next, done, tc.found, tc.next, tc.done)
			}
			if stopped := b.Stopped(); (stopped == "") != (tc.stopped == "") || !strings.Contains(stopped, tc.stopped) {
				t.Errorf("budget stopped %q, want %q", stopped, tc.stopped)
			}
			if examined, _ := b.Used(); tc.examined != 0 && examined != tc.examined {
				t.Errorf("examined %d records, want %d", examined, tc.examined)
			}
		})
	}
}

func TestForwardScan(t *testing.T) {
	cases := []scanCase{
		{name: "APage", part: fakePartition{entries: dense(0, 10), hw: 10}, end: 10, want: 3, found: []int64{0, 1, 2}, next: 3, examined: 3},
		{name: "ToTheEnd", part: fakePartition{entries: dense(0, 10), hw: 10}, start: 2, end: 5, want: 10, found: []int64{2, 3, 4}, next: 5, done: true},
		{name: "CompactedGaps", part: fakePartition{entries: records(0, 3, 4, 8), hw: 9}, end: 9, want: 10, found: []int64{0, 3, 4, 8}, next: 9, done: true},
		{name: "TransactionMarkerLast", part: fakePartition{entries: append(dense(0, 5), fakeEntry{offset: 5, control: true}), hw: 6},
			end: 6, want: 10, found: []int64{0, 1, 2, 3, 4}, next: 6, done: true},
		{name: "Matching", part: fakePartition{entries: dense(0, 10), hw: 10}, end: 10, want: 2, match: atLeast(5),
			found: []int64{5, 6}, next: 7, examined: 7},
		{name: "LogShrank", part: fakePartition{entries: dense(0, 4), hw: 4}, end: 10, want: 10, found: []int64{0, 1, 2, 3}, next: 10, done: true},
		{name: "NoProgress", part: fakePartition{hw: 10}, end: 10, want: 10, next: 0, err: errNoProgress},
		{name: "OutOfRecords", part: fakePartition{entries: dense(0, 10), hw: 10}, end: 10, want: 10, records: 2,
			found: []int64{0, 1}, next: 2, stopped: "2 records"},
		// Each fetch costs 4 entries' bytes: a budget of 5 entries' allows
		// two fetches, then stops the scan.
		{name: "OutOfBytes", part: fakePartition{entries: dense(0, 20), hw: 20}, end: 20, want: 20, bytes: 5 * entryBytes,
			found: []int64{0, 1, 2, 3, 4, 5, 6, 7}, next: 8, stopped: "MB"},
	}
	runScanCases(t, cases, func(tc scanCase) (scanDecider, func() ([]int64, int64, bool)) {
		s := newForwardScan(0, tc.start, tc.end, tc.want, tc.match)
		return s, func() ([]int64, int64, bool) {
			var offsets []int64
			for _, r := range s.result.Records {
				offsets = append(offsets, r.Offset)
			}
			return offsets, s.result.Next, s.result.Done
		}
	})
}

func TestBackwardScan(t *testing.T) {
	cases := []scanCase{
		{name: "APage", part: fakePartition{entries: dense(0, 100), hw: 100, perFetch: 100}, end: 100, want: 3,
			found: []int64{99, 98, 97}, next: 97, examined: 3},
		{name: "ToTheStart", part: fakePartition{entries: dense(0, 10), hw: 10}, start: 6, end: 10, want: 10,
			found: []int64{9, 8, 7, 6}, next: 6, done: true},
		// Nothing matches in the first chunks (16, then 32 offsets); the
		// third, 64 wide, reaches the matches.
		{name: "ChunksDouble", part: fakePartition{entries: dense(0, 100), hw: 100, perFetch: 50}, end: 100, want: 3,
			match: func(ts time.Time) bool { return ts.Unix() < 10 }, found: []int64{9, 8, 7}, next: 7, examined: 16 + 32 + (52 - 7)},
		{name: "CompactedGaps", part: fakePartition{entries: records(1, 5, 9), hw: 10}, end: 10, want: 10, found: []int64{9, 5, 1}, next: 0, done: true},
		{name: "LogShrank", part: fakePartition{entries: dense(0, 4), hw: 4}, end: 10, want: 10, found: []int64{3, 2, 1, 0}, next: 0, done: true},
		{name: "NoProgress", part: fakePartition{hw: 10}, end: 10, want: 10, next: 10, err: errNoProgress},
		{name: "OutOfRecords", part: fakePartition{entries: dense(0, 100), hw: 100, perFetch: 100}, end: 100, want: 10, records: 5,
			found: []int64{99, 98, 97, 96, 95}, next: 95, stopped: "5 records"},
		{name: "OutOfBytesMidChunk", part: fakePartition{entries: dense(0, 100), hw: 100}, end: 100, want: 10, bytes: 5 * entryBytes,
			next: 100, stopped: "MB"}, // the chunk was not read whole: nothing examined
	}
	runScanCases(t, cases, func(tc scanCase) (scanDecider, func() ([]int64, int64, bool)) {
		s := newBackwardScan(0, tc.start, tc.end, tc.want, tc.match)
		return s, func() ([]int64, int64, bool) {
			var offsets []int64
			for _, r := range s.result.Records {
				offsets = append(offsets, r.Offset)
			}
			return offsets, s.result.Next, s.result.Done
		}
	})
}

// Fetches start small and grow fourfold to a ceiling, as a scan finds
// records large or sparse.
func TestScanFetchSizes(t *testing.T) {
	part := fakePartition{entries: dense(0, 28), hw: 28, perFetch: 4}
	if err := drive(newForwardScan(0, 0, 28, 100, nil), &part, NewScanBudget(1000, 1<<30)); err != nil {
		t.Fatal(err)
	}
	want := []int32{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 8 << 20, 8 << 20}
	if !slices.Equal(part.asked, want) {
		t.Errorf("fetches asked for %v bytes, want %v", part.asked, want)
	}
	part.asked = nil
	if err := drive(newForwardScan(0, 0, 28, 100, nil), &part, NewScanBudget(1000, 100<<10)); err != nil {
		t.Fatal(err)
	}
	// With 100 KiB of budget, a fetch asks for what is left once that is less.
	want = []int32{64 << 10}
	for i := 1; i < 7; i++ {
		want = append(want, int32(100<<10-i*4*entryBytes))
	}
	if !slices.Equal(part.asked, want) {
		t.Errorf("with 100 KiB of budget, fetches asked for %v bytes, want %v", part.asked, want)
	}
}

// Every scan of a query shares the budget; the first reason to stop stays.
func TestScanBudget(t *testing.T) {
	b := NewScanBudget(3, 1<<20)
	for i := range 3 {
		if !b.examine() {
			t.Fatalf("record %d refused", i+1)
		}
	}
	if b.examine() {
		t.Error("a fourth record was examined")
	}
	b.Stop("later reason")
	if records, _ := b.Used(); records != 3 || !strings.Contains(b.Stopped(), "3 records") {
		t.Errorf("used %d records, stopped %q; want 3 and the record budget", records, b.Stopped())
	}
	if b.fetchSize(1024) != 0 {
		t.Error("a stopped budget allows a fetch")
	}
}
