package cli

import "github.com/spf13/cobra"

func newZoneCommand(o *options) *cobra.Command {
	return newGroup(o, "zone", "Zones brokers can be placed in", newZoneListCommand(o))
}

func newZoneListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list",
		Short: "List the zones; each is a Kafka broker.rack",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			zones, err := o.client().Zones(cmd.Context())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, z := range zones {
				rows = append(rows, []string{z})
			}
			return o.printList(map[string]any{"zones": zones}, []string{"ZONE"}, rows)
		},
	})
}
