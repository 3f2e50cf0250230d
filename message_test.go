package streamplane_test

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	streamplane "github.com/streamplane/streamplane"
)

// msgTime is the base time of the message tests (ptr and checkInvalid are
// validate_test.go's).
var msgTime = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func TestMessageQueryNormalize(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		q := streamplane.MessageQuery{Topic: "orders"}
		if err := q.Normalize(); err != nil {
			t.Fatal(err)
		}
		if q.Limit != streamplane.DefaultMessageLimit || q.MaxScan != streamplane.MaxScanRecords {
			t.Errorf("limit %d, max_scan %d", q.Limit, q.MaxScan)
		}
	})
	for _, tc := range []struct {
		name  string
		q     streamplane.MessageQuery
		field string
	}{
		{"ErrNoTopic", streamplane.MessageQuery{}, "topic"},
		{"ErrLimitHigh", streamplane.MessageQuery{Topic: "t", Limit: 1001}, "limit"},
		{"ErrLimitNegative", streamplane.MessageQuery{Topic: "t", Limit: -1}, "limit"},
		{"ErrMaxScan", streamplane.MessageQuery{Topic: "t", MaxScan: streamplane.MaxScanRecords + 1}, "max_scan"},
		{"ErrPartition", streamplane.MessageQuery{Topic: "t", Partition: ptr(int32(-1))}, "partition"},
		{"ErrFromAfterTo", streamplane.MessageQuery{Topic: "t", From: ptr(msgTime.Add(time.Second)), To: ptr(msgTime)}, "from"},
		{"ErrBothModes", streamplane.MessageQuery{Topic: "t", Partition: ptr(int32(0)), From: &msgTime, FromOffset: ptr(int64(3))}, "from_offset"},
		{"ErrOffsetWithoutPartition", streamplane.MessageQuery{Topic: "t", FromOffset: ptr(int64(3))}, "partition"},
		{"ErrNegativeOffset", streamplane.MessageQuery{Topic: "t", Partition: ptr(int32(0)), FromOffset: ptr(int64(-1))}, "from_offset"},
		{"ErrOffsetsReversed", streamplane.MessageQuery{Topic: "t", Partition: ptr(int32(0)), FromOffset: ptr(int64(9)), ToOffset: ptr(int64(3))}, "from_offset"},
		{"ErrCursor", streamplane.MessageQuery{Topic: "t", Cursor: "0:12,x"}, "cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkInvalid(t, tc.q.Normalize(), tc.field) })
	}
	t.Run("FromEqualsTo", func(t *testing.T) {
		q := streamplane.MessageQuery{Topic: "t", From: &msgTime, To: &msgTime}
		if err := q.Normalize(); err != nil {
			t.Fatal(err)
		}
	})
}

// The window is inclusive at both ends, in Kafka's milliseconds.
func TestMessageQueryMatches(t *testing.T) {
	from, to := msgTime.Add(500*time.Microsecond), msgTime.Add(10*time.Millisecond)
	q := streamplane.MessageQuery{From: &from, To: &to}
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{{0, false}, {time.Millisecond, true}, {10 * time.Millisecond, true}, {11 * time.Millisecond, false}} {
		if got := q.Matches(msgTime.Add(tc.at)); got != tc.want {
			t.Errorf("Matches(msgTime+%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if got := q.FromMilli(); got != msgTime.UnixMilli()+1 {
		t.Errorf("FromMilli = %d, want %d (the first whole millisecond inside)", got, msgTime.UnixMilli()+1)
	}
}

func TestMessageRecordView(t *testing.T) {
	t.Run("Text", func(t *testing.T) {
		r := streamplane.MessageRecord{Partition: 1, Offset: 7, Timestamp: msgTime, Key: []byte("k"), Value: []byte("héllo \x1b[31m"),
			Headers: []streamplane.MessageRecordHeader{{Key: "a", Value: []byte("b")}}}
		m := r.View("orders", 4096)
		if *m.Key != "k" || m.KeyEncoding != "text" || *m.Value != "héllo \x1b[31m" || m.ValueEncoding != "text" ||
			m.Size != len(r.Value) || m.ValueTruncated || m.TimestampType != "CreateTime" {
			t.Errorf("view: %+v", m)
		}
		if len(m.Headers) != 1 || *m.Headers[0].Value != "b" || m.Headers[0].Encoding != "text" {
			t.Errorf("headers: %+v", m.Headers)
		}
	})
	t.Run("Binary", func(t *testing.T) {
		bin := []byte{0xff, 0xfe, 0, 1}
		r := streamplane.MessageRecord{Key: bin, Value: bin, LogAppendTime: true,
			Headers: []streamplane.MessageRecordHeader{{Key: "k\xff", Value: bin}, {Key: "n"}}}
		m := r.View("t", 4096)
		want := base64.StdEncoding.EncodeToString(bin)
		if m.Key != nil || m.KeyBase64 != want || m.KeyEncoding != "base64" || m.Value != nil || m.ValueBase64 != want ||
			m.ValueEncoding != "base64" || m.TimestampType != "LogAppendTime" {
			t.Errorf("view: %+v", m)
		}
		h := m.Headers[0]
		if !utf8.ValidString(h.Key) || h.KeyBase64 != base64.StdEncoding.EncodeToString([]byte("k\xff")) || h.ValueBase64 != want || h.Encoding != "base64" {
			t.Errorf("binary header: %+v", h)
		}
		if n := m.Headers[1]; n.Value != nil || n.Encoding != "null" {
			t.Errorf("null header: %+v", n)
		}
	})
	t.Run("Null", func(t *testing.T) {
		m := (&streamplane.MessageRecord{}).View("t", 4096)
		if m.Key != nil || m.KeyEncoding != "null" || m.Value != nil || m.ValueEncoding != "null" || m.Size != 0 || m.Headers == nil {
			t.Errorf("view: %+v", m)
		}
		e := (&streamplane.MessageRecord{Value: []byte{}}).View("t", 4096)
		if e.Value == nil || *e.Value != "" || e.ValueEncoding != "text" {
			t.Errorf("empty value: %+v", e)
		}
	})
	t.Run("TruncatedText", func(t *testing.T) {
		v := strings.Repeat("a", 4095) + "é" + "tail" // é straddles byte 4096
		m := (&streamplane.MessageRecord{Value: []byte(v)}).View("t", 4096)
		if !m.ValueTruncated || m.Size != len(v) || *m.Value != strings.Repeat("a", 4095) || !utf8.ValidString(*m.Value) {
			t.Errorf("truncated %v, size %d, value length %d", m.ValueTruncated, m.Size, len(*m.Value))
		}
		whole := (&streamplane.MessageRecord{Value: []byte(v)}).View("t", 0)
		if whole.ValueTruncated || *whole.Value != v {
			t.Errorf("no limit: truncated %v", whole.ValueTruncated)
		}
	})
	t.Run("TruncatedBinary", func(t *testing.T) {
		v := append([]byte{0xff}, make([]byte, 5000)...)
		m := (&streamplane.MessageRecord{Value: v}).View("t", 4096)
		raw, _ := base64.StdEncoding.DecodeString(m.ValueBase64)
		if !m.ValueTruncated || m.Size != 5001 || !reflect.DeepEqual(raw, v[:4096]) {
			t.Errorf("truncated %v, size %d, shown %d bytes", m.ValueTruncated, m.Size, len(raw))
		}
	})
}

func TestMessageQueryRange(t *testing.T) {
	o := streamplane.PartitionOffsets{Partition: 2, LogStart: 10, LogEnd: 100, AtFrom: 40, PastTo: 60}
	for _, tc := range []struct {
		name       string
		q          streamplane.MessageQuery
		cursor     map[int32]int64
		start, end int64
		note       string
	}{
		{"Everything", streamplane.MessageQuery{}, nil, 10, 100, ""},
		{"Window", streamplane.MessageQuery{From: &msgTime, To: &msgTime}, nil, 40, 60, ""},
		{"FromOnly", streamplane.MessageQuery{From: &msgTime}, nil, 40, 100, ""},
		{"ToOnly", streamplane.MessageQuery{To: &msgTime}, nil, 10, 60, ""},
		{"Offsets", streamplane.MessageQuery{FromOffset: ptr(int64(20)), ToOffset: ptr(int64(29))}, nil, 20, 30, ""},
		{"BelowLogStart", streamplane.MessageQuery{FromOffset: ptr(int64(3))}, nil, 10, 100, "below partition 2's log start offset 10"},
		{"PastEnd", streamplane.MessageQuery{FromOffset: ptr(int64(150))}, nil, 100, 100, "past partition 2's end offset 100"},
		{"AtEnd", streamplane.MessageQuery{FromOffset: ptr(int64(100))}, nil, 100, 100, "at or past"},
		{"ToPastEnd", streamplane.MessageQuery{ToOffset: ptr(int64(500))}, nil, 10, 100, ""},
		{"ToBelowStart", streamplane.MessageQuery{ToOffset: ptr(int64(5))}, nil, 10, 10, "to_offset 5 is below"},
		{"CursorOldestFirst", streamplane.MessageQuery{From: &msgTime, To: &msgTime}, map[int32]int64{2: 50}, 50, 60, ""},
		{"CursorNewestFirst", streamplane.MessageQuery{From: &msgTime, To: &msgTime, NewestFirst: true}, map[int32]int64{2: 50}, 40, 50, ""},
		{"CursorClamped", streamplane.MessageQuery{From: &msgTime, To: &msgTime}, map[int32]int64{2: 5}, 40, 60, ""},
		{"CursorWithoutPartition", streamplane.MessageQuery{}, map[int32]int64{0: 5}, 100, 100, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, note := tc.q.Range(o, tc.cursor)
			if start != tc.start || end != tc.end || (tc.note == "") != (note == "") || !strings.Contains(note, tc.note) {
				t.Errorf("Range = [%d, %d) %q, want [%d, %d) containing %q", start, end, note, tc.start, tc.end, tc.note)
			}
		})
	}
}

func msgRec(p int32, off int64, ms int) streamplane.MessageRecord {
	return streamplane.MessageRecord{Partition: p, Offset: off, Timestamp: msgTime.Add(time.Duration(ms) * time.Millisecond)}
}

func msgPositions(rs []streamplane.MessageRecord) [][2]int64 {
	var out [][2]int64
	for _, r := range rs {
		out = append(out, [2]int64{int64(r.Partition), r.Offset})
	}
	return out
}

func TestMergeMessageScans(t *testing.T) {
	t.Run("OldestFirst", func(t *testing.T) {
		scans := []streamplane.MessageScan{
			{Partition: 0, Records: []streamplane.MessageRecord{msgRec(0, 5, 1), msgRec(0, 6, 4)}, Next: 7, Done: true},
			{Partition: 1, Records: []streamplane.MessageRecord{msgRec(1, 9, 2), msgRec(1, 10, 4), msgRec(1, 11, 6)}, Next: 12},
			{Partition: 2, Records: nil, Done: true},
		}
		page, next := streamplane.MergeMessageScans(scans, 3, false)
		if got, want := msgPositions(page), [][2]int64{{0, 5}, {1, 9}, {0, 6}}; !reflect.DeepEqual(got, want) {
			t.Errorf("page %v, want %v", got, want)
		}
		if want := map[int32]int64{1: 10}; !reflect.DeepEqual(next, want) {
			t.Errorf("next %v, want %v", next, want)
		}
		page, next = streamplane.MergeMessageScans(scans, 10, false)
		if got, want := msgPositions(page), [][2]int64{{0, 5}, {1, 9}, {0, 6}, {1, 10}, {1, 11}}; !reflect.DeepEqual(got, want) {
			t.Errorf("page %v, want %v (equal timestamps by partition)", got, want)
		}
		if want := map[int32]int64{1: 12}; !reflect.DeepEqual(next, want) {
			t.Errorf("next %v, want %v (partition 1 not done)", next, want)
		}
	})
	t.Run("NewestFirst", func(t *testing.T) {
		scans := []streamplane.MessageScan{
			{Partition: 0, Records: []streamplane.MessageRecord{msgRec(0, 6, 4), msgRec(0, 5, 1)}, Next: 5},
			{Partition: 1, Records: []streamplane.MessageRecord{msgRec(1, 11, 6), msgRec(1, 10, 4)}, Next: 10, Done: true},
		}
		page, next := streamplane.MergeMessageScans(scans, 2, true)
		if got, want := msgPositions(page), [][2]int64{{1, 11}, {1, 10}}; !reflect.DeepEqual(got, want) {
			t.Errorf("page %v, want %v (equal timestamps: higher partition first)", got, want)
		}
		if want := map[int32]int64{0: 7}; !reflect.DeepEqual(next, want) {
			t.Errorf("next %v, want %v (below offset 7)", next, want)
		}
	})
	// A partition whose timestamps go back gives a prefix of its scan, so
	// the next page starts right after what this one took.
	t.Run("OutOfOrderTimestamps", func(t *testing.T) {
		scans := []streamplane.MessageScan{
			{Partition: 0, Records: []streamplane.MessageRecord{msgRec(0, 0, 50), msgRec(0, 1, 1)}, Done: true},
			{Partition: 1, Records: []streamplane.MessageRecord{msgRec(1, 0, 10), msgRec(1, 1, 20)}, Done: true},
		}
		page, next := streamplane.MergeMessageScans(scans, 2, false)
		if got, want := msgPositions(page), [][2]int64{{1, 0}, {1, 1}}; !reflect.DeepEqual(got, want) {
			t.Errorf("page %v, want %v", got, want)
		}
		if want := map[int32]int64{0: 0}; !reflect.DeepEqual(next, want) {
			t.Errorf("next %v, want %v", next, want)
		}
	})
}

func TestMessageCursor(t *testing.T) {
	next := map[int32]int64{2: 1185, 0: 1200}
	c := streamplane.FormatMessageCursor(next)
	if c != "0:1200,2:1185" {
		t.Errorf("cursor %q", c)
	}
	got, err := streamplane.ParseMessageCursor(c)
	if err != nil || !reflect.DeepEqual(got, next) {
		t.Errorf("parse %q = %v, %v", c, got, err)
	}
	if got, err := streamplane.ParseMessageCursor(""); got != nil || err != nil {
		t.Errorf("empty cursor: %v, %v", got, err)
	}
	for _, bad := range []string{"0", "0:", ":1", "a:1", "0:-1", "-1:0", "0:1,0:2", "0:1,", "99999999999:0"} {
		_, err := streamplane.ParseMessageCursor(bad)
		checkInvalid(t, err, "cursor")
	}
}

func FuzzParseMessageCursor(f *testing.F) {
	for _, s := range []string{"0:1200,2:1185", "", "0:", "1:2,1:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		next, err := streamplane.ParseMessageCursor(s)
		if err != nil {
			return
		}
		again, err := streamplane.ParseMessageCursor(streamplane.FormatMessageCursor(next))
		if err != nil || len(again) != len(next) {
			t.Fatalf("%q: round trip gave %v, %v", s, again, err)
		}
	})
}

func TestMessageSendRecord(t *testing.T) {
	now := msgTime.Add(1234567 * time.Nanosecond)
	t.Run("OK", func(t *testing.T) {
		m := streamplane.MessageSend{Key: ptr("k"), ValueBase64: ptr(base64.StdEncoding.EncodeToString([]byte{0xff, 0})),
			Headers: []streamplane.MessageSendHeader{{Key: "a", Value: ptr("b")}, {Key: "bin", ValueBase64: ptr("/w==")}, {Key: "null"}}}
		r, err := m.Record(now)
		if err != nil {
			t.Fatal(err)
		}
		want := streamplane.MessageRecord{Timestamp: time.UnixMilli(now.UnixMilli()), Key: []byte("k"), Value: []byte{0xff, 0},
			Headers: []streamplane.MessageRecordHeader{{Key: "a", Value: []byte("b")}, {Key: "bin", Value: []byte{0xff}}, {Key: "null"}}}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("record %+v, want %+v", r, want)
		}
	})
	t.Run("NullAndEmpty", func(t *testing.T) {
		r, err := (&streamplane.MessageSend{Key: ptr(""), Partition: ptr(int32(2)), Timestamp: &msgTime}).Record(now)
		if err != nil || r.Key == nil || len(r.Key) != 0 || r.Value != nil || r.Partition != 2 || !r.Timestamp.Equal(msgTime) {
			t.Errorf("record %+v, %v", r, err)
		}
	})
	for _, tc := range []struct {
		name  string
		m     streamplane.MessageSend
		field string
	}{
		{"ErrKeyTwice", streamplane.MessageSend{Key: ptr("a"), KeyBase64: ptr("YQ==")}, "key"},
		{"ErrValueBase64", streamplane.MessageSend{ValueBase64: ptr("not base64!")}, "value_base64"},
		{"ErrHeaderKey", streamplane.MessageSend{Headers: []streamplane.MessageSendHeader{{Value: ptr("v")}}}, "headers[0].key"},
		{"ErrHeaderValue", streamplane.MessageSend{Headers: []streamplane.MessageSendHeader{{Key: "k", Value: ptr("v"), ValueBase64: ptr("dg==")}}}, "headers[0].value"},
		{"ErrPartition", streamplane.MessageSend{Partition: ptr(int32(-2))}, "partition"},
		{"ErrTimestamp", streamplane.MessageSend{Timestamp: ptr(time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC))}, "timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.Record(now)
			checkInvalid(t, err, tc.field)
		})
	}
}
