package cli

import (
	"math"
	"strconv"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"0": 0, "512": 512, "500MB": 500e6, "1GB": 1e9, "1 GB": 1e9, "1.5gb": 1.5e9, "2k": 2000,
		"1GiB": 1 << 30, "3 TiB": 3 << 40, "  10 KiB ": 10 << 10, "1,000 B": 1000,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "-1GB", "1 furlong", "1e3", "10 EB", "1..5GB"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}

// FuzzParseSize: a size flag never panics, is never negative or beyond
// what the API can count, and reads a bare number of bytes as itself.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"500MB", "1GiB", "0", "1,5 kb", "9223372036854775807", "١٢ GB", "1.5e9", ".5 mb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			return
		}
		if n < 0 || n > math.MaxInt64/2 {
			t.Fatalf("parseSize(%q) = %d, out of range", s, n)
		}
		if m, err := parseSize(strconv.FormatInt(n, 10)); err != nil || m != n {
			t.Fatalf("parseSize(%d) = %d, %v; want itself", n, m, err)
		}
	})
}
