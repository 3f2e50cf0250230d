package series

import "errors"

// bitWriter appends bits, most significant first, to a byte slice.
type bitWriter struct {
	buf []byte
	// free is the number of unused low bits in the last byte (0 when full
	// or empty).
	free uint
}

// write appends the low n bits of v (n ≤ 64).
func (w *bitWriter) write(v uint64, n uint) {
	for n > 0 {
		if w.free == 0 {
			w.buf = append(w.buf, 0)
			w.free = 8
		}
		take := min(n, w.free)
		bits := byte(v>>(n-take)) & (1<<take - 1)
		w.buf[len(w.buf)-1] |= bits << (w.free - take)
		w.free -= take
		n -= take
	}
}

func (w *bitWriter) bit(b bool) {
	if b {
		w.write(1, 1)
	} else {
		w.write(0, 1)
	}
}

var errShort = errors.New("series: chunk data ends early")

// bitReader reads what a bitWriter wrote.
type bitReader struct {
	buf []byte
	pos uint // bits read
}

// read returns the next n bits (n ≤ 64).
func (r *bitReader) read(n uint) (uint64, error) {
	if uint(len(r.buf))*8-r.pos < n {
		return 0, errShort
	}
	var v uint64
	for n > 0 {
		byteAt, used := r.pos/8, r.pos%8
		take := min(n, 8-used)
		bits := r.buf[byteAt] >> (8 - used - take) & (1<<take - 1)
		v = v<<take | uint64(bits)
		r.pos += take
		n -= take
	}
	return v, nil
}

func (r *bitReader) bit() (bool, error) {
	v, err := r.read(1)
	return v == 1, err
}
