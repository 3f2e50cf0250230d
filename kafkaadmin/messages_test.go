package kafkaadmin

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// A topic's log as a query reads it: partitions, offsets by time, single
// records, and scans in both directions within a budget.
func TestTopicLog(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "events", 2, nil)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	produceN(t, c, "events", 0, 20, base) // offset i at base+i s
	log, err := c.TopicLog(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	deleted, err := c.adm.DeleteRecords(ctx, offsetsAt("events", 0, 5))
	if err != nil || deleted.Error() != nil {
		t.Fatalf("delete records: %v %v", err, deleted.Error())
	}

	t.Run("Partitions", func(t *testing.T) {
		if got := log.Partitions(); len(got) != 2 || got[0] != 0 || got[1] != 1 {
			t.Errorf("partitions %v", got)
		}
		wantAppError(t, log.CheckPartition("cursor", 2), streamplane.ENOTFOUND, "cursor")
		if err := log.CheckPartition("partition", 1); err != nil {
			t.Error(err)
		}
	})

	t.Run("UnknownTopic", func(t *testing.T) {
		_, err := c.TopicLog(ctx, "nope")
		wantAppError(t, err, streamplane.ENOTFOUND, "topic")
	})

	t.Run("Offsets", func(t *testing.T) {
		start, end, byTime, err := log.Offsets(ctx, []int32{0, 1}, base.Add(7500*time.Millisecond).UnixMilli(), base.Add(time.Hour).UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(start, map[int32]int64{0: 5, 1: 0}) || !maps.Equal(end, map[int32]int64{0: 20, 1: 0}) {
			t.Errorf("log %v to %v, want 5–20 and an empty partition", start, end)
		}
		// The first record at or after 7.5 s is offset 8; none is after an hour: the end.
		if len(byTime) != 2 || !maps.Equal(byTime[0], map[int32]int64{0: 8, 1: 0}) || !maps.Equal(byTime[1], map[int32]int64{0: 20, 1: 0}) {
			t.Errorf("by time %v", byTime)
		}
	})

	readCases := []struct {
		name      string
		partition int32
		offset    int64
		field     string // "" when the record is there
		says      string
	}{
		{"Found", 0, 12, "", ""},
		{"DeletedByRetention", 0, 3, "offset", "below the log start offset 5"},
		{"NotWrittenYet", 0, 20, "offset", "past the end offset 20"},
		{"NoSuchPartition", 7, 0, "partition", "no partition 7"},
	}
	for _, tc := range readCases {
		t.Run("Read"+tc.name, func(t *testing.T) {
			rec, err := log.Read(ctx, tc.partition, tc.offset)
			if tc.field == "" {
				if err != nil || rec.Offset != tc.offset || rec.Value[0] != byte(tc.offset) || !rec.Timestamp.Equal(base.Add(time.Duration(tc.offset)*time.Second)) {
					t.Errorf("read %+v, %v", rec, err)
				}
				return
			}
			wantAppError(t, err, streamplane.ENOTFOUND, tc.field)
			if err != nil && !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}

	offsets := func(s streamplane.MessageScan) []int64 {
		var out []int64
		for _, r := range s.Records {
			out = append(out, r.Offset)
		}
		return out
	}
	inWindow := func(ts time.Time) bool { return ts.Sub(base) >= 10*time.Second }
	scanCases := []struct {
		name     string
		backward bool
		start    int64
		want     int
		match    func(time.Time) bool
		records  int64 // budget
		offsets  []int64
		next     int64
		done     bool
		stopped  string
	}{
		{name: "Forward", start: 5, want: 3, records: 100, offsets: []int64{5, 6, 7}, next: 8},
		{name: "ForwardToTheEnd", start: 17, want: 10, records: 100, offsets: []int64{17, 18, 19}, next: 20, done: true},
		{name: "ForwardMatching", start: 5, want: 2, match: inWindow, records: 100, offsets: []int64{10, 11}, next: 12},
		{name: "Backward", backward: true, start: 5, want: 3, records: 100, offsets: []int64{19, 18, 17}, next: 17},
		{name: "BackwardToTheStart", backward: true, start: 15, want: 10, records: 100, offsets: []int64{19, 18, 17, 16, 15}, next: 15, done: true},
		{name: "ForwardOutOfBudget", start: 5, want: 10, records: 4, offsets: []int64{5, 6, 7, 8}, next: 9, stopped: "4 records"},
		{name: "BackwardOutOfBudget", backward: true, start: 5, want: 10, match: inWindow, records: 12, offsets: []int64{19, 18, 17, 16, 15, 14, 13, 12, 11, 10},
			next: 10, done: false},
		{name: "BackwardBudgetSpentOnMisses", backward: true, start: 5, want: 20, match: inWindow, records: 12,
			offsets: []int64{19, 18, 17, 16, 15, 14, 13, 12, 11, 10}, next: 8, stopped: "12 records"},
	}
	for _, tc := range scanCases {
		t.Run("Scan"+tc.name, func(t *testing.T) {
			b := NewScanBudget(tc.records, streamplane.MaxScanBytes)
			scan := log.ScanForward
			if tc.backward {
				scan = log.ScanBackward
			}
			s, err := scan(ctx, 0, tc.start, 20, tc.want, tc.match, b)
			if err != nil {
				t.Fatal(err)
			}
			got := offsets(s)
			if !slices.Equal(got, tc.offsets) || s.Next != tc.next || s.Done != tc.done || s.Partition != 0 {
				t.Errorf("scan found %v, next %d, done %v; want %v, next %d, done %v", got, s.Next, s.Done, tc.offsets, tc.next, tc.done)
			}
			if stopped := b.Stopped(); (stopped == "") != (tc.stopped == "") || !strings.Contains(stopped, tc.stopped) {
				t.Errorf("budget stopped %q, want %q", stopped, tc.stopped)
			}
			if records, bytes := b.Used(); records > tc.records || bytes <= 0 {
				t.Errorf("budget used %d records and %d bytes", records, bytes)
			}
		})
	}

	t.Run("ScanOutOfBytes", func(t *testing.T) {
		b := NewScanBudget(100, 1) // one fetch, however small, spends it
		s, err := log.ScanForward(ctx, 0, 5, 20, 100, nil, b)
		if err != nil {
			t.Fatal(err)
		}
		if s.Done || !strings.Contains(b.Stopped(), "MB") || len(s.Records) == 0 {
			t.Errorf("scan %v (done %v), budget %q: want the first fetch's records, then a stop on bytes", offsets(s), s.Done, b.Stopped())
		}
	})

	t.Run("ScanOutOfTime", func(t *testing.T) {
		timed, cancel := context.WithCancelCause(ctx)
		cancel(ErrScanTime)
		b := NewScanBudget(100, streamplane.MaxScanBytes)
		s, err := log.ScanBackward(timed, 0, 5, 20, 10, nil, b)
		if err != nil || len(s.Records) != 0 || s.Done || !strings.Contains(b.Stopped(), streamplane.MaxScanTime.String()) {
			t.Errorf("scan %+v, %v, budget %q: want nothing found and a stop on time", s, err, b.Stopped())
		}
	})
}
