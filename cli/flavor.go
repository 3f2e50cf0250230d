package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/streamplane/streamplane/wire"
)

func newFlavorCommand(o *options) *cobra.Command {
	return newGroup(o, "flavor", "Broker flavors and their limits", newFlavorListCommand(o))
}

func newFlavorListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list",
		Short: "List the broker flavors and the per-broker limits they enforce",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			flavors, err := o.client().Flavors(cmd.Context())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, f := range flavors {
				rows = append(rows, []string{
					f.Name, strconv.Itoa(f.VCPUs), fmt.Sprintf("%d GB", f.MemoryGB),
					fmt.Sprintf("%d-%d", f.MinBrokers, f.MaxBrokers),
					strconv.Itoa(f.MaxPartitionsPerBroker), strconv.Itoa(f.RecommendedGroupsPerBroker),
					strconv.Itoa(f.MaxConnectionsPerBroker),
					fmt.Sprintf("%d-%d GB", f.MinStorageGBPerBroker, f.MaxStorageGBPerBroker),
					fmt.Sprintf("%d MB/s", f.ThroughputMBPerBroker),
				})
			}
			return o.printList(wire.FlavorList{Flavors: flavors},
				[]string{"NAME", "VCPUS", "MEMORY", "BROKERS", "PARTITIONS/BROKER", "GROUPS/BROKER", "CONNECTIONS/BROKER", "STORAGE/BROKER", "THROUGHPUT/BROKER"}, rows)
		},
	})
}
