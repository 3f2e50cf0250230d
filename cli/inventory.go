package cli

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

func newMigrationInventoryCommand(o *options) *cobra.Command {
	var (
		src    sourceFlags
		sample int
	)
	cmd := &cobra.Command{
		Use:   "inventory --source-bootstrap HOST:PORT[,...] [source flags] [--sample-seconds N]",
		Short: "Survey a Kafka cluster before migrating it, and the instance it would take",
		Long: `Survey a source cluster before a migration: the server connects to it, reads
it and measures its traffic over --sample-seconds (1-300), and changes
nothing there. It shows

  - its topics: partitions, replication factor, size (the data once), bytes
    in per second over the sample, the last write and the configs set on
    the topic; INACTIVE marks a topic that holds no records, or had none
    written in 7 days nor during the sample;
  - its consumer groups: state, members, lag and topics;
  - its ACLs, or why they could not be read;
  - the recommended instance: flavor, broker count and storage per broker.
    The rate is an average over the sample: check it against the source's
    peak.

With SASL, give the source user with --source-user and its password on the
first line of standard input with --source-password-stdin; the server uses
it for this read only and keeps nothing. -o csv prints the topics, -o json
the whole inventory as the API answers it.`,
		Example: `  streamplane migration inventory --source-bootstrap old1:9092,old2:9092
  printf '%s\n' "$SOURCE_PASSWORD" | streamplane migration inventory --source-bootstrap old1:9093 \
      --source-security sasl_ssl --source-user mirror --source-password-stdin --source-ca old-ca.pem --sample-seconds 60 -o csv`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "source-bootstrap"); err != nil {
				return err
			}
			// The client sends 0 as "the server's default": refuse it here.
			if sample < 1 {
				return fmt.Errorf("--sample-seconds must be 1 or more (at most 300), not %d", sample)
			}
			source, err := src.source(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(o.stderr, "Reading the source and sampling its traffic for %d s...\n", sample)
			inv, err := o.client().Inventory(cmd.Context(), source, sample)
			if err != nil {
				return err
			}
			switch o.output {
			case outputJSON:
				return printJSON(o.stdout, inv)
			case outputCSV:
				return writeCSV(o.stdout, inventoryCSVHeader, inventoryCSVRows(inv))
			}
			return o.printInventory(inv)
		},
	}
	src.add(cmd)
	cmd.Flags().IntVar(&sample, "sample-seconds", 30, "how long to measure the source's traffic, 1-300 seconds")
	// -o csv prints the topics, a list.
	return listCommand(cmd)
}

// inventoryCSVHeader names the columns of -o csv: one row per topic, raw
// numbers, so that a spreadsheet can sum and sort them.
var inventoryCSVHeader = []string{"name", "partitions", "replication_factor", "size_bytes", "records", "bytes_in_per_sec",
	"records_in_per_sec", "last_write", "inactive", "configs"}

func inventoryCSVRows(inv *streamplane.Inventory) [][]string {
	rows := make([][]string, 0, len(inv.Topics))
	for _, t := range inv.Topics {
		rows = append(rows, []string{t.Name, strconv.Itoa(t.Partitions), strconv.Itoa(t.ReplicationFactor), i64(t.SizeBytes), i64(t.Records),
			rate(t.BytesInPerSec), rate(t.RecordsInPerSec), rfc3339(t.LastWrite), strconv.FormatBool(t.Inactive), configList(t.Configs)})
	}
	return rows
}

func rate(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) }

// configList renders a topic's own configs as name=value, sorted by name.
func configList(configs map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		out = append(out, k+"="+configs[k])
	}
	return strings.Join(out, ",")
}

// printInventory renders the inventory for people: a summary, the topics,
// the groups, the ACLs, then the recommendation; what could not be read
// goes to stderr.
func (o *options) printInventory(inv *streamplane.Inventory) error {
	now := o.now()
	f := newFields(o.stdout)
	f.add("Cluster", inv.ClusterID)
	brokers := strconv.Itoa(inv.Brokers)
	if inv.Controller >= 0 {
		brokers += fmt.Sprintf(" (controller %d)", inv.Controller)
	}
	f.add("Brokers", brokers)
	f.add("Topics", fmt.Sprintf("%d, %d partitions", len(inv.Topics), inv.Partitions))
	f.add("Size", humanBytes(inv.SizeBytes)+" (leader replicas: the data once)")
	f.add("In", humanBytes(int64(inv.BytesInPerSec))+"/s")
	f.add("Sample", fmt.Sprintf("%.0f s, ended %s", inv.SampleSeconds, timestamp(now, &inv.TakenAt)))
	f.add("Groups", strconv.Itoa(len(inv.Groups)))
	if err := f.flush(); err != nil {
		return err
	}

	fmt.Fprintln(o.stdout)
	t := newTable(o.stdout, "TOPIC", "PARTITIONS", "RF", "SIZE", "IN/S", "LAST-WRITE", "ACTIVITY", "CONFIGS")
	for _, tp := range inv.Topics {
		last, activity := "", "active"
		if tp.LastWrite != nil {
			last = age(now, *tp.LastWrite) + " ago"
		}
		if tp.Inactive {
			activity = "INACTIVE"
		}
		t.row(tp.Name, strconv.Itoa(tp.Partitions), strconv.Itoa(tp.ReplicationFactor), humanBytes(tp.SizeBytes),
			humanBytes(int64(tp.BytesInPerSec))+"/s", last, activity, shorten(configList(tp.Configs), 60))
	}
	if err := t.flush(); err != nil {
		return err
	}

	fmt.Fprintln(o.stdout)
	if len(inv.Groups) == 0 {
		fmt.Fprintln(o.stdout, "Groups: none.")
	} else {
		t = newTable(o.stdout, "GROUP", "STATE", "MEMBERS", "LAG", "TOPICS")
		for _, g := range inv.Groups {
			t.row(g.Group, g.State, strconv.Itoa(g.Members), i64(g.Lag), strings.Join(g.Topics, ","))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(o.stdout)
	switch {
	case !inv.ACLsReadable:
		fmt.Fprintf(o.stdout, "ACLs: not read: %s.\n", strings.TrimSuffix(inv.ACLsReason, "."))
	case len(inv.ACLs) == 0 && inv.ACLsReason != "":
		fmt.Fprintf(o.stdout, "ACLs: none (%s).\n", strings.TrimSuffix(inv.ACLsReason, "."))
	case len(inv.ACLs) == 0:
		fmt.Fprintln(o.stdout, "ACLs: none.")
	default:
		t = newTable(o.stdout, "PRINCIPAL", "HOST", "RESOURCE", "NAME", "PATTERN", "OPERATION", "PERMISSION")
		for _, a := range inv.ACLs {
			t.row(a.Principal, a.Host, a.ResourceType, a.ResourceName, a.PatternType, a.Operation, a.Permission)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(o.stdout)
	r := inv.Recommendation
	if r.Fits {
		fmt.Fprintf(o.stdout, "Recommended: %s × %d brokers, %d GB storage per broker.\n", r.Flavor, r.Brokers, r.StorageGBPerBroker)
	} else {
		fmt.Fprintln(o.stdout, "Recommended: no single instance holds this source.")
	}
	fmt.Fprintf(o.stdout, "Why: %s\n", r.Reason)

	// (A truncated inventory says so among its warnings.)
	for _, w := range inv.Warnings {
		fmt.Fprintf(o.stderr, "warning: %s\n", w)
	}
	return nil
}
