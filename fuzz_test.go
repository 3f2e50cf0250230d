package streamplane_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	streamplane "github.com/streamplane/streamplane"
)

// nameOK is SPEC §1's name rule, written out independently of the regexp in
// validate.go: 4–64 characters, an ASCII letter first, then ASCII letters,
// digits, '-' and '_', and not shaped like an instance id (a UUID).
func nameOK(name string) bool {
	if len(name) < 4 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if i == 0 && !letter || !letter && !digit && c != '-' && c != '_' {
			return false
		}
	}
	return !uuidShaped(name)
}

func uuidShaped(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
				return false
			}
		}
	}
	return true
}

// tagOK is DMS 7.9's tag rule, written out independently.
func tagOK(key, value string) bool {
	ok := func(s string, maxLen int) bool {
		n := utf8.RuneCountInString(s)
		return n >= 1 && n <= maxLen && !strings.ContainsAny(s, `=*<>\,|/`) && strings.TrimSpace(s) == s
	}
	return ok(key, 36) && ok(value, 43)
}

// FuzzNormalize feeds random names, descriptions and one tag into an
// otherwise valid spec. Normalize must never panic, must return only
// EINVALID errors, and must accept exactly the specs the rules allow.
func FuzzNormalize(f *testing.F) {
	f.Add("orders", "", "env", "prod")
	f.Add("abc", "x", "k", "v")
	f.Add("a"+strings.Repeat("b", 63), strings.Repeat("é", 1024), strings.Repeat("k", 36), strings.Repeat("v", 43))
	f.Add("a"+strings.Repeat("b", 64), strings.Repeat("d", 1025), strings.Repeat("k", 37), strings.Repeat("v", 44))
	f.Add("abcdef01-2345-6789-abcd-ef0123456789", "", "a=b", "c")
	f.Add("Orders_1", "\x00\xff", " env", "prod ")
	f.Add("ordersé", "description", "", "")
	f.Add("orders\n", "", "k\\", "v|")
	f.Add("ORDERS", "日本語", "日本", "語")
	f.Fuzz(func(t *testing.T, name, description, key, value string) {
		spec := validSpec()
		spec.Name, spec.Description = name, description
		spec.Tags = map[string]string{key: value}
		err := spec.Normalize(placement)

		want := nameOK(name) && utf8.RuneCountInString(description) <= 1024 && tagOK(key, value)
		if err != nil {
			if got := streamplane.ErrorCode(err); got != streamplane.EINVALID {
				t.Fatalf("ErrorCode = %q, want %q (%v)", got, streamplane.EINVALID, err)
			}
			if want {
				t.Fatalf("Normalize(name %q, description %q, tag %q=%q) = %v, want nil", name, description, key, value, err)
			}
			return
		}
		if !want {
			t.Fatalf("Normalize(name %q, description %q, tag %q=%q) = nil, want an error", name, description, key, value)
		}
		if !nameOK(spec.Name) {
			t.Fatalf("accepted name %q breaks the name rule", spec.Name)
		}
	})
}
