package series

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

func encode(pts []point) *encoder {
	e := &encoder{}
	for _, p := range pts {
		e.add(p.t, p.v)
	}
	return e
}

func same(a, b []point) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		// Bits, not ==: NaN payloads and -0 must come back as they went in.
		if a[i].t != b[i].t || math.Float64bits(a[i].v) != math.Float64bits(b[i].v) {
			return false
		}
	}
	return true
}

func roundTrip(t *testing.T, pts []point) []byte {
	t.Helper()
	e := encode(pts)
	got, err := decode(e.bytes(), len(pts))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !same(got, pts) {
		t.Fatalf("round trip:\n got %v\nwant %v", got, pts)
	}
	// Reopening yields the same bytes, and appending continues them.
	re, err := reopen(e.bytes(), len(pts))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(re.bytes(), e.bytes()) {
		t.Fatalf("reopened bytes differ")
	}
	return e.bytes()
}

func TestRoundTrip(t *testing.T) {
	const t0 = 1_796_000_000
	cases := map[string][]point{
		"empty":    nil,
		"one":      {{t0, 1.5}},
		"negative": {{-5, -1}, {-4, math.Inf(-1)}, {100, math.NaN()}, {101, math.Copysign(0, -1)}},
		"jitter": {{t0, 1}, {t0 + 60, 2}, {t0 + 121, 2}, {t0 + 179, 1e300}, {t0 + 240, 5e-324},
			{t0 + 600, 3}, {t0 + 100_000, 3}, {t0 + 100_001, -3}, {t0 + 1<<40, 0}},
		"max": {{math.MinInt64, math.MaxFloat64}, {0, 1}, {math.MaxInt64, -math.MaxFloat64}},
	}
	for name, pts := range cases {
		t.Run(name, func(t *testing.T) { roundTrip(t, pts) })
	}
}

// Regular minutes cost 1 bit of timestamp, an unchanged value 1 bit more.
func TestRegularPointsAreSmall(t *testing.T) {
	var flat, counter []point
	for i := range 60 {
		flat = append(flat, point{1_796_000_000 + int64(i)*60, 1})
		counter = append(counter, point{1_796_000_000 + int64(i)*60, float64(1_000_000 + 250*i)})
	}
	// The first point: 7+32+64 bits; the second: 2+7 bits of delta, 1 of
	// value; then 2 bits each: 229 bits.
	if n := len(roundTrip(t, flat)); n != 29 {
		t.Errorf("60 equal points every minute: %d bytes, want 29", n)
	}
	if n := len(roundTrip(t, counter)); n > 150 {
		t.Errorf("60 points of a steady counter: %d bytes, want at most 150 (2.5 a point)", n)
	}
}

// Appending to a reopened encoder gives what encoding everything at once
// gives: a chunk reloaded after a restart continues where it stopped.
func TestReopenAppends(t *testing.T) {
	pts := []point{{1000, 1}, {1060, 2.5}, {1120, 2.5}, {1181, 7}}
	e := encode(pts[:2])
	re, err := reopen(bytes.Clone(e.bytes()), 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts[2:] {
		re.add(p.t, p.v)
	}
	if !bytes.Equal(re.bytes(), encode(pts).bytes()) {
		t.Fatal("appending after reopen differs from encoding at once")
	}
	if last, ok := re.last(); !ok || last != 1181 {
		t.Fatalf("last = %d, %v", last, ok)
	}
}

func TestDecodeRejectsShortData(t *testing.T) {
	data := encode([]point{{1000, 1}, {1060, 2}, {1120, 3}}).bytes()
	for cut := range len(data) {
		if _, err := decode(data[:cut], 3); err == nil {
			t.Errorf("%d of %d bytes decoded", cut, len(data))
		}
	}
	if _, err := decode(data, 40); err == nil {
		t.Error("more points than the data holds decoded")
	}
	if _, err := decode(data, -1); err == nil {
		t.Error("a negative count decoded")
	}
}

// FuzzRoundTrip packs points made from the input (increasing times, any
// float bits) and unpacks them; it also decodes the raw input, which must
// fail or succeed without panicking.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0, 60, 0, 0, 0, 0, 0, 0, 240, 63, 60, 0, 0, 0, 0, 0, 0, 0, 64})
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 20))
	f.Fuzz(func(t *testing.T, in []byte) {
		decode(in, len(in))
		var pts []point
		ts := int64(binary.LittleEndian.Uint16(append(in, 0, 0))) - 1000
		for len(in) >= 9 {
			ts += int64(in[0]) + 1
			if in[0] == 255 {
				ts += 1 << 33
			}
			pts = append(pts, point{ts, math.Float64frombits(binary.LittleEndian.Uint64(in[1:9]))})
			in = in[9:]
		}
		roundTrip(t, pts)
	})
}
