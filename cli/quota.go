package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

func newQuotaCommand(o *options) *cobra.Command {
	return newGroup(o, "quota", "Limit the produce and consume rates of users and clients (Kafka quotas)",
		newQuotaCreateCommand(o),
		newQuotaListCommand(o),
		newQuotaUpdateCommand(o),
		newQuotaDeleteCommand(o),
		newQuotaUsageCommand(o),
	)
}

// quotaUnits is what every quota command's help says about rates.
const quotaUnits = `Rates are in MB/s of decimal megabytes (1 MB = 10^6 bytes), from 0.1 to
10000, and hold on each broker separately, as Kafka's quotas do: a user with
5 MB/s may produce 5 MB/s to every broker that leads partitions it writes
to. Brokers hold back the answers of clients over their limit; they never
refuse them.`

// quotaEntityFlags adds the flags that name a quota's entity.
func quotaEntityFlags(cmd *cobra.Command, e *streamplane.QuotaEntity) {
	f := cmd.Flags()
	f.StringVar(&e.User, "user", "", "the SASL user the quota applies to (SASL_SSL instances)")
	f.BoolVar(&e.DefaultUser, "default-user", false, "apply to every user without a quota of its own")
	f.StringVar(&e.ClientID, "client-id", "", "the client id the quota applies to")
	f.BoolVar(&e.DefaultClient, "default-client", false, "apply to every client id without a quota of its own")
}

// entityGiven checks that some entity flag was given, before asking the server.
func entityGiven(cmd *cobra.Command) error {
	for _, n := range []string{"user", "default-user", "client-id", "default-client"} {
		if cmd.Flags().Changed(n) {
			return nil
		}
	}
	return fmt.Errorf("'%s' needs --user, --client-id, --default-user or --default-client (or a user and a client id)", cmd.CommandPath())
}

// rateFlags adds --produce-mbps and --consume-mbps.
func rateFlags(cmd *cobra.Command, produce, consume *float64) {
	cmd.Flags().Float64Var(produce, "produce-mbps", 0, "produce limit in MB/s per broker")
	cmd.Flags().Float64Var(consume, "consume-mbps", 0, "consume limit in MB/s per broker")
}

// changedRate returns a rate flag's value if it was given.
func changedRate(cmd *cobra.Command, name string, v float64) *float64 {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	return &v
}

func newQuotaCreateCommand(o *options) *cobra.Command {
	var (
		spec             streamplane.QuotaSpec
		produce, consume float64
	)
	cmd := &cobra.Command{
		Use:   "create INSTANCE [--user U | --default-user] [--client-id C | --default-client] [--produce-mbps X] [--consume-mbps Y]",
		Short: "Limit a user's, a client id's, or a default's produce and consume rates",
		Long: `Create a quota for a user, a client id, both, or the defaults that apply to
every user or client id without a quota of their own. Give a produce limit, a
consume limit or both. The user must be a SASL user of the instance; on
PLAINTEXT instances every client is User:ANONYMOUS, so only client-id quotas
apply there.

When several quotas match a client, Kafka applies the most specific one:
<user, client id>, <user, default client>, <user>, <default user, client id>,
<default user, default client>, <default user>, <client id>, <default client>.

` + quotaUnits,
		Example: `  streamplane quota create orders --user bob --produce-mbps 5 --consume-mbps 10
  streamplane quota create orders --user bob --client-id billing --produce-mbps 2
  streamplane quota create orders --client-id batch-loader --produce-mbps 5
  streamplane quota create orders --default-user --consume-mbps 50`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := entityGiven(cmd); err != nil {
				return err
			}
			spec.ProduceMBps, spec.ConsumeMBps = changedRate(cmd, "produce-mbps", produce), changedRate(cmd, "consume-mbps", consume)
			if spec.ProduceMBps == nil && spec.ConsumeMBps == nil {
				return fmt.Errorf("'%s' needs --produce-mbps, --consume-mbps or both", cmd.CommandPath())
			}
			q, err := o.client().CreateQuota(cmd.Context(), args[0], spec)
			if err != nil {
				return err
			}
			return o.printQuota("Created", q)
		},
	}
	quotaEntityFlags(cmd, &spec.QuotaEntity)
	rateFlags(cmd, &produce, &consume)
	return cmd
}

func newQuotaListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list INSTANCE",
		Short: "List an instance's quotas",
		Long: `List an instance's quotas: users first, then user defaults, client ids and
the client default. An empty limit ("-") is no limit in that direction.

` + quotaUnits,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().Quotas(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			var rows [][]string
			for _, q := range list.Quotas {
				rows = append(rows, []string{entityPart(q.User, q.DefaultUser), entityPart(q.ClientID, q.DefaultClient),
					rateCell(q.ProduceMBps), rateCell(q.ConsumeMBps)})
			}
			if err := o.printList(list, []string{"USER", "CLIENT-ID", "PRODUCE-MB/S", "CONSUME-MB/S"}, rows); err != nil {
				return err
			}
			if len(list.Quotas) == 0 && o.output == outputTable {
				fmt.Fprintf(o.stderr, "Instance %s has no quotas; every client may use the brokers' full bandwidth.\n", args[0])
			}
			return nil
		},
	})
}

func entityPart(name string, isDefault bool) string {
	if isDefault {
		return "<default>"
	}
	return name
}

func rateCell(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func newQuotaUpdateCommand(o *options) *cobra.Command {
	var (
		upd              streamplane.QuotaUpdate
		produce, consume float64
	)
	cmd := &cobra.Command{
		Use:   "update INSTANCE [--user U | --default-user] [--client-id C | --default-client] [--produce-mbps X] [--consume-mbps Y]",
		Short: "Change a quota's limits",
		Long: `Change one or both limits of an existing quota, or lift one of them with
--remove-produce or --remove-consume; a quota keeps at least one (delete it to
lift both). The entity flags name the quota exactly as it was created.

` + quotaUnits,
		Example: `  streamplane quota update orders --user bob --produce-mbps 2
  streamplane quota update orders --client-id batch-loader --consume-mbps 20 --remove-produce`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := entityGiven(cmd); err != nil {
				return err
			}
			upd.ProduceMBps, upd.ConsumeMBps = changedRate(cmd, "produce-mbps", produce), changedRate(cmd, "consume-mbps", consume)
			if upd.ProduceMBps == nil && upd.ConsumeMBps == nil && !upd.RemoveProduce && !upd.RemoveConsume {
				return fmt.Errorf("'%s' needs --produce-mbps, --consume-mbps, --remove-produce or --remove-consume", cmd.CommandPath())
			}
			q, err := o.client().UpdateQuota(cmd.Context(), args[0], upd)
			if err != nil {
				return err
			}
			return o.printQuota("Changed", q)
		},
	}
	quotaEntityFlags(cmd, &upd.QuotaEntity)
	rateFlags(cmd, &produce, &consume)
	cmd.Flags().BoolVar(&upd.RemoveProduce, "remove-produce", false, "lift the produce limit")
	cmd.Flags().BoolVar(&upd.RemoveConsume, "remove-consume", false, "lift the consume limit")
	return cmd
}

func newQuotaDeleteCommand(o *options) *cobra.Command {
	var e streamplane.QuotaEntity
	cmd := &cobra.Command{
		Use:   "delete INSTANCE [--user U | --default-user] [--client-id C | --default-client]",
		Short: "Delete a quota",
		Long: `Delete a quota: its clients fall back to the next quota that matches them
(a default, say), or to no limit.`,
		Example: `  streamplane quota delete orders --user bob
  streamplane quota delete orders --user bob --client-id billing`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := entityGiven(cmd); err != nil {
				return err
			}
			q, err := o.client().DeleteQuota(cmd.Context(), args[0], e)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, streamplane.QuotaDeletion{Deleted: *q})
			}
			fmt.Fprintf(o.stdout, "Deleted the quota of %s (%s).\n", q.Entity, quotaRates(q))
			return nil
		},
	}
	quotaEntityFlags(cmd, &e)
	return cmd
}

// printQuota shows a created or changed quota.
func (o *options) printQuota(verb string, q *streamplane.Quota) error {
	if o.json() {
		return printJSON(o.stdout, q)
	}
	fmt.Fprintf(o.stdout, "%s the quota of %s: %s.\n", verb, q.Entity, quotaRates(q))
	return nil
}

func quotaRates(q *streamplane.Quota) string {
	var parts []string
	for _, r := range []struct {
		dir string
		v   *float64
	}{{"produce", q.ProduceMBps}, {"consume", q.ConsumeMBps}} {
		if r.v != nil {
			parts = append(parts, r.dir+" "+streamplane.FormatMBps(*r.v)+" per broker")
		} else {
			parts = append(parts, r.dir+" unlimited")
		}
	}
	return strings.Join(parts, ", ")
}

func newQuotaUsageCommand(o *options) *cobra.Command {
	var (
		f  streamplane.QuotaUsageFilter
		by string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "usage INSTANCE --by produce|consume [--top N] [--min-mbps X] [--min-percent P]",
		Short: "Show who produces or consumes the most, against their quotas",
		Long: `Show the clients moving the most bytes in one direction, highest rate first:
their rate summed over all brokers (averaged by Kafka over about the last 10
seconds), the per-broker limit that applies and the quota it comes from, and
USE, the busiest broker's rate as a share of that limit: at 100% the brokers
start holding the clients back (THROTTLE-MS is the average delay).

Filters combine: --min-mbps keeps rates at or above a value, --min-percent
clients using at least that share of their quota.

Kafka measures clients by the quota levels in use: with user quotas, every
user shows (those without a quota of their own have no limit); with client-id
quotas, every client id. An instance that never had a quota shows nobody.`,
		Example: `  streamplane quota usage orders --by produce
  streamplane quota usage orders --by consume --top 20 --min-mbps 1
  streamplane quota usage orders --by produce --min-percent 80`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "by"); err != nil {
				return err
			}
			f.By = streamplane.QuotaDirection(strings.ToLower(by))
			u, err := o.client().QuotaUsage(cmd.Context(), args[0], f)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, e := range u.Entries {
				quota, use := "", ""
				if e.QuotaMBps != nil {
					quota = rateCell(e.QuotaMBps)
				}
				if e.Percent != nil {
					use = strconv.FormatFloat(*e.Percent, 'f', 1, 64) + "%"
				}
				rows = append(rows, []string{e.User, e.ClientID, strconv.FormatFloat(e.RateMBps, 'f', 3, 64), quota, use,
					strconv.FormatFloat(e.ThrottleMs, 'f', 0, 64), e.QuotaEntity})
			}
			if err := o.printList(u, []string{"USER", "CLIENT-ID", "RATE-MB/S", "QUOTA-MB/S", "USE", "THROTTLE-MS", "QUOTA"}, rows); err != nil {
				return err
			}
			if o.output != outputTable {
				return nil
			}
			for _, b := range u.Brokers {
				if b.Error != "" {
					fmt.Fprintf(o.stderr, "Broker %d is left out: %s\n", b.Broker, b.Error)
				}
			}
			switch {
			case u.Matched == 0:
				fmt.Fprintln(o.stderr, "No client matches.")
			case len(u.Entries) < u.Matched:
				fmt.Fprintf(o.stderr, "Showing the %d highest of %d matching clients; use --top for more.\n", len(u.Entries), u.Matched)
			}
			return nil
		},
	})
	fl := cmd.Flags()
	fl.StringVar(&by, "by", "", "produce or consume (required)")
	fl.IntVar(&f.Top, "top", 10, "show this many of the highest rates, 1-1000")
	fl.Float64Var(&f.MinMBps, "min-mbps", 0, "only clients moving at least this many MB/s in all")
	fl.Float64Var(&f.MinPercent, "min-percent", 0, "only clients using at least this percentage of their quota on some broker")
	return cmd
}
