package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newTaskCommand(o *options) *cobra.Command {
	return newGroup(o, "task", "Background tasks: creations, restarts, deletions, installs",
		newTaskListCommand(o),
		newTaskShowCommand(o),
		newTaskDeleteCommand(o),
	)
}

func newTaskListCommand(o *options) *cobra.Command {
	var (
		opts     client.TaskOptions
		status   []string
		from, to string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "list",
		Short: "List tasks, optionally of one instance or in a time range",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Status, err = upperEnum("--status", status, []streamplane.TaskStatus{
				streamplane.TaskPending, streamplane.TaskRunning, streamplane.TaskSucceeded, streamplane.TaskFailed}); err != nil {
				return err
			}
			if opts.From, err = parseTime("--from", from); err != nil {
				return err
			}
			if opts.To, err = parseTime("--to", to); err != nil {
				return err
			}
			list, err := o.client().Tasks(cmd.Context(), opts)
			if err != nil {
				return err
			}
			switch o.output {
			case outputJSON:
				return printJSON(o.stdout, list)
			case outputCSV:
				// The same columns as the server's own CSV export.
				var rows [][]string
				for _, t := range list.Tasks {
					rows = append(rows, []string{t.ID, t.Kind, t.Target, string(t.Status), strconv.Itoa(t.Progress),
						t.CreatedAt.Format(time.RFC3339), rfc3339(t.FinishedAt), t.Error})
				}
				return writeCSV(o.stdout, []string{"id", "kind", "target", "status", "progress", "created_at", "finished_at", "error"}, rows)
			}
			now := o.now()
			tw := newTable(o.stdout, "ID", "KIND", "TARGET", "STATUS", "PROGRESS", "AGE", "ERROR")
			for _, t := range list.Tasks {
				tw.row(t.ID, t.Kind, t.Target, string(t.Status), strconv.Itoa(t.Progress)+"%", age(now, t.CreatedAt), shorten(t.Error, 60))
			}
			if err := tw.flush(); err != nil {
				return err
			}
			o.pageHint(list.Offset, len(list.Tasks), list.Total)
			return nil
		},
	})
	f := cmd.Flags()
	f.StringVar(&opts.Instance, "instance", "", "only tasks of this instance (name or id)")
	f.StringVar(&opts.Kind, "kind", "", "only tasks of this kind, e.g. create_instance")
	f.StringVar(&opts.Project, "project", "", "only tasks of this project's instances")
	f.StringSliceVar(&status, "status", nil, "only tasks in this status; repeat or separate with commas")
	f.StringVar(&from, "from", "", "only tasks created at or after this RFC 3339 time")
	f.StringVar(&to, "to", "", "only tasks created before this RFC 3339 time")
	f.IntVar(&opts.Offset, "offset", 0, "skip this many tasks")
	f.IntVar(&opts.Limit, "limit", 0, "show at most this many tasks (server default 100, at most 1000)")
	return cmd
}

func parseTime(flag, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("invalid %s %q: use an RFC 3339 time such as 2026-11-21T10:00:00Z", flag, v)
	}
	return &t, nil
}

func newTaskShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a task: its steps and its event log",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.client().Task(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, t)
			}
			return o.printTask(t)
		},
	}
}

func (o *options) printTask(t *streamplane.TaskDetail) error {
	now := o.now()
	status := fmt.Sprintf("%s (%d%%)", t.Status, t.Progress)
	duration := ""
	if t.StartedAt != nil {
		end := now
		if t.FinishedAt != nil {
			end = *t.FinishedAt
		}
		duration = end.Sub(*t.StartedAt).Round(time.Second).String()
	}
	f := newFields(o.stdout)
	f.add("ID", t.ID)
	f.add("Kind", t.Kind)
	f.add("Target", t.Target)
	f.add("Instance ID", t.InstanceID)
	f.add("Status", status)
	f.add("Error", t.Error)
	f.add("Result", t.Result)
	f.add("Created", timestamp(now, &t.CreatedAt))
	f.add("Started", timestamp(now, t.StartedAt))
	f.add("Finished", timestamp(now, t.FinishedAt))
	f.add("Duration", duration)
	if err := f.flush(); err != nil {
		return err
	}
	if len(t.Steps) > 0 {
		fmt.Fprintln(o.stdout, "\nSteps:")
		tw := newTable(o.stdout, "#", "STEP", "STATUS", "STARTED", "FINISHED", "DETAIL")
		for i, s := range t.Steps {
			tw.row(strconv.Itoa(i+1), s.Name, string(s.Status), rfc3339(s.StartedAt), rfc3339(s.FinishedAt), s.Detail)
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if len(t.Events) > 0 {
		fmt.Fprintln(o.stdout, "\nEvents:")
		tw := newTable(o.stdout, "TIME", "MESSAGE")
		for _, e := range t.Events {
			tw.row(e.At.Format(time.RFC3339), e.Message)
		}
		return tw.flush()
	}
	return nil
}

func newTaskDeleteCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete the record of a finished task",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.client().DeleteTask(cmd.Context(), args[0]); err != nil {
				return err
			}
			if o.json() {
				// The API answers 204 with no body; say what was done.
				return printJSON(o.stdout, map[string]any{"deleted": args[0]})
			}
			fmt.Fprintf(o.stdout, "Deleted task %s.\n", args[0])
			return nil
		},
	}
}
