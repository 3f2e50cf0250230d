// Package kafkaconfig renders a broker's server.properties from an
// instance's desired state. It is pure: every provisioner (local processes,
// Kubernetes pods) renders the same configuration and only the addresses and
// paths differ.
package kafkaconfig

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf16"
)

// Properties is an ordered set of Java properties.
type Properties struct {
	keys   []string
	values map[string]string
}

// Set sets key to value, keeping the first position of a key set twice.
func (p *Properties) Set(key, value string) {
	if p.values == nil {
		p.values = map[string]string{}
	}
	if _, ok := p.values[key]; !ok {
		p.keys = append(p.keys, key)
	}
	p.values[key] = value
}

// setAll sets every key of m, in key order.
func (p *Properties) setAll(m map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p.Set(k, m[k])
	}
}

// Get returns the value of key.
func (p *Properties) Get(key string) (string, bool) {
	v, ok := p.values[key]
	return v, ok
}

// Delete removes key.
func (p *Properties) Delete(key string) {
	if _, ok := p.values[key]; !ok {
		return
	}
	delete(p.values, key)
	p.keys = slices.DeleteFunc(p.keys, func(k string) bool { return k == key })
}

// Keys returns the keys in the order they were first set.
func (p *Properties) Keys() []string { return append([]string(nil), p.keys...) }

// Encode writes the properties in java.util.Properties format.
func (p *Properties) Encode() []byte {
	var b strings.Builder
	b.WriteString("# Written by Streamplane; changes here are overwritten.\n")
	for _, k := range p.keys {
		b.WriteString(escape(k, true))
		b.WriteByte('=')
		b.WriteString(escape(p.values[k], false))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// escape follows java.util.Properties.store: backslash escapes, \uXXXX for
// anything outside printable ASCII, and escaped separators in keys.
func escape(s string, isKey bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' && (isKey || i == 0):
			b.WriteString(`\ `)
		case isKey && (r == '=' || r == ':' || r == '#' || r == '!'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case !isKey && i == 0 && (r == '#' || r == '!'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff { // a surrogate pair, as Java strings hold it
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04X\u%04X`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Decode parses java.util.Properties text in the subset Encode writes, plus
// comments and blank lines. It is used to read back files for checks.
func Decode(text string) (map[string]string, error) {
	out := map[string]string{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimLeft(line, " \t")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		key, value, err := splitLine(line)
		if err != nil {
			return nil, fmt.Errorf("kafkaconfig: line %d: %w", n+1, err)
		}
		out[key] = value
	}
	return out, nil
}

func splitLine(line string) (string, string, error) {
	key, i, err := unescapeUntil(line, func(c byte) bool { return c == '=' || c == ':' || c == ' ' })
	if err != nil {
		return "", "", err
	}
	rest := strings.TrimLeft(line[min(i+1, len(line)):], " ")
	value, _, err := unescapeUntil(rest, func(byte) bool { return false })
	return key, value, err
}

// unescapeUntil decodes s up to the first unescaped byte for which stop is
// true, returning the text and that byte's index. \u escapes are UTF-16
// units, so a surrogate pair joins into one rune.
func unescapeUntil(s string, stop func(byte) bool) (string, int, error) {
	var units []uint16 // pending UTF-16 units from \u escapes
	var b strings.Builder
	flush := func() {
		b.WriteString(string(utf16.Decode(units)))
		units = units[:0]
	}
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			r, n, err := unescape(s[i:])
			if err != nil {
				return "", 0, err
			}
			if s[i+1] == 'u' {
				units = append(units, uint16(r))
			} else {
				flush()
				b.WriteRune(r)
			}
			i += n - 1
			continue
		}
		if stop(c) {
			break
		}
		flush()
		b.WriteByte(c)
	}
	flush()
	return b.String(), i, nil
}

func unescape(s string) (rune, int, error) {
	switch s[1] {
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'u':
		if len(s) < 6 {
			return 0, 0, fmt.Errorf("short \\u escape")
		}
		var r rune
		if _, err := fmt.Sscanf(s[2:6], "%04X", &r); err != nil {
			return 0, 0, fmt.Errorf("bad \\u escape %q", s[:6])
		}
		return r, 6, nil
	default:
		return rune(s[1]), 2, nil
	}
}
