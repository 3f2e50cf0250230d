package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newMetricsCommand(o *options) *cobra.Command {
	return newGroup(o, "metrics", "The metrics collected from each instance: the catalog, series over time, top lists",
		newMetricsListCommand(o),
		newMetricsQueryCommand(o),
		newMetricsTopCommand(o),
	)
}

// metricTimes is what the metric commands' help says about their range.
const metricTimes = `--from and --to take RFC 3339 times (2026-11-21T10:00:00Z), Unix
milliseconds, "now", or times relative to now such as -1h, -30m or -7d; the
default range is the last hour.`

// metricStep is what 'metrics query' adds about --step.
const metricStep = `--step is the distance between points (60s, 5m, 1h): the points inside
one step are averaged. The server keeps raw points a while, then
five-minute and hourly averages, and picks a step to fit the range when
none is given.`

func newMetricsListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list [INSTANCE]",
		Short: "List every metric: its level, unit and dimensions",
		Long: `List the metrics the server collects from every instance, at DMS's levels
(instance, broker, topic, partition, group), with their units and the
dimensions a query can filter by. Every instance has the same metrics; an
instance given is accepted and ignored.`,
		Example: `  streamplane metrics list
  streamplane metrics list -o csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("'%s' takes at most INSTANCE; got %d arguments", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := o.client().MetricCatalog(cmd.Context())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, m := range cat.Metrics {
				rows = append(rows, []string{m.Name, m.Level, m.Unit, strings.Join(m.Dimensions, ","), m.Description})
			}
			return o.printList(cat, []string{"NAME", "LEVEL", "UNIT", "DIMENSIONS", "DESCRIPTION"}, rows)
		},
	})
}

// metricFlags are the flags that select series and their range.
type metricFlags struct {
	metric            string
	broker, partition int
	topic, group      string
	from, to, step    string
}

func (m *metricFlags) add(cmd *cobra.Command, withStep bool) {
	f := cmd.Flags()
	f.StringVar(&m.metric, "metric", "", "the metric, as 'metrics list' names it (required)")
	f.IntVar(&m.broker, "broker", 0, "only the series of this broker (node id)")
	f.StringVar(&m.topic, "topic", "", "only the series of this topic")
	f.StringVar(&m.group, "group", "", "only the series of this consumer group")
	f.IntVar(&m.partition, "partition", 0, "only the series of this partition")
	f.StringVar(&m.from, "from", "", "start of the range: RFC 3339, Unix ms, now or -DURATION (default -1h)")
	f.StringVar(&m.to, "to", "", "end of the range: RFC 3339, Unix ms, now or -DURATION (default now)")
	if withStep {
		f.StringVar(&m.step, "step", "", "distance between points, a duration such as 1m, 5m or 1h (default: chosen from the range)")
	}
}

// options turns the flags into a query, checking them before the server
// sees them; relative times become RFC 3339 times here.
func (m *metricFlags) options(cmd *cobra.Command, now time.Time) (client.MetricOptions, error) {
	var opts client.MetricOptions
	if err := requireFlags(cmd, "metric"); err != nil {
		return opts, err
	}
	fl := cmd.Flags()
	if fl.Changed("broker") {
		if m.broker < 0 {
			return opts, fmt.Errorf("invalid --broker %d: a broker is a node id, 0 or more", m.broker)
		}
		opts.Broker = &m.broker
	}
	if fl.Changed("partition") {
		if m.partition < 0 {
			return opts, fmt.Errorf("invalid --partition %d: partitions count from 0", m.partition)
		}
		opts.Partition = &m.partition
	}
	if fl.Changed("topic") {
		opts.Topic = &m.topic
	}
	if fl.Changed("group") {
		opts.Group = &m.group
	}
	var err error
	if opts.From, err = parseMessageTime("--from", m.from, now); err != nil {
		return opts, err
	}
	if opts.To, err = parseMessageTime("--to", m.to, now); err != nil {
		return opts, err
	}
	if opts.From != nil && opts.To != nil && opts.From.After(*opts.To) {
		return opts, fmt.Errorf("--from %s is after --to %s", opts.From.Format(time.RFC3339), opts.To.Format(time.RFC3339))
	}
	if m.step != "" {
		d, err := time.ParseDuration(m.step)
		if err != nil || d <= 0 {
			return opts, fmt.Errorf("invalid --step %q: use a duration such as 60s, 5m or 1h", m.step)
		}
		opts.Step = d
	}
	return opts, nil
}

func newMetricsQueryCommand(o *options) *cobra.Command {
	var m metricFlags
	cmd := listCommand(&cobra.Command{
		Use:   "query INSTANCE --metric NAME [--broker N] [--topic T] [--group G] [--partition P] [--from TIME] [--to TIME] [--step DURATION]",
		Short: "Show a metric's series over a time range",
		Long: `Show the points of a metric's series over a time range, one row a point:
its time, the series' dimensions (broker, topic, partition, group) and the
value, in the metric's unit (bytes and rates in decimal units). The
dimension flags keep only the series with those values. -o json and -o csv
give the server's answer as it came, values unrounded.

` + metricTimes + "\n\n" + metricStep,
		Example: `  streamplane metrics query demo --metric broker_bytes_in_rate
  streamplane metrics query demo --metric broker_disk_usage --broker 0 --from -1d --step 1h
  streamplane metrics query demo --metric messages_remained --group billing --topic orders -o csv`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := m.options(cmd, o.now())
			if err != nil {
				return err
			}
			c := o.client()
			if o.output == outputCSV {
				return o.printText(c.MetricCSV(cmd.Context(), args[0], m.metric, opts))
			}
			list, err := c.Metric(cmd.Context(), args[0], m.metric, opts)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, list)
			}
			labels := make([]map[string]string, len(list.Series))
			for i, s := range list.Series {
				labels[i] = s.Labels
			}
			dims := usedDimensions(labels)
			t := newTable(o.stdout, append(append([]string{"TIME"}, upper(dims)...), "VALUE")...)
			for _, s := range list.Series {
				for _, p := range s.Points {
					at := time.Unix(int64(p[0]), 0).UTC().Format(time.RFC3339)
					t.row(append(append([]string{at}, labelCells(dims, s.Labels)...), metricValue(p[1], list.Unit))...)
				}
			}
			if err := t.flush(); err != nil {
				return err
			}
			if len(list.Series) == 0 {
				fmt.Fprintf(o.stderr, "No series of %s match from %s to %s.\n", list.Metric, list.From, list.To)
			}
			return nil
		},
	})
	m.add(cmd, true)
	return cmd
}

func newMetricsTopCommand(o *options) *cobra.Command {
	var (
		m metricFlags
		n int
	)
	cmd := listCommand(&cobra.Command{
		Use:   "top INSTANCE --metric NAME [--top N] [--from TIME] [--to TIME]",
		Short: "Rank a metric's series by their mean over a time range",
		Long: `Rank the series of a metric (the topics of topic_bytes_in_rate, say) by
their mean over a time range, highest first, with the latest value of each.
The dimension flags narrow the series ranked.

` + metricTimes,
		Example: `  streamplane metrics top demo --metric topic_bytes_in_rate --top 10
  streamplane metrics top demo --metric consumer_messages_remaining --from -1d`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := m.options(cmd, o.now())
			if err != nil {
				return err
			}
			if n < 1 || n > 1000 {
				return fmt.Errorf("invalid --top %d: show from 1 to 1000 series", n)
			}
			top, err := o.client().MetricTop(cmd.Context(), args[0], m.metric, opts, n)
			if err != nil {
				return err
			}
			labels := make([]map[string]string, len(top.Series))
			for i, s := range top.Series {
				labels[i] = s.Labels
			}
			dims := usedDimensions(labels)
			// CSV keeps the numbers as they came, for spreadsheets.
			value := func(v float64) string { return metricValue(v, top.Unit) }
			if o.output == outputCSV {
				value = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
			}
			var rows [][]string
			for _, s := range top.Series {
				rows = append(rows, append(labelCells(dims, s.Labels), value(s.Mean), value(s.Latest)))
			}
			if err := o.printList(top, append(upper(dims), "MEAN", "LATEST"), rows); err != nil {
				return err
			}
			if len(top.Series) == 0 && o.output == outputTable {
				fmt.Fprintf(o.stderr, "No series of %s match in that range.\n", top.Metric)
			}
			return nil
		},
	})
	m.add(cmd, false)
	cmd.Flags().IntVar(&n, "top", 10, "how many series to show, 1-1000")
	return cmd
}

// metricDimensions orders the dimensions as the catalog lists them.
var metricDimensions = []string{streamplane.DimBroker, streamplane.DimTopic, streamplane.DimPartition, streamplane.DimGroup}

// usedDimensions returns the dimensions any of the series carries.
func usedDimensions(labels []map[string]string) []string {
	var dims []string
	for _, d := range metricDimensions {
		for _, l := range labels {
			if _, ok := l[d]; ok {
				dims = append(dims, d)
				break
			}
		}
	}
	return dims
}

func labelCells(dims []string, labels map[string]string) []string {
	cells := make([]string, len(dims))
	for i, d := range dims {
		cells[i] = labels[d]
	}
	return cells
}

func upper(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToUpper(n)
	}
	return out
}

// metricValue renders a value in its unit for people: sizes and rates in
// decimal units (1.25 MB/s), percentages and times to a tenth, counts whole
// unless they are averages.
func metricValue(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	switch unit {
	case streamplane.UnitBytes:
		return humanBytes(int64(math.Round(v)))
	case streamplane.UnitBytesPerSec:
		return humanBytes(int64(math.Round(v))) + "/s"
	case streamplane.UnitPercent:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	case streamplane.UnitMilliseconds:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	case streamplane.UnitCountPerSec:
		return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
	}
	// Counts, 0/1 and units the CLI does not know: whole numbers as such,
	// averages to two places.
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
