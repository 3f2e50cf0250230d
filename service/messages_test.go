package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/twmb/franz-go/pkg/kfake"
)

func ptr[T any](v T) *T { return &v }

// partitionsOf is a topic with partitions 0 to n-1, as CheckPartition sees it.
func partitionsOf(n int32) ([]int32, func(field string, p int32) error) {
	var all []int32
	for p := range n {
		all = append(all, p)
	}
	return all, func(field string, p int32) error {
		if p < n {
			return nil
		}
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: field, Message: fmt.Sprintf("no partition %d", p)}
	}
}

func wantError(t *testing.T, err error, code, field string) {
	t.Helper()
	e, ok := err.(*streamplane.Error)
	if !ok || e.Code != code || e.Field != field {
		t.Errorf("error %v, want code %s on field %q", err, code, field)
	}
}

func TestQueryPartitions(t *testing.T) {
	all, check := partitionsOf(3)
	cases := []struct {
		name        string
		q           streamplane.MessageQuery
		cursor      map[int32]int64
		want        []int32
		code, field string
	}{
		{name: "All", want: []int32{0, 1, 2}},
		{name: "One", q: streamplane.MessageQuery{Partition: ptr(int32(1))}, want: []int32{1}},
		{name: "CursorOfTheQuery", q: streamplane.MessageQuery{Partition: ptr(int32(1))}, cursor: map[int32]int64{1: 5}, want: []int32{1}},
		{name: "NoSuchPartition", q: streamplane.MessageQuery{Partition: ptr(int32(3))}, code: streamplane.ENOTFOUND, field: "partition"},
		{name: "CursorNamesNoSuchPartition", cursor: map[int32]int64{0: 1, 7: 1}, code: streamplane.ENOTFOUND, field: "cursor"},
		{name: "CursorOfAnotherQuery", q: streamplane.MessageQuery{Partition: ptr(int32(1))}, cursor: map[int32]int64{2: 5},
			code: streamplane.EINVALID, field: "cursor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := queryPartitions(tc.q, tc.cursor, all, check)
			if tc.code != "" {
				wantError(t, err, tc.code, tc.field)
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("partitions %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestQueryTimesAndMatch(t *testing.T) {
	from := time.UnixMilli(1_000).Add(500 * time.Microsecond) // a fraction: the next millisecond is the first inside
	to := time.UnixMilli(2_000)
	cases := []struct {
		name     string
		q        streamplane.MessageQuery
		times    []int64
		matchAll bool
		in, out  []int64 // timestamps (ms) the scan keeps, and drops
	}{
		{name: "NoBounds", matchAll: true},
		{name: "ByOffset", q: streamplane.MessageQuery{FromOffset: ptr(int64(3))}, matchAll: true},
		{name: "FromAndTo", q: streamplane.MessageQuery{From: &from, To: &to}, times: []int64{1_001, 2_001},
			in: []int64{1_001, 2_000}, out: []int64{1_000, 2_001}},
		{name: "FromOnly", q: streamplane.MessageQuery{From: &from}, times: []int64{1_001}, in: []int64{1_001, 9_999}, out: []int64{1_000}},
		{name: "ToOnly", q: streamplane.MessageQuery{To: &to}, times: []int64{2_001}, in: []int64{0, 2_000}, out: []int64{2_001}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := queryTimes(tc.q); !slices.Equal(got, tc.times) {
				t.Errorf("times %v, want %v", got, tc.times)
			}
			match := queryMatch(tc.q)
			if (match == nil) != tc.matchAll {
				t.Fatalf("match is nil: %v, want %v", match == nil, tc.matchAll)
			}
			for _, ms := range tc.in {
				if !match(time.UnixMilli(ms)) {
					t.Errorf("a record at %d ms is dropped", ms)
				}
			}
			for _, ms := range tc.out {
				if match(time.UnixMilli(ms)) {
					t.Errorf("a record at %d ms is kept", ms)
				}
			}
		})
	}
}

func TestPlanReads(t *testing.T) {
	from, to := time.UnixMilli(1_000), time.UnixMilli(2_000)
	// Partition 0 holds offsets 10–99, 1 is empty, 2 holds 0–49.
	listed := listedOffsets{starts: map[int32]int64{0: 10, 1: 0, 2: 0}, ends: map[int32]int64{0: 100, 1: 0, 2: 50}}
	byTime := func(atFrom, pastTo map[int32]int64) listedOffsets {
		l := listed
		if atFrom != nil {
			l.byTime = append(l.byTime, atFrom)
		}
		if pastTo != nil {
			l.byTime = append(l.byTime, pastTo)
		}
		return l
	}
	type rng struct{ p, start, end int64 }
	cases := []struct {
		name       string
		q          streamplane.MessageQuery
		partitions []int32
		cursor     map[int32]int64
		listed     listedOffsets
		ranges     []rng // every partition's range on the page
		notes      int
	}{
		{name: "WholeLogs", partitions: []int32{0, 1, 2}, listed: listed,
			ranges: []rng{{0, 10, 100}, {1, 0, 0}, {2, 0, 50}}},
		{name: "TimeWindow", q: streamplane.MessageQuery{From: &from, To: &to}, partitions: []int32{0, 2},
			listed: byTime(map[int32]int64{0: 20, 2: 50}, map[int32]int64{0: 30, 2: 50}),
			ranges: []rng{{0, 20, 30}, {2, 50, 50}}},
		{name: "ToOnlyIsTheFirstListing", q: streamplane.MessageQuery{To: &to}, partitions: []int32{0},
			listed: byTime(nil, map[int32]int64{0: 30}), ranges: []rng{{0, 10, 30}}},
		{name: "OffsetsClampedWithNote", q: streamplane.MessageQuery{Partition: ptr(int32(0)), FromOffset: ptr(int64(3)), ToOffset: ptr(int64(500))},
			partitions: []int32{0}, listed: listed, ranges: []rng{{0, 10, 100}}, notes: 1},
		{name: "FromPastTheEnd", q: streamplane.MessageQuery{Partition: ptr(int32(2)), FromOffset: ptr(int64(70))},
			partitions: []int32{2}, listed: listed, ranges: []rng{{2, 50, 50}}, notes: 1},
		{name: "CursorOldestFirst", partitions: []int32{0, 1, 2}, cursor: map[int32]int64{0: 40}, listed: listed,
			ranges: []rng{{0, 40, 100}, {1, 0, 0}, {2, 50, 50}}}, // 2 is not in the cursor: read to its end already
		{name: "CursorNewestFirst", q: streamplane.MessageQuery{NewestFirst: true}, partitions: []int32{0, 2},
			cursor: map[int32]int64{0: 40, 2: 500}, listed: listed, ranges: []rng{{0, 10, 40}, {2, 0, 50}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := planReads(tc.q, tc.cursor, tc.partitions, tc.listed)
			var ranges, reads []rng
			for _, p := range plan.page.Partitions {
				ranges = append(ranges, rng{int64(p.Partition), p.RangeStartOffset, p.RangeEndOffset})
				if p.LogStartOffset != listed.starts[p.Partition] || p.LogEndOffset != listed.ends[p.Partition] || p.NextOffset != nil {
					t.Errorf("partition %+v, want its log's offsets and no next offset yet", p)
				}
				if p.RangeStartOffset < p.RangeEndOffset {
					reads = append(reads, rng{int64(p.Partition), p.RangeStartOffset, p.RangeEndOffset})
				}
			}
			if !slices.Equal(ranges, tc.ranges) {
				t.Errorf("ranges %v, want %v", ranges, tc.ranges)
			}
			var planned []rng
			for _, r := range plan.reads {
				planned = append(planned, rng{int64(r.partition), r.start, r.end})
			}
			if !slices.Equal(planned, reads) {
				t.Errorf("reads %v, want the ranges not empty: %v", planned, reads)
			}
			if len(plan.page.Notes) != tc.notes || len(plan.page.Messages) != 0 || plan.page.Messages == nil {
				t.Errorf("notes %q, messages %v; want %d notes and an empty list of messages", plan.page.Notes, plan.page.Messages, tc.notes)
			}
		})
	}
}

func TestFinishPage(t *testing.T) {
	rec := func(p int32, o int64, sec int64) streamplane.MessageRecord {
		return streamplane.MessageRecord{Partition: p, Offset: o, Timestamp: time.Unix(sec, 0), Value: []byte("v")}
	}
	planned := func() *streamplane.MessagePage {
		return &streamplane.MessagePage{Messages: []streamplane.Message{}, Partitions: []streamplane.MessagePartition{{Partition: 0}, {Partition: 1}}}
	}
	scans := []streamplane.MessageScan{
		{Partition: 0, Records: []streamplane.MessageRecord{rec(0, 10, 1), rec(0, 11, 4)}, Next: 12},
		{Partition: 1, Records: []streamplane.MessageRecord{rec(1, 5, 2)}, Next: 6, Done: true},
	}
	type where struct {
		p int32
		o int64
	}
	cases := []struct {
		name    string
		q       streamplane.MessageQuery
		scans   []streamplane.MessageScan
		stopped string
		page    []where
		next    map[int32]int64
		cursor  string
		more    bool
	}{
		{name: "FirstOfAll", q: streamplane.MessageQuery{Limit: 2}, scans: scans,
			page: []where{{0, 10}, {1, 5}}, next: map[int32]int64{0: 11}, cursor: "0:11", more: true},
		{name: "AllFound", q: streamplane.MessageQuery{Limit: 5}, scans: scans,
			page: []where{{0, 10}, {1, 5}, {0, 11}}, next: map[int32]int64{0: 12}, cursor: "0:12", more: true}, // 0 is not done
		{name: "Exhausted", q: streamplane.MessageQuery{Limit: 5},
			scans: []streamplane.MessageScan{{Partition: 1, Records: []streamplane.MessageRecord{rec(1, 5, 2)}, Next: 6, Done: true}},
			page:  []where{{1, 5}}, next: map[int32]int64{}, cursor: "", more: false},
		{name: "StoppedEarly", q: streamplane.MessageQuery{Limit: 5}, stopped: "the scan budget of 3 records was spent",
			scans: []streamplane.MessageScan{{Partition: 0, Records: []streamplane.MessageRecord{rec(0, 10, 1)}, Next: 11}},
			page:  []where{{0, 10}}, next: map[int32]int64{0: 11}, cursor: "0:11", more: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Topic = "t"
			page := finishPage(planned(), tc.q, tc.scans, 42, 4096, tc.stopped)
			var got []where
			for _, m := range page.Messages {
				got = append(got, where{m.Partition, m.Offset})
			}
			if !slices.Equal(got, tc.page) {
				t.Errorf("page %v, want %v", got, tc.page)
			}
			for _, p := range page.Partitions {
				want, ok := tc.next[p.Partition]
				if ok != (p.NextOffset != nil) || ok && *p.NextOffset != want {
					t.Errorf("partition %d: next offset %v, want %v (%v)", p.Partition, p.NextOffset, want, ok)
				}
			}
			if page.Cursor != tc.cursor || page.More != tc.more || page.Scanned != 42 || page.ScannedBytes != 4096 {
				t.Errorf("cursor %q more %v scanned %d/%d, want %q %v 42/4096", page.Cursor, page.More, page.Scanned, page.ScannedBytes, tc.cursor, tc.more)
			}
			if page.StoppedEarly != (tc.stopped != "") || tc.stopped != "" && page.Reason[:len(tc.stopped)] != tc.stopped {
				t.Errorf("stopped early %v (%q), want %q", page.StoppedEarly, page.Reason, tc.stopped)
			}
		})
	}
}

// fakeTopicLog starts a kfake cluster with a topic of three partitions:
// partition p holds 10 records, the i-th stamped base+(3i+p) seconds, so
// time order interleaves the partitions.
func fakeTopicLog(t *testing.T) (*kafkaadmin.TopicLog, time.Time) {
	t.Helper()
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", "admin", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	cl, err := kafkaadmin.Dial(fake.ListenAddrs(), "admin", "secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.CreateTopic(ctx, "events", 3, 1, nil); err != nil {
		t.Fatal(err)
	}
	log, err := cl.TopicLog(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 10 {
		for p := range int32(3) {
			rec := streamplane.MessageRecord{Partition: p, Value: fmt.Appendf(nil, "%d-%d", p, i), Timestamp: base.Add(time.Duration(3*i+int(p)) * time.Second)}
			if _, err := log.Produce(ctx, rec, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	return log, base
}

// The I/O half against kfake: what a user pages through.
func TestReadMessages(t *testing.T) {
	log, base := fakeTopicLog(t)
	at := func(sec int) *time.Time { v := base.Add(time.Duration(sec) * time.Second); return &v }
	read := func(t *testing.T, q streamplane.MessageQuery) *streamplane.MessagePage {
		t.Helper()
		if err := q.Normalize(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeoutCause(context.Background(), streamplane.MaxScanTime, kafkaadmin.ErrScanTime)
		defer cancel()
		page, err := readMessages(ctx, log, q)
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	values := func(page *streamplane.MessagePage) []string {
		var out []string
		for _, m := range page.Messages {
			out = append(out, *m.Value)
		}
		return out
	}

	cases := []struct {
		name string
		q    streamplane.MessageQuery
		want []string
		more bool
	}{
		{"OldestFirst", streamplane.MessageQuery{Limit: 4}, []string{"0-0", "1-0", "2-0", "0-1"}, true},
		{"NewestFirst", streamplane.MessageQuery{Limit: 4, NewestFirst: true}, []string{"2-9", "1-9", "0-9", "2-8"}, true},
		{"TimeWindow", streamplane.MessageQuery{From: at(4), To: at(7)}, []string{"1-1", "2-1", "0-2", "1-2"}, false},
		{"TimeWindowNewestFirst", streamplane.MessageQuery{From: at(4), To: at(7), NewestFirst: true}, []string{"1-2", "0-2", "2-1", "1-1"}, false},
		{"Partition", streamplane.MessageQuery{Partition: ptr(int32(2)), Limit: 2}, []string{"2-0", "2-1"}, true},
		{"ByOffset", streamplane.MessageQuery{Partition: ptr(int32(1)), FromOffset: ptr(int64(7)), ToOffset: ptr(int64(8))}, []string{"1-7", "1-8"}, false},
		{"ByOffsetNewestFirst", streamplane.MessageQuery{Partition: ptr(int32(1)), FromOffset: ptr(int64(7)), NewestFirst: true}, []string{"1-9", "1-8", "1-7"}, false},
		{"EmptyWindow", streamplane.MessageQuery{From: at(100), To: at(200)}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Topic = "events"
			page := read(t, tc.q)
			if got := values(page); !slices.Equal(got, tc.want) || page.More != tc.more || page.StoppedEarly {
				t.Errorf("page %v (more %v, stopped early %v), want %v (more %v)", got, page.More, page.StoppedEarly, tc.want, tc.more)
			}
		})
	}

	// Paging with the cursor visits every record once, in order.
	for _, newestFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("PagesNewestFirst=%v", newestFirst), func(t *testing.T) {
			var seen []string
			q := streamplane.MessageQuery{Topic: "events", Limit: 7, NewestFirst: newestFirst}
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatalf("still more after %d pages: %v", pages, seen)
				}
				page := read(t, q)
				seen = append(seen, values(page)...)
				if !page.More {
					break
				}
				q.Cursor = page.Cursor
			}
			var want []string
			for s := range 30 {
				want = append(want, fmt.Sprintf("%d-%d", s%3, s/3))
			}
			if newestFirst {
				slices.Reverse(want)
			}
			if !slices.Equal(seen, want) {
				t.Errorf("pages gave %v, want %v", seen, want)
			}
		})
	}

	t.Run("RecordBudget", func(t *testing.T) {
		page := read(t, streamplane.MessageQuery{Topic: "events", MaxScan: 5})
		if !page.StoppedEarly || page.Scanned != 5 || len(page.Messages) != 5 || !page.More || page.Cursor == "" ||
			!strings.Contains(page.Reason, "5 records") {
			t.Errorf("page %+v, want stopped early after 5 records, with a cursor", page)
		}
	})
}
