package kafkaadmin

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The decisions of a query's scans, apart from the fetches that carry
// them out (TopicLog.ScanForward and ScanBackward): what to fetch next,
// what a fetch's records add, when to stop. None of it does I/O.

// ScanBudget bounds the work of one query across all its partitions:
// records examined and bytes fetched. Once spent, every scan of the query
// stops where it is and says so.
type ScanBudget struct {
	maxRecords, maxBytes int64
	records, bytes       atomic.Int64

	mu     sync.Mutex
	reason string
}

// NewScanBudget returns a budget of records and bytes.
func NewScanBudget(records, bytes int64) *ScanBudget {
	return &ScanBudget{maxRecords: records, maxBytes: bytes}
}

// Stop ends every scan of the query; the first reason given is kept.
func (b *ScanBudget) Stop(reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.reason == "" {
		b.reason = reason
	}
}

// Stopped returns why the scans stopped early, or "".
func (b *ScanBudget) Stopped() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reason
}

// Used returns the records examined and the bytes fetched.
func (b *ScanBudget) Used() (records, bytes int64) { return b.records.Load(), b.bytes.Load() }

// examine takes one record from the budget, or stops the scans when it is
// spent.
func (b *ScanBudget) examine() bool {
	if b.Stopped() != "" {
		return false
	}
	if b.records.Add(1) > b.maxRecords {
		b.records.Add(-1)
		b.Stop(fmt.Sprintf("the scan budget of %d records was spent", b.maxRecords))
		return false
	}
	return true
}

// fetchSize returns how many bytes the next fetch may ask for, at most
// want, or 0 when the budget is spent.
func (b *ScanBudget) fetchSize(want int32) int32 {
	if b.Stopped() != "" {
		return 0
	}
	left := b.maxBytes - b.bytes.Load()
	if left <= 0 {
		b.Stop(fmt.Sprintf("the scan budget of %d MB was spent", b.maxBytes>>20))
		return 0
	}
	return int32(min(int64(want), left))
}

// Fetch sizes: a scan starts small, because most pages need few records,
// and grows when a partition's records turn out large or sparse.
const (
	firstFetchBytes = 64 << 10
	maxFetchBytes   = 8 << 20
)

// errNoProgress: fetches keep answering without moving the scan on.
var errNoProgress = errors.New("no progress")

// maxStalls is how many fetches a scan accepts that move it nowhere.
const maxStalls = 3

// forwardScan reads a partition's range [start, end) oldest first.
type forwardScan struct {
	result streamplane.MessageScan // Next: the first offset not examined
	end    int64
	want   int
	match  func(time.Time) bool // nil: every record
	size   int32                // bytes the next fetch asks for
	stalls int
	over   bool // found want records, or the budget is spent
}

func newForwardScan(p int32, start, end int64, want int, match func(time.Time) bool) *forwardScan {
	return &forwardScan{result: streamplane.MessageScan{Partition: p, Next: start}, end: end, want: want, match: match, size: firstFetchBytes}
}

// nextFetch returns where the next fetch starts and how many bytes it may
// ask for, or false when the scan is over.
func (s *forwardScan) nextFetch(b *ScanBudget) (from int64, maxBytes int32, ok bool) {
	if s.over {
		return 0, 0, false
	}
	if s.result.Next >= s.end {
		s.result.Done = true
		return 0, 0, false
	}
	if maxBytes = b.fetchSize(s.size); maxBytes == 0 {
		return 0, 0, false
	}
	return s.result.Next, maxBytes, true
}

// take adds what a fetch from offset from found.
func (s *forwardScan) take(from int64, f fetched, b *ScanBudget) error {
	b.bytes.Add(int64(f.bytes))
	for _, r := range f.records {
		if r.Offset >= s.end {
			break
		}
		if !b.examine() {
			s.over = true
			return nil
		}
		s.result.Next = r.Offset + 1
		if s.match == nil || s.match(r.Timestamp) {
			s.result.Records = append(s.result.Records, toMessageRecord(r))
			if len(s.result.Records) == s.want {
				s.result.Done, s.over = s.result.Next >= s.end, true
				return nil
			}
		}
	}
	if f.next > s.result.Next {
		s.result.Next = min(f.next, s.end) // past control records and compacted gaps too
	}
	switch {
	case s.result.Next > from:
	case from >= f.highWatermark:
		s.result.Next = s.end // the log shrank under us (a new leader had less); nothing more to read
	default:
		if s.stalls++; s.stalls > maxStalls {
			return errNoProgress
		}
	}
	s.size = min(s.size*4, maxFetchBytes)
	return nil
}

// backwardScan reads a partition's range [start, end) newest first: in
// chunks below what it has examined, each read forward and then examined
// from its top, each twice the last (a page of records without a time
// bound is usually found in the first).
type backwardScan struct {
	result streamplane.MessageScan // Next: the offset below which nothing was examined
	start  int64
	want   int
	match  func(time.Time) bool
	chunk  int64 // offsets in the next chunk
	size   int32

	reading bool          // a chunk [lo, result.Next) is being read
	lo, pos int64         // its bottom, and where its next fetch starts
	seg     []*kgo.Record // what it has read so far
	stalls  int
	over    bool
}

func newBackwardScan(p int32, start, end int64, want int, match func(time.Time) bool) *backwardScan {
	return &backwardScan{result: streamplane.MessageScan{Partition: p, Next: end}, start: start, want: want, match: match,
		chunk: int64(max(want, 16)), size: firstFetchBytes}
}

// nextFetch returns where the next fetch starts and how many bytes it may
// ask for, or false when the scan is over. A chunk read whole is examined
// here, before the next chunk is begun.
func (s *backwardScan) nextFetch(b *ScanBudget) (from int64, maxBytes int32, ok bool) {
	for !s.over {
		switch {
		case s.reading && s.pos < s.result.Next:
			if maxBytes = b.fetchSize(s.size); maxBytes == 0 {
				return 0, 0, false
			}
			return s.pos, maxBytes, true
		case s.reading:
			s.examineChunk(b)
		case s.result.Next <= s.start:
			s.result.Done, s.over = true, true
		default:
			s.reading, s.seg, s.stalls = true, nil, 0
			s.lo = max(s.start, s.result.Next-s.chunk)
			s.pos = s.lo
		}
	}
	return 0, 0, false
}

// take adds what a fetch from offset from, inside the chunk, found.
func (s *backwardScan) take(from int64, f fetched, b *ScanBudget) error {
	b.bytes.Add(int64(f.bytes))
	for _, r := range f.records {
		if r.Offset >= s.result.Next {
			break
		}
		s.seg = append(s.seg, r)
	}
	switch {
	case f.next > from:
		s.pos = f.next
	case len(f.records) == 0 && from >= f.highWatermark:
		s.pos = s.result.Next // nothing more below the end: the log shrank under us
	default:
		if s.stalls++; s.stalls > maxStalls {
			return errNoProgress
		}
	}
	s.size = min(s.size*4, maxFetchBytes)
	return nil
}

// examineChunk examines the chunk just read, from its top down.
func (s *backwardScan) examineChunk(b *ScanBudget) {
	s.reading = false
	for i := len(s.seg) - 1; i >= 0; i-- {
		r := s.seg[i]
		if !b.examine() {
			s.over = true
			return
		}
		s.result.Next = r.Offset
		if s.match == nil || s.match(r.Timestamp) {
			s.result.Records = append(s.result.Records, toMessageRecord(r))
			if len(s.result.Records) == s.want {
				s.result.Done, s.over = s.result.Next <= s.start, true
				return
			}
		}
	}
	s.result.Next = s.lo
	s.chunk *= 2
}
