package cli

import (
	"context"

	"github.com/spf13/cobra"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newInstanceUpgradeCommand(o *options) *cobra.Command {
	var req streamplane.UpgradeRequest
	var noWait bool
	cmd := &cobra.Command{
		Use:   "upgrade NAME_OR_ID --version VERSION [--no-finalize]",
		Short: "Move an instance onto another Kafka version, through a safe rolling restart",
		Long: `Move an instance onto a newer Kafka version from 'runtime list': the version
is installed first, then the brokers restart one at a time onto it (as
'instance restart' does them: controllers last, never below
min.insync.replicas, each back in every ISR before the next); clients with
retries see no failed writes. Then metadata.version is finalized to the new
version's level, after which the old version cannot run the cluster again.
With --no-finalize it stays where it was: 'instance finalize-upgrade' raises
it later, and until then 'instance rollback-upgrade' (or upgrade --version
OLD) returns to the old jars.

Kafka's rules are checked before any broker restarts (e.g. Kafka 4 refuses
configurations 3.9 accepted). Should a broker fail, the roll stops there and
the instance is CHANGE_FAILED, serving on mixed versions ('instance show'
gives each broker's); upgrade again to carry on, or roll back.`,
		Example: `  streamplane instance upgrade orders --version 4.3.1
  streamplane instance upgrade orders --version 4.3.1 --no-finalize`,
		Args: exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "version"); err != nil {
				return err
			}
			return o.runTasks(cmd.Context(), args, noWait, "Upgrading", "Upgraded",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.UpgradeInstance(ctx, target, req)
				})
		},
	}
	cmd.Flags().StringVar(&req.Version, "version", "", "the Kafka version to move onto (required)")
	cmd.Flags().BoolVar(&req.NoFinalize, "no-finalize", false, "leave metadata.version for 'instance finalize-upgrade', keeping the way back")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}

func newInstanceFinalizeUpgradeCommand(o *options) *cobra.Command {
	var noWait bool
	cmd := &cobra.Command{
		Use:   "finalize-upgrade NAME_OR_ID",
		Short: "Raise an upgraded instance's metadata.version to its version's",
		Long: `Raise metadata.version, and the features a new cluster of the instance's
version has, to that version's levels, once every broker runs it. After
this the old version can no longer run the cluster: there is no rollback.`,
		Example: `  streamplane instance finalize-upgrade orders`,
		Args:    exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runTasks(cmd.Context(), args, noWait, "Finalizing the upgrade of", "Finalized the upgrade of",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.FinalizeUpgrade(ctx, target)
				})
		},
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}

func newInstanceRollbackUpgradeCommand(o *options) *cobra.Command {
	var noWait bool
	cmd := &cobra.Command{
		Use:   "rollback-upgrade NAME_OR_ID",
		Short: "Return an instance to the version before an upgrade not yet finalized",
		Long: `Restart the brokers that moved, one at a time, back onto the version the
instance ran before an upgrade whose metadata.version is not finalized (or
carry on with a rollback that stopped part way). Refused after finalize.`,
		Example: `  streamplane instance rollback-upgrade orders`,
		Args:    exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runTasks(cmd.Context(), args, noWait, "Rolling back the upgrade of", "Rolled back the upgrade of",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.RollbackUpgrade(ctx, target)
				})
		},
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}
