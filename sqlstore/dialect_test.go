package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	pg := Dialect{Numbered: true}
	for _, tt := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?,?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2,$3)`},
		{`SELECT '?', "a?b", 'it''s ?' FROM t WHERE x = ?`, `SELECT '?', "a?b", 'it''s ?' FROM t WHERE x = $1`},
		{"SELECT x -- why?\nFROM t WHERE y = ?", "SELECT x -- why?\nFROM t WHERE y = $1"},
		{`SELECT a - ? FROM t`, `SELECT a - $1 FROM t`},
	} {
		for range 2 { // the second time from the cache
			if got := pg.rebind(tt.in); got != tt.want {
				t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
		if got := (Dialect{}).rebind(tt.in); got != tt.in {
			t.Errorf("? placeholders changed %q to %q", tt.in, got)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tt := range []struct {
		prefix, want string
		ok           bool
	}{
		{"instance.", "instance/", true},
		{"a\u00ff", "a\u0100", true},
		{"\uD7FF", "\uE000", true},
		{"ab\U0010FFFF", "ac", true},
		{"\U0010FFFF", "", false},
	} {
		got, ok := prefixEnd(tt.prefix)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tt.prefix, got, ok, tt.want, tt.ok)
		}
	}
}
