package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newTopicCommand(o *options) *cobra.Command {
	return newGroup(o, "topic", "Create and manage the topics of an instance",
		newTopicCreateCommand(o),
		newTopicListCommand(o),
		newTopicShowCommand(o),
		newTopicUpdateCommand(o),
		newTopicDeleteCommand(o),
		newTopicSampleCodeCommand(o),
		newTopicElectLeadersCommand(o),
		newTopicReassignCommand(o),
		newTopicGrantCommand(o),
		newTopicRevokeCommand(o),
		newTopicGrantsCommand(o),
	)
}

func newTopicCreateCommand(o *options) *cobra.Command {
	var (
		spec    streamplane.TopicSpec
		configs []string
	)
	cmd := &cobra.Command{
		Use:   "create INSTANCE TOPIC",
		Short: "Create a topic",
		Long: `Create a topic, then show it. The name has 3-200 letters, digits, '.', '_' or
'-'. Replicas cannot change later. The instance's partition limit (its
flavor's partitions per broker times its brokers) counts every partition of
every topic but Kafka's internal ones.`,
		Example: `  streamplane topic create orders payments --partitions 6 --replicas 3 --retention-hours 72
  streamplane topic create orders audit --sync-replication --sync-flush --config cleanup.policy=compact`,
		Args: exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if spec.Configs, err = parseKeyValues("--config", configs, "key=value, such as cleanup.policy=compact"); err != nil {
				return err
			}
			spec.Name = args[1]
			d, err := o.client().CreateTopic(cmd.Context(), args[0], spec)
			if err != nil {
				return err
			}
			return o.printTopic(d)
		},
	}
	f := cmd.Flags()
	f.IntVar(&spec.Partitions, "partitions", 0, "partitions, 1-100 (default 3)")
	f.IntVar(&spec.Replicas, "replicas", 0, "replicas, 1-3 and at most the instance's brokers (default: min(3, brokers))")
	f.IntVar(&spec.RetentionHours, "retention-hours", 0, "aging time in hours, 1-720 (default 72); overrides the instance's log.retention.hours")
	f.BoolVar(&spec.SyncReplication, "sync-replication", false, "writes with acks=all wait for every replica (needs 2 or more replicas)")
	f.BoolVar(&spec.SyncFlush, "sync-flush", false, "flush every message to disk")
	f.StringArrayVar(&configs, "config", nil, "other topic config as key=value, passed to Kafka; repeat for more")
	return cmd
}

func newTopicListCommand(o *options) *cobra.Command {
	var opts client.TopicListOptions
	cmd := listCommand(&cobra.Command{
		Use:   "list INSTANCE",
		Short: "List an instance's topics",
		Long: `List an instance's topics by name: partitions, replicas, retention,
synchronous replication and flushing, size (the leader replicas' data),
disk (all replicas) and under-replicated partitions. Kafka's internal
topics show only with --internal. -o csv exports the list.`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := o.client()
			ctx := cmd.Context()
			if o.output == outputCSV {
				return o.printText(c.TopicsCSV(ctx, args[0], opts))
			}
			list, err := c.Topics(ctx, args[0], opts)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, list)
			}
			t := newTable(o.stdout, "NAME", "PARTITIONS", "REPLICAS", "RETENTION", "SYNC-REPLICATION", "SYNC-FLUSH", "SIZE", "DISK", "UNDER-REPLICATED")
			for _, tp := range list.Topics {
				t.row(tp.Name, strconv.Itoa(tp.Partitions), strconv.Itoa(tp.Replicas), retentionText(tp.RetentionMs),
					onOff(tp.SyncReplication), onOff(tp.SyncFlush), humanBytes(tp.SizeBytes), humanBytes(tp.DiskBytes), strconv.Itoa(tp.UnderReplicated))
			}
			if err := t.flush(); err != nil {
				return err
			}
			fmt.Fprintf(o.stderr, "%d topic(s); %d of %d partitions in use.\n", list.Total, list.PartitionsUsed, list.PartitionLimit)
			o.pageHint(list.Offset, len(list.Topics), list.Total)
			return nil
		},
	})
	cmd.Flags().StringVar(&opts.Name, "name", "", "only topics whose name contains this, ignoring case")
	cmd.Flags().BoolVar(&opts.Internal, "internal", false, "include Kafka's internal topics (__consumer_offsets, …)")
	cmd.Flags().IntVar(&opts.Offset, "offset", 0, "skip this many topics (sorted by name)")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "at most this many topics (default: the server's, 1,000)")
	return cmd
}

// retentionText renders a retention.ms: in hours when whole, else exact.
func retentionText(ms int64) string {
	switch {
	case ms < 0:
		return "forever"
	case ms%streamplane.HourMs == 0:
		return fmt.Sprintf("%d h", ms/streamplane.HourMs)
	}
	return fmt.Sprintf("%d ms", ms)
}

func newTopicShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show INSTANCE TOPIC",
		Short: "Show a topic: its partitions with leader, replicas, ISR, size and offsets; its configs",
		Args:  exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := o.client().Topic(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return o.printTopic(d)
		},
	}
}

// printTopic shows a topic as JSON or as a detail view with its partition
// and config tables.
func (o *options) printTopic(d *streamplane.TopicDetail) error {
	if o.json() {
		return printJSON(o.stdout, d)
	}
	tp := d.Topic
	f := newFields(o.stdout)
	f.add("Name", tp.Name)
	if tp.Internal {
		f.add("Internal", "yes (Kafka's own topic)")
	}
	f.add("Partitions", strconv.Itoa(tp.Partitions))
	f.add("Replicas", strconv.Itoa(tp.Replicas))
	f.add("Retention", retentionText(tp.RetentionMs))
	f.add("Sync replication", onOff(tp.SyncReplication))
	f.add("Sync flush", onOff(tp.SyncFlush))
	f.add("Size", humanBytes(tp.SizeBytes)+" (disk, all replicas: "+humanBytes(tp.DiskBytes)+")")
	f.add("Under-replicated", fmt.Sprintf("%d partition(s)", tp.UnderReplicated))
	if err := f.flush(); err != nil {
		return err
	}

	fmt.Fprintln(o.stdout)
	t := newTable(o.stdout, "PARTITION", "LEADER", "REPLICAS", "ISR", "SIZE", "START", "END")
	for _, p := range d.Partitions {
		leader := strconv.Itoa(p.Leader)
		if p.Leader < 0 {
			leader = "none"
		}
		isr := joinIDs(p.ISR)
		if p.UnderReplicated {
			isr += " (under-replicated)"
		}
		t.row(strconv.Itoa(p.Partition), leader, joinIDs(p.Replicas), isr, humanBytes(p.SizeBytes),
			strconv.FormatInt(p.StartOffset, 10), strconv.FormatInt(p.EndOffset, 10))
	}
	if err := t.flush(); err != nil {
		return err
	}

	if len(d.Configs) > 0 {
		fmt.Fprintln(o.stdout)
		t = newTable(o.stdout, "CONFIG", "VALUE", "SOURCE")
		for _, c := range d.Configs {
			value := c.Value
			if c.Sensitive {
				value = "(hidden)"
			}
			t.row(c.Name, value, c.Source)
		}
		return t.flush()
	}
	return nil
}

// joinIDs renders broker ids as 0,1,2.
func joinIDs(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

func newTopicUpdateCommand(o *options) *cobra.Command {
	var (
		partitions, retention int
		syncRepl, syncFlush   bool
		configs, deletes      []string
	)
	cmd := &cobra.Command{
		Use:   "update INSTANCE TOPIC",
		Short: "Change a topic's partitions, retention, sync settings or configs",
		Long: `Change a topic, then show it. Partitions can only be added. Turning
synchronous replication off or synchronous flushing off removes the topic's
min.insync.replicas or flush.messages; --delete-config removes any other
override, so the topic follows the instance's setting again.`,
		Example: `  streamplane topic update orders payments --partitions 12 --retention-hours 24
  streamplane topic update orders payments --sync-replication=false --config max.message.bytes=2097152
  streamplane topic update orders payments --delete-config cleanup.policy`,
		Args: exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var upd streamplane.TopicUpdate
			flags := cmd.Flags()
			if flags.Changed("partitions") {
				upd.Partitions = &partitions
			}
			if flags.Changed("retention-hours") {
				upd.RetentionHours = &retention
			}
			if flags.Changed("sync-replication") {
				upd.SyncReplication = &syncRepl
			}
			if flags.Changed("sync-flush") {
				upd.SyncFlush = &syncFlush
			}
			var err error
			if upd.Configs, err = parseKeyValues("--config", configs, "key=value, such as cleanup.policy=compact"); err != nil {
				return err
			}
			upd.DeleteConfigs = deletes
			if upd.Partitions == nil && upd.RetentionHours == nil && upd.SyncReplication == nil && upd.SyncFlush == nil &&
				upd.Configs == nil && upd.DeleteConfigs == nil {
				return fmt.Errorf("nothing to change: give --partitions, --retention-hours, --sync-replication, --sync-flush, --config or --delete-config")
			}
			d, err := o.client().UpdateTopic(cmd.Context(), args[0], args[1], upd)
			if err != nil {
				return err
			}
			return o.printTopic(d)
		},
	}
	f := cmd.Flags()
	f.IntVar(&partitions, "partitions", 0, "new partition count, up to 100; partitions can only be added")
	f.IntVar(&retention, "retention-hours", 0, "aging time in hours, 1-720")
	f.BoolVar(&syncRepl, "sync-replication", false, "writes with acks=all wait for every replica; =false turns it off")
	f.BoolVar(&syncFlush, "sync-flush", false, "flush every message to disk; =false turns it off")
	f.StringArrayVar(&configs, "config", nil, "set a topic config as key=value; repeat for more")
	f.StringArrayVar(&deletes, "delete-config", nil, "remove the topic's override of this config; repeat for more")
	return cmd
}

func newTopicDeleteCommand(o *options) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "delete INSTANCE TOPIC... --yes",
		Short: "Delete one or more topics and their messages",
		Long: `Delete topics and all their messages. Each topic is deleted or refused on its
own: one that does not exist is reported, the others are deleted, and the
command then exits with status 1. Kafka's internal topics are never deleted.`,
		Args: minArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !confirmed {
				return fmt.Errorf("not deleting %s: deletion removes the topics and all their messages; add --yes to confirm", strings.Join(args[1:], ", "))
			}
			results, err := o.client().DeleteTopics(cmd.Context(), args[0], args[1:]...)
			if err != nil {
				return err
			}
			if o.json() {
				if err := printJSON(o.stdout, map[string]any{"results": results}); err != nil {
					return err
				}
			}
			targets := make([]string, len(results))
			errs := make([]error, len(results))
			for i, r := range results {
				targets[i], errs[i] = r.Topic, r.Err()
				if r.Deleted && !o.json() {
					fmt.Fprintf(o.stdout, "Deleted topic %s.\n", r.Topic)
				}
			}
			return o.report(targets, errs)
		},
	}
	cmd.Flags().BoolVar(&confirmed, "yes", false, "confirm the deletion")
	return cmd
}

func newTopicElectLeadersCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "elect-leaders INSTANCE [TOPIC...]",
		Short: "Move partition leadership back to each partition's preferred replica",
		Long: `Preferred leader election: each partition of the topics named, or of every
topic when none is named, is led again by the first replica of its list,
where that replica is in sync. After restarts and reassignments leaders pile
up on the brokers that stayed up; this spreads them as the replica lists do.
A partition whose preferred replica is not in sync is left as it is and
reported; the command then exits with status 1.`,
		Example: `  streamplane topic elect-leaders orders
  streamplane topic elect-leaders orders payments refunds`,
		Args: minArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := o.client().ElectLeaders(cmd.Context(), args[0], args[1:]...)
			if err != nil {
				return err
			}
			if o.json() {
				if err := printJSON(o.stdout, e); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(o.stdout, "Elected the preferred leader of %d partition(s); %d already had it.\n", e.Elected, e.AlreadyPreferred)
				if len(e.Failed) > 0 {
					t := newTable(o.stdout, "TOPIC", "PARTITION", "NOT ELECTED BECAUSE")
					for _, f := range e.Failed {
						t.row(f.Topic, strconv.Itoa(int(f.Partition)), f.Error)
					}
					if err := t.flush(); err != nil {
						return err
					}
				}
			}
			if len(e.Failed) > 0 {
				return fmt.Errorf("%d partition(s) kept their leader", len(e.Failed))
			}
			return nil
		},
	}
}

func newTopicSampleCodeCommand(o *options) *cobra.Command {
	var lang, listener string
	cmd := &cobra.Command{
		Use:   "sample-code INSTANCE TOPIC --lang java|go|python",
		Short: "Print a producer and consumer program for a topic",
		Long: `Print a runnable program that produces a message to the topic and consumes
it back, filled in with the instance's bootstrap servers and the listener's
security settings. The program goes to stdout and how to run it to stderr,
so that '> main.go' keeps only the code.`,
		Example: `  streamplane topic sample-code orders payments --lang go > main.go
  streamplane topic sample-code orders payments --lang java > StreamplaneSample.java`,
		Args: exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "lang"); err != nil {
				return err
			}
			sc, err := o.client().SampleCode(cmd.Context(), args[0], args[1], lang, listener)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, sc)
			}
			fmt.Fprintf(o.stderr, "# %s for %s on %s (%s listener, %s). Needs %s.\n# Save as %s, then: %s\n",
				sc.Language, sc.Topic, sc.Instance, sc.Listener, sc.SecurityProtocol, sc.Dependencies, sc.Filename, sc.Run)
			_, err = io.WriteString(o.stdout, sc.Code)
			return err
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "", "language: java, go or python (required)")
	cmd.Flags().StringVar(&listener, "listener", "", "the listener to connect through, from 'instance show' (default: the private one)")
	return cmd
}
