package promexport_test

import (
	"bytes"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/metrics"
	"github.com/streamplane/streamplane/promexport"
)

// FuzzWriteLabels writes a series whose instance name, topic and group are
// anything (a group id is any string a client chose) and parses the output
// back: it must be one sample, on one line, with every label value as
// written (invalid UTF-8 replaced, as Prometheus takes only UTF-8).
func FuzzWriteLabels(f *testing.F) {
	f.Add("demo", "orders", "billing")
	f.Add(`we"ird`, `a\b`, "line\nbreak")
	f.Add(`\`, `"`, `\n`)
	f.Add("", "}", `x",y="z`)
	f.Add("\xff\xfe", "t\r", "# HELP")
	f.Add("名前", "topic with spaces", "\t")
	f.Fuzz(func(t *testing.T, name, topic, group string) {
		key := streamplane.GroupSeries("i-1", "messages_remained", group, topic)
		var b bytes.Buffer
		err := promexport.Write(&b, []streamplane.Sample{{Key: key, Value: 7}}, map[string]string{"i-1": name})
		if err != nil {
			t.Fatal(err)
		}
		text := b.String()
		if lines := strings.Count(text, "\n"); lines != 3 {
			t.Fatalf("%d lines, want HELP, TYPE and one sample:\n%s", lines, text)
		}
		parsed, err := metrics.Parse(strings.NewReader(text), nil)
		if err != nil {
			t.Fatalf("%v:\n%s", err, text)
		}
		if len(parsed) != 1 {
			t.Fatalf("%d samples, want 1:\n%s", len(parsed), text)
		}
		got := parsed[0]
		want := map[string]string{
			"instance_id": "i-1",
			"instance":    strings.ToValidUTF8(name, "\uFFFD"),
			"topic":       strings.ToValidUTF8(topic, "\uFFFD"),
			"group":       strings.ToValidUTF8(group, "\uFFFD"),
		}
		if topic == "" {
			delete(want, "topic")
		}
		if group == "" {
			delete(want, "group")
		}
		if got.Name != "streamplane_messages_remained" || got.Value != 7 || len(got.Labels) != len(want) {
			t.Fatalf("parsed %+v, want labels %q:\n%s", got, want, text)
		}
		for k, v := range want {
			if got.Labels[k] != v {
				t.Fatalf("label %s = %q, want %q:\n%s", k, got.Labels[k], v, text)
			}
		}
	})
}
