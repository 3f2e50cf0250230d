package cli

import "github.com/spf13/cobra"

func newMessageCommand(o *options) *cobra.Command {
	return newGroup(o, "message", "")
}
