package sqlstore

import "unicode/utf8"

// prefixRange is the condition that column starts with prefix, as a range
// rather than LIKE: an index serves it, and "_" and "%" in the prefix mean
// themselves.
func prefixRange(column, prefix string) (string, []any) {
	cond, args := column+" >= ?", []any{prefix}
	if end, ok := prefixEnd(prefix); ok {
		cond, args = cond+" AND "+column+" < ?", append(args, end)
	}
	return cond, args
}

// prefixEnd is the least string above every string that starts with
// prefix, as both databases compare text here (bytewise: SQLite's BINARY,
// PostgreSQL's "C"); false if there is none. It steps the last character
// rather than the last byte, so that the bound is valid UTF-8, which
// PostgreSQL requires of text; in UTF-8 the byte order is the order of
// the characters.
func prefixEnd(prefix string) (string, bool) {
	r := []rune(prefix)
	for i := len(r) - 1; i >= 0; i-- {
		switch {
		case r[i] == 0xD7FF: // the surrogates are not characters
			r[i] = 0xE000
		case r[i] < utf8.MaxRune:
			r[i]++
		default:
			continue
		}
		return string(r[:i+1]), true
	}
	return "", false
}
