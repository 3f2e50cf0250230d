package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

func newInstanceAdvertiseCommand(o *options) *cobra.Command {
	var req streamplane.AdvertiseRequest
	var clear, noWait bool
	cmd := &cobra.Command{
		Use:   "advertise NAME_OR_ID --broker ID --listener private|public (--address HOST:PORT | --clear)",
		Short: "Give one broker's clients another address (NAT, DNS) on a listener",
		Long: `Set the address one broker gives clients on a client listener, for clients
that reach it through NAT (DNAT on a firewall) or by a DNS name of their own
(DMS "cross-network access"). The broker still listens where it did; Kafka
tells clients the address you set, in its metadata. --clear goes back to
the broker's own address. The public listener takes an address only while
public access is on.

Applied by a rolling restart (Kafka reads its advertised listeners only at
start); on a SASL_SSL instance the broker's new certificate names the host.
'instance show' lists each broker's addresses.`,
		Example: `  streamplane instance advertise demo --broker 0 --listener public --address nat.example.com:19092
  streamplane instance advertise demo --broker 0 --listener public --clear`,
		Args: exactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "broker", "listener"); err != nil {
				return err
			}
			if clear == (req.Address != "") {
				return fmt.Errorf("give --address HOST:PORT, or --clear to go back to the broker's own address")
			}
			return o.runTasks(cmd.Context(), args, noWait, "Changing the advertised address of", "Changed the advertised address of",
				func(ctx context.Context, c *client.Client, target string) (*streamplane.Task, error) {
					return c.Advertise(ctx, target, req)
				})
		},
	}
	f := cmd.Flags()
	f.IntVar(&req.Broker, "broker", 0, "the broker's id (required)")
	f.StringVar(&req.Listener, "listener", "", "the client listener: private or public (required)")
	f.StringVar(&req.Address, "address", "", "HOST:PORT clients are told to use")
	f.BoolVar(&clear, "clear", false, "go back to the broker's own address")
	f.BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}
