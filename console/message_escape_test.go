package console

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

const hostile = `<script>alert("x")</script>`

func hostileMessage() streamplane.Message {
	k, v := hostile, `{"html":"`+strings.ReplaceAll(hostile, `"`, `\"`)+`","n":1}`
	return streamplane.Message{Topic: "t-<b>", Partition: 2, Offset: 7, Timestamp: time.Unix(1700000000, 0),
		Key: &k, KeyEncoding: streamplane.EncodingText, KeySize: len(k),
		Value: &v, ValueEncoding: streamplane.EncodingText, Size: len(v),
		Headers: []streamplane.MessageHeader{{Key: hostile, Value: &k, Encoding: streamplane.EncodingText}}}
}

// A record's key, body and headers reach the page only escaped: in the
// browser's rows and the tail's events (both "message-row"), and on the
// message page.
func TestMessageTemplatesEscape(t *testing.T) {
	var row bytes.Buffer
	if err := pageTemplates()["messages"].ExecuteTemplate(&row, "message-row", messageRow{Instance: "demo", M: hostileMessage()}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row.String(), "<script") || strings.Contains(row.String(), "<b>") || !strings.Contains(row.String(), "&lt;script&gt;") {
		t.Errorf("row not escaped:\n%s", row.String())
	}

	m := hostileMessage()
	v := &view{User: &streamplane.Account{Name: "ann"}, Instance: "demo", Data: messageView{Instance: "demo", M: &m,
		Key:   newBody(m.Key, m.KeyBase64, m.KeyEncoding, false, m.KeySize),
		Value: newBody(m.Value, m.ValueBase64, m.ValueEncoding, false, m.Size), Download: "/x"}}
	var page bytes.Buffer
	if err := pageTemplates()["message"].ExecuteTemplate(&page, "layout", v); err != nil {
		t.Fatal(err)
	}
	main := page.String()[strings.Index(page.String(), "<main"):]
	if strings.Contains(main, "<script") || strings.Count(main, "&lt;script&gt;") < 3 {
		t.Errorf("message page not escaped:\n%s", main)
	}
	if !strings.Contains(main, "JSON, pretty-printed") || !strings.Contains(main, "\n  &#34;html&#34;: ") {
		t.Errorf("the JSON body is not pretty-printed:\n%s", main)
	}
}

func TestMessageBody(t *testing.T) {
	raw := []byte{0xff, 0x00, 'a'}
	b := newBody(nil, base64.StdEncoding.EncodeToString(raw), streamplane.EncodingBase64, false, 3)
	if !strings.HasPrefix(b.Hex, "00000000  ff 00 61") || b.Base64 != "/wBh" {
		t.Errorf("binary body: hex %q base64 %q", b.Hex, b.Base64)
	}
	text := `{"a":`
	if b := newBody(&text, "", streamplane.EncodingText, false, 5); b.JSON || b.Text != text {
		t.Errorf("text that is not JSON: %+v", b)
	}
	whole := `{"a":1}`
	if b := newBody(&whole, "", streamplane.EncodingText, true, 9000); b.JSON {
		t.Errorf("a cut body is shown as it is, not parsed: %+v", b)
	}
	if b := newBody(nil, "", streamplane.EncodingNull, false, 0); !b.Null {
		t.Errorf("null body: %+v", b)
	}
	long := strings.Repeat("é", previewRunes+5)
	if p := preview(&long, "", streamplane.EncodingText, len(long)); p != strings.Repeat("é", previewRunes)+"…" {
		t.Errorf("preview cut at %d runes: %q", previewRunes, p)
	}
}

func TestSendForm(t *testing.T) {
	m, err := sendOf(map[string][]string{"key": {"k"}, "value": {"a\r\nb"}, "partition": {"2"}, "headers": {"trace: 42\r\nempty:\n\n"}})
	if err != nil {
		t.Fatal(err)
	}
	if *m.Key != "k" || *m.Value != "a\nb" || *m.Partition != 2 || len(m.Headers) != 2 || m.Headers[0].Key != "trace" || *m.Headers[0].Value != "42" || *m.Headers[1].Value != "" {
		t.Errorf("message %+v", m)
	}
	m, err = sendOf(map[string][]string{"value_null": {"true"}, "key": {"AAE="}, "key_encoding": {"base64"}})
	if err != nil || m.Value != nil || m.ValueBase64 != nil || m.Key != nil || *m.KeyBase64 != "AAE=" {
		t.Errorf("tombstone with a base64 key: %+v, %v", m, err)
	}
	if _, err := sendOf(map[string][]string{"headers": {"no colon"}}); err == nil || !strings.Contains(err.Error(), "headers") {
		t.Errorf("a header line without a colon: %v", err)
	}
}

func TestTailPosition(t *testing.T) {
	p := tailPosition{Until: time.Unix(1700000000, 0), Next: map[int32]int64{0: 5, 2: 9}}
	got, ok := parseTailPosition(p.String())
	if !ok || !got.Until.Equal(p.Until) || got.Next[0] != 5 || got.Next[2] != 9 || len(got.Next) != 2 {
		t.Errorf("%q read back as %+v %v", p.String(), got, ok)
	}
	for _, bad := range []string{"", "x;0:1", "1700000000;", "1700000000;0:-1", "1700000000"} {
		if _, ok := parseTailPosition(bad); ok {
			t.Errorf("%q read as a position", bad)
		}
	}
}

func TestMessageQueryForm(t *testing.T) {
	q, err := messageFormOf(map[string][]string{"topic": {"t"}, "from": {"2026-11-21T10:00"}, "to": {"2026-11-21T10:00:30"}, "order": {"oldest"}}).apiQuery()
	if err != nil || q.NewestFirst || !q.From.Equal(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)) || q.To.Second() != 30 {
		t.Errorf("query %+v, %v", q, err)
	}
	if q, _ := messageFormOf(map[string][]string{"topic": {"t"}}).apiQuery(); !q.NewestFirst {
		t.Error("the browser does not start newest first")
	}
	_, err = messageFormOf(map[string][]string{"topic": {"t"}, "from": {"yesterday"}}).apiQuery()
	if e, ok := err.(interface{ Error() string }); !ok || !strings.Contains(e.Error(), "field from") {
		t.Errorf("a bad time: %v", err)
	}
}
