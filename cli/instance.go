package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

func newInstanceCommand(o *options) *cobra.Command {
	return newGroup(o, "instance", "Create and manage Kafka instances",
		newInstanceCreateCommand(o),
		newInstanceListCommand(o),
		newInstanceShowCommand(o),
		newInstanceUpdateCommand(o),
		newInstanceRestartCommand(o),
		newInstanceDeleteCommand(o),
		newInstanceClearFailedCommand(o),
		newInstanceLogsCommand(o),
		newInstanceDiskUsageCommand(o),
		newInstanceCertCommand(o),
		newInstanceClientCertCommand(o),
		newInstanceMTLSCommand(o),
		newInstancePublicAccessCommand(o),
		newInstanceChangeFlavorCommand(o),
		newInstanceScaleCommand(o),
		newInstanceAdvertiseCommand(o),
		newInstanceExpandStorageCommand(o),
		newInstanceUpgradeCommand(o), newInstanceFinalizeUpgradeCommand(o), newInstanceRollbackUpgradeCommand(o),
		newInstanceResetKafkaPasswordCommand(o),
	)
}

func newInstanceCreateCommand(o *options) *cobra.Command {
	var (
		spec    streamplane.InstanceSpec
		tags    []string
		noWait  bool
		saslSSL bool
	)
	cmd := &cobra.Command{
		Use:   "create --name N --flavor F --brokers N --storage-gb N",
		Short: "Create a Kafka instance",
		Long: `Create a Kafka instance and wait until it runs, showing the progress of the
creation task; then show the instance. With --no-wait, return once the task
has started. --version defaults to the catalog's recommended version.`,
		Example: `  streamplane instance create --name orders --flavor kafka.1u2g.dev --brokers 3 --storage-gb 10
  streamplane instance create --name events --flavor kafka.2u4g.cluster --brokers 3 --storage-gb 300 \
      --zones az1,az2,az3 --tag team=data --tag env=prod --project team-a`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name", "flavor", "brokers", "storage-gb"); err != nil {
				return err
			}
			var err error
			if spec.Tags, err = parseKeyValues("--tag", tags, "key=value"); err != nil {
				return err
			}
			if saslSSL {
				spec.SecurityProtocol = streamplane.ProtocolSASLSSL
				if spec.KafkaPassword == "" {
					spec.KafkaPassword = o.env(passwordEnv)
				}
			}
			c := o.client()
			ctx := cmd.Context()
			if spec.Version == "" {
				if spec.Version, err = recommendedVersion(ctx, c); err != nil {
					return err
				}
				fmt.Fprintf(o.stderr, "Using Kafka %s, the recommended version.\n", spec.Version)
			}
			inst, t, err := c.CreateInstance(ctx, spec)
			if err != nil {
				return err
			}
			if noWait {
				if o.json() {
					return printJSON(o.stdout, wire.InstanceCreated{Instance: inst, Task: t})
				}
				fmt.Fprintf(o.stdout, "Creating instance %s (%s): task %s (follow with 'streamplane task show %s').\n", inst.Name, inst.ID, t.ID, t.ID)
				return nil
			}
			if _, err := o.waitTask(ctx, c, t); err != nil {
				return err
			}
			if inst, err = c.Instance(ctx, inst.ID); err != nil {
				return err
			}
			return o.printInstance(inst, "")
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Name, "name", "", "instance name: 4-64 characters, letter first, then letters, digits, - or _ (required)")
	f.StringVar(&spec.Version, "version", "", "Kafka version from 'streamplane runtime list' (default: the recommended one)")
	f.StringVar(&spec.Flavor, "flavor", "", "broker flavor from 'streamplane flavor list' (required)")
	f.IntVar(&spec.BrokerCount, "brokers", 0, "number of brokers (required)")
	f.IntVar(&spec.StorageGBPerBroker, "storage-gb", 0, "storage per broker in GB (required)")
	f.StringSliceVar(&spec.Zones, "zones", nil, "zones to spread brokers over: one, or three or more (see 'streamplane zone list')")
	f.StringVar(&spec.DiskType, "disk-type", "", "disk type (default: the server's)")
	f.StringVar(&spec.Description, "description", "", "description, at most 1024 characters")
	f.StringVar(&spec.Project, "project", "", "project that holds the instance and whose quotas it counts against (default \"default\")")
	f.StringArrayVar(&tags, "tag", nil, "tag as key=value; repeat for more")
	f.BoolVar(&spec.AutoCreateTopics, "auto-create-topics", false, "let clients create topics by using them")
	f.BoolVar(&saslSSL, "sasl-ssl", false, "clients authenticate with SASL over TLS (fixed at creation)")
	f.StringSliceVar(&spec.SASLMechanisms, "sasl-mechanisms", nil, "SCRAM-SHA-512 (always) and optionally PLAIN")
	f.StringVar(&spec.KafkaUser, "kafka-user", "", "the initial SASL user")
	f.StringVar(&spec.KafkaPassword, "kafka-password", "", "its password (env "+passwordEnv+"): 8-32 characters, three of lower, upper, digit, special")
	f.BoolVar(&spec.PublicAccess, "public-access", false, "also listen on the public address")
	f.BoolVar(&spec.DeletionProtection, "deletion-protection", false, "refuse deleting the instance until this is turned off")
	f.StringVar(&spec.CapacityPolicy, "capacity-policy", "", "at 95% disk use: auto_delete (default: delete the oldest ~10%) or stop_production (refuse writes)")
	f.BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}

func recommendedVersion(ctx context.Context, c *client.Client) (string, error) {
	runtimes, err := c.Runtimes(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range runtimes {
		if r.Recommended {
			return r.Version, nil
		}
	}
	return "", errors.New("the server's runtime catalog recommends no version; pass --version (see 'streamplane runtime list')")
}

func newInstanceListCommand(o *options) *cobra.Command {
	var (
		opts   client.ListOptions
		status []string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "list",
		Short: "List instances",
		Long: `List instances, newest first as the server orders them. Filters combine: an
instance must pass all of them. DELETED instances show only with --all or
--status DELETED.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Status, err = upperEnum("--status", status, streamplane.InstanceStatuses); err != nil {
				return err
			}
			c := o.client()
			ctx := cmd.Context()
			if o.output == outputCSV {
				return o.printText(c.InstancesCSV(ctx, opts))
			}
			list, err := c.Instances(ctx, opts)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, list)
			}
			now := o.now()
			t := newTable(o.stdout, "NAME", "ID", "PROJECT", "STATUS", "VERSION", "FLAVOR", "BROKERS", "STORAGE", "BOOTSTRAP", "AGE")
			for _, inst := range list.Instances {
				t.row(inst.Name, inst.ID, inst.Project, string(inst.Status), inst.Version, inst.Flavor, strconv.Itoa(inst.BrokerCount),
					humanBytes(inst.Storage.UsedBytes)+"/"+humanBytes(storageTotal(inst)),
					inst.BootstrapServers[streamplane.ListenerPrivatePlaintext], age(now, inst.CreatedAt))
			}
			if err := t.flush(); err != nil {
				return err
			}
			o.pageHint(list.Offset, len(list.Instances), list.Total)
			return nil
		},
	})
	f := cmd.Flags()
	f.StringSliceVar(&status, "status", nil, "only instances in this status; repeat or separate with commas")
	f.StringVar(&opts.Name, "name", "", "only instances whose name contains this, ignoring case")
	f.StringArrayVar(&opts.Tags, "tag", nil, "only instances with this tag, as key=value or key; repeat for more")
	f.StringVar(&opts.ID, "id", "", "only the instance with this id")
	f.StringVar(&opts.Address, "address", "", "only instances with a bootstrap address containing this")
	f.StringVar(&opts.Project, "project", "", "only instances of this project")
	f.BoolVar(&opts.IncludeDeleted, "all", false, "include DELETED instances")
	f.IntVar(&opts.Offset, "offset", 0, "skip this many instances")
	f.IntVar(&opts.Limit, "limit", 0, "show at most this many instances (server default 100, at most 1000)")
	return cmd
}

func newInstanceShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME_OR_ID",
		Short: "Show an instance: spec, status, addresses, storage and brokers",
		Args:  exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			inst, err := o.client().Instance(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, inst)
			}
			return o.printInstance(inst, o.firingAlarms(cmd.Context(), inst.Name))
		},
	}
}

// maxFiringShown is how many firing alarms 'instance show' names.
const maxFiringShown = 5

// firingAlarms sums up an instance's firing alarms for its detail view:
// "none", or the rules, severities and series of the newest. It returns ""
// when the alarms cannot be read (a server without them, a user who may
// not list them), and the view leaves the line out.
func (o *options) firingAlarms(ctx context.Context, instance string) string {
	list, err := o.client().Alarms(ctx, instance, client.AlarmOptions{State: streamplane.AlarmFiring, Limit: maxFiringShown + 1})
	if err != nil {
		return ""
	}
	if len(list.Alarms) == 0 {
		return "none"
	}
	var parts []string
	for _, a := range list.Alarms[:min(len(list.Alarms), maxFiringShown)] {
		what := a.Severity
		if l := labelText(a.Labels); l != "" {
			what += ", " + l
		}
		parts = append(parts, a.RuleName+" ("+what+")")
	}
	s := strings.Join(parts, "; ")
	if len(list.Alarms) > maxFiringShown {
		s += "; more with 'alarm list " + instance + " --state firing'"
	}
	return s
}

// printInstance shows an instance as JSON or as a detail view followed by
// its broker table; alarms, when not empty, is its firing alarms.
func (o *options) printInstance(inst *streamplane.Instance, alarms string) error {
	if o.json() {
		return printJSON(o.stdout, inst)
	}
	now := o.now()
	status := string(inst.Status)
	if inst.StatusReason != "" {
		status += " (" + inst.StatusReason + ")"
	}
	task := ""
	if inst.TaskID != "" {
		task = inst.TaskID + " (see 'streamplane task show " + inst.TaskID + "')"
	}
	total := storageTotal(inst)
	storage := humanBytes(inst.Storage.UsedBytes) + " used of " + humanBytes(total)
	if total > 0 {
		storage += fmt.Sprintf(" (%.0f%%)", float64(inst.Storage.UsedBytes)*100/float64(total))
	}
	storage += fmt.Sprintf(", %d GB per broker", inst.StorageGBPerBroker)
	if inst.DiskType != "" {
		storage += ", disk " + inst.DiskType
	}
	var tags []string
	for k, v := range inst.Tags {
		tags = append(tags, k+"="+v)
	}
	sort.Strings(tags)

	f := newFields(o.stdout)
	f.add("Name", inst.Name)
	f.add("ID", inst.ID)
	f.add("Description", inst.Description)
	f.add("Project", inst.Project)
	f.add("Deletion protection", onOff(inst.DeletionProtection))
	f.add("Status", status)
	f.add("Task", task)
	f.add("Alarms firing", alarms)
	f.add("Version", inst.Version)
	f.add("Metadata version", inst.MetadataVersion)
	if inst.UpgradeFrom != "" {
		f.add("Upgrade", "from "+inst.UpgradeFrom+", not finalized ('instance finalize-upgrade' or 'instance rollback-upgrade')")
	}
	f.add("Flavor", inst.Flavor)
	f.add("Brokers", strconv.Itoa(inst.BrokerCount))
	f.add("Storage", storage)
	f.add("Storage expansions", fmt.Sprintf("%d of at most %d", inst.StorageExpansions, streamplane.MaxStorageExpansions))
	policy := inst.CapacityPolicy
	if inst.ProductionStopped {
		policy += " (WRITES STOPPED until every broker is below 85%)"
	}
	f.add("Capacity policy", policy)
	f.add("Capacity event", inst.CapacityEvent)
	f.add("Zones", strings.Join(inst.Zones, ", "))
	f.add("Auto-create topics", onOff(inst.AutoCreateTopics))
	f.add("Security", security(inst))
	f.add("Public access", onOff(inst.PublicAccess))
	if inst.SASL() {
		f.add("Initial user", inst.KafkaUser)
		f.add("Mutual TLS", onOff(inst.MutualTLS))
		cert := "issued by the instance's CA ('instance cert' downloads it)"
		if inst.CustomCertificate {
			cert = "your own ('instance cert' gives its CA)"
		}
		f.add("Certificate", cert)
	}
	f.add("Pending restart", strings.Join(inst.PendingRestart, ", "))
	f.add("Tags", strings.Join(tags, ", "))
	f.add("Kafka cluster ID", inst.ClusterID)
	f.add("Resource version", strconv.FormatInt(inst.ResourceVersion, 10))
	f.add("Created", timestamp(now, &inst.CreatedAt))
	f.add("Updated", timestamp(now, &inst.UpdatedAt))
	f.add("Deleted", timestamp(now, inst.DeletedAt))
	if err := f.flush(); err != nil {
		return err
	}

	if len(inst.BootstrapServers) > 0 {
		fmt.Fprintln(o.stdout, "\nBootstrap servers:")
		listeners := make([]string, 0, len(inst.BootstrapServers))
		for l := range inst.BootstrapServers {
			listeners = append(listeners, l)
		}
		sort.Strings(listeners)
		t := newTable(o.stdout)
		for _, l := range listeners {
			t.row("  "+l, inst.BootstrapServers[l])
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	if len(inst.Brokers) == 0 {
		return nil
	}
	fmt.Fprintln(o.stdout)
	t := newTable(o.stdout, "ID", "ROLES", "STATE", "VERSION", "RACK", "ADDRESS", "PID", "RESTARTS", "USED/TOTAL")
	var problems, notes []string
	for _, b := range inst.Brokers {
		addr, pid := "", ""
		if b.Host != "" {
			addr = b.Host + ":" + strconv.Itoa(b.Port)
		}
		if b.PID > 0 {
			pid = strconv.Itoa(b.PID)
		}
		t.row(strconv.Itoa(b.ID), strings.Join(b.Roles, ","), string(b.State), b.Version, b.Rack, addr, pid,
			strconv.Itoa(b.Restarts), humanBytes(b.UsedBytes)+"/"+humanBytes(gbBytes(inst.StorageGBPerBroker)))
		for _, listener := range []string{streamplane.AdvertisePrivate, streamplane.AdvertisePublic} {
			if a := b.Advertised[listener]; a != "" {
				notes = append(notes, fmt.Sprintf("Broker %d advertises %s on its %s listener.", b.ID, a, listener))
			}
		}
		if b.Error != "" {
			problems = append(problems, fmt.Sprintf("Broker %d: %s", b.ID, b.Error))
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, line := range append(notes, problems...) {
		fmt.Fprintln(o.stdout, line)
	}
	return nil
}

func newInstanceUpdateCommand(o *options) *cobra.Command {
	var (
		name, description string
		tags, untags      []string
		ifMatch           int64
		protect           bool
		capacity          string
	)
	cmd := &cobra.Command{
		Use:   "update NAME_OR_ID",
		Short: "Change an instance's name, description, tags, deletion protection or capacity policy",
		Example: `  streamplane instance update orders --description "order events" --tag team=shop --untag temp
  streamplane instance update orders --name orders-v2 --if-match 7
  streamplane instance update orders --deletion-protection=true
  streamplane instance update orders --capacity-policy stop_production`,
		Args: exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var upd streamplane.InstanceUpdate
			flags := cmd.Flags()
			if flags.Changed("name") {
				upd.Name = &name
			}
			if flags.Changed("description") {
				upd.Description = &description // may be "" to clear it
			}
			var err error
			if upd.SetTags, err = parseKeyValues("--tag", tags, "key=value"); err != nil {
				return err
			}
			upd.RemoveTags = untags
			if flags.Changed("deletion-protection") {
				upd.DeletionProtection = &protect
			}
			if flags.Changed("capacity-policy") {
				upd.CapacityPolicy = &capacity
			}
			if upd.Name == nil && upd.Description == nil && upd.SetTags == nil && upd.RemoveTags == nil && upd.DeletionProtection == nil &&
				upd.CapacityPolicy == nil {
				return fmt.Errorf("nothing to change: give --name, --description, --tag, --untag, --deletion-protection or --capacity-policy")
			}
			c := o.client()
			var inst *streamplane.Instance
			if flags.Changed("if-match") {
				inst, err = c.UpdateInstance(cmd.Context(), args[0], upd, client.IfMatch(ifMatch))
			} else {
				inst, err = c.UpdateInstance(cmd.Context(), args[0], upd)
			}
			if err != nil {
				return err
			}
			return o.printInstance(inst, "")
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "new name")
	f.StringVar(&description, "description", "", "new description; \"\" clears it")
	f.StringArrayVar(&tags, "tag", nil, "add or replace a tag, as key=value; repeat for more")
	f.StringArrayVar(&untags, "untag", nil, "remove the tag with this key; repeat for more")
	f.BoolVar(&protect, "deletion-protection", false, "refuse deletion while true (--deletion-protection=false turns it off)")
	f.StringVar(&capacity, "capacity-policy", "", "at 95% disk use: auto_delete (delete the oldest ~10%) or stop_production (refuse writes); no restart")
	f.Int64Var(&ifMatch, "if-match", 0, "change only if the instance's resource version is still this (see 'instance show')")
	return cmd
}

func newInstanceRestartCommand(o *options) *cobra.Command {
	var force, noWait bool
	cmd := &cobra.Command{
		Use:   "restart NAME_OR_ID...",
		Short: "Restart the brokers of one or more instances",
		Long: `Restart the brokers of one or more instances, one broker at a time and only
when no partition would drop below min.insync.replicas, so clients with
retries see no failed writes. --force restarts all brokers at once.
Allowed when an instance is RUNNING, FAULTY or CHANGE_FAILED (a restart brings it back to its desired state).`,
		Args: minArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runTasks(cmd.Context(), args, noWait, "Restarting", "Restarted",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.RestartInstance(ctx, target, force)
				})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "restart all brokers at once, without the safety checks")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the tasks have started")
	return cmd
}

func newInstanceChangeFlavorCommand(o *options) *cobra.Command {
	var flavor string
	var noWait bool
	cmd := &cobra.Command{
		Use:   "change-flavor NAME_OR_ID --flavor FLAVOR",
		Short: "Run an instance on another flavor, through a safe rolling restart",
		Long: `Run an instance on another flavor: its brokers restart one at a time, as
'instance restart' does them, with the new flavor's heap, threads and
partition limit; clients with retries see no failed writes. Refused unless
the flavor takes the instance's brokers and storage as they are and its
partition limit holds the partitions the topics have ('flavor list' shows
the flavors). Should a broker fail to come back, the instance is
CHANGE_FAILED with its brokers on mixed flavors; 'instance restart' or
another change-flavor carries on.`,
		Example: `  streamplane instance change-flavor orders --flavor kafka.4u8g.cluster`,
		Args:    exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "flavor"); err != nil {
				return err
			}
			return o.runTasks(cmd.Context(), args, noWait, "Changing the flavor of", "Changed the flavor of",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.ChangeFlavor(ctx, target, flavor)
				})
		},
	}
	cmd.Flags().StringVar(&flavor, "flavor", "", "the flavor to run on (required)")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}

func newInstanceExpandStorageCommand(o *options) *cobra.Command {
	var gb int
	var noWait bool
	cmd := &cobra.Command{
		Use:   "expand-storage NAME_OR_ID --storage-gb GB",
		Short: "Grow an instance's storage per broker",
		Long: `Grow an instance's storage per broker: only up, in the flavor's steps and
within its maximum, at most 20 times (DMS). Locally a broker's storage is a
limit Streamplane enforces (the capacity policy acts at 95% of it) and
reports, not a partition: no broker restarts, and clients notice nothing.`,
		Example: `  streamplane instance expand-storage orders --storage-gb 200`,
		Args:    exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "storage-gb"); err != nil {
				return err
			}
			return o.runTasks(cmd.Context(), args, noWait, "Expanding the storage of", "Expanded the storage of",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.ExpandStorage(ctx, target, gb)
				})
		},
	}
	cmd.Flags().IntVar(&gb, "storage-gb", 0, "the new storage per broker in GB (required)")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}

func newInstanceDeleteCommand(o *options) *cobra.Command {
	var confirmed, noWait bool
	cmd := &cobra.Command{
		Use:   "delete NAME_OR_ID... --yes",
		Short: "Delete one or more instances and all their data",
		Long: `Delete one or more instances: stop their brokers and remove their data. A
DELETED record of each stays (see 'instance list --all'). Refused while an
instance is CREATING, CHANGING, RESTARTING or CHANGE_FAILED.`,
		Args: minArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !confirmed {
				return fmt.Errorf("not deleting %s: deletion stops the brokers and removes all their data; add --yes to confirm", strings.Join(args, ", "))
			}
			return o.runTasks(cmd.Context(), args, noWait, "Deleting", "Deleted",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.DeleteInstance(ctx, target)
				})
		},
	}
	cmd.Flags().BoolVar(&confirmed, "yes", false, "confirm the deletion")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the tasks have started")
	return cmd
}

// runTasks starts one task per target, then waits for each unless noWait.
// A target that fails does not stop the others. As JSON it prints
// {"tasks": [...]}: the tasks as started, or as they ended.
func (o *options) runTasks(ctx context.Context, targets []string, noWait bool, doing, done string,
	start func(context.Context, *client.Client, string) (*streamplane.Task, error)) error {
	c := o.client()
	errs := make([]error, len(targets))
	var tasks []*streamplane.Task
	var of []int // the target of each task
	for i, target := range targets {
		t, err := start(ctx, c, target)
		if err != nil {
			errs[i] = err
			continue
		}
		tasks = append(tasks, t)
		of = append(of, i)
	}
	if len(tasks) == 0 {
		return o.report(targets, errs)
	}
	if noWait {
		if o.json() {
			if err := printJSON(o.stdout, map[string]any{"tasks": tasks}); err != nil {
				return err
			}
		} else {
			for i, t := range tasks {
				fmt.Fprintf(o.stdout, "%s %s: task %s (follow with 'streamplane task show %s').\n", doing, targets[of[i]], t.ID, t.ID)
			}
		}
		return o.report(targets, errs)
	}
	details, waitErrs, err := o.waitTasks(ctx, c, tasks)
	if err != nil {
		return err
	}
	var ended []*streamplane.TaskDetail
	for i, d := range details {
		if d != nil {
			ended = append(ended, d)
		}
		if waitErrs[i] != nil {
			errs[of[i]] = waitErrs[i]
		} else if !o.json() {
			fmt.Fprintf(o.stdout, "%s %s (task %s).\n", done, targets[of[i]], d.ID)
		}
	}
	if o.json() {
		if err := printJSON(o.stdout, map[string]any{"tasks": ended}); err != nil {
			return err
		}
	}
	return o.report(targets, errs)
}

func newInstanceClearFailedCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "clear-failed",
		Short: "Remove the records of every instance whose creation failed",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			cleared, err := o.client().ClearFailed(cmd.Context())
			if err != nil {
				return err
			}
			if o.json() {
				if cleared == nil {
					cleared = []string{}
				}
				return printJSON(o.stdout, wire.InstancesCleared{Cleared: cleared})
			}
			if len(cleared) == 0 {
				fmt.Fprintln(o.stdout, "No failed instances to clear.")
				return nil
			}
			fmt.Fprintf(o.stdout, "Cleared %d failed instance(s): %s.\n", len(cleared), strings.Join(cleared, ", "))
			return nil
		},
	}
}

func newInstanceLogsCommand(o *options) *cobra.Command {
	var broker, lines int
	cmd := &cobra.Command{
		Use:   "logs NAME_OR_ID --broker N",
		Short: "Print the last lines of a broker's log",
		Args:  exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "broker"); err != nil {
				return err
			}
			text, err := o.client().BrokerLog(cmd.Context(), args[0], broker, lines)
			if err != nil {
				return err
			}
			return printLog(o, text)
		},
	}
	cmd.Flags().IntVar(&broker, "broker", 0, "broker (Kafka node id) whose log to print (required)")
	cmd.Flags().IntVar(&lines, "lines", 200, "how many lines, from 1 to 10000")
	return cmd
}

// security describes how clients connect: the protocol and, with SASL,
// the mechanisms.
func security(inst *streamplane.Instance) string {
	if !inst.SASL() {
		return "PLAINTEXT (no authentication, no encryption)"
	}
	return "SASL_SSL with " + strings.Join(inst.SASLMechanisms, " or ")
}

// storageTotal is the instance's storage in bytes as its server counts them
// (a server for tests may count a GB smaller); from a server that does not
// say, decimal GB.
func storageTotal(inst *streamplane.Instance) int64 {
	if inst.Storage.TotalBytes > 0 {
		return inst.Storage.TotalBytes
	}
	return gbBytes(inst.StorageGBPerBroker * inst.BrokerCount)
}
