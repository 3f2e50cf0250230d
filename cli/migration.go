package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
)

func newMigrationCommand(o *options) *cobra.Command {
	return newGroup(o, "migration", "Move topics and consumer groups from another Kafka cluster into an instance (MirrorMaker 2)",
		newMigrationInventoryCommand(o),
		newMigrationCreateCommand(o),
		newMigrationListCommand(o),
		newMigrationShowCommand(o),
		newMigrationStateCommand(o, "pause", "Stop copying; MirrorMaker's position stays in the instance"),
		newMigrationStateCommand(o, "resume", "Copy again from where the migration stopped, or retry one in SERVICE_EXCEPTION"),
		newMigrationUpdateCommand(o),
		newMigrationDeleteCommand(o),
		newMigrationCutoverCheckCommand(o),
		newMigrationLogsCommand(o),
	)
}

// sourceFlags are the flags that say how to reach a source cluster. The
// password comes only from standard input, never from a flag: a command
// line is seen by every user of the machine and kept in shell histories.
type sourceFlags struct {
	bootstrap, security, mechanism, user, caFile string
	passwordStdin                                bool
}

func (s *sourceFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.bootstrap, "source-bootstrap", "", "host:port of the source's brokers, comma-separated (required)")
	f.StringVar(&s.security, "source-security", "", "how the source's listener is reached: plaintext (the default), sasl_plaintext or sasl_ssl")
	f.StringVar(&s.mechanism, "source-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (the default with SASL)")
	f.StringVar(&s.user, "source-user", "", "SASL user on the source")
	f.BoolVar(&s.passwordStdin, "source-password-stdin", false, "read the source user's password from the first line of standard input")
	f.StringVar(&s.caFile, "source-ca", "", "PEM file of the CA certificates the source's TLS certificates chain to (sasl_ssl; default: the system's)")
}

// source reads the flags into a source, the password from stdin.
func (s *sourceFlags) source(o *options) (streamplane.MigrationSource, error) {
	src := streamplane.MigrationSource{BootstrapServers: splitList(s.bootstrap), SecurityProtocol: strings.ToUpper(s.security),
		SASLMechanism: strings.ToUpper(s.mechanism), Username: s.user}
	if s.caFile != "" {
		raw, err := os.ReadFile(s.caFile)
		if err != nil {
			return src, fmt.Errorf("--source-ca: %w", err)
		}
		src.CA = string(raw)
	}
	if s.passwordStdin {
		pw, err := o.stdinLine("--source-password-stdin", "password")
		if err != nil {
			return src, err
		}
		src.Password = pw
	}
	return src, nil
}

// splitList splits a comma-separated flag, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

const selectionHelp = `--topics and --groups are comma-separated regular expressions, each matching
a whole name: 'orders,payments.*' copies orders and every topic whose name
starts with "payments". Topic names stay the same in the instance. The
offsets of the selected consumer groups are translated and synced, so that a
consumer that switches to the instance goes on where it left off (a few
records may be read again, none lost: see 'streamplane migration
cutover-check').`

func newMigrationCreateCommand(o *options) *cobra.Command {
	var (
		instance, name, topics, groups string
		syncConfigs, syncACLs, wait    bool
		src                            sourceFlags
	)
	cmd := &cobra.Command{
		Use:   "create --instance INSTANCE --name NAME --source-bootstrap HOST:PORT[,...] --topics PATTERNS [flags]",
		Short: "Start copying topics and consumer groups from another Kafka cluster into an instance",
		Long: `Start a migration: MirrorMaker 2, run by the server beside the instance's
brokers, copies the selected topics from the source cluster into the instance
and keeps copying what is produced to them until you delete the migration.

` + selectionHelp + `

With SASL, give the source user with --source-user and its password on the
first line of standard input with --source-password-stdin. The password is
sealed in the server's store and never shown.

The name (3-48 lower-case letters, digits and '-') names MirrorMaker's
internal topics in the instance.`,
		Example: `  streamplane migration create --instance demo --name move-orders --source-bootstrap old1:9092,old2:9092 --topics 'orders,payments.*' --groups 'billing,ledger-.*' --wait
  printf '%s\n' "$SOURCE_PASSWORD" | streamplane migration create --instance demo --name move-orders \
      --source-bootstrap old1:9093 --source-security sasl_ssl --source-user mirror --source-password-stdin --source-ca old-ca.pem --topics orders`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "instance", "name", "source-bootstrap", "topics"); err != nil {
				return err
			}
			source, err := src.source(o)
			if err != nil {
				return err
			}
			c := o.client()
			m, err := c.CreateMigration(cmd.Context(), instance, streamplane.MigrationSpec{Name: name, Source: source, Topics: topics, Groups: groups,
				SyncTopicConfigs: syncConfigs, SyncACLs: syncACLs})
			if err != nil {
				return err
			}
			if wait && m.State.Busy() {
				if m, err = o.waitMigration(cmd.Context(), instance, m); err != nil {
					return err
				}
			}
			return o.printMigrationChange("Created", instance, m)
		},
	}
	f := cmd.Flags()
	f.StringVar(&instance, "instance", "", "the instance to copy into (required)")
	f.StringVar(&name, "name", "", "the migration's name (required)")
	f.StringVar(&topics, "topics", "", "the topics to copy: comma-separated regular expressions (required)")
	f.StringVar(&groups, "groups", "", "the consumer groups whose offsets to sync: comma-separated regular expressions")
	f.BoolVar(&syncConfigs, "sync-topic-configs", false, "copy the topics' configurations too")
	f.BoolVar(&syncACLs, "sync-acls", false, "copy the topics' ACLs too")
	f.BoolVar(&wait, "wait", false, "wait until MirrorMaker runs (or the migration fails)")
	src.add(cmd)
	return cmd
}

// waitMigration polls a migration until it leaves its busy state. Ctrl-C
// stops the waiting, not the migration.
func (o *options) waitMigration(ctx context.Context, instance string, m *streamplane.Migration) (*streamplane.Migration, error) {
	waitCtx, stop := o.interrupt(ctx)
	defer stop()
	fmt.Fprintf(o.stderr, "Waiting for migration %s to leave %s; Ctrl-C stops waiting, not the migration.\n", m.Name, m.State)
	c := o.client()
	var last *streamplane.Migration
	err := poll.Until(waitCtx, migrationPollInterval, 0, func(ctx context.Context) error {
		list, err := c.Migrations(ctx, instance)
		if err != nil {
			return poll.Stop(err)
		}
		for _, got := range list {
			if got.ID == m.ID {
				last = got
				if got.State.Busy() {
					return fmt.Errorf("migration %s is %s", m.Name, got.State)
				}
				return nil
			}
		}
		return poll.Stop(fmt.Errorf("migration %s is gone from instance %s", m.Name, instance))
	})
	switch {
	case waitCtx.Err() != nil && ctx.Err() == nil:
		return nil, fmt.Errorf("stopped waiting; migration %s goes on on the server (follow with 'streamplane migration show %s %s')", m.Name, instance, m.Name)
	case err != nil:
		return nil, err
	case last.State == streamplane.MigrationServiceException:
		return nil, fmt.Errorf("migration %s cannot run: %s", m.Name, last.StateReason)
	}
	return last, nil
}

// migrationPollInterval is how often --wait asks; tests shorten it.
var migrationPollInterval = time.Second

// printMigrationChange reports a change: done, or still under way.
func (o *options) printMigrationChange(done, instance string, m *streamplane.Migration) error {
	if o.json() {
		return printJSON(o.stdout, m)
	}
	if m.State.Busy() {
		fmt.Fprintf(o.stdout, "Migration %s on %s is %s; follow it with 'streamplane migration show %s %s'.\n", m.Name, instance, m.State, instance, m.Name)
		return nil
	}
	fmt.Fprintf(o.stdout, "%s migration %s on %s: %s.\n", done, m.Name, instance, m.State)
	if m.StateReason != "" {
		fmt.Fprintf(o.stdout, "Reason: %s\n", m.StateReason)
	}
	return nil
}

func newMigrationListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list INSTANCE",
		Short: "List an instance's migrations",
		Args:  exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().Migrations(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rows := make([][]string, 0, len(list))
			for _, m := range list {
				rows = append(rows, []string{m.Name, string(m.State), strings.Join(m.Source.BootstrapServers, ","), m.Topics, m.Groups,
					age(o.now(), m.CreatedAt)})
			}
			if err := o.printList(map[string]any{"migrations": list}, []string{"NAME", "STATE", "SOURCE", "TOPICS", "GROUPS", "AGE"}, rows); err != nil {
				return err
			}
			if len(list) == 0 && o.output == outputTable {
				fmt.Fprintf(o.stderr, "Instance %s has no migrations; start one with 'streamplane migration create'.\n", args[0])
			}
			return nil
		},
	})
}

func newMigrationShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show INSTANCE MIGRATION",
		Short: "Show a migration's progress: per topic, per group, and MirrorMaker's connectors",
		Long: `Show a migration, read live from the source and the instance: per topic how
many records the instance lacks and the rate they arrive at; per group its
committed offset on the source, the translated offset on the instance and
when it was last synced; MirrorMaker's connectors.`,
		Args: exactArgs("INSTANCE", "MIGRATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := o.client().Migration(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, st)
			}
			return o.printMigrationStatus(st)
		},
	}
}

func (o *options) printMigrationStatus(st *streamplane.MigrationStatus) error {
	now := o.now()
	f := newFields(o.stdout)
	f.add("Name", st.Name)
	f.add("ID", st.ID)
	f.add("State", string(st.State))
	f.add("Reason", st.StateReason)
	f.add("Source", strings.Join(st.Source.BootstrapServers, ",")+" ("+sourceAuth(st.Source)+")")
	f.add("Topics", st.Migration.Topics)
	f.add("Groups", st.Migration.Groups)
	f.add("Sync topic configs", yesNo(st.SyncTopicConfigs))
	f.add("Sync ACLs", yesNo(st.SyncACLs))
	if st.PID != 0 {
		f.add("MirrorMaker", fmt.Sprintf("pid %d, started %s, %d restarts", st.PID, timestamp(now, st.StartedAt), st.Restarts))
	}
	f.add("Task", st.TaskID)
	f.add("Created", timestamp(now, &st.CreatedAt))
	if err := f.flush(); err != nil {
		return err
	}
	fmt.Fprintln(o.stdout)
	t := newTable(o.stdout, "TOPIC", "PARTITIONS", "SOURCE-END", "COPIED", "BEHIND", "IN/S")
	for _, tp := range st.Topics {
		t.row(tp.Topic, strconv.Itoa(tp.Partitions), i64(tp.SourceEnd), i64(tp.Copied), i64(tp.RecordsBehind), humanBytes(int64(tp.BytesInPerSec))+"/s")
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(st.Groups) > 0 {
		fmt.Fprintln(o.stdout)
		t = newTable(o.stdout, "GROUP", "SOURCE-STATE", "SOURCE-OFFSET", "TARGET-OFFSET", "SYNCED", "LAST-SYNC")
		for _, g := range st.Groups {
			last := ""
			if g.LastSync != nil {
				last = age(now, *g.LastSync) + " ago"
			}
			t.row(g.Group, g.SourceState, i64(g.SourceOffset), i64(g.TargetOffset), fmt.Sprintf("%d/%d", g.Synced, g.Partitions), last)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(st.Connectors) > 0 {
		fmt.Fprintln(o.stdout)
		t = newTable(o.stdout, "CONNECTOR", "STATE", "TRACE")
		for _, c := range st.Connectors {
			t.row(c.Name, c.State, shorten(firstLine(c.Trace), 100))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	for _, e := range st.Errors {
		fmt.Fprintf(o.stderr, "warning: %s\n", e)
	}
	return nil
}

func sourceAuth(s streamplane.MigrationSource) string {
	if !s.SASL() {
		return s.SecurityProtocol
	}
	return fmt.Sprintf("%s %s as %s", s.SecurityProtocol, s.SASLMechanism, s.Username)
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// newMigrationStateCommand makes pause and resume.
func newMigrationStateCommand(o *options, verb, short string) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " INSTANCE MIGRATION",
		Short: short,
		Args:  exactArgs("INSTANCE", "MIGRATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := o.client()
			change := c.PauseMigration
			if verb == "resume" {
				change = c.ResumeMigration
			}
			m, err := change(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return o.printMigrationChange(strings.ToUpper(verb[:1])+verb[1:]+"d", args[0], m)
		},
	}
}

func newMigrationUpdateCommand(o *options) *cobra.Command {
	var (
		topics, groups        string
		syncConfigs, syncACLs bool
		passwordStdin         bool
	)
	cmd := &cobra.Command{
		Use:   "update INSTANCE MIGRATION [--topics PATTERNS] [--groups PATTERNS] [--sync-topic-configs=BOOL] [--sync-acls=BOOL] [--source-password-stdin]",
		Short: "Change what a migration copies, or its source password",
		Long: `Change a migration's selection: it is MODIFYING while MirrorMaker restarts
with it, then RUNNING. Topics copied already are not copied again.
--source-password-stdin gives the source user a new password, read from the
first line of standard input.

` + selectionHelp,
		Example: `  streamplane migration update demo move-orders --topics 'orders,payments.*,refunds' --groups 'billing'
  printf '%s\n' "$NEW_SOURCE_PASSWORD" | streamplane migration update demo move-orders --source-password-stdin`,
		Args: exactArgs("INSTANCE", "MIGRATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var u streamplane.MigrationUpdate
			fl := cmd.Flags()
			if fl.Changed("topics") {
				u.Topics = &topics
			}
			if fl.Changed("groups") {
				u.Groups = &groups
			}
			if fl.Changed("sync-topic-configs") {
				u.SyncTopicConfigs = &syncConfigs
			}
			if fl.Changed("sync-acls") {
				u.SyncACLs = &syncACLs
			}
			var password string
			if passwordStdin {
				var err error
				if password, err = o.stdinLine("--source-password-stdin", "password"); err != nil {
					return err
				}
			}
			if u == (streamplane.MigrationUpdate{}) && password == "" {
				return fmt.Errorf("'%s' needs --topics, --groups, --sync-topic-configs, --sync-acls or --source-password-stdin", cmd.CommandPath())
			}
			m, err := o.client().UpdateMigration(cmd.Context(), args[0], args[1], u, password)
			if err != nil {
				return err
			}
			return o.printMigrationChange("Updated", args[0], m)
		},
	}
	f := cmd.Flags()
	f.StringVar(&topics, "topics", "", "the topics to copy: comma-separated regular expressions")
	f.StringVar(&groups, "groups", "", "the consumer groups whose offsets to sync ('' for none)")
	f.BoolVar(&syncConfigs, "sync-topic-configs", false, "copy the topics' configurations too")
	f.BoolVar(&syncACLs, "sync-acls", false, "copy the topics' ACLs too")
	f.BoolVar(&passwordStdin, "source-password-stdin", false, "read a new source password from the first line of standard input")
	return cmd
}

func newMigrationDeleteCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "delete INSTANCE MIGRATION",
		Short: "Stop a migration for good; what it copied stays",
		Long: `Stop MirrorMaker for good and remove what it kept in the instance: its
internal topics, its user and ACLs. The copied topics and the groups'
translated offsets stay in the instance.`,
		Args: exactArgs("INSTANCE", "MIGRATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := o.client().DeleteMigration(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return o.printMigrationChange("Deleted", args[0], m)
		},
	}
}

func newMigrationCutoverCheckCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "cutover-check INSTANCE MIGRATION",
		Short: "Say, per consumer group, whether its consumers may switch to the instance now",
		Long: `Say, per selected consumer group, whether its consumers may switch to the
instance now: READY when the instance holds (nearly) every record of the
group's topics and the group's offsets are synced. RECORDS-BEHIND is what the
instance still lacks; DUPLICATES how many records the consumers would read
again after switching (translated offsets never pass the source's, so records
may be read twice but never lost). Stop the group's consumers on the source,
check again, then start them on the instance.`,
		Args: exactArgs("INSTANCE", "MIGRATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			checks, err := o.client().CutoverCheck(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]any{"groups": checks})
			}
			t := newTable(o.stdout, "GROUP", "READY", "RECORDS-BEHIND", "DUPLICATES", "REASONS")
			for _, c := range checks {
				ready := "NOT READY"
				if c.Ready {
					ready = "READY"
				}
				t.row(c.Group, ready, i64(c.RecordsBehind), i64(c.Duplicates), strings.Join(c.Reasons, "; "))
			}
			if err := t.flush(); err != nil {
				return err
			}
			if len(checks) == 0 {
				fmt.Fprintf(o.stderr, "Migration %s syncs no consumer groups; give it some with 'streamplane migration update --groups'.\n", args[1])
			}
			return nil
		},
	}
}

func newMigrationLogsCommand(o *options) *cobra.Command {
	var lines int
	cmd := &cobra.Command{
		Use:   "logs INSTANCE MIGRATION [--lines N]",
		Short: "Print the last lines of a migration's MirrorMaker log",
		Args:  exactArgs("INSTANCE", "MIGRATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := o.client().MigrationLogs(cmd.Context(), args[0], args[1], lines)
			if err != nil {
				return err
			}
			return printLog(o, text)
		},
	}
	cmd.Flags().IntVar(&lines, "lines", 200, "how many lines, from 1 to 10000")
	return cmd
}
