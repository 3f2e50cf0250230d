package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// fuzzBody has the shapes request bodies have: strings, numbers, pointers,
// maps and lists of objects.
type fuzzBody struct {
	Name  string            `json:"name"`
	Count int32             `json:"count"`
	Rate  *float64          `json:"rate"`
	On    *bool             `json:"on"`
	Tags  map[string]string `json:"tags"`
	Items []fuzzItem        `json:"items"`
}

type fuzzItem struct {
	Key   string `json:"key"`
	Value *int64 `json:"value"`
}

// fuzzBodyFields are the field names an error may name.
var fuzzBodyFields = []string{"", "name", "count", "rate", "on", "tags", "items", "items.key", "items.value"}

// FuzzDecode feeds request bodies to the decoder every handler uses. A
// refused body is EINVALID, naming a field of the body's type when it names
// one (or the unknown field it refuses); an accepted body reads the same when encoded and decoded again.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"name":"orders","count":3,"rate":1.5,"on":true,"tags":{"env":"prod"},"items":[{"key":"a","value":-1}]}`,
		`{"count":"3"}`,
		`{"count":2147483648}`,
		`{"items":[{"value":1.5}]}`,
		`{"tags":{"a":1}}`,
		`{"nope":1}`,
		`{"name":"a"} {"name":"b"}`,
		`[1,2]`,
		``,
		`{"name":"\ud800"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v fuzzBody
		err := decode(httptest.NewRequest("POST", "/", strings.NewReader(body)), &v)
		if err != nil {
			var e *streamplane.Error
			if !errors.As(err, &e) || e.Code != streamplane.EINVALID {
				t.Fatalf("%q: err = %v, want %s", body, err, streamplane.EINVALID)
			}
			unknown := strings.HasPrefix(e.Message, "unknown field")
			if !unknown && !slices.Contains(fuzzBodyFields, e.Field) && !strings.HasPrefix(e.Field, "tags.") {
				t.Fatalf("%q: err = %v names field %q, which the body type does not have", body, err, e.Field)
			}
			return
		}
		again := fuzzBody{}
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := decode(httptest.NewRequest("POST", "/", bytes.NewReader(raw)), &again); err != nil || !reflect.DeepEqual(v, again) {
			t.Fatalf("%q read as %+v; encoded and read again: %+v, %v", body, v, again, err)
		}
	})
}

// FuzzCSVSafe: a cell of a CSV export never starts as a formula, and reads
// back as written.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"orders", "=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a,b\n\"c\"", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cell := csvSafe(s)
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Fatalf("csvSafe(%q) = %q starts as a formula", s, cell)
		}
		if cell != s && cell != "'"+s {
			t.Fatalf("csvSafe(%q) = %q: more than a leading quote", s, cell)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{cell, "next"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		rows, err := csv.NewReader(&buf).ReadAll()
		// encoding/csv reads a quoted \r\n as \n, as spreadsheets do.
		want := strings.ReplaceAll(cell, "\r\n", "\n")
		if err != nil || len(rows) != 1 || len(rows[0]) != 2 || rows[0][0] != want {
			t.Fatalf("cell %q reads back as %q, %v", cell, rows, err)
		}
	})
}
