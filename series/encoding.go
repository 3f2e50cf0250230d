package series

import (
	"fmt"
	"math"
	"math/bits"
)

// The packed form of a chunk's points is Gorilla's (Pelkonen et al., VLDB
// 2015), as Prometheus and InfluxDB use it: a point collected on time costs
// 1 bit of timestamp (its delta of deltas is 0) and a value equal to the
// one before 1 bit; a value that changes costs its XOR with the previous
// one, without the leading and trailing zero bits. Chunks only grow at the
// end, so appending a point to an open chunk writes just that point's bits.
// On the bench's week of 1,000 realistic series (make bench, metricstore):
// 4.4 bytes a 1-minute point — measured floats (rates, percentages,
// latencies) about 7, integer counters and sizes about 3, flags 0.5 — and
// about 6.3 bytes a sample in the SQLite file with its rows and indexes.
// Simpler forms cost more: a varint time delta and a raw float is 9 bytes.
//
//	first point: 7 bits n, n bits zigzag(t), 64 bits value
//	then per point, timestamp: d = (t - t') - (t' - t''), with t' - t'' = 0 for the second point
//	  0                          d = 0
//	  10   + 7 bits              d in [-64, 63]
//	  110  + 9 bits              d in [-256, 255]
//	  1110 + 12 bits             d in [-2048, 2047]
//	  1111 + 64 bits             otherwise
//	and value: x = bits(v) XOR bits(v')
//	  0                          x = 0
//	  10   + meaningful bits     x fits the previous point's window of meaningful bits
//	  11   + 6 bits leading zeros, 6 bits length-1, length bits

// point is a sample of one series: unix seconds and a value.
type point struct {
	t int64
	v float64
}

// encoder packs points, oldest first, one at a time.
type encoder struct {
	w            bitWriter
	n            int
	t, delta     int64
	v            uint64
	lead, length uint // the last window of meaningful bits; length 0: none yet
}

// dodClasses are the delta-of-delta encodings after the 1-bit zero:
// prefix bits, prefix length and value width.
var dodClasses = []struct {
	prefix     uint64
	prefixBits uint
	width      uint
}{
	{0b10, 2, 7},
	{0b110, 3, 9},
	{0b1110, 4, 12},
	{0b1111, 4, 64},
}

// add appends a point. Its time must follow the last point's.
func (e *encoder) add(t int64, v float64) {
	vb := math.Float64bits(v)
	if e.n == 0 {
		zz := uint64(t<<1) ^ uint64(t>>63)
		n := uint(bits.Len64(zz))
		e.w.write(uint64(n), 7)
		e.w.write(zz, n)
		e.w.write(vb, 64)
		e.n, e.t, e.v = 1, t, vb
		return
	}
	delta := t - e.t
	if dod := delta - e.delta; dod == 0 {
		e.w.write(0, 1)
	} else {
		for _, c := range dodClasses {
			if c.width == 64 || dod >= -1<<(c.width-1) && dod < 1<<(c.width-1) {
				e.w.write(c.prefix, c.prefixBits)
				e.w.write(uint64(dod), c.width)
				break
			}
		}
	}
	if x := vb ^ e.v; x == 0 {
		e.w.write(0, 1)
	} else {
		lead, trail := uint(bits.LeadingZeros64(x)), uint(bits.TrailingZeros64(x))
		if e.length > 0 && lead >= e.lead && trail >= 64-e.lead-e.length {
			e.w.write(0b10, 2)
			e.w.write(x>>(64-e.lead-e.length), e.length)
		} else {
			e.lead, e.length = lead, 64-lead-trail
			e.w.write(0b11, 2)
			e.w.write(uint64(e.lead), 6)
			e.w.write(uint64(e.length-1), 6)
			e.w.write(x>>trail, e.length)
		}
	}
	e.n, e.t, e.delta, e.v = e.n+1, t, delta, vb
}

// bytes returns the packed points; later adds may change them.
func (e *encoder) bytes() []byte { return e.w.buf }

// last returns the time of the newest point (ok false when empty).
func (e *encoder) last() (int64, bool) { return e.t, e.n > 0 }

// decode unpacks n points.
func decode(data []byte, n int) ([]point, error) {
	var out []point
	err := decodeEach(data, n, func(p point) { out = append(out, p) })
	return out, err
}

// decodeEach calls fn with each of n packed points, oldest first.
func decodeEach(data []byte, n int, fn func(point)) error {
	if n < 0 {
		return fmt.Errorf("series: %d points", n)
	}
	if n == 0 {
		return nil
	}
	r := bitReader{buf: data}
	width, err := r.read(7)
	if err != nil {
		return err
	}
	if width > 64 {
		return fmt.Errorf("series: first timestamp of %d bits", width)
	}
	zz, err := r.read(uint(width))
	if err != nil {
		return err
	}
	vb, err := r.read(64)
	if err != nil {
		return err
	}
	t, delta := int64(zz>>1)^-int64(zz&1), int64(0)
	var lead, length uint
	fn(point{t, math.Float64frombits(vb)})
	for i := 1; i < n; i++ {
		dod, err := readDod(&r)
		if err != nil {
			return err
		}
		delta += dod
		t += delta
		changed, err := r.bit()
		if err != nil {
			return err
		}
		if changed {
			fresh, err := r.bit()
			if err != nil {
				return err
			}
			if fresh {
				l, err := r.read(6)
				if err != nil {
					return err
				}
				m, err := r.read(6)
				if err != nil {
					return err
				}
				lead, length = uint(l), uint(m)+1
				if lead+length > 64 {
					return fmt.Errorf("series: value window of %d+%d bits", lead, length)
				}
			} else if length == 0 {
				return fmt.Errorf("series: value reuses a window before any")
			}
			x, err := r.read(length)
			if err != nil {
				return err
			}
			vb ^= x << (64 - lead - length)
		}
		fn(point{t, math.Float64frombits(vb)})
	}
	return nil
}

func readDod(r *bitReader) (int64, error) {
	nonzero, err := r.bit()
	if err != nil || !nonzero {
		return 0, err
	}
	// Count the ones after the first (up to three) to find the class.
	class := 0
	for class < len(dodClasses)-1 {
		one, err := r.bit()
		if err != nil {
			return 0, err
		}
		if !one {
			break
		}
		class++
	}
	width := dodClasses[class].width
	u, err := r.read(width)
	if err != nil {
		return 0, err
	}
	return int64(u<<(64-width)) >> (64 - width), nil
}

// reopen rebuilds the encoder of stored points so more can be appended:
// it packs them again, which yields the same bytes.
func reopen(data []byte, n int) (*encoder, error) {
	e := &encoder{}
	err := decodeEach(data, n, func(p point) { e.add(p.t, p.v) })
	if err != nil {
		return nil, err
	}
	return e, nil
}
