package series

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// weekOfTopics stores a week of 1-minute points of topic_bytes_in_rate for
// n topics, written as whole hour chunks, with its rollups.
func weekOfTopics(b *testing.B, n int) (*DB, time.Time) {
	store := openStore(b, filepath.Join(b.TempDir(), "streamplane.db"))
	db := New(store, Retention{})
	var keys []streamplane.SeriesKey
	for i := range n {
		keys = append(keys, streamplane.TopicSeries("i-1", "topic_bytes_in_rate", fmt.Sprintf("t-%03d", i)))
	}
	ids, err := store.SeriesIDs(ctx, keys)
	if err != nil {
		b.Fatal(err)
	}
	end := t0.Add(7 * 24 * time.Hour)
	for h := t0; h.Before(end); h = h.Add(time.Hour) {
		var cs []streamplane.MetricChunk
		for i, k := range keys {
			e := &encoder{}
			for m := range 60 {
				at := h.Add(time.Duration(m) * time.Minute)
				e.add(at.Unix(), math.Round(float64(1000*(i+1))*(1.5+math.Sin(float64(at.Unix())/7000))*60+float64(m))/60)
			}
			cs = append(cs, streamplane.MetricChunk{SeriesID: ids[k], Resolution: time.Minute, Start: h, Points: 60, Data: e.bytes()})
		}
		if err := store.PutChunks(ctx, cs); err != nil {
			b.Fatal(err)
		}
		if err := db.Maintain(ctx, h.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	db.Now = func() time.Time { return end }
	return db, end
}

// BenchmarkQueryWeek queries one metric of 100 topics over a week, the step
// chosen (30 minutes, so the 5-minute rollups answer).
func BenchmarkQueryWeek(b *testing.B) {
	db, end := weekOfTopics(b, 100)
	q := streamplane.MetricQuery{InstanceID: "i-1", Metric: "topic_bytes_in_rate", From: end.Add(-7 * 24 * time.Hour), To: end}
	b.ResetTimer()
	for b.Loop() {
		got, err := db.Query(ctx, q)
		if err != nil || len(got) != 100 || len(got[0].Points) != 336 {
			b.Fatalf("%d series, %v", len(got), err)
		}
	}
}
