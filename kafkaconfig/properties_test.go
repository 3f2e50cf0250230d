package kafkaconfig_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/streamplane/streamplane/kafkaconfig"
)

func TestProperties_SetGetKeys(t *testing.T) {
	var p kafkaconfig.Properties
	if _, ok := p.Get("missing"); ok {
		t.Error("Get on empty properties found a key")
	}
	p.Set("b", "1")
	p.Set("a", "2")
	p.Set("b", "3") // keeps its first position, takes the new value
	p.Set("c", "")
	if got, want := p.Keys(), []string{"b", "a", "c"}; !slices.Equal(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
	if got, ok := p.Get("b"); !ok || got != "3" {
		t.Errorf("Get(b) = %q, %v, want %q, true", got, ok, "3")
	}
	if got, ok := p.Get("c"); !ok || got != "" {
		t.Errorf("Get(c) = %q, %v, want empty, true", got, ok)
	}
	keys := p.Keys()
	keys[0] = "changed"
	if got := p.Keys()[0]; got != "b" {
		t.Errorf("changing the Keys result changed the properties: first key %q", got)
	}
}

func TestProperties_Encode(t *testing.T) {
	var p kafkaconfig.Properties
	p.Set("node.id", "1")
	p.Set("listeners", "INTERNAL://127.0.0.1:9093,PRIVATE://10.0.0.1:9092")
	p.Set("a key", "x")
	got := string(p.Encode())
	want := "# Written by Streamplane; changes here are overwritten.\n" +
		"node.id=1\n" +
		"listeners=INTERNAL://127.0.0.1:9093,PRIVATE://10.0.0.1:9092\n" +
		"a\\ key=x\n"
	if got != want {
		t.Errorf("Encode =\n%s\nwant\n%s", got, want)
	}
	if !utf8.ValidString(got) {
		t.Error("Encode wrote invalid UTF-8")
	}
	for _, r := range got {
		if r > 0x7e || (r < 0x20 && r != '\n') {
			t.Errorf("Encode wrote %U; java.util.Properties.store writes only printable ASCII", r)
		}
	}
}

// roundTrip encodes key=value and decodes it again.
func roundTrip(t *testing.T, key, value string) map[string]string {
	t.Helper()
	var p kafkaconfig.Properties
	p.Set(key, value)
	got, err := kafkaconfig.Decode(string(p.Encode()))
	if err != nil {
		t.Fatalf("Decode(Encode(%q=%q)): %v\n%s", key, value, err, p.Encode())
	}
	return got
}

func TestProperties_RoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name, key, value string
	}{
		{"OKPlain", "log.dirs", "/var/lib/kafka/data"},
		{"OKEmptyValue", "broker.rack", ""},
		{"OKEmptyKey", "", "v"},
		{"OKKeySpace", "a key", "v"},
		{"OKKeyLeadingSpace", " key", "v"},
		{"OKKeyTrailingSpace", "key ", "v"},
		{"OKKeyEquals", "a=b", "v"},
		{"OKKeyColon", "a:b", "v"},
		{"OKKeyHash", "#notacomment", "v"},
		{"OKKeyBang", "!notacomment", "v"},
		{"OKKeyBackslash", `a\b`, "v"},
		{"OKKeyTrailingBackslash", `a\`, "v"},
		{"OKKeyNewline", "a\nb", "v"},
		{"OKKeyTab", "\ta", "v"},
		{"OKValueLeadingSpaces", "k", "  two spaces"},
		{"OKValueTrailingSpaces", "k", "two spaces  "},
		{"OKValueOnlySpace", "k", " "},
		{"OKValueSeparators", "k", "a=b:c d"},
		{"OKValueStartsWithEquals", "k", "=x"},
		{"OKValueStartsWithColon", "k", ":x"},
		{"OKValueHash", "k", "#not a comment"},
		{"OKValueBang", "k", "!not a comment"},
		{"OKValueBackslashes", "k", `C:\dir\sub\`},
		{"OKValueEscapesLiteral", "k", `\n\t\u0041`},
		{"OKValueNewlines", "k", "line1\nline2\r\nline3\n"},
		{"OKValueControl", "k", "\x01\x1f\x7f"},
		{"OKValueJAAS", "listener.name.internal.plain.sasl.jaas.config",
			`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="p\"w\\";`},
		{"OKValueLatin", "k", "café"},
		{"OKValueCJK", "k", "日本語"},
		{"OKKeyUnicode", "ключ", "значение"},
		{"OKValueReplacementChar", "k", "\uFFFD"},
		{"OKValueBMPEdge", "k", "\uFFFF\uE000\uD7FF"},
		{"OKValueAstral", "k", "emoji 😀 end"},
		{"OKKeyAstral", "😀", "v"},
		{"OKValueMaxRune", "k", "\U0010FFFF"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, tt.key, tt.value)
			if want := map[string]string{tt.key: tt.value}; !maps.Equal(got, want) {
				t.Errorf("Decode(Encode) = %q, want %q", got, want)
			}
		})
	}

	t.Run("OKManyKeys", func(t *testing.T) {
		var p kafkaconfig.Properties
		want := map[string]string{}
		for _, kv := range [][2]string{{"a", "1"}, {"b c", " 2"}, {"d=e", "3="}, {"#f", "#4"}, {"g", ""}} {
			p.Set(kv[0], kv[1])
			want[kv[0]] = kv[1]
		}
		got, err := kafkaconfig.Decode(string(p.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("Decode(Encode) = %q, want %q", got, want)
		}
	})
}

func TestDecode(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		want map[string]string
	}{
		{"OKEmpty", "", map[string]string{}},
		{"OKCommentsAndBlanks", "# comment\n! also\n\n   \n\t# indented comment\nk=v\n", map[string]string{"k": "v"}},
		// meta.properties as Kafka writes it.
		{"OKMetaProperties", "#\n#Mon Jan 01 00:00:00 UTC 2024\nnode.id=1\nversion=1\ncluster.id=q1Sh-9_ISia_zwGINzRvyQ\ndirectory.id=aNC3yRUcQ0OF4SzA2sHA8w\n",
			map[string]string{"node.id": "1", "version": "1", "cluster.id": "q1Sh-9_ISia_zwGINzRvyQ", "directory.id": "aNC3yRUcQ0OF4SzA2sHA8w"}},
		{"OKColonSeparator", "k:v", map[string]string{"k": "v"}},
		{"OKSpaceSeparator", "k v", map[string]string{"k": "v"}},
		{"OKSpacesAroundEquals", "k=  v", map[string]string{"k": "v"}},
		{"OKLeadingWhitespace", "   k=v", map[string]string{"k": "v"}},
		{"OKUnicodeEscape", `k=caf\u00e9`, map[string]string{"k": "café"}},
		{"OKLastWins", "k=1\nk=2", map[string]string{"k": "2"}},
		{"OKKeyOnly", "k", map[string]string{"k": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kafkaconfig.Decode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("Decode = %q, want %q", got, tt.want)
			}
		})
	}

	for _, tt := range []struct{ name, text string }{
		{"ErrShortUnicode", `k=\u00`},
		{"ErrBadUnicode", `k=\uZZZZ`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := kafkaconfig.Decode(tt.text); err == nil {
				t.Error("err = nil, want an error")
			}
		})
	}
}

// FuzzPropertiesRoundTrip checks that any key and value survive
// Encode→Decode, and that Encode writes only printable ASCII.
func FuzzPropertiesRoundTrip(f *testing.F) {
	f.Add("k", "v")
	f.Add("", "")
	f.Add(" a=b:c#d!e ", " x=y:z ")
	f.Add(`\`, `\`)
	f.Add("#", "!")
	f.Add("a\nb\r", "c\nd\te")
	f.Add("ключ", "日本語")
	f.Add("k", "\uFFFD\u007F\u0001")
	f.Fuzz(func(t *testing.T, key, value string) {
		if !utf8.ValidString(key) || !utf8.ValidString(value) || strings.ContainsRune(key+value, 0) {
			t.Skip()
		}
		var p kafkaconfig.Properties
		p.Set(key, value)
		enc := p.Encode()
		for _, c := range enc {
			if c > 0x7e || (c < 0x20 && c != '\n') {
				t.Fatalf("Encode(%q=%q) wrote byte %#x", key, value, c)
			}
		}
		got, err := kafkaconfig.Decode(string(enc))
		if err != nil {
			t.Fatalf("Decode(Encode(%q=%q)): %v\n%s", key, value, err, enc)
		}
		if want := map[string]string{key: value}; !maps.Equal(got, want) {
			t.Fatalf("Decode(Encode(%q=%q)) = %q\n%s", key, value, got, enc)
		}
	})
}
