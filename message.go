package streamplane

import (
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message query rules and budgets (SPEC §3). A query reads at most Limit
// records per partition of its range, so its work is bounded by partitions
// × limit, not by the size of the window. The scan budget bounds what is
// left: records whose timestamps fall outside the window but whose offsets
// fall inside it (a partition's timestamps need not grow with its offsets).
const (
	DefaultMessageLimit = 50
	MaxMessageLimit     = 1000

	// MessageViewBytes is how much of a key or body views show; download
	// returns a body whole.
	MessageViewBytes = 4096

	MaxScanRecords = 200_000         // records one query may examine (max_scan lowers it)
	MaxScanBytes   = 64 << 20        // bytes one query may fetch from the brokers
	MaxScanTime    = 5 * time.Second // time one query may take
)

// Encodings of keys, values and header values in a Message.
const (
	EncodingText   = "text"   // valid UTF-8, shown as a string
	EncodingBase64 = "base64" // any other bytes, shown as base64
	EncodingNull   = "null"   // Kafka's null (a tombstone's value, a record without key)
)

// Timestamp types of a record.
const (
	TimestampCreateTime    = "CreateTime"
	TimestampLogAppendTime = "LogAppendTime"
)

// MessageRecord is a Kafka record as read from or written to a partition,
// before it is shown. Nil Key or Value is Kafka's null.
type MessageRecord struct {
	Partition     int32
	Offset        int64
	Timestamp     time.Time
	LogAppendTime bool // the broker set the timestamp
	Key, Value    []byte
	Headers       []MessageRecordHeader
}

// MessageRecordHeader is one record header.
type MessageRecordHeader struct {
	Key   string
	Value []byte
}

// Message is a record as the API shows it. Bytes that are valid UTF-8 show
// as text, others as base64, so that no body can corrupt the JSON or a
// terminal; the *_encoding fields say which. Keys and values longer than
// the view limit are cut there and marked truncated; Size is the whole
// value's length.
type Message struct {
	Topic          string          `json:"topic"`
	Partition      int32           `json:"partition"`
	Offset         int64           `json:"offset"`
	Timestamp      time.Time       `json:"timestamp"`
	TimestampType  string          `json:"timestamp_type"`
	Key            *string         `json:"key,omitempty"`
	KeyBase64      string          `json:"key_base64,omitempty"`
	KeyEncoding    string          `json:"key_encoding"`
	KeySize        int             `json:"key_size"`
	KeyTruncated   bool            `json:"key_truncated,omitempty"`
	Value          *string         `json:"value,omitempty"`
	ValueBase64    string          `json:"value_base64,omitempty"`
	ValueEncoding  string          `json:"value_encoding"`
	Size           int             `json:"size"` // bytes of the whole value
	ValueTruncated bool            `json:"value_truncated"`
	Headers        []MessageHeader `json:"headers"`
}

// MessageHeader is a header as the API shows it. Header keys are strings in
// Kafka's protocol but not checked by every client: a key that is not
// UTF-8 shows with replacement characters, and whole in KeyBase64.
type MessageHeader struct {
	Key         string  `json:"key"`
	KeyBase64   string  `json:"key_base64,omitempty"`
	Value       *string `json:"value,omitempty"`
	ValueBase64 string  `json:"value_base64,omitempty"`
	Encoding    string  `json:"encoding"` // of the value
}

// View returns the record as shown, keys and values cut at maxBytes (0: no
// limit).
func (r *MessageRecord) View(topic string, maxBytes int) Message {
	m := Message{Topic: topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UTC(),
		TimestampType: TimestampCreateTime, KeySize: len(r.Key), Size: len(r.Value), Headers: []MessageHeader{}}
	if r.LogAppendTime {
		m.TimestampType = TimestampLogAppendTime
	}
	m.Key, m.KeyBase64, m.KeyEncoding, m.KeyTruncated = showBytes(r.Key, maxBytes)
	m.Value, m.ValueBase64, m.ValueEncoding, m.ValueTruncated = showBytes(r.Value, maxBytes)
	for _, h := range r.Headers {
		mh := MessageHeader{Key: strings.ToValidUTF8(h.Key, "\uFFFD")}
		if mh.Key != h.Key {
			mh.KeyBase64 = base64.StdEncoding.EncodeToString([]byte(h.Key))
		}
		mh.Value, mh.ValueBase64, mh.Encoding, _ = showBytes(h.Value, 0)
		m.Headers = append(m.Headers, mh)
	}
	return m
}

// showBytes renders b as text when it is valid UTF-8 and as base64
// otherwise, cut at max bytes (0: no limit). Text is cut at a character
// boundary so that what is shown stays valid.
func showBytes(b []byte, max int) (text *string, b64, encoding string, truncated bool) {
	if b == nil {
		return nil, "", EncodingNull, false
	}
	if utf8.Valid(b) {
		if max > 0 && len(b) > max {
			cut := max
			for cut > 0 && !utf8.RuneStart(b[cut]) {
				cut--
			}
			b, truncated = b[:cut], true
		}
		s := string(b)
		return &s, "", EncodingText, truncated
	}
	if max > 0 && len(b) > max {
		b, truncated = b[:max], true
	}
	return nil, base64.StdEncoding.EncodeToString(b), EncodingBase64, truncated
}

// MessageQuery asks for a page of a topic's messages: by time (From and To,
// each optional and inclusive, with millisecond precision) or by offset
// (FromOffset and ToOffset, inclusive, in one partition), oldest or newest
// first. Without either, it reads from the start of each partition (or the
// end, newest first). Cursor continues a previous page of the same query.
type MessageQuery struct {
	Topic       string
	Partition   *int32
	From, To    *time.Time
	FromOffset  *int64
	ToOffset    *int64
	NewestFirst bool
	Limit       int // records in the page, 1–1000; 0 means 50
	MaxScan     int // records the query may examine; 0 means MaxScanRecords
	Cursor      string
}

// Normalize fills in defaults and checks the query.
func (q *MessageQuery) Normalize() error {
	if q.Topic == "" {
		return Invalid("topic", "a topic is required")
	}
	if q.Partition != nil && *q.Partition < 0 {
		return Invalid("partition", "partition must be 0 or more, got %d", *q.Partition)
	}
	if q.Limit == 0 {
		q.Limit = DefaultMessageLimit
	}
	if q.Limit < 1 || q.Limit > MaxMessageLimit {
		return Invalid("limit", "limit must be from 1 to %d, got %d", MaxMessageLimit, q.Limit)
	}
	if q.MaxScan == 0 {
		q.MaxScan = MaxScanRecords
	}
	if q.MaxScan < 1 || q.MaxScan > MaxScanRecords {
		return Invalid("max_scan", "max_scan must be from 1 to %d records, got %d", MaxScanRecords, q.MaxScan)
	}
	byTime, byOffset := q.From != nil || q.To != nil, q.FromOffset != nil || q.ToOffset != nil
	switch {
	case byTime && byOffset:
		field := "from_offset"
		if q.FromOffset == nil {
			field = "to_offset"
		}
		return Invalid(field, "search either by time (from, to) or by offset (from_offset, to_offset), not both")
	case byOffset && q.Partition == nil:
		return Invalid("partition", "a search by offset needs a partition")
	case q.FromOffset != nil && *q.FromOffset < 0:
		return Invalid("from_offset", "from_offset must be 0 or more, got %d", *q.FromOffset)
	case q.ToOffset != nil && *q.ToOffset < 0:
		return Invalid("to_offset", "to_offset must be 0 or more, got %d", *q.ToOffset)
	case q.FromOffset != nil && q.ToOffset != nil && *q.FromOffset > *q.ToOffset:
		return Invalid("from_offset", "from_offset %d is after to_offset %d", *q.FromOffset, *q.ToOffset)
	case q.From != nil && q.To != nil && q.From.After(*q.To):
		return Invalid("from", "from %s is after to %s", q.From.Format(time.RFC3339Nano), q.To.Format(time.RFC3339Nano))
	}
	if _, err := ParseMessageCursor(q.Cursor); err != nil {
		return err
	}
	return nil
}

// ByOffset reports whether the query searches by offset.
func (q *MessageQuery) ByOffset() bool { return q.FromOffset != nil || q.ToOffset != nil }

// FromMilli and ToMilli are the window's bounds in Kafka's milliseconds:
// the first and the last millisecond a record may carry.
func (q *MessageQuery) FromMilli() int64 {
	if q.From == nil {
		return 0
	}
	ms := q.From.UnixMilli()
	if q.From.Sub(time.UnixMilli(ms)) > 0 { // a fraction of a millisecond: the next one is the first inside
		ms++
	}
	return ms
}

func (q *MessageQuery) ToMilli() int64 { return q.To.UnixMilli() }

// Matches reports whether a record's timestamp lies in the query's window.
func (q *MessageQuery) Matches(ts time.Time) bool {
	ms := ts.UnixMilli()
	return (q.From == nil || ms >= q.FromMilli()) && (q.To == nil || ms <= q.ToMilli())
}

// PartitionOffsets is what Kafka's ListOffsets says about one partition for
// a query: the offsets it keeps, and for a search by time the first offset
// whose timestamp is at or after From and the first after To (the log end
// offset when there is none).
type PartitionOffsets struct {
	Partition      int32
	LogStart       int64
	LogEnd         int64 // the high watermark: the offset the next record gets
	AtFrom, PastTo int64
}

// Range returns the offsets [start, end) the query reads in a partition,
// given the cursor's positions (nil when there is no cursor), and a note
// when it had to clamp an offset the user gave.
func (q *MessageQuery) Range(o PartitionOffsets, cursor map[int32]int64) (start, end int64, note string) {
	clamp := func(v, lo, hi int64) int64 { return max(lo, min(v, hi)) }
	start, end = o.LogStart, o.LogEnd
	switch {
	case q.ByOffset():
		if q.FromOffset != nil {
			start = *q.FromOffset
			switch {
			case start < o.LogStart:
				note = fmt.Sprintf("from_offset %d is below partition %d's log start offset %d (older records are deleted); reading from %d",
					start, o.Partition, o.LogStart, o.LogStart)
			case start >= o.LogEnd:
				note = fmt.Sprintf("from_offset %d is at or past partition %d's end offset %d; there are no messages there yet",
					start, o.Partition, o.LogEnd)
			}
		}
		if q.ToOffset != nil {
			end = *q.ToOffset + 1
			if end <= o.LogStart && note == "" {
				note = fmt.Sprintf("to_offset %d is below partition %d's log start offset %d (older records are deleted)",
					*q.ToOffset, o.Partition, o.LogStart)
			}
		}
	default:
		if q.From != nil {
			start = o.AtFrom
		}
		if q.To != nil {
			end = o.PastTo
		}
	}
	start = clamp(start, o.LogStart, o.LogEnd)
	end = clamp(end, start, o.LogEnd)
	if cursor != nil {
		at, ok := cursor[o.Partition]
		switch {
		case !ok: // the previous pages read this partition to its end
			start = end
		case q.NewestFirst:
			end = clamp(at, start, end)
		default:
			start = clamp(at, start, end)
		}
	}
	return start, end, note
}

// MessageScan is what reading one partition of a query's range found: the
// matching records in reading order (offsets ascending oldest first,
// descending newest first), where reading stopped, and whether it reached
// the range's far end.
type MessageScan struct {
	Partition int32
	Records   []MessageRecord
	Next      int64 // oldest first: the next offset to read; newest first: the offset below which to read on
	Done      bool
}

// MergeMessageScans picks the page: it merges the partitions' scans, each
// in its reading order, taking the earliest head first (oldest first: by
// timestamp, then partition, then offset; newest first: the latest), until
// it has limit records. Each partition thus gives a prefix of its scan, so
// the position it resumes from is exact even where its timestamps do not
// follow its offsets. It returns the page sorted in the query's order, and
// the position of every partition with something left.
func MergeMessageScans(scans []MessageScan, limit int, newestFirst bool) ([]MessageRecord, map[int32]int64) {
	first := func(a, b *MessageRecord) bool {
		if newestFirst {
			return messageBefore(b, a)
		}
		return messageBefore(a, b)
	}
	taken := make([]int, len(scans))
	var page []MessageRecord
	for len(page) < limit {
		best := -1
		for i, s := range scans {
			if taken[i] < len(s.Records) && (best < 0 || first(&s.Records[taken[i]], &scans[best].Records[taken[best]])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		page = append(page, scans[best].Records[taken[best]])
		taken[best]++
	}
	sort.SliceStable(page, func(i, j int) bool { return first(&page[i], &page[j]) })
	next := map[int32]int64{}
	for i, s := range scans {
		switch {
		case taken[i] < len(s.Records): // the first record the page left out
			next[s.Partition] = s.Records[taken[i]].Offset
			if newestFirst {
				next[s.Partition]++
			}
		case !s.Done:
			next[s.Partition] = s.Next
		}
	}
	return page, next
}

func messageBefore(a, b *MessageRecord) bool {
	if !a.Timestamp.Equal(b.Timestamp) {
		return a.Timestamp.Before(b.Timestamp)
	}
	if a.Partition != b.Partition {
		return a.Partition < b.Partition
	}
	return a.Offset < b.Offset
}

// A cursor is the resume position of every partition with more to read:
// "0:1200,2:1185". It continues the query that returned it, with the same
// parameters.

// FormatMessageCursor writes the positions as a cursor; none gives "".
func FormatMessageCursor(next map[int32]int64) string {
	parts := make([]int32, 0, len(next))
	for p := range next {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d:%d", p, next[p])
	}
	return b.String()
}

// ParseMessageCursor reads a cursor; "" gives nil (no cursor).
func ParseMessageCursor(cursor string) (map[int32]int64, error) {
	if cursor == "" {
		return nil, nil
	}
	out := map[int32]int64{}
	for _, item := range strings.Split(cursor, ",") {
		ps, os, ok := strings.Cut(item, ":")
		p, perr := strconv.ParseInt(ps, 10, 32)
		o, oerr := strconv.ParseInt(os, 10, 64)
		if !ok || perr != nil || oerr != nil || p < 0 || o < 0 {
			return nil, Invalid("cursor", "cursor %q is not one a query returned: want partition:offset pairs such as 0:1200,2:1185", cursor)
		}
		if _, dup := out[int32(p)]; dup {
			return nil, Invalid("cursor", "cursor %q names partition %d twice", cursor, p)
		}
		out[int32(p)] = o
	}
	return out, nil
}

// MessagePage is one page of a query's answer. More says whether records
// may remain in the query's range; Cursor, passed back with the same query,
// continues from where this page ended. StoppedEarly says the scan budget
// ran out before the page was complete: the page then holds what was found
// and the cursor continues the scan.
type MessagePage struct {
	Messages     []Message          `json:"messages"`
	More         bool               `json:"more"`
	Cursor       string             `json:"cursor,omitempty"`
	StoppedEarly bool               `json:"stopped_early"`
	Reason       string             `json:"reason,omitempty"`
	Scanned      int64              `json:"scanned"`       // records examined
	ScannedBytes int64              `json:"scanned_bytes"` // bytes fetched from the brokers
	Partitions   []MessagePartition `json:"partitions"`
	Notes        []string           `json:"notes,omitempty"`
}

// MessagePartition tells, for one partition, what the query read: the
// partition's log, the range the query's bounds map to, and where a next
// page would resume (absent when the range is exhausted).
type MessagePartition struct {
	Partition        int32  `json:"partition"`
	LogStartOffset   int64  `json:"log_start_offset"`
	LogEndOffset     int64  `json:"log_end_offset"`
	RangeStartOffset int64  `json:"range_start_offset"`
	RangeEndOffset   int64  `json:"range_end_offset"` // exclusive
	NextOffset       *int64 `json:"next_offset,omitempty"`
}

// MessageSend is a message to send. Key and value are given as text or as
// base64 (for bytes that are not UTF-8), not both; a message with neither
// value has a null value (a tombstone on a compacted topic). Without a
// partition, Kafka's default partitioner picks one: by the key's hash, or
// any partition for a message without key. Without a timestamp, the
// server's clock gives it.
type MessageSend struct {
	Partition   *int32              `json:"partition,omitempty"`
	Key         *string             `json:"key,omitempty"`
	KeyBase64   *string             `json:"key_base64,omitempty"`
	Value       *string             `json:"value,omitempty"`
	ValueBase64 *string             `json:"value_base64,omitempty"`
	Headers     []MessageSendHeader `json:"headers,omitempty"`
	Timestamp   *time.Time          `json:"timestamp,omitempty"`
}

// MessageSendHeader is a header of a message to send.
type MessageSendHeader struct {
	Key         string  `json:"key"`
	Value       *string `json:"value,omitempty"`
	ValueBase64 *string `json:"value_base64,omitempty"`
}

// Record checks the message and returns it as a record to append, stamped
// with now unless it carries a timestamp.
func (m *MessageSend) Record(now time.Time) (MessageRecord, error) {
	r := MessageRecord{Timestamp: now}
	if m.Partition != nil {
		if *m.Partition < 0 {
			return r, Invalid("partition", "partition must be 0 or more, got %d", *m.Partition)
		}
		r.Partition = *m.Partition
	}
	if m.Timestamp != nil {
		if m.Timestamp.UnixMilli() < 0 {
			return r, Invalid("timestamp", "timestamp must not be before 1970, got %s", m.Timestamp.Format(time.RFC3339))
		}
		r.Timestamp = *m.Timestamp
	}
	var err error
	if r.Key, err = textOrBase64("key", m.Key, m.KeyBase64); err != nil {
		return r, err
	}
	if r.Value, err = textOrBase64("value", m.Value, m.ValueBase64); err != nil {
		return r, err
	}
	for i, h := range m.Headers {
		field := fmt.Sprintf("headers[%d]", i)
		if h.Key == "" {
			return r, Invalid(field+".key", "header %d needs a key", i)
		}
		v, err := textOrBase64(field+".value", h.Value, h.ValueBase64)
		if err != nil {
			return r, err
		}
		r.Headers = append(r.Headers, MessageRecordHeader{Key: h.Key, Value: v})
	}
	r.Timestamp = time.UnixMilli(r.Timestamp.UnixMilli()) // Kafka keeps milliseconds
	return r, nil
}

// textOrBase64 returns the bytes of a field given as text or as base64 in
// field_base64; neither is Kafka's null.
func textOrBase64(field string, text, b64 *string) ([]byte, error) {
	switch {
	case text != nil && b64 != nil:
		return nil, Invalid(field, "give %s as text or as %s_base64, not both", field, field)
	case text != nil:
		return []byte(*text), nil
	case b64 != nil:
		b, err := base64.StdEncoding.DecodeString(*b64)
		if err != nil {
			return nil, Invalid(field+"_base64", "%s_base64 is not valid base64: %v", field, err)
		}
		if b == nil {
			b = []byte{}
		}
		return b, nil
	}
	return nil, nil
}

// MessageSent says where a sent message went.
type MessageSent struct {
	Topic         string    `json:"topic"`
	Partition     int32     `json:"partition"`
	Offset        int64     `json:"offset"`
	Timestamp     time.Time `json:"timestamp"`
	TimestampType string    `json:"timestamp_type"`
}
