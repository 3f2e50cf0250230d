package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

func newGroupCommand(o *options) *cobra.Command {
	return newGroup(o, "group", "Consumer groups: state, members, lag; reset offsets, delete",
		newGroupListCommand(o),
		newGroupShowCommand(o),
		newGroupResetOffsetsCommand(o),
		newGroupDeleteCommand(o),
	)
}

func newGroupListCommand(o *options) *cobra.Command {
	var (
		opts   client.GroupOptions
		states []string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "list INSTANCE",
		Short: "List an instance's consumer groups with state, coordinator, members and lag",
		Long: `List an instance's consumer groups by name, each with its state, the broker
that coordinates it, its number of members and its total lag (messages not
yet consumed: end offset minus committed offset, summed over partitions).`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.States, err = upperEnum("--state", states, streamplane.GroupStates); err != nil {
				return err
			}
			c := o.client()
			ctx := cmd.Context()
			if o.output == outputCSV {
				return o.printText(c.GroupsCSV(ctx, args[0], opts))
			}
			list, err := c.Groups(ctx, args[0], opts)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, list)
			}
			t := newTable(o.stdout, "GROUP", "STATE", "COORDINATOR", "MEMBERS", "LAG")
			for _, g := range list.Groups {
				t.row(g.Name, string(g.State), coordinator(g.Coordinator), strconv.Itoa(g.MemberCount), strconv.FormatInt(g.Lag, 10))
			}
			if err := t.flush(); err != nil {
				return err
			}
			for _, g := range list.Groups {
				if g.Error != "" {
					fmt.Fprintf(o.stderr, "Group %s: %s\n", g.Name, g.Error)
				}
			}
			o.pageHint(list.Offset, len(list.Groups), list.Total)
			return nil
		},
	})
	f := cmd.Flags()
	f.StringVar(&opts.Name, "name", "", "only groups whose name contains this, ignoring case")
	f.StringSliceVar(&states, "state", nil, "only groups in this state; repeat or separate with commas")
	f.IntVar(&opts.Offset, "offset", 0, "skip this many groups")
	f.IntVar(&opts.Limit, "limit", 0, "show at most this many groups (server default 100, at most 1000)")
	return cmd
}

func coordinator(id int32) string {
	if id < 0 {
		return ""
	}
	return strconv.Itoa(int(id))
}

func newGroupShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show INSTANCE GROUP",
		Short: "Show a consumer group: members, and per partition the offset, end offset and lag",
		Args:  exactArgs("INSTANCE", "GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := o.client().Group(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, g)
			}
			return o.printGroup(g)
		},
	}
}

func (o *options) printGroup(g *streamplane.GroupDetail) error {
	state := string(g.State)
	if g.KafkaState != "" && !strings.EqualFold(strings.ReplaceAll(state, "_", ""), g.KafkaState) {
		state += " (Kafka: " + g.KafkaState + ")"
	}
	protocol := g.Type
	if g.Type == streamplane.GroupTypeConsumer {
		protocol += " (KIP-848)"
	}
	if g.Protocol != "" {
		protocol += ", assignor " + g.Protocol
	}
	f := newFields(o.stdout)
	f.add("Group", g.Name)
	f.add("State", state)
	f.add("Protocol", protocol)
	f.add("Coordinator", coordinator(g.Coordinator))
	f.add("Members", strconv.Itoa(g.MemberCount))
	f.add("Lag", strconv.FormatInt(g.Lag, 10))
	f.add("Problem", g.Error)
	if err := f.flush(); err != nil {
		return err
	}
	if len(g.Members) > 0 {
		fmt.Fprintln(o.stdout, "\nMembers:")
		t := newTable(o.stdout, "MEMBER-ID", "CLIENT-ID", "CLIENT-HOST", "ASSIGNED")
		for _, m := range g.Members {
			var assigned []string
			for _, a := range m.Assignment {
				assigned = append(assigned, a.Topic+":"+partitionList(a.Partitions))
			}
			t.row(m.MemberID, m.ClientID, m.ClientHost, strings.Join(assigned, " "))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(g.Topics) > 0 {
		fmt.Fprintln(o.stdout, "\nOffsets:")
		t := newTable(o.stdout, "TOPIC", "PARTITION", "OFFSET", "END", "LAG")
		for _, tp := range g.Topics {
			for _, p := range tp.Partitions {
				t.row(tp.Topic, strconv.Itoa(int(p.Partition)), optInt(p.Offset), strconv.FormatInt(p.EndOffset, 10), optInt(p.Lag))
			}
		}
		return t.flush()
	}
	return nil
}

// partitionList renders partitions compactly: 0-3,7.
func partitionList(ps []int32) string {
	var parts []string
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1] == ps[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", ps[i], ps[j]))
		} else {
			parts = append(parts, strconv.Itoa(int(ps[i])))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

func optInt(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func newGroupResetOffsetsCommand(o *options) *cobra.Command {
	var (
		req       streamplane.OffsetResetRequest
		to        string
		partition int32
	)
	cmd := &cobra.Command{
		Use:   "reset-offsets INSTANCE GROUP --topic T --to TARGET",
		Short: "Move a consumer group's offsets in a topic or one partition",
		Long: `Move a consumer group's committed offsets in a topic (every partition) or in
one partition of it, so that its consumers resume from there. TARGET is one of:

  earliest                       the oldest record still kept
  latest                         the end: skip everything not yet consumed
  timestamp=2026-11-21T10:00:00Z the first record at or after that time
                                 (the end where there is none)
  offset=42                      that offset, clamped to the partition's
                                 first and end offsets

Refused while the group has members: stop its consumers first. A group that
does not exist yet is created with these offsets. --dry-run shows the new
offsets without committing them.`,
		Example: `  streamplane group reset-offsets orders billing --topic payments --to earliest
  streamplane group reset-offsets orders billing --topic payments --partition 2 --to offset=42
  streamplane group reset-offsets orders billing --topic payments --to timestamp=2026-11-21T10:00:00Z --dry-run`,
		Args: exactArgs("INSTANCE", "GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "topic", "to"); err != nil {
				return err
			}
			if err := req.SetTarget(to); err != nil {
				return fmt.Errorf("invalid --to %q: %s", to, streamplane.ErrorMessage(err))
			}
			if cmd.Flags().Changed("partition") {
				req.Partition = &partition
			}
			out, err := o.client().ResetOffsets(cmd.Context(), args[0], args[1], req)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, out)
			}
			t := newTable(o.stdout, "PARTITION", "OLD-OFFSET", "NEW-OFFSET", "CLAMPED")
			clamped := 0
			for _, p := range out.Partitions {
				t.row(strconv.Itoa(int(p.Partition)), optInt(p.OldOffset), strconv.FormatInt(p.NewOffset, 10), yesNo(p.Clamped))
				if p.Clamped {
					clamped++
				}
			}
			if err := t.flush(); err != nil {
				return err
			}
			verb := "Reset"
			if out.DryRun {
				verb = "Dry run, nothing committed: would reset"
			}
			fmt.Fprintf(o.stdout, "%s group %s in topic %s to %s: %d partition(s)", verb, out.Group, out.Topic, req.Describe(), len(out.Partitions))
			if clamped > 0 {
				fmt.Fprintf(o.stdout, ", %d clamped to the partition's first or end offset", clamped)
			}
			fmt.Fprintln(o.stdout, ".")
			switch {
			case out.Created && out.DryRun:
				fmt.Fprintf(o.stdout, "Group %s does not exist; the reset would create it.\n", out.Group)
			case out.Created:
				fmt.Fprintf(o.stdout, "Group %s did not exist; it was created.\n", out.Group)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Topic, "topic", "", "the topic whose offsets to move (required)")
	f.Int32Var(&partition, "partition", 0, "only this partition (default: all of the topic's)")
	f.StringVar(&to, "to", "", "earliest, latest, timestamp=RFC3339 or offset=N (required)")
	f.BoolVar(&req.DryRun, "dry-run", false, "show the new offsets without committing them")
	return cmd
}

func newGroupDeleteCommand(o *options) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "delete INSTANCE GROUP... --yes",
		Short: "Delete one or more consumer groups and their committed offsets",
		Long: `Delete consumer groups with their committed offsets. Only an EMPTY group (one
with no members) can be deleted; the others are refused and reported, and
the command then exits with status 1.`,
		Args: minArgs("INSTANCE", "GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			instance, groups := args[0], args[1:]
			if !confirmed {
				return fmt.Errorf("not deleting %s: deletion removes the groups' committed offsets; add --yes to confirm", strings.Join(groups, ", "))
			}
			results, err := o.client().DeleteGroups(cmd.Context(), instance, groups...)
			if err != nil {
				return err
			}
			if o.json() {
				if err := printJSON(o.stdout, wire.GroupDeleteResults{Results: results}); err != nil {
					return err
				}
			}
			targets := make([]string, len(results))
			errs := make([]error, len(results))
			for i, r := range results {
				targets[i], errs[i] = r.Group, r.Err()
				if r.Deleted && !o.json() {
					fmt.Fprintf(o.stdout, "Deleted group %s.\n", r.Group)
				}
			}
			return o.report(targets, errs)
		},
	}
	cmd.Flags().BoolVar(&confirmed, "yes", false, "confirm the deletion")
	return cmd
}
