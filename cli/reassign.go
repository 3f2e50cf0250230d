package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	streamplane "github.com/streamplane/streamplane"
)

func newTopicReassignCommand(o *options) *cobra.Command {
	var (
		req            streamplane.ReassignRequest
		brokers        []int
		planFile       string
		status, cancel bool
	)
	cmd := &cobra.Command{
		Use:   "reassign INSTANCE [TOPIC...] [--brokers 0,1,3] [--replicas N] | --plan FILE | --status | --cancel",
		Short: "Move topics' partition replicas between brokers",
		Long: `Move partition replicas between brokers, through Kafka's reassignment (KIP-455).

With topics named, Streamplane plans the moves: each partition on --brokers
(default: every broker) with --replicas replicas (default: as it has),
replicas of a partition in different zones where there are enough, replicas
and preferred leaders even across the brokers, and as few replicas copied as
that allows. With --plan, the file gives each partition's replica list, in
kafka-reassign-partitions' format ({"partitions": [{"topic": …, "partition":
…, "replicas": […]}]}); the first replica is the preferred leader.

--throttle-mbps limits the copying on every broker until the moves end;
--dry-run prints the plan and moves nothing. The move is a task that holds
the instance (no other change meanwhile) until every replica has moved,
then removes the throttle and elects the preferred leaders. --status shows
what is moving and how far it got; --cancel stops the moves where they are.`,
		Example: `  streamplane topic reassign orders payments --brokers 0,1,3 --replicas 3 --throttle-mbps 10
  streamplane topic reassign orders payments --dry-run
  streamplane topic reassign orders --plan plan.json
  streamplane topic reassign orders --status`,
		Args: minArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ctx, instance := o.client(), cmd.Context(), args[0]
			switch {
			case status || cancel:
				if len(args) > 1 || planFile != "" || cmd.Flags().Changed("brokers") || cmd.Flags().Changed("replicas") {
					return fmt.Errorf("--status and --cancel take only the instance")
				}
				get := c.ReassignStatus
				if cancel {
					get = c.CancelReassignment
				}
				st, err := get(ctx, instance)
				if err != nil {
					return err
				}
				return o.printReassignStatus(st)
			case planFile != "":
				if len(args) > 1 {
					return fmt.Errorf("--plan gives the partitions itself; name no topics with it")
				}
				raw, err := os.ReadFile(planFile)
				if err != nil {
					return err
				}
				var file struct {
					Partitions []streamplane.PartitionAssignment `json:"partitions"`
				}
				if err := json.Unmarshal(raw, &file); err != nil {
					return fmt.Errorf("%s: not a reassignment plan: %w", planFile, err)
				}
				req.Assignments = file.Partitions
			default:
				req.Topics = args[1:]
			}
			for _, b := range brokers {
				req.Brokers = append(req.Brokers, int32(b))
			}
			plan, err := c.Reassign(ctx, instance, req)
			if err != nil {
				return err
			}
			return o.printReassignPlan(plan)
		},
	}
	f := cmd.Flags()
	f.IntSliceVar(&brokers, "brokers", nil, "the brokers to place the topics on (default: every broker)")
	f.IntVar(&req.Replicas, "replicas", 0, "replicas per partition (default: as each partition has)")
	f.StringVar(&planFile, "plan", "", "a manual plan: each partition's replica list")
	f.IntVar(&req.ThrottleMBps, "throttle-mbps", 0, "limit the copying to this many MB/s per broker")
	f.BoolVar(&req.DryRun, "dry-run", false, "print the plan and move nothing")
	f.BoolVar(&status, "status", false, "show the moves in progress")
	f.BoolVar(&cancel, "cancel", false, "stop the moves in progress where they are")
	return cmd
}

func (o *options) printReassignPlan(p *streamplane.ReassignPlan) error {
	if o.json() {
		return printJSON(o.stdout, p)
	}
	verb := "Moved"
	if p.DryRun {
		verb = "Would move"
	}
	fmt.Fprintf(o.stdout, "%s %d partition(s), %s to copy.\n", verb, len(p.Moves), humanBytes(p.BytesToMove))
	if len(p.Moves) > 0 {
		t := newTable(o.stdout, "TOPIC", "PARTITION", "FROM", "TO", "COPIED")
		for _, m := range p.Moves {
			t.row(m.Topic, strconv.Itoa(int(m.Partition)), ids(m.From), ids(m.To), humanBytes(m.Bytes))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(o.stdout)
	t := newTable(o.stdout, "BROKER", "REPLICAS", "LEADERS")
	for _, b := range p.Brokers {
		t.row(strconv.Itoa(int(b.Broker)), fmt.Sprintf("%d → %d", b.ReplicasBefore, b.ReplicasAfter), fmt.Sprintf("%d → %d", b.LeadersBefore, b.LeadersAfter))
	}
	return t.flush()
}

func (o *options) printReassignStatus(st *streamplane.ReassignStatus) error {
	if o.json() {
		return printJSON(o.stdout, st)
	}
	if len(st.InProgress) == 0 {
		fmt.Fprintln(o.stdout, "No partition is moving.")
		return nil
	}
	fmt.Fprintf(o.stdout, "%d partition(s) moving: %s of %s copied", len(st.InProgress), humanBytes(st.BytesMoved), humanBytes(st.BytesToMove))
	if st.ThrottleMBps > 0 {
		fmt.Fprintf(o.stdout, ", throttled to %d MB/s, about %ds left", st.ThrottleMBps, st.SecondsLeft)
	}
	if st.TaskID != "" {
		fmt.Fprintf(o.stdout, " (task %s)", st.TaskID)
	}
	fmt.Fprintln(o.stdout, ".")
	t := newTable(o.stdout, "TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING")
	for _, m := range st.InProgress {
		t.row(m.Topic, strconv.Itoa(int(m.Partition)), ids(m.Replicas), ids(m.Adding), ids(m.Removing))
	}
	return t.flush()
}

// ids shows broker ids as 0,1,3.
func ids(list []int32) string {
	s := ""
	for i, id := range list {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(int(id))
	}
	return s
}
