package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newInstanceScaleCommand(o *options) *cobra.Command {
	var req streamplane.ScaleRequest
	var noWait bool
	cmd := &cobra.Command{
		Use:   "scale NAME_OR_ID (--brokers N | --remove-brokers ID,...)",
		Short: "Add brokers to an instance, or drain and remove some",
		Long: `Scale an instance out or in, without downtime.

--brokers N adds broker-only nodes (the three controllers stay as they are)
until the instance has N, each in the zone with the fewest brokers. Once
they have joined, partitions move onto them (a balanced, rack-aware plan
that moves as little as it can) unless --no-rebalance.

--remove-brokers drains the brokers named (their replicas move to the
others), then stops and unregisters them. Refused up front when the brokers
left cannot hold every replica or the flavor's partition limit for fewer
brokers is below what the topics have. Controllers cannot be removed.

Both end by restarting the controllers one at a time (they enforce the
partition limit, which follows the broker count). --throttle-mbps limits
the copying per broker; 'topic reassign --status' shows its progress.`,
		Example: `  streamplane instance scale orders --brokers 5
  streamplane instance scale orders --brokers 5 --no-rebalance
  streamplane instance scale orders --remove-brokers 4 --throttle-mbps 20`,
		Args: exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.BrokerCount == 0 && len(req.RemoveBrokers) == 0 {
				return fmt.Errorf("give --brokers N (to add brokers) or --remove-brokers ID,... (to remove them)")
			}
			return o.runTasks(cmd.Context(), args, noWait, "Scaling", "Scaled",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.Scale(ctx, target, req)
				})
		},
	}
	f := cmd.Flags()
	f.IntVar(&req.BrokerCount, "brokers", 0, "how many brokers the instance has after adding")
	f.IntSliceVar(&req.RemoveBrokers, "remove-brokers", nil, "broker-only nodes (ids) to drain and remove")
	f.BoolVar(&req.NoRebalance, "no-rebalance", false, "after adding, leave partitions where they are")
	f.IntVar(&req.ThrottleMBps, "throttle-mbps", 0, "replication throttle while partitions move, MB/s per broker (0: none)")
	f.BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}
