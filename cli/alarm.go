package cli

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newAlarmCommand(o *options) *cobra.Command {
	return newGroup(o, "alarm", "Alarm rules on an instance's metrics, the alarms they raised, and where notifications go",
		subgroup("rule", "Thresholds on an instance's metrics that raise alarms",
			newAlarmRuleCreateCommand(o),
			newAlarmRuleListCommand(o),
			newAlarmRuleShowCommand(o),
			newAlarmRuleUpdateCommand(o),
			newAlarmRuleDeleteCommand(o),
			newAlarmRuleEnableCommand(o, true),
			newAlarmRuleEnableCommand(o, false),
		),
		newAlarmListCommand(o),
		newAlarmChannelCommand(o),
	)
}

// alarmRuleModel is what the rule commands' help says about how rules work.
const alarmRuleModel = `A rule compares each series of a metric (every broker of broker_disk_usage,
say, or only --broker 0's) with a threshold at every collection, once a
minute. It fires an alarm on a series once the comparison has held for
--periods collections in a row, and resolves it once it stops holding. Each
firing and resolution is sent to the rule's channels ('alarm channel').`

// opWords lets --op be written without quoting a shell's > and <.
var opWords = map[string]string{"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "==", "ne": "!="}

// ruleFlags are the flags of a rule's fields, shared by create and update.
type ruleFlags struct {
	name, description, metric string
	op, severity              string
	threshold                 float64
	periods, broker           int
	topic, group              string
	channels, notify          []string
	disabled                  bool
}

// add gives cmd the flags; create has --metric, which a rule cannot
// change, and the defaults of --periods and --severity, which an update
// would not send anyway.
func (r *ruleFlags) add(cmd *cobra.Command, create bool) {
	f := cmd.Flags()
	f.StringVar(&r.name, "name", "", "the rule's name: letters, digits, '-' and '_', starting with a letter")
	f.StringVar(&r.description, "description", "", "what the rule is for")
	periods, severity := 0, ""
	if create {
		f.StringVar(&r.metric, "metric", "", "the metric watched, as 'metrics list' names it")
		periods, severity = 1, streamplane.SeverityMajor
	}
	f.StringVar(&r.op, "op", "", "the comparison that fires: >, >=, <, <=, ==, != (or gt, ge, lt, le, eq, ne)")
	f.Float64Var(&r.threshold, "threshold", 0, "the value compared with, in the metric's unit")
	f.IntVar(&r.periods, "periods", periods, fmt.Sprintf("collections in a row the comparison must hold, 1-%d", streamplane.MaxAlarmPeriods))
	f.StringVar(&r.severity, "severity", severity, "critical, major, minor or info")
	f.IntVar(&r.broker, "broker", 0, "watch only this broker's series")
	f.StringVar(&r.topic, "topic", "", "watch only this topic's series")
	f.StringVar(&r.group, "group", "", "watch only this consumer group's series")
	f.StringSliceVar(&r.channels, "channel", nil, "notify this channel (name or id); repeat or separate with commas")
	f.StringSliceVar(&r.notify, "notify", nil, "notify webhook:URL, through the webhook channel of that URL (made if none exists)")
	f.BoolVar(&r.disabled, "disabled", false, "keep the rule from firing until 'alarm rule enable'")
}

// checkEnums checks --op and --severity and spells --op as the API does.
func (r *ruleFlags) checkEnums(cmd *cobra.Command) error {
	if w, ok := opWords[strings.ToLower(r.op)]; ok {
		r.op = w
	}
	if cmd.Flags().Changed("op") && !slices.Contains(streamplane.Comparisons, r.op) {
		return fmt.Errorf("invalid --op %q: use one of %s (or gt, ge, lt, le, eq, ne)", r.op, strings.Join(streamplane.Comparisons, " "))
	}
	r.severity = strings.ToLower(r.severity)
	if r.severity != "" && !slices.Contains(streamplane.Severities, r.severity) {
		return fmt.Errorf("invalid --severity %q: use %s", r.severity, strings.Join(streamplane.Severities, ", "))
	}
	if cmd.Flags().Changed("periods") && (r.periods < 1 || r.periods > streamplane.MaxAlarmPeriods) {
		return fmt.Errorf("invalid --periods %d: from 1 to %d collections", r.periods, streamplane.MaxAlarmPeriods)
	}
	if cmd.Flags().Changed("broker") && r.broker < 0 {
		return fmt.Errorf("invalid --broker %d: a broker is a node id, 0 or more", r.broker)
	}
	return nil
}

// channelNames returns the channels of --channel and --notify, making the
// webhook channels --notify needs.
func (o *options) channelNames(cmd *cobra.Command, r *ruleFlags) ([]string, error) {
	names := slices.Clone(r.channels)
	for _, n := range r.notify {
		name, err := o.notifyChannel(cmd, n)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, nil
}

func newAlarmRuleCreateCommand(o *options) *cobra.Command {
	var (
		r                    ruleFlags
		defaults             bool
		groupMsgs, topicMsgs int64
	)
	cmd := &cobra.Command{
		Use:   "create INSTANCE --name NAME --metric METRIC --op OP --threshold X [--periods N] [--severity S] [--broker N] [--topic T] [--group G] [--channel NAME]... | --defaults",
		Short: "Add an alarm rule to an instance, or DMS's recommended rules",
		Long: `Add an alarm rule: a metric, a comparison with a threshold, how many
collections in a row it must hold, and a severity. The dimension flags
narrow the series watched; without them the rule watches each series of the
metric on its own (every broker, every topic...).

--defaults adds DMS's recommended rules instead (disk usage, dead brokers,
partition limit, consumer lag and more), skipping those whose names the
instance uses already; --group-messages-limit and --topic-messages-limit set
the lag limits their rules warn at 90% of.

--notify webhook:URL notifies the webhook channel of that URL, and makes one
(unsigned, named webhook-<hash>) if none exists; create a channel with
'alarm channel create --secret-stdin' for signed notifications.

` + alarmRuleModel,
		Example: `  streamplane alarm rule create demo --name disk --metric broker_disk_usage --op '>' --threshold 80 --severity critical --channel ops
  streamplane alarm rule create demo --name lag --metric messages_remained --group billing --op gt --threshold 10000 --periods 5
  streamplane alarm rule create demo --name dead --metric broker_alive --op '<' --threshold 1 --notify webhook:https://hooks.example/x
  streamplane alarm rule create demo --defaults --group-messages-limit 50000 --channel ops`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if defaults {
				return o.createDefaultRules(cmd, args[0], &r, groupMsgs, topicMsgs)
			}
			for _, n := range []string{"group-messages-limit", "topic-messages-limit"} {
				if cmd.Flags().Changed(n) {
					return fmt.Errorf("--%s is for --defaults; a rule of your own has --threshold", n)
				}
			}
			if err := requireFlags(cmd, "name", "metric", "op", "threshold"); err != nil {
				return err
			}
			if err := r.checkEnums(cmd); err != nil {
				return err
			}
			rule := streamplane.AlarmRule{Name: r.name, Description: r.description, Metric: r.metric, Op: r.op, Threshold: r.threshold,
				Periods: r.periods, Severity: r.severity, Enabled: !r.disabled}
			fl := cmd.Flags()
			if fl.Changed("broker") {
				rule.Broker = &r.broker
			}
			if fl.Changed("topic") {
				rule.Topic = &r.topic
			}
			if fl.Changed("group") {
				rule.Group = &r.group
			}
			var err error
			if rule.Channels, err = o.channelNames(cmd, &r); err != nil {
				return err
			}
			created, err := o.client().CreateAlarmRule(cmd.Context(), args[0], rule)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, created)
			}
			fmt.Fprintf(o.stdout, "Created alarm rule %s on %s: %s.\n", created.Name, args[0], ruleSummary(created))
			return nil
		},
	}
	r.add(cmd, true)
	f := cmd.Flags()
	f.BoolVar(&defaults, "defaults", false, "add DMS's recommended rules instead of one of your own")
	f.Int64Var(&groupMsgs, "group-messages-limit", 0, "with --defaults: the consumer lag (messages) a group may reach")
	f.Int64Var(&topicMsgs, "topic-messages-limit", 0, "with --defaults: the messages a topic may hold")
	return cmd
}

// createDefaultRules adds DMS's recommended rules; only the channel and
// limit flags go with --defaults.
func (o *options) createDefaultRules(cmd *cobra.Command, instance string, r *ruleFlags, groupMsgs, topicMsgs int64) error {
	for _, n := range []string{"name", "description", "metric", "op", "threshold", "periods", "severity", "broker", "topic", "group", "disabled"} {
		if cmd.Flags().Changed(n) {
			return fmt.Errorf("--defaults makes DMS's recommended rules; it takes no --%s (only --channel, --notify and the two limits)", n)
		}
	}
	if groupMsgs < 0 || topicMsgs < 0 {
		return fmt.Errorf("a messages limit is a number of messages, or 0 for the default")
	}
	channels, err := o.channelNames(cmd, r)
	if err != nil {
		return err
	}
	list, err := o.client().CreateDefaultAlarmRules(cmd.Context(), instance,
		streamplane.DefaultAlarmRules{GroupMessagesLimit: groupMsgs, TopicMessagesLimit: topicMsgs, Channels: channels})
	if err != nil {
		return err
	}
	if o.json() {
		return printJSON(o.stdout, list)
	}
	if len(list.Rules) == 0 {
		fmt.Fprintf(o.stdout, "Instance %s has every recommended rule already; none added.\n", instance)
		return nil
	}
	fmt.Fprintf(o.stdout, "Added %d recommended alarm rules to %s:\n", len(list.Rules), instance)
	return o.ruleTable(list.Rules)
}

func newAlarmRuleListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list INSTANCE",
		Short: "List an instance's alarm rules",
		Args:  exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().AlarmRules(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if o.output == outputTable {
				if len(list.Rules) == 0 {
					fmt.Fprintf(o.stderr, "Instance %s has no alarm rules; 'alarm rule create %s --defaults' adds the recommended ones.\n", args[0], args[0])
					return nil
				}
				return o.ruleTable(list.Rules)
			}
			return o.printList(list, ruleHeader, ruleRows(list.Rules))
		},
	})
}

var ruleHeader = []string{"NAME", "METRIC", "SERIES", "CONDITION", "SEVERITY", "ENABLED", "CHANNELS"}

func ruleRows(rules []*streamplane.AlarmRule) [][]string {
	var rows [][]string
	for _, r := range rules {
		rows = append(rows, []string{r.Name, r.Metric, ruleSeries(r), ruleCondition(r), r.Severity, yesNo(r.Enabled), strings.Join(r.Channels, ",")})
	}
	return rows
}

func (o *options) ruleTable(rules []*streamplane.AlarmRule) error {
	t := newTable(o.stdout, ruleHeader...)
	for _, r := range ruleRows(rules) {
		t.row(r...)
	}
	return t.flush()
}

// ruleSeries names the series a rule watches: its dimension filters.
func ruleSeries(r *streamplane.AlarmRule) string {
	var parts []string
	if r.Broker != nil {
		parts = append(parts, "broker="+strconv.Itoa(*r.Broker))
	}
	if r.Topic != nil {
		parts = append(parts, "topic="+*r.Topic)
	}
	if r.Group != nil {
		parts = append(parts, "group="+*r.Group)
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, ",")
}

// ruleCondition renders a rule's test: "> 80 for 3 periods".
func ruleCondition(r *streamplane.AlarmRule) string {
	s := r.Op + " " + thresholdText(r.Threshold, r.Metric)
	if r.Periods == 1 {
		return s + " for 1 period"
	}
	return fmt.Sprintf("%s for %d periods", s, r.Periods)
}

// thresholdText writes a threshold as given, with the metric's unit.
func thresholdText(v float64, metric string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if m, ok := streamplane.MetricByName(metric); ok {
		switch m.Unit {
		case streamplane.UnitPercent:
			s += "%"
		case streamplane.UnitCount, streamplane.UnitBool:
		default:
			s += " " + m.Unit
		}
	}
	return s
}

func ruleSummary(r *streamplane.AlarmRule) string {
	series := ruleSeries(r)
	if series == "all" {
		series = "every series"
	}
	s := fmt.Sprintf("%s %s on %s, %s", r.Metric, ruleCondition(r), series, r.Severity)
	if !r.Enabled {
		s += ", disabled"
	}
	if len(r.Channels) > 0 {
		s += ", notifying " + strings.Join(r.Channels, ", ")
	}
	return s
}

func newAlarmRuleShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show INSTANCE RULE",
		Short: "Show an alarm rule",
		Args:  exactArgs("INSTANCE", "RULE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := o.client().AlarmRule(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return o.printRule(r)
		},
	}
}

func (o *options) printRule(r *streamplane.AlarmRule) error {
	if o.json() {
		return printJSON(o.stdout, r)
	}
	now := o.now()
	f := newFields(o.stdout)
	f.add("Name", r.Name)
	f.add("ID", r.ID)
	f.add("Instance", r.InstanceID)
	f.add("Description", r.Description)
	f.add("Metric", r.Metric)
	f.add("Series", ruleSeries(r))
	f.add("Condition", ruleCondition(r))
	f.add("Severity", r.Severity)
	f.add("Enabled", yesNo(r.Enabled))
	f.add("Channels", strings.Join(r.Channels, ", "))
	f.add("Version", strconv.Itoa(r.Version))
	f.add("Created", timestamp(now, &r.CreatedAt))
	f.add("Updated", timestamp(now, &r.UpdatedAt))
	return f.flush()
}

func newAlarmRuleUpdateCommand(o *options) *cobra.Command {
	var (
		r                                 ruleFlags
		clearBroker, clearTopic, clearGrp bool
		noChannels                        bool
		ifMatch                           int64
	)
	cmd := &cobra.Command{
		Use:   "update INSTANCE RULE [--name N] [--op OP] [--threshold X] [--periods N] [--severity S] [--broker N | --clear-broker] [--channel NAME]...",
		Short: "Change an alarm rule",
		Long: `Change the fields of an alarm rule the flags give; the others keep their
values. --clear-broker, --clear-topic and --clear-group drop a filter, so
the rule watches every series of that dimension again. --channel and
--notify replace the rule's channels; --no-channels removes them all. A
rule's metric never changes: make a new rule for another.`,
		Example: `  streamplane alarm rule update demo disk --threshold 90 --severity major
  streamplane alarm rule update demo disk --clear-broker --channel ops --channel pager
  streamplane alarm rule update demo disk --name disk-usage --if-match 3`,
		Args: exactArgs("INSTANCE", "RULE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := r.checkEnums(cmd); err != nil {
				return err
			}
			fl := cmd.Flags()
			var u streamplane.AlarmRuleUpdate
			changed := false
			str := func(flag string, v *string) *string {
				if !fl.Changed(flag) {
					return nil
				}
				changed = true
				return v
			}
			u.Name = str("name", &r.name)
			u.Description = str("description", &r.description)
			u.Op = str("op", &r.op)
			u.Severity = str("severity", &r.severity)
			u.Topic = str("topic", &r.topic)
			u.Group = str("group", &r.group)
			if fl.Changed("threshold") {
				u.Threshold, changed = &r.threshold, true
			}
			if fl.Changed("periods") {
				u.Periods, changed = &r.periods, true
			}
			if fl.Changed("broker") {
				u.Broker, changed = &r.broker, true
			}
			if fl.Changed("disabled") {
				enabled := !r.disabled
				u.Enabled, changed = &enabled, true
			}
			for _, c := range []struct {
				clear bool
				flag  string
				dst   *bool
			}{{clearBroker, "broker", &u.ClearBroker}, {clearTopic, "topic", &u.ClearTopic}, {clearGrp, "group", &u.ClearGroup}} {
				if c.clear && fl.Changed(c.flag) {
					return fmt.Errorf("--%s and --clear-%s contradict each other", c.flag, c.flag)
				}
				*c.dst = c.clear
				changed = changed || c.clear
			}
			if noChannels && (fl.Changed("channel") || fl.Changed("notify")) {
				return fmt.Errorf("--no-channels and --channel or --notify contradict each other")
			}
			if noChannels || fl.Changed("channel") || fl.Changed("notify") {
				names, err := o.channelNames(cmd, &r)
				if err != nil {
					return err
				}
				if names == nil {
					names = []string{}
				}
				u.Channels, changed = &names, true
			}
			if !changed {
				return fmt.Errorf("'%s' needs a flag to change; see --help", cmd.CommandPath())
			}
			c := o.client()
			var rule *streamplane.AlarmRule
			var err error
			if fl.Changed("if-match") {
				rule, err = c.UpdateAlarmRule(cmd.Context(), args[0], args[1], u, client.IfMatch(ifMatch))
			} else {
				rule, err = c.UpdateAlarmRule(cmd.Context(), args[0], args[1], u)
			}
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, rule)
			}
			fmt.Fprintf(o.stdout, "Changed alarm rule %s on %s: %s.\n", rule.Name, args[0], ruleSummary(rule))
			return nil
		},
	}
	r.add(cmd, false)
	f := cmd.Flags()
	f.BoolVar(&clearBroker, "clear-broker", false, "watch every broker again")
	f.BoolVar(&clearTopic, "clear-topic", false, "watch every topic again")
	f.BoolVar(&clearGrp, "clear-group", false, "watch every consumer group again")
	f.BoolVar(&noChannels, "no-channels", false, "notify no channel")
	f.Int64Var(&ifMatch, "if-match", 0, "change only if the rule's version is still this (see 'alarm rule show')")
	return cmd
}

func newAlarmRuleDeleteCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "delete INSTANCE RULE",
		Short: "Delete an alarm rule",
		Long:  `Delete an alarm rule. The alarms it raised stay in the history ('alarm list').`,
		Args:  exactArgs("INSTANCE", "RULE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.client().DeleteAlarmRule(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"deleted": args[1]})
			}
			fmt.Fprintf(o.stdout, "Deleted alarm rule %s of %s.\n", args[1], args[0])
			return nil
		},
	}
}

// newAlarmRuleEnableCommand is 'alarm rule enable', or 'disable' when
// enable is false.
func newAlarmRuleEnableCommand(o *options, enable bool) *cobra.Command {
	verb, short := "enable", "Let an alarm rule fire again"
	if !enable {
		verb, short = "disable", "Keep an alarm rule from firing, without deleting it"
	}
	return &cobra.Command{
		Use:   verb + " INSTANCE RULE",
		Short: short,
		Args:  exactArgs("INSTANCE", "RULE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rule, err := o.client().UpdateAlarmRule(cmd.Context(), args[0], args[1], streamplane.AlarmRuleUpdate{Enabled: &enable})
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, rule)
			}
			fmt.Fprintf(o.stdout, "%sd alarm rule %s of %s.\n", strings.ToUpper(verb[:1])+verb[1:], rule.Name, args[0])
			return nil
		},
	}
}

var alarmStates = []string{streamplane.AlarmFiring, streamplane.AlarmResolved}

func newAlarmListCommand(o *options) *cobra.Command {
	var (
		opts     client.AlarmOptions
		from, to string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "list INSTANCE [--state firing|resolved] [--from TIME] [--to TIME] [--limit N]",
		Short: "List an instance's alarms, newest first",
		Long: `List the alarms an instance's rules raised, newest first: when each fired,
on which series, the value that fired it, and when it resolved. Times are
RFC 3339, Unix milliseconds, "now", or relative to now such as -1h or -7d.`,
		Example: `  streamplane alarm list demo --state firing
  streamplane alarm list demo --from -7d -o csv`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.State != "" && !slices.Contains(alarmStates, opts.State) {
				return fmt.Errorf("invalid --state %q: use firing or resolved", opts.State)
			}
			now := o.now()
			var err error
			if opts.From, err = parseMessageTime("--from", from, now); err != nil {
				return err
			}
			if opts.To, err = parseMessageTime("--to", to, now); err != nil {
				return err
			}
			if cmd.Flags().Changed("limit") && (opts.Limit < 1 || opts.Limit > 1000) {
				return fmt.Errorf("invalid --limit %d: from 1 to 1000", opts.Limit)
			}
			list, err := o.client().Alarms(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, a := range list.Alarms {
				resolved := ""
				if a.ResolvedAt != nil {
					resolved = rfc3339(a.ResolvedAt)
				}
				rows = append(rows, []string{rfc3339(&a.FiredAt), a.State, a.Severity, a.RuleName, a.Metric, labelText(a.Labels),
					thresholdText(a.Value, a.Metric), a.Op + " " + thresholdText(a.Threshold, a.Metric), resolved})
			}
			if err := o.printList(list, []string{"FIRED", "STATE", "SEVERITY", "RULE", "METRIC", "SERIES", "VALUE", "CONDITION", "RESOLVED"}, rows); err != nil {
				return err
			}
			if len(list.Alarms) == 0 && o.output == outputTable {
				fmt.Fprintln(o.stderr, "No alarms match.")
			}
			return nil
		},
	})
	f := cmd.Flags()
	f.StringVar(&opts.State, "state", "", "only firing or only resolved alarms")
	f.StringVar(&from, "from", "", "alarms fired at or after this time: RFC 3339, Unix ms, now or -DURATION (-1h, -7d)")
	f.StringVar(&to, "to", "", "alarms fired at or before this time: RFC 3339, Unix ms, now or -DURATION")
	f.IntVar(&opts.Limit, "limit", 0, "show at most this many alarms (server default 100, at most 1000)")
	return cmd
}

// labelText writes a series' dimensions as broker=0,topic=orders, in the
// catalog's order.
func labelText(labels map[string]string) string {
	var parts []string
	for _, d := range metricDimensions {
		if v, ok := labels[d]; ok {
			parts = append(parts, d+"="+v)
		}
	}
	var other []string
	for k, v := range labels {
		if !slices.Contains(metricDimensions, k) {
			other = append(other, k+"="+v)
		}
	}
	sort.Strings(other)
	return strings.Join(append(parts, other...), ",")
}
