package console

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

var messagePages = []page{
	{"GET", "/instances/{instance}/messages", (*Server).handleMessages},
	{"GET", "/instances/{instance}/topics/{topic}/messages/{partition}/{offset}", (*Server).handleMessage},
	{"GET", "/instances/{instance}/topics/{topic}/messages/{partition}/{offset}/value", (*Server).handleMessageValue},
	{"GET", "/instances/{instance}/topics/{topic}/send", (*Server).handleSendForm},
	{"POST", "/instances/{instance}/topics/{topic}/send", (*Server).handleSend},
	{"GET", "/instances/{instance}/topics/{topic}/live", (*Server).handleTailPage},
	{"GET", "/instances/{instance}/topics/{topic}/tail", (*Server).handleTail},
}

func init() {
	funcs["preview"] = preview
}

// messageRow is what the "message-row" template shows of a message, in the
// browser's table and in each event of a live tail.
type messageRow struct {
	Instance string
	M        streamplane.Message
}

// previewRunes is how much of a key or body a table cell shows.
const previewRunes = 120

// preview is a short text of a key or body for a table cell: the text cut
// at previewRunes, or for bytes that are not UTF-8 their size.
func preview(text *string, b64, encoding string, size int) string {
	switch encoding {
	case streamplane.EncodingNull:
		return "null"
	case streamplane.EncodingBase64:
		return "binary, " + humanBytes(int64(size))
	}
	if text == nil {
		return ""
	}
	s := *text
	if utf8.RuneCountInString(s) > previewRunes {
		r := []rune(s)
		s = string(r[:previewRunes]) + "…"
	}
	return s
}

// messageForm is the browser's query form as the user filled it in.
type messageForm struct {
	Topic, From, To, Partition, FromOffset, ToOffset, Order, Limit, Cursor string
}

func messageFormOf(q url.Values) messageForm {
	f := messageForm{Topic: q.Get("topic"), From: q.Get("from"), To: q.Get("to"), Partition: q.Get("partition"),
		FromOffset: q.Get("from_offset"), ToOffset: q.Get("to_offset"), Order: q.Get("order"), Limit: q.Get("limit"), Cursor: q.Get("cursor")}
	if f.Order == "" {
		f.Order = "newest"
	}
	return f
}

// query is the form as a query string, without the cursor: the links to
// the first and the next pages add theirs.
func (f messageForm) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"topic": f.Topic, "from": f.From, "to": f.To, "partition": f.Partition,
		"from_offset": f.FromOffset, "to_offset": f.ToOffset, "order": f.Order, "limit": f.Limit} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// formTimeLayouts are what a datetime-local input sends (with or without
// seconds), read as UTC, and RFC 3339 for a time pasted in.
var formTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999", time.RFC3339Nano}

func parseUTCInput(field, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	for _, l := range formTimeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return &t, nil
		}
	}
	return nil, fieldError(field, "%s: %q is not a date and time such as 2026-11-21T10:00 (UTC)", field, s)
}

func parseFormInt(field, s string, into **int64) error {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fieldError(field, "%s must be a whole number, got %q", field, s)
	}
	*into = &n
	return nil
}

// query is the API's message query the form asks for.
func (f messageForm) apiQuery() (streamplane.MessageQuery, error) {
	q := streamplane.MessageQuery{Topic: f.Topic, NewestFirst: f.Order != "oldest", Cursor: f.Cursor}
	var err error
	if q.From, err = parseUTCInput("from", f.From); err != nil {
		return q, err
	}
	if q.To, err = parseUTCInput("to", f.To); err != nil {
		return q, err
	}
	var part *int64
	if err := parseFormInt("partition", f.Partition, &part); err != nil {
		return q, err
	}
	if part != nil {
		p := int32(*part)
		q.Partition = &p
	}
	if err := parseFormInt("from_offset", f.FromOffset, &q.FromOffset); err != nil {
		return q, err
	}
	if err := parseFormInt("to_offset", f.ToOffset, &q.ToOffset); err != nil {
		return q, err
	}
	if f.Limit != "" {
		n, err := strconv.Atoi(f.Limit)
		if err != nil {
			return q, fieldError("limit", "limit must be a whole number, got %q", f.Limit)
		}
		q.Limit = n
	}
	return q, nil
}

type messagesView struct {
	Instance string
	Topics   []string
	Form     messageForm
	Query    string
	Page     *streamplane.MessagePage
	Rows     []messageRow
	Can      map[string]bool
	Limits   []int
	// FirstURL and NextURL page through the answer.
	FirstURL, NextURL string
}

// handleMessages is the message browser: a topic's messages in a time
// window or an offset range of one partition, newest or oldest first, a
// page at a time.
func (s *Server) handleMessages(c *call) error {
	ctx := c.r.Context()
	name := c.r.PathValue("instance")
	list, err := c.api.Topics(ctx, name, client.TopicListOptions{Internal: false, Limit: streamplane.MaxTopicPartitions * 10})
	if err != nil {
		return err
	}
	can, err := c.can(name, "", "message:send")
	if err != nil {
		return err
	}
	f := messageFormOf(c.r.URL.Query())
	d := &messagesView{Instance: name, Form: f, Query: f.query(), Can: can, Limits: []int{20, 50, 100, 500}}
	for _, t := range list.Topics {
		d.Topics = append(d.Topics, t.Name)
	}
	v := &view{Title: "Messages · " + name, Section: "instances", Instance: name, Tab: "messages", Data: d}
	if f.Topic == "" {
		return s.render(c, http.StatusOK, "messages", v)
	}
	q, err := f.apiQuery()
	if err == nil {
		d.Page, err = c.api.QueryMessages(ctx, name, q)
	}
	if err != nil {
		e, ok := err.(*client.Error)
		if !ok {
			return err
		}
		v.Form, v.Err, v.Field = c.r.URL.Query(), e.App.Message, e.App.Field
		d.Page = nil
		return s.render(c, e.StatusCode, "messages", v)
	}
	base := "/instances/" + url.PathEscape(name) + "/messages?" + f.query()
	d.FirstURL = base
	if d.Page.More && d.Page.Cursor != "" {
		d.NextURL = base + "&cursor=" + url.QueryEscape(d.Page.Cursor)
	}
	for _, m := range d.Page.Messages {
		d.Rows = append(d.Rows, messageRow{Instance: name, M: m})
	}
	return s.render(c, http.StatusOK, "messages", v)
}

// body is a key or a message body as the message page shows it.
type body struct {
	Null      bool
	Text      string // UTF-8 text, or JSON pretty-printed
	JSON      bool
	Hex       string // bytes that are not UTF-8, as a hex dump
	Base64    string // the same, as base64
	Truncated bool
	Size      int
}

func newBody(text *string, b64, encoding string, truncated bool, size int) body {
	b := body{Truncated: truncated, Size: size}
	switch encoding {
	case streamplane.EncodingNull:
		b.Null = true
	case streamplane.EncodingBase64:
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err == nil {
			b.Hex = hex.Dump(raw)
		}
		b.Base64 = b64
	default:
		if text != nil {
			b.Text = *text
			var pretty bytes.Buffer
			if !truncated && json.Valid([]byte(b.Text)) && json.Indent(&pretty, []byte(b.Text), "", "  ") == nil {
				b.Text, b.JSON = pretty.String(), true
			}
		}
	}
	return b
}

type messageView struct {
	Instance string
	M        *streamplane.Message
	Key      body
	Value    body
	Download string
}

func messageURL(instance, topic string, partition int32, offset int64) string {
	return topicURL(instance, topic) + "/messages/" + strconv.Itoa(int(partition)) + "/" + strconv.FormatInt(offset, 10)
}

// position reads the partition and offset of a message's path.
func position(c *call) (int32, int64, error) {
	p, err := strconv.ParseInt(c.r.PathValue("partition"), 10, 32)
	if err != nil || p < 0 {
		return 0, 0, streamplane.Invalid("partition", "partition %q is not a partition number", c.r.PathValue("partition"))
	}
	o, err := strconv.ParseInt(c.r.PathValue("offset"), 10, 64)
	if err != nil || o < 0 {
		return 0, 0, streamplane.Invalid("offset", "offset %q is not an offset", c.r.PathValue("offset"))
	}
	return int32(p), o, nil
}

func (s *Server) handleMessage(c *call) error {
	name, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	p, o, err := position(c)
	if err != nil {
		return err
	}
	m, err := c.api.Message(c.r.Context(), name, topic, p, o)
	if err != nil {
		return err
	}
	d := messageView{Instance: name, M: m,
		Key:      newBody(m.Key, m.KeyBase64, m.KeyEncoding, m.KeyTruncated, m.KeySize),
		Value:    newBody(m.Value, m.ValueBase64, m.ValueEncoding, m.ValueTruncated, m.Size),
		Download: messageURL(name, topic, p, o) + "/value"}
	title := topic + " " + strconv.Itoa(int(p)) + ":" + strconv.FormatInt(o, 10)
	return s.render(c, http.StatusOK, "message", &view{Title: title, Section: "instances", Instance: name, Tab: "messages", Data: d})
}

// handleMessageValue is a message's whole body as a download.
func (s *Server) handleMessageValue(c *call) error {
	name, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	p, o, err := position(c)
	if err != nil {
		return err
	}
	b, err := c.api.MessageValue(c.r.Context(), name, topic, p, o)
	if err != nil {
		return err
	}
	return download(c, safeFileName(topic)+"-"+strconv.Itoa(int(p))+"-"+strconv.FormatInt(o, 10)+".bin", "application/octet-stream", b)
}

type sendView struct {
	Instance   string
	Topic      string
	Partitions int
	Can        map[string]bool
}

func (s *Server) sendView(c *call) (*view, error) {
	name, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	d, err := c.api.Topic(c.r.Context(), name, topic)
	if err != nil {
		return nil, err
	}
	can, err := c.can(name, "", "message:send")
	if err != nil {
		return nil, err
	}
	return &view{Title: "Send a message · " + topic, Section: "instances", Instance: name, Tab: "messages",
		Data: sendView{Instance: name, Topic: d.Topic.Name, Partitions: len(d.Partitions), Can: can}}, nil
}

func (s *Server) handleSendForm(c *call) error {
	v, err := s.sendView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "message-send", v)
}

// handleSend sends the form's message and shows it. Key and value are
// text, or base64 when the form says so; headers are name: value lines.
func (s *Server) handleSend(c *call) error {
	name, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	f, err := readForm(c)
	if err != nil {
		return err
	}
	m, err := sendOf(f)
	if err == nil {
		var sent *streamplane.MessageSent
		if sent, err = c.api.SendMessage(c.r.Context(), name, topic, m); err == nil {
			return redirect(c, messageURL(name, topic, sent.Partition, sent.Offset))
		}
	}
	if httpStatus(err) == http.StatusForbidden {
		return err
	}
	v, verr := s.sendView(c)
	if verr != nil {
		return verr
	}
	return s.refused(c, "message-send", v, err)
}

// sendOf reads a message to send from the form. Inputs are named for the
// API's fields: key, value, partition, headers.
func sendOf(f url.Values) (streamplane.MessageSend, error) {
	var m streamplane.MessageSend
	if p := strings.TrimSpace(f.Get("partition")); p != "" {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return m, fieldError("partition", "partition must be a whole number, got %q", p)
		}
		part := int32(n)
		m.Partition = &part
	}
	if f.Has("key") && f.Get("key") != "" {
		k := f.Get("key")
		if f.Get("key_encoding") == streamplane.EncodingBase64 {
			m.KeyBase64 = &k
		} else {
			m.Key = &k
		}
	}
	if f.Get("value_null") == "" {
		val := strings.ReplaceAll(f.Get("value"), "\r\n", "\n")
		if f.Get("value_encoding") == streamplane.EncodingBase64 {
			m.ValueBase64 = &val
		} else {
			m.Value = &val
		}
	}
	for i, line := range strings.Split(f.Get("headers"), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, val, ok := strings.Cut(line, ":")
		if !ok {
			return m, fieldError("headers", "header line %d, %q, is not name: value", i+1, line)
		}
		val = strings.TrimPrefix(val, " ")
		m.Headers = append(m.Headers, streamplane.MessageSendHeader{Key: strings.TrimSpace(k), Value: &val})
	}
	return m, nil
}
