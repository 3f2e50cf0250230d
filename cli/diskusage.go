package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

func newInstanceDiskUsageCommand(o *options) *cobra.Command {
	var (
		filter  streamplane.DiskUsageFilter
		minSize = sizeFlag{}
	)
	cmd := &cobra.Command{
		Use:   "disk-usage NAME_OR_ID",
		Short: "Show disk use per broker and the topics using the most",
		Long: `Show each broker's disk use against its storage, then the topics taking the
most disk (all replicas), biggest first, with their share of the instance's
storage. Storage counts decimal units, as disks are sold: 1 GB is 10^9 bytes.`,
		Example: `  streamplane instance disk-usage orders
  streamplane instance disk-usage orders --top 50 --min-size 1GB
  streamplane instance disk-usage orders --min-percent 5`,
		Args: exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter.MinBytes = minSize.bytes
			du, err := o.client().DiskUsage(cmd.Context(), args[0], filter)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, du)
			}
			f := newFields(o.stdout)
			f.add("Storage", fmt.Sprintf("%s used of %s (%.2f%%)", humanBytes(du.UsedBytes), humanBytes(du.TotalBytes), du.Percent))
			if err := f.flush(); err != nil {
				return err
			}
			fmt.Fprintln(o.stdout)
			t := newTable(o.stdout, "BROKER", "USED", "TOTAL", "USE")
			var problems []string
			for _, b := range du.Brokers {
				used := humanBytes(b.UsedBytes)
				if b.Error != "" {
					used = "unknown"
					problems = append(problems, fmt.Sprintf("Broker %d: %s", b.Broker, b.Error))
				}
				t.row(strconv.Itoa(b.Broker), used, humanBytes(b.TotalBytes), fmt.Sprintf("%.2f%%", b.Percent))
			}
			if err := t.flush(); err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Fprintln(o.stdout, p)
			}
			fmt.Fprintln(o.stdout)
			if len(du.Topics) == 0 {
				fmt.Fprintln(o.stdout, "No topic matches.")
				return nil
			}
			t = newTable(o.stdout, "TOPIC", "DISK", "DATA", "SHARE")
			for _, tp := range du.Topics {
				name := tp.Name
				if tp.Internal {
					name += " (internal)"
				}
				t.row(name, humanBytes(tp.DiskBytes), humanBytes(tp.SizeBytes), fmt.Sprintf("%.2f%%", tp.Percent))
			}
			if err := t.flush(); err != nil {
				return err
			}
			if len(du.Topics) < du.Matched {
				fmt.Fprintf(o.stderr, "Showing the %d biggest of %d matching topics; use --top for more.\n", len(du.Topics), du.Matched)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&filter.Top, "top", 10, "show this many of the biggest topics, 1-1000")
	fl.Var(&minSize, "min-size", "only topics taking at least this much disk, such as 500MB, 1GB or 1GiB")
	fl.Float64Var(&filter.MinPercent, "min-percent", 0, "only topics taking at least this percentage of the instance's storage")
	return cmd
}

// sizeFlag is a byte size given with a unit: B, kB/KB, MB, GB, TB (powers
// of 1000) or KiB, MiB, GiB, TiB (powers of 1024); a bare number is bytes.
type sizeFlag struct {
	bytes int64
	text  string
}

func (s *sizeFlag) String() string { return s.text }
func (s *sizeFlag) Type() string   { return "size" }

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	s.bytes, s.text = n, v
	return nil
}

func parseSize(v string) (int64, error) {
	n, err := humanize.ParseBytes(strings.TrimSpace(v))
	if err != nil || n > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size: give a number with a unit such as 500MB, 1GB or 1GiB", v)
	}
	return int64(n), nil
}
