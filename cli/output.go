package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
)

// printJSON writes v as the API does: indented, one document.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns. Empty cells show as "-" so that columns
// stay countable for people and for awk.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		// A tab or newline in a name or message would break the columns.
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// fields writes "Label:  value" lines, aligned, skipping empty values.
type fields struct{ tw *tabwriter.Writer }

func newFields(w io.Writer) *fields {
	return &fields{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

func (f *fields) add(label, value string) {
	if value != "" {
		fmt.Fprintf(f.tw, "%s:\t%s\n", label, value)
	}
}

func (f *fields) flush() error { return f.tw.Flush() }

// writeCSV writes a header and rows. Cells a spreadsheet would run as a
// formula are defused, as the server does for its own CSV.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	cw.Write(header)
	for _, r := range rows {
		for i, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				r[i] = "'" + c
			}
		}
		cw.Write(r)
	}
	cw.Flush()
	return cw.Error()
}

// printList renders a list: the API's answer as JSON, or the rows as a
// table or as CSV with the header in snake case (MAX-PARTITIONS becomes
// max_partitions).
func (o *options) printList(api any, header []string, rows [][]string) error {
	switch o.output {
	case outputJSON:
		return printJSON(o.stdout, api)
	case outputCSV:
		names := make([]string, len(header))
		for i, h := range header {
			names[i] = strings.ToLower(strings.NewReplacer("-", "_", "/", "_per_").Replace(h))
		}
		return writeCSV(o.stdout, names, rows)
	}
	t := newTable(o.stdout, header...)
	for _, r := range rows {
		t.row(r...)
	}
	return t.flush()
}

// printText writes a text answer of the API, such as a list's own CSV
// export, as it came.
func (o *options) printText(text string, err error) error {
	if err != nil {
		return err
	}
	_, err = io.WriteString(o.stdout, text)
	return err
}

// pageHint tells people, on stderr, that a list shows one page of more.
func (o *options) pageHint(offset, n, total int) {
	if shown := offset + n; shown < total {
		fmt.Fprintf(o.stderr, "Showing %d-%d of %d; use --offset and --limit for the rest.\n", offset+1, shown, total)
	}
}

// humanBytes renders a size in decimal units, as storage is sold and as the
// API counts it, to three significant digits: 512 B, 1.25 GB, 10.0 GB.
func humanBytes(n int64) string {
	if n < 0 {
		return fmt.Sprintf("%d B", n) // not a size; show it as it came
	}
	return humanize.BytesN(uint64(n), 3)
}

// gbBytes converts the API's storage sizes, in decimal GB, to bytes.
func gbBytes(gb int) int64 { return int64(gb) * 1e9 }

// age renders how long ago t was, in the largest unit that fits: 45s, 12m,
// 5h, 3d.
func age(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// timestamp renders t as RFC 3339 with its age, for detail views.
func timestamp(now time.Time, t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339) + " (" + age(now, *t) + " ago)"
}

func rfc3339(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// shorten cuts s to at most n characters, ending a cut one in "…".
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// printLog prints a log's text as the API answered it, ending in a line
// break; with -o json, as {"log": text}, so that the output stays JSON.
func printLog(o *options, text string) error {
	if o.json() {
		return printJSON(o.stdout, map[string]any{"log": text})
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	_, err := io.WriteString(o.stdout, text)
	return err
}
