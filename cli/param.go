package cli

import "github.com/spf13/cobra"

func newParamCommand(o *options) *cobra.Command {
	return newGroup(o, "param", "")
}
