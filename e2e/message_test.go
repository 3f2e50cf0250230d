// Not in kfake: the broker's time index, LogAppendTime topics and size limits enforced by Kafka.

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// msgProduceSync writes records in order with acks=all, each to the
// partition it names.
func msgProduceSync(t *testing.T, inst *streamplane.Instance, recs ...*kgo.Record) {
	t.Helper()
	cl := kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// msgQuery runs a query and fails the test on an error.
func msgQuery(t *testing.T, c *client.Client, instance string, q streamplane.MessageQuery) *streamplane.MessagePage {
	t.Helper()
	page, err := c.QueryMessages(context.Background(), instance, q)
	if err != nil {
		t.Fatalf("query %+v: %v", q, err)
	}
	return page
}

// msgAll follows a query's cursor to the end and returns every message,
// page after page, and the pages' sizes.
func msgAll(t *testing.T, c *client.Client, instance string, q streamplane.MessageQuery) ([]streamplane.Message, []int) {
	t.Helper()
	var all []streamplane.Message
	var sizes []int
	for range 100 {
		page := msgQuery(t, c, instance, q)
		all = append(all, page.Messages...)
		sizes = append(sizes, len(page.Messages))
		if !page.More {
			return all, sizes
		}
		if page.Cursor == "" {
			t.Fatalf("page says more but has no cursor: %+v", page)
		}
		q.Cursor = page.Cursor
	}
	t.Fatal("a query's pages never ended")
	return nil, nil
}

func msgPtr[T any](v T) *T { return &v }

// msgValues returns the messages' values, base64 ones marked.
func msgValues(ms []streamplane.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		if m.Value != nil {
			out[i] = *m.Value
		} else {
			out[i] = "b64:" + m.ValueBase64
		}
	}
	return out
}

// A search by time returns exactly the records of the window, across
// partitions, in order, oldest or newest first, and pages through it
// without a gap or a duplicate. It reads only what the time index points
// at: never the partitions from their start.
func TestMessageQueryByTime(t *testing.T) {
	s, inst := sharedInstance(t)
	const topic = "m-time"
	createTopic(t, inst, topic, 3, 3, nil)

	// 60 records one second apart, round robin over 3 partitions, plus one
	// in partition 1 whose timestamp lies before the window while its
	// offset lies inside it: Kafka does not order a partition's timestamps.
	base := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }
	var recs []*kgo.Record
	for i := range 60 {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % 3), Timestamp: at(i),
			Key: fmt.Appendf(nil, "k%02d", i), Value: fmt.Appendf(nil, "v%02d", i)})
		if i == 22 {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: 1, Timestamp: at(-10), Value: []byte("late")})
		}
	}
	msgProduceSync(t, inst, recs...)

	want := func(lo, hi int, keep func(int) bool) []string { // values of records lo..hi, oldest first
		var out []string
		for i := lo; i <= hi; i++ {
			if keep == nil || keep(i) {
				out = append(out, fmt.Sprintf("v%02d", i))
			}
		}
		return out
	}
	from, to := at(10), at(40) // both inclusive
	window := streamplane.MessageQuery{Topic: topic, From: &from, To: &to}

	t.Run("OldestFirst", func(t *testing.T) {
		q := window
		q.Limit = 1000
		page := msgQuery(t, s.Client, inst.Name, q)
		if got := msgValues(page.Messages); !slices.Equal(got, want(10, 40, nil)) {
			t.Fatalf("got %v\nwant %v", got, want(10, 40, nil))
		}
		if page.More || page.Cursor != "" || page.StoppedEarly {
			t.Errorf("more %v, cursor %q, stopped early %v", page.More, page.Cursor, page.StoppedEarly)
		}
		// The time index, not a scan: partition 0 holds i = 0, 3, 6, …;
		// its range starts at i = 12 (offset 4) and ends before i = 42
		// (offset 14), and only the window's ranges were examined.
		p0 := page.Partitions[0]
		if p0.Partition != 0 || p0.RangeStartOffset != 4 || p0.RangeEndOffset != 14 || p0.LogStartOffset != 0 || p0.LogEndOffset != 20 {
			t.Errorf("partition 0: %+v", p0)
		}
		if page.Scanned != 32 { // the window's 31 records and the late one
			t.Errorf("examined %d records, want 32 (the window's ranges only)", page.Scanned)
		}
		for i, m := range page.Messages {
			if m.Topic != topic || m.Partition != int32((10+i)%3) || !m.Timestamp.Equal(at(10+i)) ||
				*m.Key != fmt.Sprintf("k%02d", 10+i) || m.Size != 3 || m.TimestampType != "CreateTime" {
				t.Errorf("message %d: %+v", i, m)
			}
		}
	})

	t.Run("NewestFirst", func(t *testing.T) {
		q := window
		q.Limit, q.NewestFirst = 1000, true
		page := msgQuery(t, s.Client, inst.Name, q)
		w := want(10, 40, nil)
		slices.Reverse(w)
		if got := msgValues(page.Messages); !slices.Equal(got, w) {
			t.Fatalf("got %v\nwant %v", got, w)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		q := window
		q.Limit = 5
		page := msgQuery(t, s.Client, inst.Name, q)
		if got := msgValues(page.Messages); !slices.Equal(got, want(10, 14, nil)) || !page.More {
			t.Errorf("oldest first: %v, more %v", got, page.More)
		}
		q.NewestFirst = true
		page = msgQuery(t, s.Client, inst.Name, q)
		if got := msgValues(page.Messages); !slices.Equal(got, []string{"v40", "v39", "v38", "v37", "v36"}) || !page.More {
			t.Errorf("newest first: %v, more %v", got, page.More)
		}
	})

	t.Run("Pages", func(t *testing.T) {
		for _, newest := range []bool{false, true} {
			q := window
			q.Limit, q.NewestFirst = 7, newest
			got, sizes := msgAll(t, s.Client, inst.Name, q)
			w := want(10, 40, nil)
			if newest {
				slices.Reverse(w)
			}
			if !slices.Equal(msgValues(got), w) || slices.Max(sizes) > 7 {
				t.Errorf("newest first %v: pages %v gave %v\nwant %v", newest, sizes, msgValues(got), w)
			}
		}
	})

	t.Run("Partition", func(t *testing.T) {
		q := window
		q.Partition = msgPtr(int32(1))
		page := msgQuery(t, s.Client, inst.Name, q)
		if got, w := msgValues(page.Messages), want(10, 40, func(i int) bool { return i%3 == 1 }); !slices.Equal(got, w) {
			t.Errorf("got %v, want %v", got, w)
		}
		if len(page.Partitions) != 1 || page.Partitions[0].Partition != 1 {
			t.Errorf("partitions %+v", page.Partitions)
		}
	})

	t.Run("Boundaries", func(t *testing.T) {
		one := at(10)
		page := msgQuery(t, s.Client, inst.Name, streamplane.MessageQuery{Topic: topic, From: &one, To: &one})
		if got := msgValues(page.Messages); !slices.Equal(got, []string{"v10"}) {
			t.Errorf("from = to = a record's timestamp: %v", got)
		}
		justAfter, justBefore := at(10).Add(time.Millisecond), at(11).Add(-time.Millisecond)
		page = msgQuery(t, s.Client, inst.Name, streamplane.MessageQuery{Topic: topic, From: &justAfter, To: &justBefore})
		if len(page.Messages) != 0 || page.More {
			t.Errorf("window between two records: %v, more %v", msgValues(page.Messages), page.More)
		}
	})

	t.Run("EmptyWindowIsQuick", func(t *testing.T) {
		for _, w := range [][2]time.Time{
			{at(10).Add(200 * time.Millisecond), at(10).Add(800 * time.Millisecond)}, // between records
			{at(-3600), at(-1800)}, // before everything
			{time.Now().Add(time.Hour), time.Now().Add(2 * time.Hour)}, // after everything
		} {
			start := time.Now()
			page := msgQuery(t, s.Client, inst.Name, streamplane.MessageQuery{Topic: topic, From: &w[0], To: &w[1], NewestFirst: true})
			took := time.Since(start)
			if len(page.Messages) != 0 || page.More || page.Scanned != 0 || took > 3*time.Second {
				t.Errorf("window %s–%s: %d messages, more %v, examined %d, took %s", w[0], w[1], len(page.Messages), page.More, page.Scanned, took)
			}
		}
	})

	// A tiny budget stops the scan early; the page says so, holds what it
	// found, and its cursor continues until the window is read whole.
	t.Run("StoppedEarly", func(t *testing.T) {
		q := window
		q.MaxScan = 5
		page := msgQuery(t, s.Client, inst.Name, q)
		if !page.StoppedEarly || !strings.Contains(page.Reason, "5 records") || page.Scanned != 5 ||
			len(page.Messages) > 5 || !page.More || page.Cursor == "" {
			t.Fatalf("stopped early %v (%q), examined %d, %d messages, more %v, cursor %q",
				page.StoppedEarly, page.Reason, page.Scanned, len(page.Messages), page.More, page.Cursor)
		}
		got, sizes := msgAll(t, s.Client, inst.Name, q)
		values := msgValues(got)
		slices.Sort(values)
		if !slices.Equal(values, want(10, 40, nil)) {
			t.Errorf("pages %v gave %v, want the window's 31 records", sizes, values)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		ctx := context.Background()
		_, err := s.Client.QueryMessages(ctx, inst.Name, streamplane.MessageQuery{Topic: topic, From: &to, To: &from})
		wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "from")
		_, err = s.Client.QueryMessages(ctx, inst.Name, streamplane.MessageQuery{Topic: "m-no-such-topic", From: &from})
		wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "topic")
		_, err = s.Client.QueryMessages(ctx, inst.Name, streamplane.MessageQuery{Topic: topic, Partition: msgPtr(int32(9))})
		wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "partition")
		_, err = s.Client.QueryMessages(ctx, inst.Name, streamplane.MessageQuery{Topic: topic, Limit: 1001})
		wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "limit")
		_, err = s.Client.QueryMessages(ctx, inst.Name, streamplane.MessageQuery{Topic: topic, Cursor: "7:1"})
		wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "cursor")
	})
}

// A search by offset reads one partition from an offset on (or back from
// one); offsets outside the log are clamped and reported, not refused.
func TestMessageQueryByOffset(t *testing.T) {
	s, inst := sharedInstance(t)
	const topic = "m-offset"
	createTopic(t, inst, topic, 2, 3, nil)
	var recs []*kgo.Record
	for i := range 30 {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: 0, Value: fmt.Appendf(nil, "o%02d", i)})
	}
	msgProduceSync(t, inst, recs...)
	offsets := func(page *streamplane.MessagePage) []int64 {
		var out []int64
		for _, m := range page.Messages {
			out = append(out, m.Offset)
		}
		return out
	}
	q := func(from, to *int64, limit int, newest bool) streamplane.MessageQuery {
		return streamplane.MessageQuery{Topic: topic, Partition: msgPtr(int32(0)), FromOffset: from, ToOffset: to, Limit: limit, NewestFirst: newest}
	}

	t.Run("FromOffset", func(t *testing.T) {
		page := msgQuery(t, s.Client, inst.Name, q(msgPtr(int64(5)), nil, 3, false))
		if got := offsets(page); !slices.Equal(got, []int64{5, 6, 7}) || !page.More || page.Cursor != "0:8" ||
			page.Partitions[0].NextOffset == nil || *page.Partitions[0].NextOffset != 8 {
			t.Fatalf("offsets %v, more %v, cursor %q, partitions %+v", got, page.More, page.Cursor, page.Partitions)
		}
		next := q(msgPtr(int64(5)), nil, 3, false)
		next.Cursor = page.Cursor
		if got := offsets(msgQuery(t, s.Client, inst.Name, next)); !slices.Equal(got, []int64{8, 9, 10}) {
			t.Errorf("next page: %v", got)
		}
	})
	t.Run("Range", func(t *testing.T) {
		page := msgQuery(t, s.Client, inst.Name, q(msgPtr(int64(5)), msgPtr(int64(9)), 50, false))
		if got := offsets(page); !slices.Equal(got, []int64{5, 6, 7, 8, 9}) || page.More {
			t.Errorf("offsets %v, more %v", got, page.More)
		}
	})
	t.Run("NewestFirst", func(t *testing.T) {
		page := msgQuery(t, s.Client, inst.Name, q(nil, msgPtr(int64(15)), 3, true))
		if got := offsets(page); !slices.Equal(got, []int64{15, 14, 13}) || page.Cursor != "0:13" {
			t.Fatalf("offsets %v, cursor %q", got, page.Cursor)
		}
		next := q(nil, msgPtr(int64(15)), 3, true)
		next.Cursor = page.Cursor
		if got := offsets(msgQuery(t, s.Client, inst.Name, next)); !slices.Equal(got, []int64{12, 11, 10}) {
			t.Errorf("next page: %v", got)
		}
		latest := streamplane.MessageQuery{Topic: topic, Partition: msgPtr(int32(0)), NewestFirst: true, Limit: 2}
		if got := offsets(msgQuery(t, s.Client, inst.Name, latest)); !slices.Equal(got, []int64{29, 28}) {
			t.Errorf("latest: %v", got)
		}
	})
	t.Run("PastTheEnd", func(t *testing.T) {
		page := msgQuery(t, s.Client, inst.Name, q(msgPtr(int64(100)), nil, 10, false))
		if len(page.Messages) != 0 || page.More || len(page.Notes) != 1 || !strings.Contains(page.Notes[0], "past partition 0's end offset 30") {
			t.Errorf("messages %d, more %v, notes %q", len(page.Messages), page.More, page.Notes)
		}
	})
	t.Run("EmptyPartition", func(t *testing.T) {
		page := msgQuery(t, s.Client, inst.Name, streamplane.MessageQuery{Topic: topic, Partition: msgPtr(int32(1)), FromOffset: msgPtr(int64(0))})
		if len(page.Messages) != 0 || page.More {
			t.Errorf("messages %d, more %v", len(page.Messages), page.More)
		}
	})
	t.Run("BelowLogStart", func(t *testing.T) {
		adm := kadm.NewClient(kafkaClient(t, inst))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		offs := kadm.Offsets{}
		offs.AddOffset(topic, 0, 10, -1)
		res, err := adm.DeleteRecords(ctx, offs)
		if err == nil {
			err = res.Error()
		}
		if err != nil {
			t.Fatalf("delete records: %v", err)
		}
		page := msgQuery(t, s.Client, inst.Name, q(msgPtr(int64(2)), nil, 3, false))
		if got := offsets(page); !slices.Equal(got, []int64{10, 11, 12}) || len(page.Notes) != 1 ||
			!strings.Contains(page.Notes[0], "below partition 0's log start offset 10") || page.Partitions[0].LogStartOffset != 10 {
			t.Errorf("offsets %v, notes %q, partitions %+v", got, page.Notes, page.Partitions)
		}
		_, err = s.Client.Message(ctx, inst.Name, topic, 0, 3)
		wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "offset")
	})
	t.Run("Errors", func(t *testing.T) {
		ctx := context.Background()
		_, err := s.Client.QueryMessages(ctx, inst.Name, streamplane.MessageQuery{Topic: topic, FromOffset: msgPtr(int64(0))})
		wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "partition")
		_, err = s.Client.QueryMessages(ctx, inst.Name, streamplane.MessageQuery{Topic: topic, Partition: msgPtr(int32(7)), FromOffset: msgPtr(int64(0))})
		wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "partition")
		_, err = s.Client.Message(ctx, inst.Name, topic, 0, 30)
		wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "offset")
		_, err = s.Client.Message(ctx, inst.Name, topic, 5, 0)
		wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "partition")
	})
}

// Keys, values and header values that are not UTF-8 go in as base64 and
// come back as base64 in views and byte for byte from download; text with
// control characters stays text in JSON and is escaped by the CLI.
func TestMessageBinaryRoundTrip(t *testing.T) {
	s, inst := sharedInstance(t)
	const topic = "m-binary"
	createTopic(t, inst, topic, 3, 3, nil)
	ctx := context.Background()
	b64 := base64.StdEncoding.EncodeToString

	key := []byte{0xff, 0x00, 0x1b, 'k'}
	body := make([]byte, 10_000)
	rand.Read(body)
	body[0] = 0xff // never valid UTF-8
	hdr := []byte{0xc3, 0x28}
	ts := time.Now().Add(-time.Minute).Truncate(time.Millisecond).UTC()
	sent, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{
		Partition: msgPtr(int32(2)), KeyBase64: msgPtr(b64(key)), ValueBase64: msgPtr(b64(body)), Timestamp: &ts,
		Headers: []streamplane.MessageSendHeader{{Key: "trace", Value: msgPtr("abc")}, {Key: "bin", ValueBase64: msgPtr(b64(hdr))}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Partition != 2 || sent.Offset != 0 || !sent.Timestamp.Equal(ts) || sent.TimestampType != "CreateTime" {
		t.Fatalf("sent %+v", sent)
	}

	m, err := s.Client.Message(ctx, inst.Name, topic, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Key != nil || m.KeyEncoding != "base64" || m.KeyBase64 != b64(key) || m.KeySize != 4 ||
		m.Value != nil || m.ValueEncoding != "base64" || m.ValueBase64 != b64(body[:4096]) || !m.ValueTruncated || m.Size != 10_000 ||
		!m.Timestamp.Equal(ts) {
		t.Errorf("message: %+v", m)
	}
	if len(m.Headers) != 2 || *m.Headers[0].Value != "abc" || m.Headers[0].Encoding != "text" ||
		m.Headers[1].Key != "bin" || m.Headers[1].ValueBase64 != b64(hdr) || m.Headers[1].Encoding != "base64" {
		t.Errorf("headers: %+v", m.Headers)
	}
	got, err := s.Client.MessageValue(ctx, inst.Name, topic, 2, 0)
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("download: %d bytes, equal %v, err %v", len(got), bytes.Equal(got, body), err)
	}

	// A stock consumer reads what the server wrote.
	cl := kafkaClient(t, inst, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {2: kgo.NewOffset().At(0)}}))
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var consumed *kgo.Record
	for consumed == nil && pctx.Err() == nil {
		cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { consumed = r })
	}
	if consumed == nil || !bytes.Equal(consumed.Key, key) || !bytes.Equal(consumed.Value, body) || len(consumed.Headers) != 2 ||
		!bytes.Equal(consumed.Headers[1].Value, hdr) || !consumed.Timestamp.Equal(ts) {
		t.Errorf("a franz-go consumer read %+v", consumed)
	}

	// Text that would drive a terminal: intact in JSON, escaped by the CLI.
	evil := "\x1b[31mred\x1b[0m\r\n\u202egnp.exe"
	if _, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{
		Partition: msgPtr(int32(1)), Key: msgPtr("k\x07"), Value: &evil}); err != nil {
		t.Fatal(err)
	}
	m, err = s.Client.Message(ctx, inst.Name, topic, 1, 0)
	if err != nil || m.Value == nil || *m.Value != evil || m.ValueEncoding != "text" || *m.Key != "k\x07" {
		t.Fatalf("text message: %+v, %v", m, err)
	}
	for _, args := range [][]string{
		{"message", "show", inst.Name, topic, "1", "0"},
		{"message", "query", inst.Name, topic, "--partition", "1", "--from-offset", "0"},
		{"message", "show", inst.Name, topic, "2", "0"},
	} {
		out := mustCLI(t, s, args...)
		if strings.ContainsAny(out, "\x1b\x07\r\u202e") {
			t.Errorf("streamplane %s wrote control characters:\n%q", strings.Join(args, " "), out)
		}
	}
	if out := mustCLI(t, s, "message", "show", inst.Name, topic, "1", "0"); !strings.Contains(out, `\x1b[31mred`) {
		t.Errorf("show does not show the escaped text:\n%s", out)
	}

	// A null body is not an empty one.
	if _, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Partition: msgPtr(int32(0)), Key: msgPtr("gone")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Partition: msgPtr(int32(0)), Value: msgPtr("")}); err != nil {
		t.Fatal(err)
	}
	null, err := s.Client.MessageValue(ctx, inst.Name, topic, 0, 0)
	empty, err2 := s.Client.MessageValue(ctx, inst.Name, topic, 0, 1)
	if err != nil || err2 != nil || null != nil || empty == nil || len(empty) != 0 {
		t.Errorf("null body %v (%v), empty body %v (%v)", null, err, empty, err2)
	}
	if m, err := s.Client.Message(ctx, inst.Name, topic, 0, 0); err != nil || m.ValueEncoding != "null" || m.Value != nil {
		t.Errorf("null message: %+v, %v", m, err)
	}
}

// Views cut bodies at 4 KB, text at a character boundary; download and
// the size tell the whole.
func TestMessageTruncation(t *testing.T) {
	s, inst := sharedInstance(t)
	const topic = "m-trunc"
	createTopic(t, inst, topic, 1, 3, nil)
	ctx := context.Background()
	body := strings.Repeat("a", 4095) + strings.Repeat("é", 1000) // é straddles byte 4096
	small := "short body"
	for _, v := range []string{body, small} {
		if _, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Value: &v}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := s.Client.Message(ctx, inst.Name, topic, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !m.ValueTruncated || m.Size != len(body) || m.Value == nil || *m.Value != body[:4095] || !utf8.ValidString(*m.Value) {
		t.Errorf("truncated %v, size %d, shown %d bytes", m.ValueTruncated, m.Size, len(*m.Value))
	}
	if whole, err := s.Client.MessageValue(ctx, inst.Name, topic, 0, 0); err != nil || string(whole) != body {
		t.Errorf("download: %d bytes, %v", len(whole), err)
	}
	if m, err := s.Client.Message(ctx, inst.Name, topic, 0, 1); err != nil || m.ValueTruncated || *m.Value != small {
		t.Errorf("small body: %+v, %v", m, err)
	}
	page := msgQuery(t, s.Client, inst.Name, streamplane.MessageQuery{Topic: topic})
	if len(page.Messages) != 2 || !page.Messages[0].ValueTruncated || len(*page.Messages[0].Value) != 4095 {
		t.Errorf("query does not cut bodies: %d messages", len(page.Messages))
	}
	out := mustCLI(t, s, "message", "show", inst.Name, topic, "0", "0")
	if !strings.Contains(out, "truncated") || !strings.Contains(out, fmt.Sprintf("%d-byte body", len(body))) {
		t.Errorf("show does not say the body is cut:\n%s", out[len(out)-300:])
	}
}

// Sending is data, not a change: Kafka alone refuses (here a message too
// large for the topic), and no task is recorded.
func TestMessageSend(t *testing.T) {
	s, inst := sharedInstance(t)
	const topic = "m-send"
	createTopic(t, inst, topic, 3, 3, map[string]*string{"max.message.bytes": msgPtr("2048")})
	ctx := context.Background()
	tasks, err := s.Client.Tasks(ctx, client.TaskOptions{Instance: inst.Name})
	if err != nil {
		t.Fatal(err)
	}

	// Without a partition, a keyed message goes where a Java client puts it.
	key := "customer-42"
	sent, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Key: &key, Value: msgPtr("hello"),
		Headers: []streamplane.MessageSendHeader{{Key: "a", Value: msgPtr("b")}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := int32(kgo.StickyKeyPartitioner(nil).ForTopic(topic).Partition(&kgo.Record{Key: []byte(key)}, 3)); sent.Partition != want {
		t.Errorf("partition %d, want %d (murmur2 of the key)", sent.Partition, want)
	}
	if time.Since(sent.Timestamp) > time.Minute || sent.Topic != topic {
		t.Errorf("sent %+v", sent)
	}
	again, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Key: &key, Value: msgPtr("again")})
	if err != nil || again.Partition != sent.Partition || again.Offset != sent.Offset+1 {
		t.Errorf("same key: %+v, %v", again, err)
	}
	one, err := s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Partition: msgPtr(int32(1)), Value: msgPtr("to one")})
	if err != nil || one.Partition != 1 {
		t.Errorf("partition 1: %+v, %v", one, err)
	}
	m, err := s.Client.Message(ctx, inst.Name, topic, sent.Partition, sent.Offset)
	if err != nil || *m.Key != key || *m.Value != "hello" || len(m.Headers) != 1 || m.Headers[0].Key != "a" || !m.Timestamp.Equal(sent.Timestamp) {
		t.Errorf("read back: %+v, %v", m, err)
	}

	_, err = s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Value: msgPtr(strings.Repeat("x", 5000))})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "value")
	_, err = s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Partition: msgPtr(int32(3)), Value: msgPtr("x")})
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "partition")
	_, err = s.Client.SendMessage(ctx, inst.Name, "m-no-such-topic", streamplane.MessageSend{Value: msgPtr("x")})
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "topic")
	_, err = s.Client.SendMessage(ctx, inst.Name, topic, streamplane.MessageSend{Value: msgPtr("x"), ValueBase64: msgPtr("eA==")})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "value")
	_, err = s.Client.SendMessage(ctx, inst.Name, "__consumer_offsets", streamplane.MessageSend{Value: msgPtr("x")})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "topic")

	after, err := s.Client.Tasks(ctx, client.TaskOptions{Instance: inst.Name})
	if err != nil || after.Total != tasks.Total {
		t.Errorf("sending recorded tasks: %d before, %d after (%v)", tasks.Total, after.Total, err)
	}
}

// Every message command through the real binary.
func TestMessageCLI(t *testing.T) {
	s, inst := sharedInstance(t)
	const topic = "m-cli"
	createTopic(t, inst, topic, 2, 3, nil)
	dir := t.TempDir()
	ts := time.Now().Add(-5 * time.Minute).Truncate(time.Millisecond).UTC()
	stamp := ts.Format(time.RFC3339Nano)

	out := mustCLI(t, s, "message", "send", inst.Name, topic, "--key", "k1", "--header", "a=b", "--header", "eq=x=y",
		"--value", "hello", "--partition", "1", "--timestamp", stamp)
	if !strings.Contains(out, "partition 1 at offset 0") {
		t.Errorf("send: %s", out)
	}
	bin := append([]byte{0xff, 0xfe, 0}, bytes.Repeat([]byte{1, 2, 3}, 3000)...)
	binFile := filepath.Join(dir, "in.bin")
	if err := os.WriteFile(binFile, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	var sent streamplane.MessageSent
	mustJSON(t, mustCLI(t, s, "message", "send", inst.Name, topic, "--value-file", binFile, "--partition", "1", "--timestamp", stamp, "-o", "json"), &sent)
	if sent.Partition != 1 || sent.Offset != 1 || !sent.Timestamp.Equal(ts) {
		t.Errorf("send -o json: %+v", sent)
	}

	var page streamplane.MessagePage
	mustJSON(t, mustCLI(t, s, "message", "query", inst.Name, topic, "--partition", "1",
		"--from", ts.Add(-time.Second).Format(time.RFC3339), "--to", ts.Add(time.Second).Format(time.RFC3339), "--limit", "50", "-o", "json"), &page)
	if len(page.Messages) != 2 || page.StoppedEarly || page.More || page.Scanned != 2 {
		t.Fatalf("query -o json: %+v", page)
	}
	m := page.Messages[0]
	if m.Partition != 1 || m.Offset != 0 || *m.Key != "k1" || *m.Value != "hello" || m.Size != 5 || len(m.Headers) != 2 ||
		*m.Headers[1].Value != "x=y" || !m.Timestamp.Equal(ts) {
		t.Errorf("first message: %+v", m)
	}
	if b := page.Messages[1]; b.ValueEncoding != "base64" || b.Size != len(bin) || !b.ValueTruncated {
		t.Errorf("binary message: %+v", b)
	}

	table := mustCLI(t, s, "message", "query", inst.Name, topic, "--from", "-1h", "--to", "now", "--newest-first", "--limit", "50")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "PARTITION") || !strings.Contains(lines[1], "b64:") || !strings.Contains(lines[2], "hello") {
		t.Errorf("query table:\n%s", table)
	}
	byOffset := mustCLI(t, s, "message", "query", inst.Name, topic, "--partition", "1", "--from-offset", "1", "--limit", "50")
	if lines := strings.Split(strings.TrimSpace(byOffset), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "1 ") {
		t.Errorf("query by offset:\n%s", byOffset)
	}

	show := mustCLI(t, s, "message", "show", inst.Name, topic, "1", "0")
	for _, want := range []string{`Key:        "k1"`, "a  ", `"b"`, "Value:\nhello", "CreateTime"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	var shown streamplane.Message
	mustJSON(t, mustCLI(t, s, "message", "show", inst.Name, topic, "1", "1", "-o", "json"), &shown)
	if shown.ValueEncoding != "base64" || shown.Size != len(bin) {
		t.Errorf("show -o json: %+v", shown)
	}

	outFile := filepath.Join(dir, "body.bin")
	download := exec.Command("sh", "-c", `"$0" message download "$1" "$2" 1 1 > "$3"`, binary, inst.Name, topic, outFile)
	download.Env = append(download.Environ(), s.CLIEnv()...)
	if msg, err := download.CombinedOutput(); err != nil {
		t.Fatalf("download: %v\n%s", err, msg)
	}
	if got, err := os.ReadFile(outFile); err != nil || !bytes.Equal(got, bin) {
		t.Errorf("downloaded %d bytes, want %d equal to what was sent (%v)", len(got), len(bin), err)
	}

	if out, err := cli(t, s, "message", "query", inst.Name, "m-no-such-topic"); err == nil || !strings.Contains(out, "NOT_FOUND") || !strings.Contains(out, "field topic") {
		t.Errorf("unknown topic: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "message", "query", inst.Name, topic, "--from-offset", "3"); err == nil || !strings.Contains(out, "field partition") {
		t.Errorf("offset without partition: %v\n%s", err, out)
	}
}
