package cli

import "github.com/spf13/cobra"

func newGroupCommand(o *options) *cobra.Command {
	return newGroup(o, "group", "")
}
