package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

func newMessageCommand(o *options) *cobra.Command {
	return newGroup(o, "message", "Query, show, download and send a topic's messages",
		newMessageQueryCommand(o),
		newMessageShowCommand(o),
		newMessageDownloadCommand(o),
		newMessageSendCommand(o),
	)
}

// messageTimeLayout shows Kafka's millisecond timestamps whole.
const messageTimeLayout = "2006-01-02T15:04:05.000Z07:00"

func newMessageQueryCommand(o *options) *cobra.Command {
	var (
		q                    streamplane.MessageQuery
		partition            int32
		fromOffset, toOffset int64
		from, to             string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "query INSTANCE TOPIC",
		Short: "Query a topic's messages by time or by offset",
		Long: `Query a topic's messages, in all partitions or one.

By time (--from, --to; each optional and inclusive): Kafka's time index maps
the window to offsets in each partition and only that range is read, so a
narrow window on a huge topic is fast. Times are RFC 3339, Unix milliseconds,
"now", or relative to now such as -15m or -7d.

By offset (--from-offset, --to-offset; needs --partition): reads from
--from-offset on, or newest first back from --to-offset. Offsets outside the
partition's log are clamped, and the answer says so.

Each query reads a bounded amount (--max-scan records, 64 MB, 5 s) and says
when it stopped early. When more messages remain, it prints the --cursor that
continues the same query.`,
		Example: `  streamplane message query orders events --from 2026-11-21T10:00:00Z --to 2026-11-21T10:05:00Z
  streamplane message query orders events --partition 2 --from -15m --newest-first --limit 20
  streamplane message query orders events --partition 2 --from-offset 1000 --limit 50`,
		Args: exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			flags := cmd.Flags()
			q.Topic = args[1]
			if flags.Changed("partition") {
				q.Partition = &partition
			}
			if flags.Changed("from-offset") {
				q.FromOffset = &fromOffset
			}
			if flags.Changed("to-offset") {
				q.ToOffset = &toOffset
			}
			now := o.now()
			var err error
			if q.From, err = parseMessageTime("--from", from, now); err != nil {
				return err
			}
			if q.To, err = parseMessageTime("--to", to, now); err != nil {
				return err
			}
			page, err := o.client().QueryMessages(cmd.Context(), args[0], q)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, m := range page.Messages {
				rows = append(rows, []string{strconv.Itoa(int(m.Partition)), strconv.FormatInt(m.Offset, 10),
					m.Timestamp.Format(messageTimeLayout), strconv.Itoa(m.Size),
					preview(m.Key, m.KeyBase64, 40), preview(m.Value, m.ValueBase64, 60)})
			}
			if err := o.printList(page, []string{"PARTITION", "OFFSET", "TIMESTAMP", "SIZE", "KEY", "VALUE"}, rows); err != nil {
				return err
			}
			if o.json() {
				return nil
			}
			for _, n := range page.Notes {
				fmt.Fprintln(o.stderr, "Note: "+n+".")
			}
			if page.StoppedEarly {
				fmt.Fprintf(o.stderr, "Stopped early after examining %d record(s) (%s): %s.\n", page.Scanned, humanBytes(page.ScannedBytes), page.Reason)
			}
			if page.More {
				fmt.Fprintf(o.stderr, "More messages may follow: repeat the query with --cursor %s\n", page.Cursor)
			} else if len(page.Messages) == 0 {
				fmt.Fprintln(o.stderr, "No messages.")
			}
			return nil
		},
	})
	f := cmd.Flags()
	f.Int32Var(&partition, "partition", 0, "only this partition (required with --from-offset or --to-offset)")
	f.StringVar(&from, "from", "", "earliest timestamp, inclusive: RFC 3339, Unix ms, now or -DURATION")
	f.StringVar(&to, "to", "", "latest timestamp, inclusive: RFC 3339, Unix ms, now or -DURATION")
	f.Int64Var(&fromOffset, "from-offset", 0, "first offset, inclusive")
	f.Int64Var(&toOffset, "to-offset", 0, "last offset, inclusive")
	f.BoolVar(&q.NewestFirst, "newest-first", false, "newest messages first")
	f.IntVar(&q.Limit, "limit", 0, "messages to show, 1 to 1000 (server default 50)")
	f.IntVar(&q.MaxScan, "max-scan", 0, "most records to examine (server default and maximum 200000)")
	f.StringVar(&q.Cursor, "cursor", "", "continue a previous query (its printed cursor)")
	return cmd
}

// parseMessageTime reads a time flag: RFC 3339, Unix milliseconds, "now"
// or a negative duration from now ("-15m").
func parseMessageTime(flag, s string, now time.Time) (*time.Time, error) {
	var t time.Time
	switch {
	case s == "":
		return nil, nil
	case s == "now":
		t = now
	case strings.HasPrefix(s, "-"):
		d, err := parseAgo(s[1:])
		if err != nil {
			return nil, fmt.Errorf("invalid %s %q: a relative time is a duration before now, such as -15m, -2h or -7d", flag, s)
		}
		t = now.Add(-d)
	default:
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			t = time.UnixMilli(ms)
			break
		}
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, fmt.Errorf("invalid %s %q: use RFC 3339 (2026-11-21T10:00:00Z), Unix milliseconds, now, or -DURATION", flag, s)
		}
	}
	t = t.UTC()
	return &t, nil
}

// parseAgo reads a Go duration, or a whole number of days ("7d"), which
// Go's durations lack and which looking back over logs needs.
func parseAgo(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid number of days %q", days)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// preview renders a key or value for a table cell: text escaped and cut
// at width characters, other bytes as the start of their base64.
func preview(text *string, b64 string, width int) string {
	switch {
	case text != nil:
		return shorten(terminalSafe(*text, false), width)
	case b64 != "":
		if len(b64) > width-4 {
			b64 = b64[:width-5] + "…"
		}
		return "b64:" + b64
	}
	return ""
}

// terminalSafe escapes what could corrupt or mislead a terminal: control
// characters (ESC sequences, C1 controls, carriage returns), bidirectional
// overrides and line separators, written as Go escapes (\x1b, \u202e).
// keepLines keeps newlines and tabs, for a body shown whole.
func terminalSafe(s string, keepLines bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029,
			r == 0x200E, r == 0x200F, r == 0x061C:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func messagePosition(args []string) (int32, int64, error) {
	p, err := strconv.ParseInt(args[2], 10, 32)
	if err != nil || p < 0 {
		return 0, 0, fmt.Errorf("invalid PARTITION %q: give a partition number such as 0", args[2])
	}
	off, err := strconv.ParseInt(args[3], 10, 64)
	if err != nil || off < 0 {
		return 0, 0, fmt.Errorf("invalid OFFSET %q: give an offset such as 1042", args[3])
	}
	return int32(p), off, nil
}

func newMessageShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show INSTANCE TOPIC PARTITION OFFSET",
		Short: "Show one message: key, headers, timestamp and body",
		Long: `Show one message. Bodies over 4 KB are cut there (the answer says so);
'streamplane message download' gets a body whole. Text is shown with control
characters escaped; bytes that are not UTF-8 are shown as base64.`,
		Example: `  streamplane message show orders events 2 1042`,
		Args:    exactArgs("INSTANCE", "TOPIC", "PARTITION", "OFFSET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, off, err := messagePosition(args)
			if err != nil {
				return err
			}
			m, err := o.client().Message(cmd.Context(), args[0], args[1], p, off)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, m)
			}
			return o.printMessage(m, args)
		},
	}
}

func (o *options) printMessage(m *streamplane.Message, args []string) error {
	f := newFields(o.stdout)
	f.add("Topic", terminalSafe(m.Topic, false))
	f.add("Partition", strconv.Itoa(int(m.Partition)))
	f.add("Offset", strconv.FormatInt(m.Offset, 10))
	f.add("Timestamp", m.Timestamp.Format(messageTimeLayout)+" ("+m.TimestampType+")")
	f.add("Key", showField(m.Key, m.KeyBase64, m.KeyEncoding, m.KeySize, m.KeyTruncated))
	size := fmt.Sprintf("%d bytes", m.Size)
	if m.ValueEncoding == streamplane.EncodingNull {
		size = "null body (a tombstone)"
	}
	f.add("Size", size)
	if err := f.flush(); err != nil {
		return err
	}
	if len(m.Headers) > 0 {
		fmt.Fprintln(o.stdout, "Headers:")
		t := newTable(o.stdout)
		for _, h := range m.Headers {
			key := terminalSafe(h.Key, false)
			if h.KeyBase64 != "" {
				key += " (base64 " + h.KeyBase64 + ")"
			}
			t.row("  "+key, showField(h.Value, h.ValueBase64, h.Encoding, -1, false))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	switch m.ValueEncoding {
	case streamplane.EncodingNull:
		return nil
	case streamplane.EncodingBase64:
		fmt.Fprintln(o.stdout, "Value (base64; not UTF-8 text):")
		fmt.Fprintln(o.stdout, m.ValueBase64)
	default:
		fmt.Fprintln(o.stdout, "Value:")
		body := terminalSafe(*m.Value, true)
		fmt.Fprint(o.stdout, body)
		if !strings.HasSuffix(body, "\n") {
			fmt.Fprintln(o.stdout)
		}
	}
	if m.ValueTruncated {
		fmt.Fprintf(o.stdout, "(truncated to its first %d KB; get the whole %d-byte body with 'streamplane message download %s %s %s %s > body.bin')\n",
			streamplane.MessageViewBytes>>10, m.Size, args[0], args[1], args[2], args[3])
	}
	return nil
}

// showField renders a key or header value in a detail view.
func showField(text *string, b64, encoding string, size int, truncated bool) string {
	var s string
	switch encoding {
	case streamplane.EncodingNull:
		return "(null)"
	case streamplane.EncodingBase64:
		s = b64 + " (base64; not UTF-8 text)"
	default:
		s = strconv.Quote(*text) // quoted: shows where it starts and ends, and escapes controls
	}
	if truncated {
		s += fmt.Sprintf(" (first %d of %d bytes)", streamplane.MessageViewBytes, size)
	}
	return s
}

func newMessageDownloadCommand(o *options) *cobra.Command {
	var file string
	var force bool
	cmd := &cobra.Command{
		Use:   "download INSTANCE TOPIC PARTITION OFFSET",
		Short: "Write one message's whole body, as raw bytes",
		Long: `Write one message's whole body, byte for byte, to standard output or to
--file. A body that is not plain text is not written to a terminal unless
--force is given.`,
		Example: `  streamplane message download orders events 2 1042 > body.bin
  streamplane message download orders events 2 1042 --file body.bin`,
		Args: exactArgs("INSTANCE", "TOPIC", "PARTITION", "OFFSET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, off, err := messagePosition(args)
			if err != nil {
				return err
			}
			body, err := o.client().MessageValue(cmd.Context(), args[0], args[1], p, off)
			if err != nil {
				return err
			}
			if body == nil {
				fmt.Fprintln(o.stderr, "The message's body is null (a tombstone); nothing to write.")
			}
			if file != "" {
				if err := os.WriteFile(file, body, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(o.stderr, "Wrote %d bytes to %s.\n", len(body), file)
				return nil
			}
			if isTerminal(o.stdout) && !force && terminalSafe(string(body), true) != string(body) {
				return errors.New("the body holds bytes a terminal would act on; redirect it to a file (> body.bin), use --file, or --force")
			}
			_, err = o.stdout.Write(body)
			return err
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "write the body to this file instead of standard output")
	cmd.Flags().BoolVar(&force, "force", false, "write a binary body to a terminal anyway")
	return cmd
}

func newMessageSendCommand(o *options) *cobra.Command {
	var (
		m                          streamplane.MessageSend
		partition                  int32
		key, keyB64, value, valB64 string
		valueFile, timestamp       string
		headers                    []string
	)
	cmd := &cobra.Command{
		Use:   "send INSTANCE TOPIC",
		Short: "Send a message to a topic",
		Long: `Send one message and print where it went. Without --partition, Kafka's
default partitioner picks one (by the key's hash, as Java clients do). The
server waits for all in-sync replicas. Kafka alone decides whether to take
the message, for example whether it is too large for the topic.`,
		Example: `  streamplane message send orders events --key order-1 --header source=cli --value '{"id": 1}'
  streamplane message send orders events --partition 1 --value-file payload.bin`,
		Args: exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			flags := cmd.Flags()
			given := func(names ...string) (n int) {
				for _, name := range names {
					if flags.Changed(name) {
						n++
					}
				}
				return n
			}
			if given("value", "value-base64", "value-file") > 1 {
				return errors.New("give the body once: --value, --value-base64 or --value-file")
			}
			if given("key", "key-base64") > 1 {
				return errors.New("give the key once: --key or --key-base64")
			}
			if flags.Changed("partition") {
				m.Partition = &partition
			}
			for _, fl := range []struct {
				name string
				from *string
				to   **string
			}{{"key", &key, &m.Key}, {"key-base64", &keyB64, &m.KeyBase64}, {"value", &value, &m.Value}, {"value-base64", &valB64, &m.ValueBase64}} {
				if flags.Changed(fl.name) {
					*fl.to = fl.from // given, even if empty: an empty key is not a missing one
				}
			}
			if valueFile != "" {
				var raw []byte
				var err error
				if valueFile == "-" {
					raw, err = io.ReadAll(os.Stdin)
				} else {
					raw, err = os.ReadFile(valueFile)
				}
				if err != nil {
					return fmt.Errorf("read --value-file: %w", err)
				}
				if utf8.Valid(raw) {
					s := string(raw)
					m.Value = &s
				} else {
					s := base64.StdEncoding.EncodeToString(raw)
					m.ValueBase64 = &s
				}
			}
			for _, h := range headers {
				k, v, ok := strings.Cut(h, "=")
				if !ok || k == "" {
					return fmt.Errorf("invalid --header %q: use key=value", h)
				}
				m.Headers = append(m.Headers, streamplane.MessageSendHeader{Key: k, Value: &v})
			}
			var err error
			if m.Timestamp, err = parseMessageTime("--timestamp", timestamp, o.now()); err != nil {
				return err
			}
			sent, err := o.client().SendMessage(cmd.Context(), args[0], args[1], m)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, sent)
			}
			fmt.Fprintf(o.stdout, "Sent to %s partition %d at offset %d (%s, %s).\n", terminalSafe(sent.Topic, false),
				sent.Partition, sent.Offset, sent.Timestamp.Format(messageTimeLayout), sent.TimestampType)
			return nil
		},
	}
	f := cmd.Flags()
	f.Int32Var(&partition, "partition", 0, "send to this partition (default: Kafka's partitioner)")
	f.StringVar(&key, "key", "", "key, as text (default: no key)")
	f.StringVar(&keyB64, "key-base64", "", "key, as base64 of its bytes")
	f.StringVar(&value, "value", "", "body, as text (default: a null body)")
	f.StringVar(&valB64, "value-base64", "", "body, as base64 of its bytes")
	f.StringVar(&valueFile, "value-file", "", "body, the bytes of this file ('-' for standard input)")
	f.StringArrayVar(&headers, "header", nil, "header as key=value; repeat for more")
	f.StringVar(&timestamp, "timestamp", "", "timestamp: RFC 3339, Unix ms, now or -DURATION (default: now)")
	return cmd
}
