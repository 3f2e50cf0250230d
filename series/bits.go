package series

import (
	"encoding/binary"
	"errors"
)

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
	if n > 56 {
		// One 64-bit load holds 57 bits past any bit offset.
		hi, _ := r.read(n - 32)
		lo, _ := r.read(32)
		return hi<<32 | lo, nil
	}
	if n == 0 {
		return 0, nil
	}
	at := r.pos / 8
	var w uint64
	if int(at)+8 <= len(r.buf) {
		w = binary.BigEndian.Uint64(r.buf[at:])
	} else {
		for i := range uint(8) {
			w <<= 8
			if int(at+i) < len(r.buf) {
				w |= uint64(r.buf[at+i])
			}
		}
	}
	v := w << (r.pos % 8) >> (64 - n)
	r.pos += n
	return v, nil
}

func (r *bitReader) bit() (bool, error) {
	v, err := r.read(1)
	return v == 1, err
}
