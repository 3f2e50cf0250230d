package cli

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newAuditCommand(o *options) *cobra.Command {
	return newGroup(o, "audit", "The audit log: who changed what, who was refused, who signed in",
		newAuditListCommand(o),
		newAuditVerifyCommand(o),
	)
}

var auditResults = []string{streamplane.AuditSuccess, streamplane.AuditFailure, streamplane.AuditDenied}

func newAuditListCommand(o *options) *cobra.Command {
	var (
		opts     client.AuditOptions
		from, to string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "list [--from TIME] [--to TIME] [--user U] [--action A] [--resource R] [--result R]",
		Short: "List audit entries, newest first",
		Long: `List audit entries, newest first: every request that changed something or
was refused, and every sign-in, with who made it, from where, and how it
ended. Filters combine. Times are RFC 3339, Unix milliseconds, "now", or
relative to now such as -1h or -7d. --action takes an exact action or a
prefix ending in * (instance:*); --resource matches a resource's name or id.

-o csv is the server's export, with every field, the hash chain included.`,
		Example: `  streamplane audit list --from -1h
  streamplane audit list --user alice --result denied --from -7d
  streamplane audit list --action 'instance:*' --resource orders -o csv > audit.csv`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			now := o.now()
			var err error
			if opts.From, err = parseMessageTime("--from", from, now); err != nil {
				return err
			}
			if opts.To, err = parseMessageTime("--to", to, now); err != nil {
				return err
			}
			if opts.Result != "" && !slices.Contains(auditResults, opts.Result) {
				return fmt.Errorf("invalid --result %q: use success, failure or denied", opts.Result)
			}
			c := o.client()
			if o.output == outputCSV {
				return o.printText(c.AuditCSV(cmd.Context(), opts))
			}
			list, err := c.Audit(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, list)
			}
			t := newTable(o.stdout, "TIME", "USER", "SOURCE", "ACTION", "RESOURCE", "RESULT", "STATUS", "SUMMARY")
			for _, e := range list.Entries {
				t.row(rfc3339(&e.At), e.User, e.Source, e.Action, auditResource(e), e.Result, strconv.Itoa(e.Status), shorten(e.Summary, 60))
			}
			if err := t.flush(); err != nil {
				return err
			}
			if len(list.Entries) == 0 {
				fmt.Fprintln(o.stderr, "No audit entries match.")
			}
			o.pageHint(list.Offset, len(list.Entries), list.Total)
			return nil
		},
	})
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "entries at or after this time: RFC 3339, Unix ms, now or -DURATION (-1h, -7d)")
	f.StringVar(&to, "to", "", "entries at or before this time: RFC 3339, Unix ms, now or -DURATION")
	f.StringVar(&opts.User, "user", "", "only this IAM user's requests")
	f.StringVar(&opts.Action, "action", "", "only this action, or actions starting so when it ends in * (instance:*)")
	f.StringVar(&opts.Resource, "resource", "", "only entries about the resource with this name or id")
	f.StringVar(&opts.Result, "result", "", "only success, failure or denied")
	f.StringSliceVar(&opts.Projects, "project", nil, "only entries in this project; repeat or separate with commas")
	f.IntVar(&opts.Offset, "offset", 0, "skip this many entries")
	f.IntVar(&opts.Limit, "limit", 0, "show at most this many entries (server default 100, at most 10000)")
	return cmd
}

// auditResource names an entry's resource as type:name, or type:id when
// the name is unknown.
func auditResource(e *streamplane.AuditEntry) string {
	name := e.ResourceName
	if name == "" {
		name = e.ResourceID
	}
	switch {
	case name == "":
		return e.ResourceType
	case e.ResourceType == "":
		return name
	}
	return e.ResourceType + ":" + name
}

func newAuditVerifyCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check that no audit entry was changed or removed",
		Long: `Check the audit log's hash chain: each entry's hash covers the entry and
the hash before it, so an entry edited or deleted in the database breaks
the chain from there on. Prints OK with the entries checked, or the first
entry that does not fit and why. The exit status is 1 when the chain is
broken.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := o.client().VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if o.json() {
				if err := printJSON(o.stdout, v); err != nil {
					return err
				}
			} else {
				switch {
				case v.OK && v.Entries == 0:
					fmt.Fprintln(o.stdout, "OK: the audit log has no entries yet.")
				case v.OK:
					fmt.Fprintf(o.stdout, "OK: %d entries, seq %d to %d; the chain is intact.\n", v.Entries, v.FirstSeq, v.LastSeq)
				default:
					fmt.Fprintf(o.stdout, "BROKEN at seq %d: %s\n", v.BadSeq, v.Problem)
					if v.Entries > 0 {
						fmt.Fprintf(o.stdout, "The %d entries from seq %d to %d verify; from seq %d on, the log cannot be trusted.\n",
							v.Entries, v.FirstSeq, v.LastSeq, v.BadSeq)
					}
				}
			}
			if !v.OK {
				return errReported
			}
			return nil
		},
	}
}
