package kafkaadmin

import "testing"

// A partition's cut: where the time search put it, bounded by the log,
// and, when protecting, by the lowest offset a group committed.
func TestSpanCut(t *testing.T) {
	s := span{topic: "t", partition: 0, size: 1000, start: 100, end: 200, floor: 150}
	cuts := func(off int64) map[string]map[int32]int64 { return map[string]map[int32]int64{"t": {0: off}} }
	for _, c := range []struct {
		name    string
		cuts    map[string]map[int32]int64
		protect bool
		want    int64
		bytes   int64
	}{
		{"Inside", cuts(130), true, 130, 300},
		{"PastReadProtected", cuts(180), true, 150, 500},
		{"PastReadUnprotected", cuts(180), false, 180, 800},
		{"BeforeStart", cuts(50), false, 100, 0},
		{"PastEnd", cuts(500), false, 200, 1000},
		{"NoRecordAfterTime", map[string]map[int32]int64{}, false, 200, 1000},
		{"NoRecordAfterTimeProtected", map[string]map[int32]int64{}, true, 150, 500},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := s.cut(c.cuts, c.protect)
			if got != c.want || s.bytesTo(got) != c.bytes {
				t.Fatalf("cut %d (%d bytes), want %d (%d bytes)", got, s.bytesTo(got), c.want, c.bytes)
			}
		})
	}
	// A group that read nothing yet (committed below the log start) protects
	// the whole log; a partition no group reads is not protected.
	behind := span{topic: "t", size: 1000, start: 100, end: 200, floor: 20}
	if got := behind.cut(cuts(180), true); got != 100 {
		t.Errorf("cut %d with a group behind the log start, want 100 (nothing)", got)
	}
	unread := span{topic: "t", size: 1000, start: 100, end: 200, floor: -1}
	if got := unread.cut(cuts(180), true); got != 180 {
		t.Errorf("cut %d with no group, want 180", got)
	}
}
